"""URL × role expectations for the screening pages and API (read by tests/core/test_url_permissions.py).

Screenings belong to the person who ran them: the volunteer's screening answers 404 to the other roles
that may run screenings, exactly like a missing one.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from haven.accounts.models import User
from haven.accounts.permissions import Role
from haven.screening import services
from haven.screening.models import Screening
from tests.core.access_table import (
    BAD_REQUEST,
    CASE_MANAGER,
    CASEWORKER,
    MFA,
    NO_MFA,
    NOT_FOUND,
    OK,
    PROGRAMME_MANAGER,
    REDIRECT,
    SUBJECTS,
    VOLUNTEER,
    Access,
    api,
    page,
)

OWNER = Role.VOLUNTEER
OTHER_RUNNERS = {Role.CASEWORKER: NOT_FOUND, Role.CASE_MANAGER: NOT_FOUND}


def _screening(users: Mapping[str, User], kind: str = "quick", complete: bool = False) -> Screening:
    owner = users[OWNER.value]
    screening = services.screening_start(
        actor=owner, kind=kind, age=30, age_in_doubt=False, information_language="en"
    )
    if complete:
        services.screening_answer(actor=owner, screening=screening, answers={"cd.threats": "yes"})
        screening = services.screening_complete(actor=owner, screening=screening)
    return screening


def _in_progress_quick(users: Mapping[str, User]) -> dict[str, Any]:
    return {"uid": _screening(users).uid}


def _in_progress_full_section(users: Mapping[str, User]) -> dict[str, Any]:
    return {"uid": _screening(users, kind="full").uid, "group": "safety"}


def _complete(users: Mapping[str, User]) -> dict[str, Any]:
    return {"uid": _screening(users, complete=True).uid}


def _draft(users: Mapping[str, User]) -> dict[str, Any]:
    return {"uid": services.library_draft_create(actor=users[Role.PROGRAMME_MANAGER.value]).uid}


URL_ACCESS: dict[str, Access] = {
    "screening:start": page(roles={VOLUNTEER, CASEWORKER, CASE_MANAGER}),
    # The explanation holds no data: open to all; a half-signed-in session is first sent to its second step.
    "screening:about": Access(expect={**{who: OK for who in SUBJECTS}, NO_MFA: MFA}),
    "screening:library": page(roles={CASE_MANAGER, PROGRAMME_MANAGER}),
    "screening:library_draft_new": page(roles={PROGRAMME_MANAGER}, method="POST", allowed=REDIRECT),
    "screening:library_draft": page(roles={CASE_MANAGER, PROGRAMME_MANAGER}, kwargs=_draft),
    "screening:library_indicator": page(
        roles={PROGRAMME_MANAGER}, kwargs=lambda users: {**_draft(users), "indicator_id": "cd.threats"}
    ),
    # Without the confirmation box the approval is refused with the form again.
    "screening:library_draft_approve": page(
        roles={CASE_MANAGER, PROGRAMME_MANAGER}, method="POST", kwargs=_draft, allowed=BAD_REQUEST
    ),
    "screening:library_draft_withdraw": page(
        roles={PROGRAMME_MANAGER}, method="POST", kwargs=_draft, allowed=REDIRECT
    ),
    "screening:continue": page(
        roles={VOLUNTEER, CASEWORKER, CASE_MANAGER},
        kwargs=_complete,
        allowed=REDIRECT,
        override=OTHER_RUNNERS,
    ),
    "screening:quick": page(
        roles={VOLUNTEER, CASEWORKER, CASE_MANAGER}, kwargs=_in_progress_quick, override=OTHER_RUNNERS
    ),
    "screening:section": page(
        roles={VOLUNTEER, CASEWORKER, CASE_MANAGER}, kwargs=_in_progress_full_section, override=OTHER_RUNNERS
    ),
    "screening:complete": page(
        roles={VOLUNTEER, CASEWORKER, CASE_MANAGER},
        method="POST",
        kwargs=_in_progress_quick,
        allowed=REDIRECT,
        override=OTHER_RUNNERS,
    ),
    "screening:result": page(
        roles={VOLUNTEER, CASEWORKER, CASE_MANAGER}, kwargs=_complete, override=OTHER_RUNNERS
    ),
    "screening:discard": page(
        roles={VOLUNTEER, CASEWORKER, CASE_MANAGER}, kwargs=_in_progress_quick, override=OTHER_RUNNERS
    ),
    "screening:information": page(roles={VOLUNTEER, CASEWORKER, CASE_MANAGER}, kwargs={"lang": "fr"}),
    "api-v1:screenings_questions": api(roles={VOLUNTEER, CASEWORKER, CASE_MANAGER}),
    "api-v1:screenings_evaluate": api(
        roles={VOLUNTEER, CASEWORKER, CASE_MANAGER},
        method="POST",
        data={"age": 30, "age_in_doubt": False, "answers": {"cd.threats": "yes"}},
    ),
}
