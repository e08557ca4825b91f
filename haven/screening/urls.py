"""Screening URLs. Screenings are addressed by a random uid; no URL carries personal data."""

from django.urls import path

from haven.screening import views

app_name = "screening"
urlpatterns = [
    path("", views.start, name="start"),
    path("about/", views.about, name="about"),
    path("library/", views.library, name="library"),
    path("<uuid:uid>/", views.overview, name="continue"),
    path("<uuid:uid>/quick/", views.quick, name="quick"),
    path("<uuid:uid>/section/<slug:group>/", views.section, name="section"),
    path("<uuid:uid>/complete/", views.complete, name="complete"),
    path("<uuid:uid>/discard/", views.discard, name="discard"),
    path("information/<slug:lang>/", views.information, name="information"),
    path("<uuid:uid>/result/", views.result, name="result"),
]
