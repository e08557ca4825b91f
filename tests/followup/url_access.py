"""URL × role expectations for the follow-up pages and API, and the notifications (see
tests/core/test_url_permissions.py). Case pages use the cases table's rule: only the North case manager
(team rule) and the data protection officer may open the fresh North case; others with the permission 404."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from haven.accounts.models import User
from haven.accounts.permissions import Perm
from haven.cases import services
from tests.cases.url_access import _case, case_api, case_page
from tests.core.access_table import REDIRECT, page


def _closed(users: Mapping[str, User]) -> dict[str, Any]:
    case = _case(users)
    services.case_close(actor=users["case_manager"], case=case, reason="moved", note="Test reason")
    return {"code": case.code}


URL_ACCESS = {
    "followup:my_work": page(None),
    "followup:close": case_page(Perm.CASE_CLOSE),
    "followup:reopen": case_page(Perm.CASE_CLOSE, kwargs=_closed),
    "followup:return_check": case_page(Perm.CASE_CLOSE),
    "followup:identification": case_page(Perm.CASE_VIEW),
    "followup:summary": case_page(Perm.CASE_EDIT),
    "notifications:list": page(Perm.CASE_VIEW),
    "notifications:mark_read": page(Perm.CASE_VIEW, method="POST", allowed=REDIRECT),
    "api-v1:close_case": case_api(
        Perm.CASE_CLOSE, method="POST", data={"outcome": "moved", "reason": "Test reason"}
    ),
    "api-v1:reopen_case": case_api(
        Perm.CASE_CLOSE, method="POST", kwargs=_closed, data={"reason": "Test reason"}
    ),
    "api-v1:record_return_check": case_api(
        Perm.CASE_CLOSE,
        method="POST",
        data=lambda users: {"country": "NG", "checked_on": date.today().isoformat(), "risk": "high"},
    ),
    "api-v1:get_identification": case_api(Perm.CASE_VIEW),
    "api-v1:record_identification": case_api(
        Perm.CASE_EDIT, method="POST", data=lambda users: {"informed_on": date.today().isoformat()}
    ),
}
