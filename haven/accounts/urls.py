from django.urls import path

from haven.accounts import views

app_name = "accounts"
urlpatterns = [
    path("login/", views.login, name="login"),
    path("mfa/", views.mfa, name="mfa"),
    path("mfa/enrol/", views.mfa_enrol, name="mfa_enrol"),
    path("mfa/recovery/", views.mfa_recovery, name="mfa_recovery"),
    path("invitation/<str:token>/", views.invitation, name="invitation"),
    path("reauth/", views.reauth, name="reauth"),
    path("logout/", views.logout, name="logout"),
]
