"""URL × role expectations for the follow-up pages and API, and the notifications (see
tests/core/test_url_permissions.py). Case pages use the cases table's rule: only the North case manager
(team rule) and the data protection officer may open the fresh North case; others with the permission 404."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from haven.accounts.models import User
from haven.cases import services
from tests.cases.url_access import CASE_READERS, CASE_WRITERS, _case, case_api, case_page
from tests.core.access_table import (
    CASE_MANAGER,
    CASEWORKER,
    DPO,
    PROGRAMME_MANAGER,
    REDIRECT,
    VOLUNTEER,
    page,
)


def _closed(users: Mapping[str, User]) -> dict[str, Any]:
    case = _case(users)
    services.case_close(actor=users["case_manager"], case=case, reason="moved", note="Test reason")
    return {"code": case.code}


URL_ACCESS = {
    "followup:my_work": page(None),
    "followup:close": case_page({CASE_MANAGER}),
    "followup:reopen": case_page({CASE_MANAGER}, kwargs=_closed),
    "followup:return_check": case_page({CASE_MANAGER}),
    "followup:identification": case_page(CASE_READERS),
    "followup:summary": case_page(CASE_WRITERS),
    "notifications:list": page(roles={VOLUNTEER, CASEWORKER, CASE_MANAGER, PROGRAMME_MANAGER, DPO}),
    "notifications:mark_read": page(
        roles={VOLUNTEER, CASEWORKER, CASE_MANAGER, PROGRAMME_MANAGER, DPO}, method="POST", allowed=REDIRECT
    ),
    "api-v1:close_case": case_api(
        {CASE_MANAGER}, method="POST", data={"outcome": "moved", "reason": "Test reason"}
    ),
    "api-v1:reopen_case": case_api(
        {CASE_MANAGER}, method="POST", kwargs=_closed, data={"reason": "Test reason"}
    ),
    "api-v1:record_return_check": case_api(
        {CASE_MANAGER},
        method="POST",
        data=lambda users: {"country": "NG", "checked_on": date.today().isoformat(), "risk": "high"},
    ),
    "api-v1:get_identification": case_api(CASE_READERS),
    "api-v1:record_identification": case_api(
        CASE_WRITERS, method="POST", data=lambda users: {"informed_on": date.today().isoformat()}
    ),
}
