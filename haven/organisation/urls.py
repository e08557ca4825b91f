"""The organisation's pages: readiness, awareness, legal framework, guidance cards, advocacy (ids only)."""

from django.urls import path

from haven.organisation import views

app_name = "organisation"

urlpatterns = [
    path("readiness/", views.readiness, name="readiness"),
    path("readiness/start/", views.readiness_start, name="readiness_start"),
    path("readiness/<int:year>/answer/", views.readiness_answer, name="readiness_answer"),
    path("readiness/items/", views.readiness_item_add, name="readiness_item_add"),
    path("readiness/<int:year>/report/", views.readiness_report, name="readiness_report"),
    path("awareness/", views.awareness, name="awareness"),
    path("awareness/new/", views.awareness_create, name="awareness_create"),
    path("awareness/<uuid:uid>/", views.awareness_detail, name="awareness_detail"),
    path("awareness/<uuid:uid>/risks/", views.awareness_risks, name="awareness_risks"),
    path("awareness/<uuid:uid>/held/", views.awareness_held, name="awareness_held"),
    path("legal/", views.legal, name="legal"),
    path("legal/new/", views.legal_add, name="legal_add"),
    path("guidance/", views.guidance, name="guidance"),
    path("guidance/<slug:key>/", views.guidance_card, name="guidance_card"),
    path("advocacy/", views.advocacy, name="advocacy"),
    path("advocacy/new/", views.advocacy_create, name="advocacy_create"),
    path("advocacy/<uuid:uid>/meetings/", views.advocacy_meeting, name="advocacy_meeting"),
]
