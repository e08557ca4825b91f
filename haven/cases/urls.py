"""Case pages. Paths carry the pseudonymous case code and row ids only, never personal data."""

import os

from django.conf import settings
from django.urls import path, register_converter

from haven.cases import views


class CaseCodeConverter:
    regex = r"HV-[0-9]{4}-[0-9]{5,}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(CaseCodeConverter, "case")

app_name = "cases"
urlpatterns = [
    path("", views.case_list, name="list"),
    path("overdue/", views.overdue, name="overdue"),
    path("search/", views.search, name="search"),
    path("new/", views.first_contact, name="first_contact"),
    path("handovers/", views.handovers, name="handovers"),
    path("handovers/mine/", views.my_handovers, name="my_handovers"),
    path("handovers/screening/<uuid:uid>/", views.handover_from_screening, name="handover_screening"),
    path("<case:code>/", views.detail, name="detail"),
    path("<case:code>/purpose/", views.purpose, name="purpose"),
    path("<case:code>/person/edit/", views.person_edit, name="person_edit"),
    path("<case:code>/person/<str:section>/", views.person_section, name="person"),
    path("<case:code>/identity/", views.person_section, {"section": "identity"}, name="identity"),
    path("<case:code>/stage/", views.stage, name="stage"),
    path("<case:code>/handover/", views.handover, name="handover"),
    path("<case:code>/open/", views.open_case, name="open"),
    path("<case:code>/assign/", views.assign, name="assign"),
    path("<case:code>/consent/", views.consent, name="consent"),
    path("<case:code>/consent/basis/", views.legal_basis, name="legal_basis"),
    path("<case:code>/consent/<int:pk>/withdraw/", views.consent_withdraw, name="consent_withdraw"),
    path("<case:code>/pressure/", views.pressure, name="pressure"),
    path("<case:code>/child/", views.child, name="child"),
    path("<case:code>/events/", views.events, name="events"),
    path("<case:code>/notes/", views.notes, name="notes"),
    path("<case:code>/tasks/", views.tasks, name="tasks"),
    path("<case:code>/tasks/<int:pk>/done/", views.task_done, name="task_done"),
    path("<case:code>/tasks/<int:pk>/undo/", views.task_undo, name="task_undo"),
    path("<case:code>/tasks/<int:pk>/assign/", views.task_assign, name="task_assign"),
    path("<case:code>/attachments/", views.attachments, name="attachments"),
    path("<case:code>/attachments/<int:pk>/", views.attachment_download, name="attachment"),
    path("<case:code>/timeline/", views.timeline, name="timeline"),
    path("<case:code>/export/", views.export, name="export"),
    path("<case:code>/erase/", views.erase, name="erase"),
]

if os.environ.get("HAVEN_BENCH") == "1" and settings.HAVEN_ENV != "production":
    # bench/cases_bench.py's baseline: same middleware as every page, nothing else. Never in production.
    from haven.cases import bench_views

    urlpatterns.append(path("bench/bare/", bench_views.bare, name="bench_bare"))
