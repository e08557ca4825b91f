"""Terminology checker URLs (no personal data: the text is posted, never in the URL)."""

from django.urls import path

from haven.terms import views

app_name = "terms"

urlpatterns = [
    path("", views.check_text, name="check"),
    path("rules/", views.rule_list, name="rules"),
]
