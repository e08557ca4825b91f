"""Screening URLs. Screenings are addressed by a random uid; no URL carries personal data."""

from django.urls import path

from haven.screening import views

app_name = "screening"
urlpatterns = [
    path("", views.start, name="start"),
    path("about/", views.about, name="about"),
    path("library/", views.library, name="library"),
    path("library/drafts/new/", views.library_draft_new, name="library_draft_new"),
    path("library/drafts/<uuid:uid>/", views.library_draft, name="library_draft"),
    path("library/drafts/<uuid:uid>/approve/", views.library_draft_approve, name="library_draft_approve"),
    path("library/drafts/<uuid:uid>/withdraw/", views.library_draft_withdraw, name="library_draft_withdraw"),
    path(
        "library/drafts/<uuid:uid>/indicators/<str:indicator_id>/",
        views.library_indicator,
        name="library_indicator",
    ),
    path("<uuid:uid>/", views.overview, name="continue"),
    path("<uuid:uid>/quick/", views.quick, name="quick"),
    path("<uuid:uid>/section/<slug:group>/", views.section, name="section"),
    path("<uuid:uid>/complete/", views.complete, name="complete"),
    path("<uuid:uid>/discard/", views.discard, name="discard"),
    path("information/<slug:lang>/", views.information, name="information"),
    path("<uuid:uid>/result/", views.result, name="result"),
]
