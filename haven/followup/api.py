"""/api/v1/cases/{code}/…: closing, reopening, the return risk check and formal identification, through the
same access function and services as the web pages. A refusal by a rule has its own error code, e.g.
`return_risk_check_required`."""

from datetime import date
from typing import Any, Literal

from django.db import transaction
from django.http import HttpRequest
from ninja import Field, Router, Schema, Status

from haven.accounts.permissions import Perm
from haven.api.router import Error, IsoDate
from haven.cases import services as case_services
from haven.cases.access import case_for_user
from haven.cases.api import _need, _user, answers
from haven.followup import services
from haven.followup.selectors import identification_of

router: Router = Router(tags=["follow-up"])
ERRORS: dict[int, Any] = {400: Error, 403: Error, 404: Error, 409: Error}


class CloseIn(Schema):
    outcome: Literal[
        "integrated_locally", "referred", "lost_contact", "moved", "returned_voluntarily", "other"
    ]
    reason: str = Field(..., max_length=2000, description="Why the case closes (sealed)")
    version: int | None = None


class ReopenIn(Schema):
    reason: str = Field(..., max_length=2000, description="Why the case is reopened (sealed)")
    stage: Literal["screening", "assessment", "support", "follow_up"] = "assessment"
    version: int | None = None


class CaseStateOut(Schema):
    code: str
    stage: str
    status: str
    closure_reason: str
    version: int


class ReturnCheckIn(Schema):
    country: str = Field(..., min_length=2, max_length=2)
    checked_on: IsoDate
    risk: Literal["low", "medium", "high", "unknown"]
    notes: str = Field("", max_length=20_000)


class ReturnCheckOut(Schema):
    id: int
    country: str
    checked_on: date
    risk: str


class IdentificationOut(Schema):
    informed_on: date | None = None
    choice: str = "undecided"
    choice_on: date | None = None
    decision_status: str = ""
    decision_org: str = ""
    decided_on: date | None = None
    reflection_start: date | None = None
    reflection_end: date | None = None
    permit_from: date | None = None
    permit_until: date | None = None


class ChoiceIn(Schema):
    choice: Literal["undecided", "chosen", "declined"]
    on: IsoDate


class DecisionIn(Schema):
    status: Literal["PossibleVictimOfTrafficking", "ActualVictimOfTrafficking", "NotAVictimOfTrafficking"]
    decided_by: Literal["Police", "NGO", "CourtOrProsecution", "NonPoliceGovernmentalOrganization", "Other"]
    decided_on: IsoDate


class ReflectionIn(Schema):
    starts_on: IsoDate
    ends_on: IsoDate | None = Field(None, description="Default: the national length (at least 30 days)")


class PermitIn(Schema):
    valid_from: IsoDate
    valid_until: IsoDate


class IdentificationIn(Schema):
    informed_on: IsoDate | None = None
    choice: ChoiceIn | None = None
    decision: DecisionIn | None = None
    reflection: ReflectionIn | None = None
    permit: PermitIn | None = None


def _state(case: Any) -> dict[str, Any]:
    return {
        "code": case.code,
        "stage": case.stage,
        "status": case.status,
        "closure_reason": case.closure_reason,
        "version": case.version,
    }


@router.post("/{code}/close", response={200: CaseStateOut, **ERRORS})
@answers
def close_case(request: HttpRequest, code: str, payload: CloseIn) -> Any:
    """Close the case with an outcome and a reason; its open tasks close with it."""
    _need(request, Perm.CASE_CLOSE)
    user = _user(request)
    case = case_for_user(user, code, section="summary")
    case = case_services.case_close(
        actor=user, case=case, reason=payload.outcome, note=payload.reason, expected_version=payload.version
    )
    return _state(case)


@router.post("/{code}/reopen", response={200: CaseStateOut, **ERRORS})
@answers
def reopen_case(request: HttpRequest, code: str, payload: ReopenIn) -> Any:
    """Reopen a closed case; its closures stay on record."""
    _need(request, Perm.CASE_CLOSE)
    user = _user(request)
    case = case_for_user(user, code, section="summary")
    case = case_services.case_reopen(
        actor=user, case=case, note=payload.reason, stage=payload.stage, expected_version=payload.version
    )
    return _state(case)


@router.post("/{code}/return-risk-checks", response={201: ReturnCheckOut, **ERRORS})
@answers
def record_return_check(request: HttpRequest, code: str, payload: ReturnCheckIn) -> Any:
    """Record the re-trafficking risk check for the place of return (needed before closing as returned)."""
    _need(request, Perm.CASE_CLOSE)
    user = _user(request)
    case = case_for_user(user, code, section="summary")
    check = case_services.return_risk_check_record(
        actor=user,
        case=case,
        country=payload.country,
        checked_on=payload.checked_on,
        risk=payload.risk,
        notes=payload.notes,
    )
    return Status(
        201, {"id": check.pk, "country": check.country, "checked_on": check.checked_on, "risk": check.risk}
    )


def _identification_out(case: Any) -> dict[str, Any]:
    record = identification_of(case)
    if record is None:
        return {}
    fields = IdentificationOut.model_fields
    return {name: getattr(record, name) for name in fields}


@router.get("/{code}/identification", response={200: IdentificationOut, **ERRORS})
@answers
def get_identification(request: HttpRequest, code: str) -> Any:
    """Where the case stands on formal identification (the person's choice, the decision, the dates)."""
    _need(request, Perm.CASE_VIEW)
    case = case_for_user(_user(request), code, section="summary")
    return _identification_out(case)


@router.post("/{code}/identification", response={200: IdentificationOut, **ERRORS})
@answers
def record_identification(request: HttpRequest, code: str, payload: IdentificationIn) -> Any:
    """Record one or more steps, in order: information given, choice, decision, reflection period, permit."""
    _need(request, Perm.CASE_EDIT)
    user = _user(request)
    case = case_for_user(user, code, section="summary")
    with transaction.atomic():  # all the steps given, or none
        _record_steps(user, case, payload)
    return _identification_out(case)


def _record_steps(user: Any, case: Any, payload: IdentificationIn) -> None:
    if payload.informed_on is not None:
        services.identification_informed(actor=user, case=case, informed_on=payload.informed_on)
    if payload.choice is not None:
        services.identification_choice(
            actor=user, case=case, choice=payload.choice.choice, on=payload.choice.on
        )
    if payload.decision is not None:
        d = payload.decision
        services.identification_decision(
            actor=user, case=case, status=d.status, decided_by=d.decided_by, decided_on=d.decided_on
        )
    if payload.reflection is not None:
        services.reflection_period_set(
            actor=user, case=case, starts_on=payload.reflection.starts_on, ends_on=payload.reflection.ends_on
        )
    if payload.permit is not None:
        services.residence_permit_set(
            actor=user,
            case=case,
            valid_from=payload.permit.valid_from,
            valid_until=payload.permit.valid_until,
        )
