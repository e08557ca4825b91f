"""The DPO asks the case manager for the possible-pressure check an erasure waits for: a task for them."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.core.exceptions import PermissionDenied

from haven.accounts.models import User
from haven.accounts.permissions import Role
from haven.audit.models import AuditEvent
from haven.cases import services as cases
from haven.cases.models import Case, Task
from haven.cases.selectors import tasks_for


@pytest.fixture
def dpo(make_user: Callable[..., User]) -> User:
    return make_user(Role.DPO, "North", "dpo@example.test")


def test_the_dpo_asks_and_the_case_manager_gets_a_task(alice: User, dpo: User, make_case, signed_in) -> None:
    case = make_case(alice)
    response = signed_in(dpo).post(f"/oversight/cases/{case.code}/ask-pressure-check/")
    assert response.status_code == 302 and response["Location"] == f"/cases/{case.code}/erase/"
    task = Task.objects.get(case=case)
    assert task.assignee == alice and task.done_at is None
    titles = [view.title.value for view in tasks_for(Case.objects.get(pk=case.pk))]
    assert titles == [
        "Check the erasure request for signs of pressure (asked by the data protection officer)"
    ]
    assert AuditEvent.objects.filter(action="case.pressure_check_requested", actor_id=dpo.pk).exists()
    # Nothing was erased by asking.
    assert Case.objects.get(pk=case.pk).person.erased_at is None


def test_only_the_dpo_may_ask(alice: User, bob: User, make_case) -> None:
    case = make_case(alice)
    for someone in (alice, bob):
        with pytest.raises(PermissionDenied):
            cases.pressure_check_request(actor=someone, case=case)
