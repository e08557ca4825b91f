"""Reads for the "my work" page: what waits for the signed-in account, in the order they act on it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.db.models import Min, Q
from django.utils import timezone

from haven.accounts.models import User
from haven.accounts.permissions import Perm
from haven.cases.models import Case, CaseClosure, ReturnRiskCheck, Task
from haven.cases.selectors import handovers_by, handovers_waiting
from haven.followup.models import FormalIdentification
from haven.followup.reviews import ReviewDue, reviews_due

# Tasks due within this many days count as "due soon".
DUE_SOON_DAYS = 7


@dataclass(frozen=True)
class MyCase:
    case: Case
    next_due: date | None
    # The risk level once the assessment app gives cases one (`Case.risk_level`); None until then.
    risk_level: str | None


@dataclass
class MyWork:
    handovers: list[Any] = field(default_factory=list)
    my_handovers: list[Any] = field(default_factory=list)
    cases: list[MyCase] = field(default_factory=list)
    tasks_overdue: list[Task] = field(default_factory=list)
    tasks_due: list[Task] = field(default_factory=list)
    reviews: list[ReviewDue] = field(default_factory=list)


def risk_level_of(case: Case) -> str | None:
    """The case's risk level, if the model has one (issue 13's assessment adds `Case.risk_level`)."""
    value = getattr(case, "risk_level", None)
    return str(value) if value else None


def my_work(user: User, today: date | None = None) -> MyWork:
    """What waits for `user`: hand-overs to take on, their cases with the next due date, their tasks due
    and overdue, and reviews due on the cases they manage."""
    today = today or timezone.localdate()
    work = MyWork()
    if user.has(Perm.CASE_ASSIGN):
        work.handovers = handovers_waiting(user)
    if user.has(Perm.CASE_FIRST_CONTACT) and not user.has(Perm.CASE_EDIT):
        work.my_handovers = handovers_by(user, limit=10)
    if not user.has(Perm.CASE_EDIT):
        return work
    open_tasks = Q(tasks__done_at=None, tasks__closed_at=None)
    mine = (
        Case.objects.filter(Q(case_manager=user) | Q(caseworkers=user), person__erased_at=None)
        .exclude(stage="closed")
        .distinct()
        .annotate(next_due=Min("tasks__due_on", filter=open_tasks))
        .order_by("code")
    )
    work.cases = [MyCase(c, c.next_due, risk_level_of(c)) for c in mine]
    tasks = (
        Task.objects.filter(
            assignee=user, done_at=None, closed_at=None, due_on__lte=today + timedelta(days=DUE_SOON_DAYS)
        )
        .exclude(case__stage="closed")
        .select_related("case")
        .order_by("due_on", "pk")
    )
    for task in tasks:
        (work.tasks_overdue if task.due_on < today else work.tasks_due).append(task)
    work.reviews = reviews_due(user, today)
    return work


def identification_of(case: Case) -> FormalIdentification | None:
    """The case's formal identification record, if any step was recorded."""
    return FormalIdentification.objects.filter(case=case).first()


def closures_of(case: Case) -> list[CaseClosure]:
    """The case's closures, newest first, with who closed and reopened them."""
    rows = CaseClosure.objects.filter(case=case).select_related("closed_by", "reopened_by")
    return list(rows.order_by("-closed_at", "-pk"))


def return_checks_of(case: Case) -> list[ReturnRiskCheck]:
    """The return risk checks recorded on the case, newest first (notes stay sealed)."""
    rows = ReturnRiskCheck.objects.filter(case=case).select_related("checked_by")
    return list(rows.order_by("-recorded_at", "-pk"))


def open_task_count(case: Case) -> int:
    """How many tasks of the case are neither done nor closed."""
    return Task.objects.filter(case=case, done_at=None, closed_at=None).count()
