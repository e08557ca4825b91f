"""URL × role expectations for the audit trail viewer: the DPO and the administrator (audit.view)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from haven.accounts.models import User
from haven.accounts.permissions import Role
from haven.cases import services as cases
from haven.oversight.models import DataRequest
from tests.core.access_table import ADMIN, DPO, REDIRECT, Access, page


def _request(users: Mapping[str, User]) -> dict[str, Any]:
    """A North case with an access request registered for it (straight into the register)."""
    manager = users[Role.CASE_MANAGER.value]
    case = cases.first_contact_create(actor=manager, values={"stated_age": 30}, confirm_new_person=True)
    item = DataRequest.objects.create(
        kind="access",
        case_code=case.code,
        received_on=date(2026, 1, 5),
        due_on=date(2026, 2, 5),
        registered_at="2026-01-05T10:00:00Z",
    )
    return {"request_id": item.pk}


def _managed_case(users: Mapping[str, User]) -> dict[str, Any]:
    manager = users[Role.CASE_MANAGER.value]
    case = cases.first_contact_create(actor=manager, values={"stated_age": 30}, confirm_new_person=True)
    return {"code": cases.case_open(actor=manager, case=case).code}


URL_ACCESS: dict[str, Access] = {
    "oversight:audit": page(roles={DPO, ADMIN}),
    "oversight:audit_export": page(roles={DPO, ADMIN}),
    "oversight:audit_verify": page(roles={DPO, ADMIN}, method="POST", allowed=REDIRECT),
    "oversight:requests": page(roles={DPO}),
    "oversight:request": page(roles={DPO}, kwargs=_request),
    "oversight:request_close": page(roles={DPO}, method="POST", kwargs=_request, allowed=REDIRECT),
    # The answer needs a fresh password and code first: the DPO is sent to confirm them.
    "oversight:request_answer": page(roles={DPO}, kwargs=_request, allowed=REDIRECT),
    "oversight:retention": page(roles={DPO}),
    # A bad form (no date) sends back to the list with a message.
    "oversight:retention_extend": page(roles={DPO}, method="POST", kwargs=_managed_case, allowed=REDIRECT),
    "oversight:ask_pressure_check": page(roles={DPO}, method="POST", kwargs=_managed_case, allowed=REDIRECT),
}
