"""My work: hand-overs waiting, my cases with the next due date, my tasks due and overdue, reviews due for
the right case manager only; reminders and notifications that carry a case code and a coded kind only."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest

from haven.accounts.permissions import Role
from haven.cases import services
from haven.cases.models import Case
from haven.followup import reviews
from haven.followup import services as followup
from haven.followup.reviews import ReviewDue
from haven.notifications.kinds import KIND_CODES
from haven.notifications.models import Notification

TODAY = date.today()


@pytest.fixture
def erin(make_user):
    """A second North case manager: may open every North case, manages none of alice's."""
    return make_user(Role.CASE_MANAGER, "North", "erin@example.test")


@pytest.fixture
def frank(make_user):
    """South's case manager."""
    return make_user(Role.CASE_MANAGER, "South", "frank@example.test")


def _reflection_ending_in(alice, case, days: int) -> None:
    followup.identification_choice(actor=alice, case=case, choice="chosen", on=TODAY - timedelta(days=40))
    followup.reflection_period_set(actor=alice, case=case, starts_on=TODAY - timedelta(days=30 - days))


def _reviews_on_page(client) -> set[tuple[str, str]]:
    page = client.get("/work/").content.decode()
    return set(re.findall(r'data-review="([a-z_]+)" data-case="([A-Z0-9-]+)"', page))


def test_a_reflection_period_ending_in_five_days_shows_on_its_case_managers_page_only(
    alice, erin, frank, make_case, signed_in
):
    case = make_case(alice)
    south_case = make_case(frank)
    _reflection_ending_in(alice, case, 5)
    assert Case.objects.get(pk=case.pk).formal_identification.reflection_end == TODAY + timedelta(days=5)
    assert _reviews_on_page(signed_in(alice)) == {("reflection_end", case.code)}
    assert _reviews_on_page(signed_in(erin)) == set()  # same team, another manager
    assert _reviews_on_page(signed_in(frank)) == set()  # another team
    assert south_case.code not in signed_in(alice).get("/work/").content.decode()


def test_a_reflection_period_ending_later_than_the_notice_is_not_shown_yet(alice, make_case, signed_in):
    case = make_case(alice)
    _reflection_ending_in(alice, case, 20)
    assert _reviews_on_page(signed_in(alice)) == set()


def test_consent_expiry_is_a_review_due(alice, make_case, signed_in):
    case = make_case(alice)
    services.consent_record(
        actor=alice,
        case=case,
        purpose="assistance",
        status="given",
        given_on=TODAY,
        expires_on=TODAY + timedelta(days=3),
        language="en",
        explained_by=alice,
        interpreter=False,
        information_sheet_version="v1",
    )
    assert _reviews_on_page(signed_in(alice)) == {("consent_expiry", case.code)}


def test_another_app_can_add_reviews_through_the_registration_point(alice, make_case, signed_in, monkeypatch):
    case = make_case(alice)

    def safety_plan_reviews(user, today, until):
        return (
            [ReviewDue(case.code, "safety_plan_review", "Safety plan review", today)] if user == alice else []
        )

    monkeypatch.setattr(reviews, "_PROVIDERS", [*reviews._PROVIDERS])
    reviews.register_reviews_provider(safety_plan_reviews)
    assert ("safety_plan_review", case.code) in _reviews_on_page(signed_in(alice))


def test_my_work_lists_my_cases_with_the_next_due_date_and_my_tasks(alice, bob, make_case, signed_in):
    case = make_case(alice)
    services.case_assign(actor=alice, case=case, caseworkers=[bob])
    services.task_add(
        actor=alice, case=case, due_on=TODAY - timedelta(days=2), kind="appointment", assignee=bob
    )
    services.task_add(actor=alice, case=case, due_on=TODAY + timedelta(days=2), kind="referral", assignee=bob)
    page = signed_in(bob).get("/work/").content.decode()
    cases = re.search(r'data-block="cases">(.*?)</section>', page, re.S)
    assert cases is not None and case.code in cases.group(1)
    assert (TODAY - timedelta(days=2)).isoformat() in cases.group(1)
    tasks = re.search(r'data-block="tasks">(.*?)</section>', page, re.S)
    assert tasks is not None
    assert tasks.group(1).count("data-task=") == 2 and "Overdue" in tasks.group(1)


def test_a_high_risk_case_carries_the_flag_on_my_work(alice, make_case, signed_in):
    case = make_case(alice)
    assert 'data-flag="risk-high"' not in signed_in(alice).get("/work/").content.decode()
    Case.objects.filter(pk=case.pk).update(risk_level="high")  # as the risk assessment sets it
    assert 'data-flag="risk-high"' in signed_in(alice).get("/work/").content.decode()


def test_the_contact_person_sees_hand_overs_waiting(alice, make_user, signed_in):
    volunteer = make_user(Role.VOLUNTEER, "North")
    case = services.first_contact_create(actor=volunteer, values={"stated_age": 30}, confirm_new_person=True)
    services.case_handover(actor=volunteer, case=case)
    page = signed_in(alice).get("/work/").content.decode()
    assert 'data-block="handovers"' in page and case.code in page
    assert Notification.objects.filter(user=alice, kind="handover_waiting", case_code=case.code).exists()


@pytest.mark.parametrize("role", list(Role))
def test_every_role_has_a_my_work_page(make_user, signed_in, role):
    user = make_user(role, None if role == Role.ADMIN else "North")
    assert signed_in(user).get("/work/").status_code == 200


def test_reminders_notify_the_case_manager_once_with_a_code_and_a_kind_only(alice, erin, make_case):
    case = make_case(alice)
    _reflection_ending_in(alice, case, 5)
    assert followup.reminders_send() == 1
    assert followup.reminders_send() == 0  # the same review is not notified twice
    note = Notification.objects.get(kind="review_due")
    assert (note.user, note.case_code) == (alice, case.code)
    assert not Notification.objects.filter(user=erin).exists()


def test_notifications_carry_no_personal_data(alice, bob, make_case, make_user):
    case = make_case(alice, name="Test Person Unique Zeta")
    services.case_assign(actor=alice, case=case, caseworkers=[bob])
    services.task_add(
        actor=alice, case=case, due_on=TODAY, title="Meet Test Person Unique Zeta", assignee=bob
    )
    consent = services.consent_record(
        actor=alice,
        case=case,
        purpose="assistance",
        status="given",
        given_on=TODAY,
        language="en",
        explained_by=alice,
        interpreter=False,
        information_sheet_version="v1",
    )
    services.consent_withdraw(
        actor=alice, case=case, consent=consent, reason="changed_mind", confirm_no_pressure=True
    )
    rows = list(Notification.objects.filter(user=bob))
    assert {n.kind for n in rows} == {"case_assigned", "task_assigned", "consent_withdrawn"}
    for row in rows:
        assert row.kind in KIND_CODES and row.case_code == case.code
        assert "Zeta" not in f"{row.kind}{row.case_code}{row.ref}"


def test_the_navigation_shows_the_unread_count_and_reading_clears_it(alice, bob, make_case, signed_in):
    case = make_case(alice)
    services.case_assign(actor=alice, case=case, caseworkers=[bob])
    client = signed_in(bob)
    assert 'data-nav="notifications"' in client.get("/work/").content.decode()
    assert 'data-unread="1"' in client.get("/work/").content.decode()
    listing = client.get("/notifications/").content.decode()
    assert case.code in listing
    assert client.post("/notifications/read/").status_code == 302
    assert 'data-unread="' not in client.get("/work/").content.decode()
