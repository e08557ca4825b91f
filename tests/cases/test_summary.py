"""The case summary is built around the work: each panel shows to the roles that need it and to no other,
the next steps are only what the role may do, and every link on the page leads somewhere the role may go."""

from __future__ import annotations

import html
import re
from datetime import UTC, date, datetime, timedelta
from urllib.parse import urlsplit

import pytest
from django.test import Client
from django.utils import timezone

from haven.accounts.permissions import Role
from haven.audit.models import AuditEvent
from haven.cases import services
from haven.cases.models import Case, Consent, Task
from haven.referrals.models import Referral
from tests.referrals.helpers import organisation


def _page(client: Client, code: str) -> str:
    response = client.get(f"/cases/{code}/")
    assert response.status_code == 200
    return response.content.decode()


def _panel(page: str, key: str) -> str | None:
    """The text of the panel `key`, tags removed and spaces collapsed; None when the page has none."""
    found = re.search(rf'<section class="panel[^"]*" data-panel="{key}".*?</section>', page, flags=re.S)
    if found is None:
        return None
    return html.unescape(" ".join(re.sub(r"<[^>]+>", " ", found.group(0)).split()))


def _actions(page: str) -> list[str]:
    block = re.search(r'data-panel="next-actions".*?</section>', page, flags=re.S)
    if block is None:
        return []
    return re.findall(r'data-action="([^"]+)"', block.group(0))


def _consent(alice, case, purpose, status="given", recipient="", expires_on=None):
    return services.consent_record(
        actor=alice,
        case=case,
        purpose=purpose,
        recipient=recipient,
        status=status,
        given_on=date(2026, 3, 2),
        expires_on=expires_on,
        language="en",
        explained_by=alice,
        interpreter=False,
        information_sheet_version="v1",
    )


@pytest.fixture
def volunteer(make_user):
    return make_user(Role.VOLUNTEER)


@pytest.fixture
def first_contact(volunteer):
    """A volunteer's first contact, not yet handed over: the only case a volunteer may open."""
    return services.first_contact_create(
        actor=volunteer,
        values={
            "name": "Test Person Gamma",
            "stated_age": 30,
            "age_method": "statement",
            "age_established_adult": True,
            "languages": ["ro"],
        },
        confirm_new_person=True,
    )


@pytest.fixture
def worked_case(alice, bob, make_case):
    """A case in screening, assigned to bob, with consent, tasks, notes and a referral to Shelter Nord."""
    organisation("SHELTER-NORD", name="Shelter Nord")
    case = make_case(alice)
    services.case_assign(actor=alice, case=case, caseworkers=[bob])
    return case


# -- who the person is ---------------------------------------------------------------------------------------


def test_the_case_manager_sees_who_the_person_is_with_languages_by_name(worked_case, alice, signed_in):
    person = _panel(_page(signed_in(alice), worked_case.code), "person")
    assert person is not None
    assert "Name Test Person Alpha" in person
    assert "Languages Romanian, English (information in English)" in person
    assert "Child No, 18 or over" in person


def test_the_preferred_name_leads_when_the_person_gave_one(alice, make_case, signed_in):
    case = make_case(alice, preferred_name="Test Ana")
    person = _panel(_page(signed_in(alice), case.code), "person") or ""
    assert "The person Preferred name Test Ana Name Test Person Alpha" in person


def test_the_person_panel_reads_in_french(worked_case, alice, signed_in):
    client = signed_in(alice)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "fr"
    person = _panel(_page(client, worked_case.code), "person")
    assert person is not None
    assert "roumain, anglais (information en anglais)" in person


def test_a_volunteer_sees_the_child_flag_and_languages_but_no_name(first_contact, volunteer, signed_in):
    person = _panel(_page(signed_in(volunteer), first_contact.code), "person")
    assert person is not None
    assert "Test Person Gamma" not in person
    assert "Languages Romanian" in person
    assert "Child No, 18 or over" in person


def test_a_child_is_flagged_as_a_child(alice, make_case, signed_in):
    case = make_case(alice, age_established_adult=False, stated_age=15, age_method="statement")
    assert "Child Yes, or age in doubt" in (_panel(_page(signed_in(alice), case.code), "person") or "")


# -- stage and risk ------------------------------------------------------------------------------------------


def test_the_case_panel_shows_stage_and_a_high_risk_flag(worked_case, alice, bob, signed_in):
    Case.objects.filter(pk=worked_case.pk).update(risk_level="high")
    for reader in (alice, bob):
        panel = _panel(_page(signed_in(reader), worked_case.code), "case") or ""
        assert "Stage Screening" in panel
        assert "Risk High risk" in panel


def test_a_case_not_yet_assessed_says_so(worked_case, alice, signed_in):
    assert "Risk Risk not assessed yet" in (_panel(_page(signed_in(alice), worked_case.code), "case") or "")


# -- consent -------------------------------------------------------------------------------------------------


def test_consent_shows_per_purpose_and_recipient_the_latest_decision(worked_case, alice, signed_in):
    _consent(alice, worked_case, "data_storage", expires_on=date(2030, 6, 30))
    _consent(alice, worked_case, "statistics", status="refused")
    shelter = _consent(alice, worked_case, "referral", recipient="SHELTER-NORD")
    services.consent_withdraw(
        actor=alice, case=worked_case, consent=shelter, reason="changed_mind", confirm_no_pressure=True
    )
    Consent.objects.filter(pk=shelter.pk).update(withdrawn_at=datetime(2026, 11, 9, 10, 0, tzinfo=UTC))
    panel = _panel(_page(signed_in(alice), worked_case.code), "consent")
    assert panel == (
        "Consent "
        "Given Storing personal data since 2 March 2026, until 30 June 2030 "
        "Withdrawn Referral to a named organisation: Shelter Nord since 9 November 2026 "
        "Refused Anonymised statistics since 2 March 2026 "
        "All consent records"
    )


def test_a_caseworker_sees_consent_and_a_volunteer_does_not(
    worked_case, first_contact, bob, volunteer, signed_in
):
    assert _panel(_page(signed_in(bob), worked_case.code), "consent") is not None
    assert _panel(_page(signed_in(volunteer), first_contact.code), "consent") is None


# -- next task and review ------------------------------------------------------------------------------------


def test_the_next_due_task_and_review_show_the_soonest(worked_case, alice, bob, signed_in):
    _consent(alice, worked_case, "data_storage", expires_on=date(2030, 6, 30))
    services.task_add(actor=alice, case=worked_case, due_on=date(2030, 1, 1), kind="appointment")
    late = services.task_add(actor=alice, case=worked_case, due_on=date(2030, 1, 1), kind="follow_up_call")
    Task.objects.filter(pk=late.pk).update(due_on=date(2025, 11, 3))
    panel = _panel(_page(signed_in(bob), worked_case.code), "next-due") or ""
    assert "Task Follow-up contact — 3 November 2025 Overdue" in panel
    assert "Review Consent expires — 30 June 2030" in panel
    assert "2 open tasks" in panel


def test_the_next_review_comes_from_the_risk_assessment_and_formal_identification(
    worked_case, alice, signed_in
):
    from haven.assessment import services as assessment
    from haven.assessment.rules import RiskFactors
    from haven.followup.models import FormalIdentification

    assessment.risk_assessment_record(
        actor=alice,
        case=worked_case,
        factors=RiskFactors(),
        family_involvement="none",
        review_on=date(2030, 2, 1),
    )
    client = signed_in(alice)
    assert "Review Risk assessment review — 1 February 2030" in (
        _panel(_page(client, worked_case.code), "next-due") or ""
    )
    FormalIdentification.objects.create(case=worked_case, reflection_end=date(2030, 1, 15))
    assert "Review Reflection period ends — 15 January 2030" in (
        _panel(_page(client, worked_case.code), "next-due") or ""
    )


def test_a_volunteer_sees_no_tasks_or_reviews(first_contact, volunteer, signed_in):
    assert _panel(_page(signed_in(volunteer), first_contact.code), "next-due") is None


# -- open referrals ------------------------------------------------------------------------------------------


def test_open_referrals_show_with_their_organisation_and_status(worked_case, alice, bob, signed_in):
    shelter = organisation("SHELTER-SUD", name="Shelter Sud")
    for status in ("sent", "completed"):
        Referral.objects.create(
            case=worked_case,
            organisation=shelter,
            need_domain="accommodation",
            status=status,
            language="en",
            created_by=alice,
        )
    panel = _panel(_page(signed_in(bob), worked_case.code), "referrals") or ""
    assert "Open referrals Shelter Sud: Sent" in panel
    assert "Completed" not in panel


def test_a_volunteer_sees_no_referrals(first_contact, volunteer, signed_in):
    assert _panel(_page(signed_in(volunteer), first_contact.code), "referrals") is None


# -- last notes ----------------------------------------------------------------------------------------------


def test_the_last_three_notes_show_only_in_the_sections_the_role_may_read(worked_case, alice, bob, signed_in):
    for n in range(3):
        services.note_add(actor=alice, case=worked_case, section="general", body=f"Test general note {n}")
    services.note_add(actor=alice, case=worked_case, section="health", body="Test health note")
    manager_sees = _panel(_page(signed_in(alice), worked_case.code), "notes") or ""
    assert "Test health note" in manager_sees
    assert "Test general note 2" in manager_sees and "Test general note 1" in manager_sees
    assert "Test general note 0" not in manager_sees  # the fourth newest is one tap away
    caseworker_sees = _panel(_page(signed_in(bob), worked_case.code), "notes") or ""
    assert "Test health note" not in caseworker_sees
    assert "Test general note 0" in caseworker_sees


def test_notes_shown_on_the_summary_are_audited_as_read(worked_case, alice, signed_in):
    services.note_add(actor=alice, case=worked_case, section="health", body="Test health note")
    _page(signed_in(alice), worked_case.code)
    sections = set(
        AuditEvent.objects.filter(action="case.viewed", object_id=worked_case.code).values_list(
            "detail__section", flat=True
        )
    )
    assert {"summary", "identity", "notes", "health"} <= sections


# -- next steps ----------------------------------------------------------------------------------------------


def test_a_volunteer_is_offered_the_hand_over(first_contact, volunteer, signed_in):
    assert _actions(_page(signed_in(volunteer), first_contact.code)) == ["handover"]


def test_the_contact_person_is_offered_to_take_a_first_contact_on(alice, make_case, signed_in):
    case = make_case(alice, open_case=False)
    assert _actions(_page(signed_in(alice), case.code)) == ["open-case"]


def test_a_caseworker_is_offered_the_work_of_the_stage(worked_case, bob, signed_in):
    assert _actions(_page(signed_in(bob), worked_case.code)) == [
        "work-with-person",
        "record-consent",
        "add-note",
    ]


def test_an_overdue_task_comes_first(worked_case, alice, signed_in):
    late = services.task_add(actor=alice, case=worked_case, due_on=date(2030, 1, 1), kind="appointment")
    Task.objects.filter(pk=late.pk).update(due_on=timezone.localdate() - timedelta(days=1))
    assert _actions(_page(signed_in(alice), worked_case.code))[:1] == ["overdue-task"]


def test_a_closed_case_offers_reopening_to_the_case_manager_only(worked_case, alice, bob, signed_in):
    services.case_close(actor=alice, case=worked_case, reason="integrated_locally", note="Test closure")
    assert _actions(_page(signed_in(alice), worked_case.code)) == ["reopen"]
    assert _actions(_page(signed_in(bob), worked_case.code)) == []


# -- every link leads somewhere the role may go --------------------------------------------------------------


def _links(page: str) -> list[str]:
    hrefs = {html.unescape(h) for h in re.findall(r'<a [^>]*href="([^"#]+)"', page)}
    return sorted(h for h in hrefs if h.startswith("/") and not urlsplit(h).path.startswith("/static/"))


def _assert_every_link_opens(client: Client, code: str) -> None:
    page = _page(client, code)
    links = _links(page)
    assert f"/cases/{code}/timeline/" in links  # the page's own links are among those followed
    refused = {}
    for href in links:
        status = client.get(href).status_code
        if status in (403, 404) or status >= 500:
            refused[href] = status
    assert refused == {}


@pytest.fixture
def busy_case(worked_case, alice):
    """The worked case with something in every panel."""
    _consent(alice, worked_case, "data_storage", expires_on=date(2030, 6, 30))
    _consent(alice, worked_case, "referral", recipient="SHELTER-NORD")
    services.task_add(actor=alice, case=worked_case, due_on=date(2030, 1, 1), kind="appointment")
    services.note_add(actor=alice, case=worked_case, section="general", body="Test note")
    services.note_add(actor=alice, case=worked_case, section="health", body="Test health note")
    Referral.objects.create(
        case=worked_case,
        organisation=organisation("SHELTER-SUD", name="Shelter Sud"),
        need_domain="accommodation",
        status="sent",
        language="en",
        created_by=alice,
    )
    return worked_case


def test_every_link_on_the_summary_opens_for_the_case_manager(busy_case, alice, signed_in):
    _assert_every_link_opens(signed_in(alice), busy_case.code)


def test_every_link_on_the_summary_opens_for_the_caseworker(busy_case, bob, signed_in):
    _assert_every_link_opens(signed_in(bob), busy_case.code)


def test_every_link_on_the_summary_opens_for_the_volunteer(first_contact, volunteer, signed_in):
    _assert_every_link_opens(signed_in(volunteer), first_contact.code)


def test_every_link_on_the_summary_opens_for_the_dpo_with_a_purpose(busy_case, make_user, signed_in):
    dpo = make_user(Role.DPO)
    services.dpo_purpose_record(actor=dpo, case=busy_case, purpose="access_request", reason="Test request")
    _assert_every_link_opens(signed_in(dpo), busy_case.code)


def test_every_link_on_a_child_s_summary_opens_for_each_role(alice, bob, make_case, signed_in):
    case = make_case(alice, age_established_adult=False, stated_age=15, age_method="statement")
    services.case_assign(actor=alice, case=case, caseworkers=[bob])
    for reader in (alice, bob):
        _assert_every_link_opens(signed_in(reader), case.code)


def test_every_link_on_a_closed_summary_opens_for_each_role(worked_case, alice, bob, signed_in):
    services.case_close(actor=alice, case=worked_case, reason="integrated_locally", note="Test closure")
    for reader in (alice, bob):
        _assert_every_link_opens(signed_in(reader), worked_case.code)
