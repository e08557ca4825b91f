"""URL × role expectations for the staff register and wellbeing."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from haven.accounts.models import User
from haven.accounts.permissions import Perm, Role
from haven.staff.services import staff_member_create
from tests.core.access_table import NOT_FOUND, REDIRECT, Access, page


def member_uid(users: Mapping[str, User]) -> dict[str, Any]:
    member = staff_member_create(actor=None, name="Test Member", kind="volunteer")
    return {"uid": member.uid}


def supported_uid(users: Mapping[str, User]) -> dict[str, Any]:
    """A person whose designated supporter is the caseworker: everyone else answers not found."""
    member = staff_member_create(
        actor=None, name="Test Member", kind="volunteer", supporter=users["caseworker"]
    )
    return {"uid": member.uid}


_ONLY_SUPPORTER = {role: NOT_FOUND for role in Role if role != Role.CASEWORKER}

URL_ACCESS: dict[str, Access] = {
    "staff:list": page(Perm.STAFF_MANAGE),
    "staff:create": page(
        Perm.STAFF_MANAGE, method="POST", data={"name": "New Person", "kind": "volunteer"}, allowed=REDIRECT
    ),
    "staff:detail": page(Perm.STAFF_MANAGE, kwargs=member_uid),
    "staff:update": page(
        Perm.STAFF_MANAGE, method="POST", kwargs=member_uid, data={"active": "on"}, allowed=REDIRECT
    ),
    "staff:training_add": page(
        Perm.STAFF_MANAGE,
        method="POST",
        kwargs=member_uid,
        data={"kind": "personal_security", "completed_on": "2026-01-01"},
        allowed=REDIRECT,
    ),
    "staff:wellbeing": page(Perm.WELLBEING_OWN),
    "staff:wellbeing_check_in": page(
        Perm.WELLBEING_OWN, method="POST", data={"feeling": "well"}, allowed=REDIRECT
    ),
    "staff:wellbeing_member": page(Perm.WELLBEING_OWN, kwargs=supported_uid, override=_ONLY_SUPPORTER),
    "staff:wellbeing_offer": page(
        Perm.WELLBEING_OWN, method="POST", kwargs=supported_uid, allowed=REDIRECT, override=_ONLY_SUPPORTER
    ),
    "staff:wellbeing_summary": page(Perm.WELLBEING_SUMMARY),
}
