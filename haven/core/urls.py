from django.urls import path

from haven.core import views

app_name = "core"
urlpatterns = [
    path("", views.home, name="home"),
    path("help/", views.help_index, name="help"),
    # How to sign in: public, and open half-way through signing in (exempt from the second-factor step).
    path("help/sign-in/<slug:lang>/", views.sign_in_help, name="sign_in_help"),
    path("help/<slug:lang>/<slug:slug>/", views.guide, name="guide"),
]
