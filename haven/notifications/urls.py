"""The account's notifications. Paths carry no personal data."""

from django.urls import path

from haven.notifications import views

app_name = "notifications"
urlpatterns = [
    path("", views.notification_list, name="list"),
    path("read/", views.mark_read, name="mark_read"),
]
