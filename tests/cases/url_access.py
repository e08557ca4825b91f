"""URL × role expectations for the case pages and the case API (see tests/core/test_url_permissions.py).

Each setup creates a fresh North first contact by the North case manager (not handed over, nobody else
assigned). Of the roles with the permission, only that case manager (team rule) may open it; every other
role with the permission gets 404, exactly like a missing case: the data protection officer too, who opens a
case only under a purpose recorded for it (`cases:purpose`, `api-v1:record_purpose`).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from haven.accounts.models import User
from haven.accounts.permissions import Role
from haven.cases import services
from haven.cases.models import Case, Task
from haven.screening import services as screening_services
from tests.core.access_table import (
    ADMIN,
    ANONYMOUS,
    CASE_MANAGER,
    CASEWORKER,
    DPO,
    FORBIDDEN,
    LOGIN,
    MFA,
    NO_MFA,
    NOT_FOUND,
    OK,
    PROGRAMME_MANAGER,
    REDIRECT,
    UNAUTHORISED,
    VOLUNTEER,
    Access,
)

# Who may use each kind of case page, by hand from the product brief (roles and data access), never from
# the permission code under test. The administrator manages accounts and reads no case.
CASE_READERS = {VOLUNTEER, CASEWORKER, CASE_MANAGER, PROGRAMME_MANAGER, DPO}  # pseudonymous pages
CASE_WRITERS = {CASEWORKER, CASE_MANAGER}  # notes, tasks, stage, closing, the person's record
IDENTITY_READERS = {CASEWORKER, CASE_MANAGER, DPO}  # who the person is, their files, a child's guardian
SENSITIVE_READERS = {CASE_MANAGER, DPO}  # health, perpetrator context, exact location
FIRST_CONTACT = {VOLUNTEER, CASEWORKER, CASE_MANAGER}  # record a first contact, hand over
ASSIGNERS = {CASE_MANAGER}  # the contact person: open, assign, hand-overs waiting
CONSENT_RECORDERS = {CASEWORKER, CASE_MANAGER}
PRESSURE_CHECKERS = {CASE_MANAGER, DPO}  # the case manager confirms, the DPO signs off
RIGHTS_OFFICER = {DPO}  # access requests and erasure
assert ADMIN not in CASE_READERS

# Of the roles allowed, the one that may open the setups' case: the North case manager's, by the team rule.
# The others get 404, like a missing case; so does the data protection officer, who opens a case's content
# only for a purpose recorded first ("break-glass", tests/cases/test_dpo_purpose.py).
OPENERS = {Role.CASE_MANAGER}


def _dpo_only(allowed: str, *, api: bool) -> dict[str, str]:
    expect = {ANONYMOUS: UNAUTHORISED, NO_MFA: UNAUTHORISED} if api else {ANONYMOUS: LOGIN, NO_MFA: MFA}
    expect.update({role.value: allowed if role == Role.DPO else FORBIDDEN for role in Role})
    return expect


def _case(users: Mapping[str, User]) -> Case:
    values = {
        "name": "Test Person Url",
        "age_method": "document",
        "stated_age": 30,
        "age_established_adult": True,
    }
    return services.first_contact_create(actor=users["case_manager"], values=values)


def _code(users: Mapping[str, User]) -> dict[str, Any]:
    return {"code": _case(users).code}


def _with_consent(users: Mapping[str, User]) -> dict[str, Any]:
    case = _case(users)
    manager = users["case_manager"]
    consent = services.consent_record(
        actor=manager,
        case=case,
        purpose="referral",
        recipient="ORG-TEST",
        status="given",
        given_on=date.today(),
        language="en",
        explained_by=manager,
        interpreter=False,
        information_sheet_version="v1",
    )
    return {"code": case.code, "pk": consent.pk}


def _with_task(users: Mapping[str, User]) -> dict[str, Any]:
    case = _case(users)
    task = services.task_add(
        actor=users["case_manager"], case=case, due_on=date(2030, 1, 1), kind="appointment"
    )
    return {"code": case.code, "pk": task.pk}


def _with_done_task(users: Mapping[str, User]) -> dict[str, Any]:
    found = _with_task(users)
    task = Task.objects.get(pk=found["pk"])
    services.task_done(actor=users["case_manager"], case=task.case, task=task)
    return found


def _with_attachment(users: Mapping[str, User]) -> dict[str, Any]:
    case = _case(users)
    item = services.attachment_add(
        actor=users["case_manager"], case=case, filename="t.txt", data=b"Test text"
    )
    return {"code": case.code, "pk": item.pk}


def _expect(roles: set[Role], allowed: str, *, api: bool) -> dict[str, str]:
    expect = {ANONYMOUS: UNAUTHORISED, NO_MFA: UNAUTHORISED} if api else {ANONYMOUS: LOGIN, NO_MFA: MFA}
    for role in Role:
        expect[role.value] = FORBIDDEN if role not in roles else (allowed if role in OPENERS else NOT_FOUND)
    return expect


def case_page(
    roles: set[Role],
    *,
    allowed: str = OK,
    method: str = "GET",
    kwargs: Any = _code,
    data: Any = None,
) -> Access:
    """A page of one case: 403 for the roles not named, 404 for a case out of reach, `allowed` otherwise."""
    return Access(expect=_expect(roles, allowed, api=False), method=method, kwargs=kwargs, data=data)


def case_api(
    roles: set[Role], *, allowed: str = OK, method: str = "GET", kwargs: Any = _code, data: Any = None
) -> Access:
    """An API endpoint on one case, with the same rules."""
    return Access(
        expect=_expect(roles, allowed, api=True), method=method, kwargs=kwargs, data=data, json=True
    )


def _list(roles: set[Role], *, api: bool, method: str = "GET", data: Any = None) -> Access:
    expect = {ANONYMOUS: UNAUTHORISED, NO_MFA: UNAUTHORISED} if api else {ANONYMOUS: LOGIN, NO_MFA: MFA}
    expect.update({role.value: OK if role in roles else FORBIDDEN for role in Role})
    return Access(expect=expect, method=method, data=data, json=api)


def _screening_with_signs(users: Mapping[str, User]) -> dict[str, Any]:
    owner = users[Role.VOLUNTEER.value]
    screening = screening_services.screening_start(
        actor=owner, kind="quick", age=30, age_in_doubt=False, information_language="en"
    )
    screening_services.screening_answer(actor=owner, screening=screening, answers={"cd.threats": "yes"})
    return {"uid": screening_services.screening_complete(actor=owner, screening=screening).uid}


def _consent_body(users: Mapping[str, User]) -> dict[str, Any]:
    return {
        "purpose": "assistance",
        "status": "given",
        "given_on": date.today().isoformat(),
        "language": "en",
        "explained_by": users["case_manager"].pk,
        "information_sheet_version": "v1",
    }


# The confirmed step of an action that asks to confirm first (haven.core.confirm).
CONFIRMED = {"confirm": "yes"}

URL_ACCESS: dict[str, Access] = {
    "cases:list": _list(CASE_READERS, api=False),
    "cases:overdue": _list(CASE_WRITERS, api=False),
    "cases:search": _list(CASE_READERS, api=False),
    "cases:first_contact": _list(FIRST_CONTACT, api=False),
    "cases:handovers": _list(ASSIGNERS, api=False),
    "cases:my_handovers": _list(FIRST_CONTACT, api=False),
    # The volunteer's own completed screening: the others who may record a first contact get 404.
    "cases:handover_screening": Access(
        expect={
            ANONYMOUS: LOGIN,
            NO_MFA: MFA,
            **{
                role.value: (
                    OK if role == Role.VOLUNTEER else NOT_FOUND if role in FIRST_CONTACT else FORBIDDEN
                )
                for role in Role
            },
        },
        kwargs=_screening_with_signs,
    ),
    "cases:detail": case_page(CASE_READERS),
    # Only the DPO records a purpose to open a case (and sees the form for any case code that exists).
    "cases:purpose": Access(expect=_dpo_only(OK, api=False), kwargs=_code),
    "api-v1:record_purpose": Access(
        expect=_dpo_only(OK, api=True),
        method="POST",
        kwargs=_code,
        data={"purpose": "access_request", "reason": "Test request of 1 March"},
        json=True,
    ),
    "cases:identity": case_page(IDENTITY_READERS),
    "cases:person": case_page(SENSITIVE_READERS, kwargs=lambda users: {**_code(users), "section": "health"}),
    "cases:person_edit": case_page(CASE_WRITERS),
    "cases:stage": case_page(
        CASE_WRITERS, allowed=REDIRECT, method="POST", data={"stage": "assessment", "version": 1}
    ),
    "cases:handover": case_page(FIRST_CONTACT, allowed=REDIRECT, method="POST", data=CONFIRMED),
    "cases:open": case_page(ASSIGNERS, allowed=REDIRECT, method="POST", data=CONFIRMED),
    "cases:assign": case_page(ASSIGNERS),
    "cases:consent": case_page(CASE_READERS),
    "cases:legal_basis": case_page(CASE_WRITERS, allowed=REDIRECT, method="POST", data={"basis": "consent"}),
    "cases:consent_withdraw": case_page(CONSENT_RECORDERS, kwargs=_with_consent),
    "cases:pressure": case_page(PRESSURE_CHECKERS),
    "cases:child": case_page(IDENTITY_READERS),
    "cases:events": case_page(CASE_READERS),
    "cases:notes": case_page(CASE_READERS),
    "cases:tasks": case_page(CASE_READERS),
    "cases:task_done": case_page(
        CASE_WRITERS, allowed=REDIRECT, method="POST", kwargs=_with_task, data=CONFIRMED
    ),
    "cases:task_undo": case_page(CASE_WRITERS, allowed=REDIRECT, method="POST", kwargs=_with_done_task),
    "cases:task_assign": case_page(
        CASE_WRITERS, allowed=REDIRECT, method="POST", kwargs=_with_task, data={"assignee": ""}
    ),
    "cases:attachments": case_page(IDENTITY_READERS),
    "cases:attachment": case_page(IDENTITY_READERS, kwargs=_with_attachment),
    "cases:timeline": case_page(CASE_READERS),
    # Export and erasure first send everyone allowed to re-authenticate, before any case is looked up.
    "cases:export": Access(
        expect={**_expect(RIGHTS_OFFICER, REDIRECT, api=False), Role.DPO.value: REDIRECT}, kwargs=_code
    ),
    "cases:erase": Access(
        expect={**_expect(RIGHTS_OFFICER, REDIRECT, api=False), Role.DPO.value: REDIRECT}, kwargs=_code
    ),
    "api-v1:list_cases": _list(CASE_READERS, api=True),
    # A search by the beginning of a case code: every role that opens cases (by name or phone: tests/cases/
    # test_search.py).
    "api-v1:search_cases": _list(CASE_READERS, api=True, method="POST", data={"q": "HV-"}),
    "api-v1:create_case": Access(
        expect={**_list(FIRST_CONTACT, api=True).expect},
        method="POST",
        data={"person": {"estimated_age": 16}},
        json=True,
    ),
    "api-v1:get_case": case_api(CASE_READERS),
    "api-v1:get_person": case_api(IDENTITY_READERS),
    "api-v1:update_person": case_api(
        CASE_WRITERS,
        method="PUT",
        data={"version": 1, "values": {"aliases": "T"}},
    ),
    "api-v1:list_consents": case_api(CASE_READERS),
    "api-v1:record_consent": case_api(CONSENT_RECORDERS, method="POST", data=_consent_body),
    "api-v1:withdraw_consent": case_api(
        CONSENT_RECORDERS,
        method="POST",
        kwargs=lambda users: {"code": (k := _with_consent(users))["code"], "consent_id": k["pk"]},
        data={"reason": "changed_mind", "confirm_no_pressure": True},
    ),
    "api-v1:list_notes": case_api(CASE_READERS),
    "api-v1:add_note": case_api(CASE_WRITERS, method="POST", data={"body": "Test note"}),
    "api-v1:list_tasks": case_api(CASE_READERS),
    "api-v1:add_task": case_api(
        CASE_WRITERS, method="POST", data={"due_on": "2030-01-01", "kind": "appointment"}
    ),
    "api-v1:assign_task": case_api(
        CASE_WRITERS,
        method="POST",
        kwargs=lambda users: {"code": (k := _with_task(users))["code"], "task_id": k["pk"]},
        data={"assignee": None},
    ),
    "api-v1:undo_task": case_api(
        CASE_WRITERS,
        method="POST",
        kwargs=lambda users: {"code": (k := _with_done_task(users))["code"], "task_id": k["pk"]},
    ),
    "api-v1:finish_task": case_api(
        CASE_WRITERS,
        method="POST",
        kwargs=lambda users: {"code": (k := _with_task(users))["code"], "task_id": k["pk"]},
    ),
}
