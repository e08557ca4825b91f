"""URL × role expectations for the staff register and wellbeing."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from haven.accounts.models import User
from haven.accounts.permissions import Role
from haven.staff.services import staff_member_create
from tests.core.access_table import (
    ADMIN,
    CASE_MANAGER,
    CASEWORKER,
    DPO,
    NOT_FOUND,
    PROGRAMME_MANAGER,
    REDIRECT,
    VOLUNTEER,
    Access,
    page,
)


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
    "staff:list": page(roles={PROGRAMME_MANAGER}),
    "staff:create": page(
        roles={PROGRAMME_MANAGER},
        method="POST",
        data={"name": "New Person", "kind": "volunteer"},
        allowed=REDIRECT,
    ),
    "staff:detail": page(roles={PROGRAMME_MANAGER}, kwargs=member_uid),
    "staff:update": page(
        roles={PROGRAMME_MANAGER}, method="POST", kwargs=member_uid, data={"active": "on"}, allowed=REDIRECT
    ),
    "staff:training_add": page(
        roles={PROGRAMME_MANAGER},
        method="POST",
        kwargs=member_uid,
        data={"kind": "personal_security", "completed_on": "2026-01-01"},
        allowed=REDIRECT,
    ),
    "staff:wellbeing": page(roles={VOLUNTEER, CASEWORKER, CASE_MANAGER, PROGRAMME_MANAGER, DPO, ADMIN}),
    "staff:wellbeing_check_in": page(
        roles={VOLUNTEER, CASEWORKER, CASE_MANAGER, PROGRAMME_MANAGER, DPO, ADMIN},
        method="POST",
        data={"feeling": "well"},
        allowed=REDIRECT,
    ),
    "staff:wellbeing_member": page(
        roles={VOLUNTEER, CASEWORKER, CASE_MANAGER, PROGRAMME_MANAGER, DPO, ADMIN},
        kwargs=supported_uid,
        override=_ONLY_SUPPORTER,
    ),
    "staff:wellbeing_offer": page(
        roles={VOLUNTEER, CASEWORKER, CASE_MANAGER, PROGRAMME_MANAGER, DPO, ADMIN},
        method="POST",
        kwargs=supported_uid,
        allowed=REDIRECT,
        override=_ONLY_SUPPORTER,
    ),
    "staff:wellbeing_summary": page(roles={PROGRAMME_MANAGER}),
}
