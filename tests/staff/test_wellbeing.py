"""Wellbeing: the person and their designated supporter see the person's entries; nobody else (managers
included) ever does; managers see counts for the whole Society with small numbers suppressed."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.http import Http404

from haven.accounts.permissions import Role
from haven.audit.models import AuditEvent
from haven.staff import services
from haven.staff.models import WellbeingEntry

SECRET_NOTE = "Synthetic note: the nights after the shelter visit are hard."


@pytest.fixture
def people(make_user):
    return {
        "volunteer": make_user(Role.VOLUNTEER),
        "supporter": make_user(Role.CASEWORKER),
        "programme": make_user(Role.PROGRAMME_MANAGER),
        "manager": make_user(Role.CASE_MANAGER),
        "admin": make_user(Role.ADMIN, None),
    }


@pytest.fixture
def member(people):
    member = services.staff_member_create(
        actor=people["programme"],
        name="Vera Test",
        kind="volunteer",
        user=people["volunteer"],
        supporter=people["supporter"],
    )
    services.wellbeing_check_in(actor=people["volunteer"], feeling="strained", note=SECRET_NOTE)
    return member


def test_the_person_sees_their_own_entries_with_the_note(people, member):
    _member, entries = services.wellbeing_entries(actor=people["volunteer"], member_uid=str(member.uid))
    assert [(e.entry.feeling, e.note) for e in entries] == [("strained", SECRET_NOTE)]


def test_the_designated_supporter_sees_them_and_can_offer_support(people, member):
    _member, entries = services.wellbeing_entries(actor=people["supporter"], member_uid=str(member.uid))
    assert [e.note for e in entries] == [SECRET_NOTE]
    services.wellbeing_offer_support(
        actor=people["supporter"], member_uid=str(member.uid), note="Offered a talk."
    )
    assert member.wellbeing.filter(kind="support_offered").count() == 1


@pytest.mark.parametrize("who", ["programme", "manager", "admin"])
def test_managers_and_the_administrator_never_see_an_individuals_entries(people, member, who):
    with pytest.raises(Http404):
        services.wellbeing_entries(actor=people[who], member_uid=str(member.uid))
    with pytest.raises(Http404):
        services.wellbeing_offer_support(actor=people[who], member_uid=str(member.uid))


@pytest.mark.parametrize("who", ["programme", "manager"])
def test_the_individual_page_answers_not_found_to_managers(people, member, signed_in, who):
    response = signed_in(people[who]).get(f"/staff/wellbeing/{member.uid}/")
    assert response.status_code == 404
    assert SECRET_NOTE not in response.content.decode()


def test_the_note_is_sealed_in_the_database_and_absent_from_the_audit(people, member):
    with connection.cursor() as cursor:
        cursor.execute("SELECT note FROM staff_wellbeingentry")
        (blob,) = cursor.fetchone()
    assert b"shelter" not in bytes(blob)
    assert not any(
        "strained" in str(e.detail) or "shelter" in str(e.detail) for e in AuditEvent.objects.all()
    )


def test_counts_below_the_threshold_are_suppressed(people, member, settings):
    settings.WELLBEING_MIN_COUNT = 5
    summary = services.wellbeing_summary(actor=people["programme"])
    check_ins = next(c for c in summary.by_kind if c.label == "Check-in")
    strained = next(c for c in summary.by_feeling if c.label == "Under strain")
    assert (check_ins.count, check_ins.suppressed) == (0, True)
    assert (strained.count, strained.suppressed) == (0, True)
    assert summary.people.suppressed is True
    well = next(c for c in summary.by_feeling if c.label == "Doing well")
    assert (well.count, well.suppressed) == (0, False)  # nothing recorded: nothing to hide


def test_counts_at_the_threshold_are_shown(people, member, make_user, settings):
    settings.WELLBEING_MIN_COUNT = 3
    for _ in range(2):
        services.wellbeing_check_in(actor=make_user(Role.VOLUNTEER), feeling="strained")
    summary = services.wellbeing_summary(actor=people["programme"])
    strained = next(c for c in summary.by_feeling if c.label == "Under strain")
    assert (strained.count, strained.suppressed) == (3, False)
    assert summary.people.count == 3


def test_the_summary_page_shows_fewer_than_and_no_note(people, member, signed_in, settings):
    settings.WELLBEING_MIN_COUNT = 5
    page = signed_in(people["programme"]).get("/staff/wellbeing/summary/").content.decode()
    assert "fewer than 5" in page
    assert SECRET_NOTE not in page and "Vera Test" not in page


def test_only_the_programme_manager_sees_the_counts(people, member):
    with pytest.raises(PermissionDenied):
        services.wellbeing_summary(actor=people["manager"])


def test_anyone_may_check_in_before_being_registered(people):
    entry = services.wellbeing_check_in(actor=people["admin"], feeling="well", wants_support=True)
    assert entry.kind == "support_requested"
    assert WellbeingEntry.objects.filter(member__user=people["admin"]).count() == 1


def test_the_check_in_page_records_an_entry_and_says_who_sees_it(people, signed_in):
    client = signed_in(people["manager"])
    response = client.post("/staff/wellbeing/check-in/", {"feeling": "coping", "note": ""}, follow=True)
    assert "only you and your supporter see it" in response.content.decode()
