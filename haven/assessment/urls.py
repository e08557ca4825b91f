"""Assessment pages, under each case's path. Paths carry the pseudonymous case code and row ids only."""

from django.urls import path

import haven.cases.urls  # noqa: F401 (registers the <case:…> path converter)
from haven.assessment import views

app_name = "assessment"
urlpatterns = [
    path("<case:code>/assessment/", views.overview, name="overview"),
    path("<case:code>/assessment/needs/", views.needs, name="needs"),
    path("<case:code>/assessment/needs/new/", views.needs_new, name="needs_new"),
    path("<case:code>/assessment/needs/<int:number>/", views.needs, name="needs_version"),
    path("<case:code>/assessment/risk/", views.risk, name="risk"),
    path("<case:code>/assessment/risk/new/", views.risk_new, name="risk_new"),
    path("<case:code>/assessment/risk/<int:pk>/sign-off/", views.risk_sign_off, name="risk_sign_off"),
    path("<case:code>/assessment/risk/safety-plan/", views.safety_plan, name="safety_plan"),
    path("<case:code>/assessment/family-links/", views.family_links, name="family_links"),
    path("<case:code>/assessment/support-plan/", views.support_plan, name="support_plan"),
    path("<case:code>/assessment/support-plan/<int:pk>/", views.support_goal, name="support_goal"),
    path("<case:code>/assessment/support-plan/review/", views.support_review, name="support_review"),
    path("<case:code>/assessment/child/", views.child_protection, name="child_protection"),
]
