"""Who may see one person's wellbeing entries: the person themself and their designated supporter, nobody
else (not their manager, not the administrator). A refusal answers like a missing page, and is audited."""

from __future__ import annotations

import uuid

from haven.accounts.models import User
from haven.accounts.refusals import AccessNotFound
from haven.staff.models import StaffMember


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
