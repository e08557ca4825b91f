"""Who may see one person's wellbeing entries: the person themself and their designated supporter, nobody
else (not their manager, not the administrator). A refusal answers like a missing page, and is audited.

And who may take safe-house or high-risk work: ``has_valid_security_training`` (seed 4.2, point 3), here in
the access layer so that the cases app's assignment rule (``haven.cases.access``) can call it.
"""

from __future__ import annotations

import uuid
from datetime import date

from django.db.models import Q
from django.utils import timezone

from haven.accounts.models import User
from haven.accounts.refusals import AccessNotFound
from haven.staff.models import SECURITY, StaffMember, Training


def may_see_wellbeing(user: User, member: StaffMember) -> bool:
    """True for the person (their linked account) and their designated supporter, while active."""
    if not user.is_active:
        return False
    if member.user_id is not None and member.user_id == user.pk:
        return True
    return member.supporter_id is not None and member.supporter_id == user.pk


def wellbeing_member_for(user: User, uid: str | uuid.UUID) -> StaffMember:
    """The staff member ``uid`` if ``user`` may see their wellbeing entries, else AccessNotFound (404)."""
    try:
        member = StaffMember.objects.get(uid=uid)
    except (StaffMember.DoesNotExist, ValueError, TypeError):
        raise AccessNotFound("wellbeing.own", object_type="staff_member") from None
    if not may_see_wellbeing(user, member):
        raise AccessNotFound("wellbeing.own", object_type="staff_member", object_id=str(member.pk))
    return member


def has_valid_security_training(user: User | None, on: date | None = None) -> bool:
    """Whether ``user`` holds a personal security training valid on ``on`` (default: today).

    False for no account, an account not in the register, an inactive register entry, a training completed
    after ``on``, or one that expired before ``on``. Reads only; never raises for a missing record.
    """
    if user is None or user.pk is None:
        return False
    day = on or timezone.localdate()
    return Training.objects.filter(
        Q(expires_on__isnull=True) | Q(expires_on__gte=day),
        member__user=user,
        member__active=True,
        kind=SECURITY,
        completed_on__lte=day,
    ).exists()
