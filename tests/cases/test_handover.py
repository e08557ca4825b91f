"""A screening that shows signs reaches the team's contact person: pre-filled first contact, agreement,
hand-over note, the "hand-overs waiting" list, taking it on, and the case showing its screening."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from haven.accounts import services as accounts
from haven.accounts.models import Team
from haven.accounts.permissions import Role
from haven.audit.models import AuditEvent
from haven.cases import selectors, services
from haven.cases.models import Case, Consent
from haven.screening import services as screening_services
from haven.screening.engine import REASON_TEXT
from haven.screening.models import Screening

# Hand-written from the guidance: what a quick screening's yes answers show (see docs/screening.md).
STRONG_ADULT = {"dr.travel_arranged": "yes", "ec.excessive_hours": "yes", "cd.documents_held": "yes"}
COERCED_CHILD = {"cd.threats": "yes"}
NOTHING = {"sa.immediate_danger": "no", "cd.threats": "no"}


@pytest.fixture
def volunteer(make_user):
    return make_user(Role.VOLUNTEER)


@pytest.fixture
def contact_person(make_user):
    return make_user(Role.CASE_MANAGER)


def screened(volunteer, answers, age=30, doubt=False) -> Screening:
    screening = screening_services.screening_start(
        actor=volunteer, kind="quick", age=age, age_in_doubt=doubt, information_language="fr"
    )
    screening_services.screening_answer(actor=volunteer, screening=screening, answers=answers)
    return screening_services.screening_complete(actor=volunteer, screening=screening)


def test_a_strong_signs_screening_is_handed_over_with_consent_and_taken_on_by_the_contact_person(
    volunteer, contact_person
):
    screening = screened(volunteer, STRONG_ADULT)
    assert screening.outcome == "strong_signs"
    case = services.handover_from_screening(
        actor=volunteer,
        screening=screening,
        values={"safe_contact": "Only by phone"},
        basis="consent",
        note="Met at the reception centre.",
    )
    assert (case.handed_over, case.handover_basis, case.handover_urgent) == (True, "consent", False)
    assert case.team == volunteer.team
    # The age answer was not typed again: it is the screening's.
    assert (case.person.stated_age, case.person.is_child) == (30, False)
    consent = Consent.objects.get(case=case)
    assert (consent.purpose, consent.status, consent.language) == ("contact_person", "given", "fr")
    screening.refresh_from_db()
    assert screening.case_code == case.code and screening.linked_with_consent

    waiting = selectors.handovers_waiting(contact_person)
    assert [row.case.code for row in waiting] == [case.code]
    assert waiting[0].screening.pk == screening.pk
    services.case_open(actor=contact_person, case=case)
    assert selectors.handovers_waiting(contact_person) == []
    assert [s.pk for s in selectors.screenings_for(case)] == [screening.pk]
    mine = selectors.handovers_by(volunteer)
    assert [(row.outcome, row.accepted) for row in mine] == [("strong_signs", True)]


def test_a_coerced_child_is_an_urgent_hand_over_under_the_child_rule_with_its_reason(
    volunteer, contact_person
):
    routine = services.handover_from_screening(
        actor=volunteer, screening=screened(volunteer, STRONG_ADULT), values={}, basis="consent"
    )
    screening = screened(volunteer, COERCED_CHILD, age=15)
    assert screening.outcome == "child_safeguarding"
    with pytest.raises(ValidationError) as missing:
        services.handover_from_screening(
            actor=volunteer, screening=screening, values={}, basis="child_protection"
        )
    assert "reason" in missing.value.message_dict
    case = services.handover_from_screening(
        actor=volunteer,
        screening=screening,
        values={},
        basis="child_protection",
        reason="A child who is threatened: protection goes ahead in the child's best interests.",
    )
    assert case.handover_urgent and case.person.is_child
    assert not Consent.objects.filter(case=case).exists()
    # Urgent first, whatever the order of arrival.
    assert [row.case.code for row in selectors.handovers_waiting(contact_person)] == [case.code, routine.code]


@pytest.mark.parametrize(
    ("answers", "age", "basis", "reason", "field"),
    [
        (NOTHING, 30, "consent", "", "screening"),  # no signs noted: nothing to hand over
        (STRONG_ADULT, 30, "child_protection", "An adult is not a child, whatever the reason.", "basis"),
        (STRONG_ADULT, 30, "vital_interest", "", "reason"),
        (STRONG_ADULT, 30, "police", "", "basis"),
    ],
    ids=["no-signs", "child-rule-for-an-adult", "vital-interest-without-reason", "unknown-basis"],
)
def test_a_hand_over_that_breaks_a_rule_is_refused_naming_it_and_creates_nothing(
    volunteer, answers, age, basis, reason, field
):
    screening = screened(volunteer, answers, age=age)
    with pytest.raises(ValidationError) as refused:
        services.handover_from_screening(
            actor=volunteer, screening=screening, values={}, basis=basis, reason=reason
        )
    assert field in refused.value.message_dict
    assert Case.objects.count() == 0


def test_only_the_person_who_ran_the_screening_hands_it_over_and_only_once(volunteer, make_user):
    screening = screened(volunteer, STRONG_ADULT)
    other = make_user(Role.VOLUNTEER)
    with pytest.raises(PermissionDenied):
        services.handover_from_screening(actor=other, screening=screening, values={}, basis="consent")
    services.handover_from_screening(actor=volunteer, screening=screening, values={}, basis="consent")
    screening.refresh_from_db()
    with pytest.raises(ValidationError, match="already handed over"):
        services.handover_from_screening(actor=volunteer, screening=screening, values={}, basis="consent")
    assert Case.objects.count() == 1


def test_the_web_journey_from_result_to_hand_over_to_taking_it_on(volunteer, contact_person, signed_in):
    north = Team.objects.get(pk=volunteer.team_id)
    accounts.team_contacts_set(
        actor=None,
        team=north,
        contact_person="Contact Person North",
        contact_how="+00 000 000 000",
        safeguarding_contact="Safeguarding North",
        safeguarding_steps="Call the safeguarding officer now.",
    )
    screening = screened(volunteer, STRONG_ADULT)
    client = signed_in(volunteer)
    result = client.get(f"/screening/{screening.uid}/result/").content.decode()
    assert "Contact Person North" in result and 'data-action="start-handover"' in result
    form = client.get(f"/cases/handovers/screening/{screening.uid}/")
    assert form.status_code == 200 and "Contact Person North" in form.content.decode()
    refused = client.post(f"/cases/handovers/screening/{screening.uid}/", {"note": "x"})
    assert refused.status_code == 400 and Case.objects.count() == 0
    done = client.post(
        f"/cases/handovers/screening/{screening.uid}/",
        {"basis": "consent", "note": "Met at the reception centre.", "gender": "NonSpecifiedUnknown"},
    )
    assert done.status_code == 302 and done["Location"] == "/cases/handovers/mine/"
    case = Case.objects.get()
    assert (
        client.get(f"/cases/{case.code}/").status_code == 404
    )  # the volunteer sees the status, not the case
    assert 'data-accepted="false"' in client.get("/cases/handovers/mine/").content.decode()

    manager = signed_in(contact_person)
    waiting = manager.get("/cases/handovers/").content.decode()
    assert f'data-handover="{case.code}"' in waiting
    # The screening's reasons come with the hand-over (the engine's texts, as on the volunteer's result).
    assert REASON_TEXT["adult_elements_met"] in waiting
    assert 'data-action="take-on"' in waiting
    taken = manager.post(f"/cases/{case.code}/open/", {"confirm": "yes"})
    assert taken.status_code == 302
    detail = manager.get(f"/cases/{case.code}/").content.decode()
    assert 'data-screening-outcome="strong_signs"' in detail
    assert 'data-accepted="true"' in client.get("/cases/handovers/mine/").content.decode()
    assert AuditEvent.objects.filter(action="case.handed_over_from_screening").count() == 1


def test_a_child_result_shows_the_teams_safeguarding_steps(volunteer, signed_in):
    north = Team.objects.get(pk=volunteer.team_id)
    accounts.team_contacts_set(
        actor=None,
        team=north,
        contact_person="Contact Person North",
        contact_how="",
        safeguarding_contact="Safeguarding North",
        safeguarding_steps="Stay with the child. Call the safeguarding officer now.",
    )
    screening = screened(volunteer, COERCED_CHILD, age=13)
    page = signed_in(volunteer).get(f"/screening/{screening.uid}/result/").content.decode()
    assert 'data-block="safeguarding"' in page
    assert "Call the safeguarding officer now." in page and "Safeguarding North" in page
    assert "urgent" in page.lower()
