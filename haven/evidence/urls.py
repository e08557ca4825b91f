"""Evidence dashboard URLs (ids only, never personal data)."""

from django.urls import path

from haven.evidence import views

app_name = "evidence"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("releases/new/", views.release_create, name="release_create"),
    path("releases/<int:pk>/", views.release_detail, name="release_detail"),
    path("releases/<int:pk>/table.csv", views.release_csv, name="release_csv"),
    path("releases/<int:pk>/reproduce/", views.release_reproduce, name="release_reproduce"),
    path("budget/", views.budget_set, name="budget_set"),
    path("exports/new/", views.export_download, name="export_download"),
    path("brief.pdf", views.brief, name="brief"),
]
