"""Referral network pages. Paths carry case codes, organisation codes and ids only, never personal data."""

from django.urls import path

from haven.cases.urls import CaseCodeConverter  # noqa: F401 (registers the <case:> converter)
from haven.referrals import views

app_name = "referrals"
urlpatterns = [
    path("directory/", views.directory, name="directory"),
    path("directory/new/", views.organisation_edit, name="organisation_new"),
    path("directory/<str:org_code>/edit/", views.organisation_edit, name="organisation_edit"),
    path("gaps/", views.gaps, name="gaps"),
    path("gaps.csv", views.gaps_export, name="gaps_export"),
    path("case/<case:code>/", views.case_referrals, name="case"),
    path("case/<case:code>/link/", views.link, name="link"),
    path("case/<case:code>/links/<int:pk>/card/", views.link_card, name="link_card"),
    path("case/<case:code>/refer/", views.refer, name="refer"),
    path("case/<case:code>/r/<uuid:uid>/", views.referral, name="referral"),
    path("case/<case:code>/r/<uuid:uid>/send/", views.send, name="send"),
    path("case/<case:code>/r/<uuid:uid>/letter.<str:fmt>", views.letter, name="letter"),
    path("case/<case:code>/r/<uuid:uid>/status/", views.status, name="status"),
    path("case/<case:code>/stop/", views.stop, name="stop"),
    path("case/<case:code>/stop/<int:pk>/restore/", views.restore, name="restore"),
    path("case/<case:code>/residence/", views.residence, name="residence"),
    path("case/<case:code>/authority/", views.authority, name="authority"),
    path("case/<case:code>/dialogue/", views.dialogue, name="dialogue"),
    path(
        "case/<case:code>/authority/<int:pk>/<str:decision>/", views.authority_decide, name="authority_decide"
    ),
]
