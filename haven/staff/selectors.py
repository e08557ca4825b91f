"""Reads of the staff register: who is registered, their trainings, and the rule that assignment uses.

``has_valid_security_training(user, on=None)`` is the hook for case assignment. The seed (4.2, point 3)
makes personal security training mandatory before safe-house or high-risk work, so the high-risk assignment
rule (``haven.cases.access.may_take_high_risk``) calls it. It is defined in the access layer
(``haven.staff.access``) so that ``haven.cases.access`` may import it, and re-exported here. It is True only
when the account is in the register, the register entry is active, and a personal security training was
completed on or before ``on`` and has not expired by then (a training without an expiry date counts).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from django.db.models import QuerySet
from django.utils import timezone

from haven.accounts.models import User
from haven.staff.access import has_valid_security_training as has_valid_security_training
from haven.staff.models import TRAININGS, StaffMember, Training


def members() -> QuerySet[StaffMember]:
    """Everyone in the register, by name, with their team and account."""
    return StaffMember.objects.select_related("team", "user", "supporter").order_by("name", "pk")


def member_for_user(user: User) -> StaffMember | None:
    """The register entry of ``user``'s own account, if any."""
    return StaffMember.objects.filter(user=user).first()


def supported_by(user: User) -> QuerySet[StaffMember]:
    """The people ``user`` is the designated wellbeing supporter of."""
    return StaffMember.objects.filter(supporter=user, active=True).order_by("name", "pk")


@dataclass(frozen=True)
class TrainingStatus:
    kind: str
    label: str
    completed_on: date | None
    expires_on: date | None
    valid: bool


def training_status(member: StaffMember, on: date | None = None) -> list[TrainingStatus]:
    """For each kind of training, the latest one recorded and whether it is valid on ``on``."""
    day = on or timezone.localdate()
    latest: dict[str, Training] = {}
    for training in member.trainings.all():  # newest first (Meta.ordering)
        latest.setdefault(training.kind, training)
    rows = []
    for kind, label in TRAININGS:
        found = latest.get(kind)
        valid = bool(
            found and found.completed_on <= day and (found.expires_on is None or found.expires_on >= day)
        )
        rows.append(
            TrainingStatus(
                kind,
                str(label),
                found.completed_on if found else None,
                found.expires_on if found else None,
                valid,
            )
        )
    return rows


def key_ids_in_use() -> Iterable[str]:
    """The vault keys the register's rows refer to (for `haven keys gc`)."""
    return StaffMember.objects.values_list("key_id", flat=True)
