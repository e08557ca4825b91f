"""The timeline reads as plain sentences in the reader's language, one line per event, with who and when;
the expected lines are written out by hand below, in English and in French."""

from __future__ import annotations

import html
import re
from datetime import UTC, date, datetime

import pytest
from django.test import Client

from haven.cases import services
from haven.cases.models import Consent, Note, StageChange, Task
from haven.referrals.models import Referral
from tests.referrals.helpers import organisation


def _at(day: int, hour: int, minute: int) -> datetime:
    return datetime(2026, 3, day, hour, minute, tzinfo=UTC)


def _lines(client: Client, code: str) -> list[str]:
    page = client.get(f"/cases/{code}/timeline/").content.decode()
    items = re.findall(r'<li data-kind="[^"]+">(.*?)</li>', page, flags=re.S)
    return [html.unescape(" ".join(re.sub(r"<[^>]+>", " ", item).split())) for item in items]


def _texts(client: Client, code: str) -> list[str]:
    page = client.get(f"/cases/{code}/timeline/").content.decode()
    return [html.unescape(text) for text in re.findall(r'<span class="timeline-text">(.*?)</span>', page)]


@pytest.fixture
def worked_case(alice, bob, make_case):
    """A case with a first contact, taken on, consent given and withdrawn for Shelter Nord, a task done and a
    health note: each event put at a known minute of March 2026."""
    alice.display_name = "Alice Martin"
    alice.save(update_fields=["display_name"])
    shelter = organisation("SHELTER-NORD", name="Shelter Nord")
    case = make_case(alice)
    services.case_assign(actor=alice, case=case, caseworkers=[bob])
    consent = services.consent_record(
        actor=alice,
        case=case,
        purpose="referral",
        recipient="SHELTER-NORD",
        status="given",
        given_on=date(2026, 3, 2),
        language="en",
        explained_by=alice,
        interpreter=False,
        information_sheet_version="v1",
    )
    services.consent_withdraw(
        actor=alice, case=case, consent=consent, reason="changed_mind", confirm_no_pressure=True
    )
    task = services.task_add(actor=alice, case=case, due_on=date(2030, 1, 1), kind="follow_up_call")
    services.task_done(actor=bob, case=case, task=task)
    services.note_add(actor=alice, case=case, section="health", body="Test health note")
    first, taken_on = StageChange.objects.filter(case=case).order_by("pk")
    StageChange.objects.filter(pk=first.pk).update(changed_at=_at(2, 9, 0))
    StageChange.objects.filter(pk=taken_on.pk).update(changed_at=_at(2, 9, 30))
    type(case).objects.filter(pk=case.pk).update(handed_over_at=_at(2, 9, 30))
    Consent.objects.filter(pk=consent.pk).update(recorded_at=_at(2, 10, 0), withdrawn_at=_at(9, 16, 45))
    Task.objects.filter(pk=task.pk).update(created_at=_at(3, 8, 15), done_at=_at(4, 14, 5))
    Note.objects.filter(case=case).update(created_at=_at(5, 11, 0))
    Referral.objects.create(
        case=case,
        organisation=shelter,
        need_domain="accommodation",
        status="accepted",
        language="en",
        created_by=alice,
        created_at=_at(6, 12, 0),
        sent_at=_at(6, 12, 30),
        sent_by=alice,
        status_changed_at=_at(7, 9, 0),
    )
    return case


def test_the_timeline_tells_each_event_once_in_plain_english(worked_case, alice, signed_in):
    assert _lines(signed_in(alice), worked_case.code) == [
        "Consent for referral to Shelter Nord withdrawn 9 March 2026, 16:45 · Alice Martin",
        "Referral to Shelter Nord accepted 7 March 2026, 09:00",
        "Referral to Shelter Nord sent 6 March 2026, 12:30 · Alice Martin",
        "Note added (Health) 5 March 2026, 11:00 · Alice Martin",
        "Task done: follow-up contact 4 March 2026, 14:05 · bob@example.test",
        "Task added: follow-up contact 3 March 2026, 08:15 · Alice Martin",
        "Consent for referral to Shelter Nord given 2 March 2026, 10:00 · Alice Martin",
        "Taken on by the contact person (stage: Screening) 2 March 2026, 09:30 · Alice Martin",
        "First contact recorded 2 March 2026, 09:00 · Alice Martin",
    ]


def test_the_timeline_reads_in_french_with_french_dates(worked_case, alice, signed_in):
    client = signed_in(alice)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "fr"
    assert _lines(client, worked_case.code) == [
        "Consentement retiré pour l'orientation vers Shelter Nord 9 mars 2026, 16:45 · Alice Martin",
        "Orientation vers Shelter Nord acceptée 7 mars 2026, 09:00",
        "Orientation vers Shelter Nord envoyée 6 mars 2026, 12:30 · Alice Martin",
        "Note ajoutée (Santé) 5 mars 2026, 11:00 · Alice Martin",
        "Tâche faite : contact de suivi 4 mars 2026, 14:05 · bob@example.test",
        "Tâche ajoutée : contact de suivi 3 mars 2026, 08:15 · Alice Martin",
        "Consentement donné pour l'orientation vers Shelter Nord 2 mars 2026, 10:00 · Alice Martin",
        "Pris en charge par la personne de contact (étape : Repérage) 2 mars 2026, 09:30 · Alice Martin",
        "Premier contact enregistré 2 mars 2026, 09:00 · Alice Martin",
    ]


def test_a_caseworker_who_may_not_read_health_notes_does_not_see_them_on_the_timeline(
    worked_case, bob, signed_in
):
    assert "Note added (Health)" not in _texts(signed_in(bob), worked_case.code)
    assert "Task done: follow-up contact" in _texts(signed_in(bob), worked_case.code)


def test_a_hand_over_by_the_volunteer_is_its_own_event(make_user, alice, signed_in):
    from haven.accounts.permissions import Role

    volunteer = make_user(Role.VOLUNTEER)
    volunteer.display_name = "Vera Volunteer"
    volunteer.save(update_fields=["display_name"])
    case = services.first_contact_create(
        actor=volunteer,
        values={
            "name": "Test Person Beta",
            "stated_age": 30,
            "age_established_adult": True,
            "age_method": "statement",
        },
        confirm_new_person=True,
    )
    services.case_handover(actor=volunteer, case=case)
    services.case_open(actor=alice, case=case)
    # A volunteer hands over minutes or days before the contact person takes the case on.
    first = StageChange.objects.filter(case=case).order_by("pk").first()
    StageChange.objects.filter(pk=first.pk).update(changed_at=_at(1, 9, 0))
    type(case).objects.filter(pk=case.pk).update(handed_over_at=_at(1, 9, 30))
    assert _texts(signed_in(alice), case.code) == [
        "Taken on by the contact person (stage: Screening)",
        "Handed over to the contact person",
        "First contact recorded",
    ]


def test_taking_on_a_case_nobody_handed_over_is_one_event_not_two(alice, make_case, signed_in):
    case = make_case(alice)
    assert _texts(signed_in(alice), case.code) == [
        "Taken on by the contact person (stage: Screening)",
        "First contact recorded",
    ]
