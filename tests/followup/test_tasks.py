"""Follow-up that can be trusted: a task goes only to someone who may open the case; a closed or erased
case leaves no open task in any overdue list; "done" can be undone within a day; the overdue list shows
title, case code and days overdue."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError

from haven.accounts.permissions import Role
from haven.cases import selectors, services
from haven.cases.access import cases_openable_by
from haven.cases.models import Task
from haven.notifications.models import Notification
from tests.cases.helpers import ApiClient

PAST = date.today() - timedelta(days=3)


@pytest.fixture
def case(alice, bob, make_case):
    """A North case: alice its case manager, bob (North caseworker) on it."""
    made = make_case(alice)
    return services.case_assign(actor=alice, case=made, caseworkers=[bob])


@pytest.fixture
def dave(make_user):
    """A North caseworker who is not on the case."""
    return make_user(Role.CASEWORKER, "North", "dave@example.test")


def test_a_task_cannot_be_assigned_on_the_web_to_someone_of_another_team(alice, charlie, case, signed_in):
    form = {"kind": "appointment", "due_on": "2030-01-01", "assignee": str(charlie.pk)}
    response = signed_in(alice).post(f"/cases/{case.code}/tasks/", form)
    assert response.status_code == 400
    assert "not in the case&#x27;s team and may not open the case" in response.content.decode()
    assert not Task.objects.filter(case=case).exists()


def test_a_task_cannot_be_assigned_through_the_api_to_someone_of_another_team(alice, charlie, case):
    body = {"kind": "appointment", "due_on": "2030-01-01", "assignee": charlie.pk}
    response = ApiClient(alice).post(f"/cases/{case.code}/tasks", body)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "assignee_cannot_open_case"
    assert not Task.objects.filter(case=case).exists()


def test_a_task_cannot_be_given_to_a_volunteer_or_a_disabled_account(alice, case, make_user):
    volunteer = make_user(Role.VOLUNTEER, "North")
    gone = make_user(Role.CASEWORKER, "North")
    gone.is_active = False
    gone.save()
    for person, reason in ((volunteer, "caseworkers and case managers only"), (gone, "disabled")):
        with pytest.raises(ValidationError, match=reason):
            services.task_add(actor=alice, case=case, due_on=PAST, kind="appointment", assignee=person)


def test_a_caseworker_cannot_give_a_colleague_access_by_assigning_a_task(bob, dave, case, signed_in):
    form = {"kind": "appointment", "due_on": "2030-01-01", "assignee": str(dave.pk)}
    response = signed_in(bob).post(f"/cases/{case.code}/tasks/", form)
    assert response.status_code == 400
    assert "Only a case manager can give them access" in response.content.decode()
    assert not cases_openable_by(dave).filter(pk=case.pk).exists()
    body = {"kind": "appointment", "due_on": "2030-01-01", "assignee": dave.pk}
    answer = ApiClient(bob).post(f"/cases/{case.code}/tasks", body)
    assert answer.json()["error"]["code"] == "assignee_cannot_open_case"


def test_a_case_manager_assigning_a_task_to_a_team_caseworker_gives_them_the_case(alice, dave, case):
    services.task_add(actor=alice, case=case, due_on=PAST, kind="appointment", assignee=dave)
    assert cases_openable_by(dave).filter(pk=case.pk).exists()
    kinds = set(Notification.objects.filter(user=dave).values_list("kind", flat=True))
    assert kinds == {"case_assigned", "task_assigned"}


def test_reassigning_a_task_follows_the_same_rule_on_the_web_and_the_api(
    alice, bob, charlie, case, signed_in
):
    task = services.task_add(actor=alice, case=case, due_on=PAST, kind="appointment")
    web = signed_in(alice).post(f"/cases/{case.code}/tasks/{task.pk}/assign/", {"assignee": str(charlie.pk)})
    assert web.status_code == 400
    api = ApiClient(alice).post(f"/cases/{case.code}/tasks/{task.pk}/assign", {"assignee": charlie.pk})
    assert api.json()["error"]["code"] == "assignee_cannot_open_case"
    assert Task.objects.get(pk=task.pk).assignee is None
    ok = signed_in(alice).post(f"/cases/{case.code}/tasks/{task.pk}/assign/", {"assignee": str(bob.pk)})
    assert ok.status_code == 302
    assert Task.objects.get(pk=task.pk).assignee == bob


def _overdue_everywhere(users, code, signed_in) -> list[str]:
    """Where the case still shows an overdue task: in each account's overdue list, data and page."""
    found = []
    for user in users:
        if any(t.case.code == code for t in selectors.overdue_tasks(user)):
            found.append(f"{user.email} (list)")
        if code in signed_in(user).get("/cases/overdue/").content.decode():
            found.append(f"{user.email} (page)")
    return found


def test_closing_a_case_leaves_no_open_task_in_any_overdue_list(alice, bob, case, signed_in):
    services.task_add(actor=alice, case=case, due_on=PAST, kind="appointment", assignee=bob)
    services.task_add(actor=alice, case=case, due_on=PAST, title="Call back")
    assert _overdue_everywhere([alice, bob], case.code, signed_in)
    services.case_close(actor=alice, case=case, reason="moved", note="Moved to another city.")
    assert _overdue_everywhere([alice, bob], case.code, signed_in) == []
    assert set(Task.objects.filter(case=case).values_list("closed_reason", flat=True)) == {"case_closed"}
    assert not Task.objects.filter(case=case, closed_at=None, done_at=None).exists()


def test_erasing_a_person_leaves_no_open_task_in_any_overdue_list(alice, bob, dpo, case, signed_in):
    services.task_add(actor=alice, case=case, due_on=PAST, kind="appointment", assignee=bob)
    services.person_erase(actor=dpo, case=case, reason="retention_expired")
    assert _overdue_everywhere([alice, bob, dpo], case.code, signed_in) == []
    assert list(Task.objects.filter(case=case).values_list("closed_reason", flat=True)) == ["case_erased"]


def test_a_task_closed_with_its_case_cannot_be_marked_done(alice, case):
    task = services.task_add(actor=alice, case=case, due_on=PAST, kind="appointment")
    services.case_close(actor=alice, case=case, reason="moved", note="Moved.")
    services.case_reopen(actor=alice, case=case, note="Came back.")
    with pytest.raises(ValidationError, match="closed with the case"):
        services.task_done(actor=alice, case=case, task=task)


def test_done_can_be_undone_within_a_day_and_not_after(alice, case, clock, signed_in):
    task = services.task_add(actor=alice, case=case, due_on=PAST, kind="appointment")
    services.task_done(actor=alice, case=case, task=task)
    clock.advance(hours=23)
    response = signed_in(alice).post(f"/cases/{case.code}/tasks/{task.pk}/undo/")
    assert response.status_code == 302
    assert Task.objects.get(pk=task.pk).done_at is None
    services.task_done(actor=alice, case=case, task=task)
    clock.advance(hours=24, minutes=1)
    response = signed_in(alice).post(f"/cases/{case.code}/tasks/{task.pk}/undo/")
    assert response.status_code == 400
    api = ApiClient(alice).post(f"/cases/{case.code}/tasks/{task.pk}/undo")
    assert api.json()["error"]["code"] == "undo_too_late"
    assert Task.objects.get(pk=task.pk).done_at is not None


def test_the_tasks_page_offers_undo_only_within_the_day(alice, case, clock, signed_in):
    task = services.task_add(actor=alice, case=case, due_on=PAST, kind="appointment")
    services.task_done(actor=alice, case=case, task=task)
    assert 'data-action="task-undo"' in signed_in(alice).get(f"/cases/{case.code}/tasks/").content.decode()
    clock.advance(days=1, minutes=1)
    assert (
        'data-action="task-undo"' not in signed_in(alice).get(f"/cases/{case.code}/tasks/").content.decode()
    )


def test_the_overdue_list_shows_the_title_the_case_code_and_the_days_overdue(alice, case, signed_in):
    services.task_add(actor=alice, case=case, due_on=date.today() - timedelta(days=4), title="Bring the form")
    page = signed_in(alice).get("/cases/overdue/").content.decode()
    row = re.search(r'<li class="case-row" data-task="\d+">(.*?)</li>', page, re.S)
    assert row is not None
    assert case.code in row.group(1)
    assert "Bring the form" in row.group(1)
    assert 'data-days-overdue="4"' in row.group(1)
    assert "4 days overdue" in row.group(1)
