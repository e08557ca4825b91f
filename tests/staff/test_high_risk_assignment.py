"""End to end, on the web: a high-risk case goes only to someone whose personal security training is valid in
the staff register (seed 4.2, point 3). Refused before the training is recorded, allowed after, refused again
once it has expired; the same rule for a task that would give access to the case."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from haven.accounts.models import User
from haven.accounts.permissions import Role
from haven.audit.models import AuditEvent
from haven.cases import services as cases
from haven.cases.access import may_take_high_risk
from haven.cases.models import Case
from haven.staff.models import StaffMember
from tests.assessment.conftest import record_risk

pytestmark = pytest.mark.django_db
SignIn = Callable[[User], Client]


@pytest.fixture
def high_risk_case(alice: User) -> Case:
    """A North case managed by alice, assessed high risk (re-trafficking likely)."""
    case = cases.first_contact_create(actor=alice, values={"stated_age": 29}, confirm_new_person=True)
    case = cases.case_open(actor=alice, case=case)
    record_risk(alice, case, re_trafficking="likely")
    case.refresh_from_db()
    assert case.risk_level == "high"
    return case


def register_with_security_training(
    client: Client, account: User, *, completed_days_ago: int = 10, valid_days: int = 365
) -> None:
    """The programme manager adds `account` to the register and records a personal security training."""
    added = client.post("/staff/new/", {"name": "Test Worker", "kind": "staff", "user": account.pk})
    assert added.status_code == 302, added.content.decode()[:500]
    member = StaffMember.objects.get(user=account)
    today = timezone.localdate()
    recorded = client.post(
        f"/staff/{member.uid}/trainings/",
        {
            "kind": "personal_security",
            "completed_on": (today - timedelta(days=completed_days_ago)).isoformat(),
            "expires_on": (
                today - timedelta(days=completed_days_ago) + timedelta(days=valid_days)
            ).isoformat(),
        },
    )
    assert recorded.status_code == 302, recorded.content.decode()[:500]


def test_a_high_risk_case_goes_to_a_caseworker_only_once_their_security_training_is_recorded(
    high_risk_case: Case, alice: User, bob: User, make_user: Callable[..., User], signed_in: SignIn
) -> None:
    manager = signed_in(alice)
    assign = {"case_manager": alice.pk, "caseworkers": [bob.pk]}

    refused = manager.post(f"/cases/{high_risk_case.code}/assign/", assign)
    assert refused.status_code == 400
    assert "This case is high risk" in refused.content.decode()
    assert not high_risk_case.caseworkers.filter(pk=bob.pk).exists()
    assert AuditEvent.objects.filter(
        action="case.assign_refused", detail__reason="high_risk_assignment"
    ).exists()

    register_with_security_training(signed_in(make_user(Role.PROGRAMME_MANAGER, "North")), bob)

    allowed = manager.post(f"/cases/{high_risk_case.code}/assign/", assign)
    assert allowed.status_code == 302
    assert high_risk_case.caseworkers.filter(pk=bob.pk).exists()


def test_an_expired_security_training_no_longer_counts(
    high_risk_case: Case, alice: User, bob: User, make_user: Callable[..., User], signed_in: SignIn
) -> None:
    register_with_security_training(
        signed_in(make_user(Role.PROGRAMME_MANAGER, "North")), bob, completed_days_ago=400, valid_days=365
    )
    assert may_take_high_risk(bob) is False
    response = signed_in(alice).post(
        f"/cases/{high_risk_case.code}/assign/", {"case_manager": alice.pk, "caseworkers": [bob.pk]}
    )
    assert response.status_code == 400


def test_a_task_that_would_open_a_high_risk_case_follows_the_same_rule(
    high_risk_case: Case, alice: User, bob: User, make_user: Callable[..., User], signed_in: SignIn
) -> None:
    due = (timezone.localdate() + timedelta(days=3)).isoformat()
    task = {"kind": "follow_up_call", "title": "", "due_on": due, "assignee": bob.pk}
    refused = signed_in(alice).post(f"/cases/{high_risk_case.code}/tasks/", task)
    assert refused.status_code == 400
    assert not high_risk_case.caseworkers.filter(pk=bob.pk).exists()

    register_with_security_training(signed_in(make_user(Role.PROGRAMME_MANAGER, "North")), bob)
    assert signed_in(alice).post(f"/cases/{high_risk_case.code}/tasks/", task).status_code == 302
    assert high_risk_case.caseworkers.filter(pk=bob.pk).exists()  # the task gave bob access


def test_keeping_the_case_manager_on_a_case_that_became_high_risk_is_not_a_new_assignment(
    high_risk_case: Case, alice: User
) -> None:
    kept = cases.case_assign(actor=alice, case=high_risk_case, case_manager=alice)
    assert kept.case_manager_id == alice.pk
