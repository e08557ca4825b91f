"""/api/v1/cases/{code}/assessments, /risk, /support-plan, /family-links, /child-protection: the same access
function and services as the web pages. Errors have the API's one shape; the restoring-family-links gate
answers 409 with the code `rfl_risk_check_required`; a high-risk refusal of an assignment is the cases API's.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import date, datetime
from typing import Any, Literal, TypeVar, cast

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest
from ninja import Field, Router, Schema, Status

from haven.accounts.models import User
from haven.accounts.permissions import Perm
from haven.api.router import Error, IsoDate, error_response, invalid_input_response
from haven.assessment import selectors, services
from haven.assessment.models import RiskAssessment, SupportGoal
from haven.assessment.rules import RiskFactors
from haven.cases.access import case_for_user
from haven.cases.sealing import Opened

router: Router = Router(tags=["assessment"])

F = TypeVar("F", bound=Callable[..., Any])
ERRORS: dict[int, Any] = {400: Error, 403: Error, 404: Error}
Likelihood = Literal["none", "possible", "likely"]


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


def _need(request: HttpRequest, perm: Perm) -> None:
    if not _user(request).has(perm):
        raise PermissionDenied(perm.value)


def answers(view: F) -> F:
    """The domain's refusals as the API's error bodies: 403, 400 with details, 409 for a gate."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        try:
            return view(request, *args, **kwargs)
        except PermissionDenied as exc:
            return error_response(request, 403, "forbidden", "Your role does not allow this.", refusal=exc)
        except services.GateRefused as exc:
            return error_response(request, 409, exc.code, str(exc.message))
        except ValidationError as exc:
            return invalid_input_response(request, exc)

    return cast(F, wrapper)


# -- schemas -----------------------------------------------------------------------------------------------


class DomainIn(Schema):
    level: Literal["not_assessed", "none", "low", "high", "urgent"] = "not_assessed"
    priorities: str = Field("", max_length=4000, description="The person's own priorities and words")
    agreed_action: str = Field("", max_length=4000)
    service_chosen: str = Field("", max_length=4000, description="Free text until the referral directory")
    directory_service_id: int | None = Field(None, description="Reserved for the referral directory")


class NeedsIn(Schema):
    domains: dict[str, DomainIn] = Field(..., description="By needs domain code (cases vocabulary)")
    individual_factors: list[str] = []
    household_factors: list[str] = []
    community_factors: list[str] = []
    preferred_worker_gender: Literal["", "woman", "man", "other"] = ""
    preferred_interpreter_gender: Literal["", "woman", "man", "other"] = ""
    interpreter_language: str = Field("", max_length=3)
    summary: str = Field("", max_length=4000)


class DomainOut(Schema):
    domain: str
    level: str
    priorities: str | None
    agreed_action: str | None
    service_chosen: str | None
    directory_service_id: int | None


class NeedsOut(Schema):
    number: int
    as_child: bool
    individual_factors: list[str]
    household_factors: list[str]
    community_factors: list[str]
    preferred_worker_gender: str
    preferred_interpreter_gender: str
    interpreter_language: str
    summary: str | None
    recorded_by: int
    recorded_at: datetime
    domains: list[DomainOut]


class NeedsRow(Schema):
    number: int
    recorded_by: int
    recorded_at: datetime


class RiskIn(Schema):
    reprisal: Likelihood = "none"
    re_trafficking: Likelihood = "none"
    exploiting_others: Likelihood = "none"
    threats_to_family: Likelihood = "none"
    relationship: Literal["unknown", "family", "partner", "employer", "acquaintance", "stranger"] = "unknown"
    dependency: bool = False
    debts: bool = False
    staff_exposure: bool = False
    safe_house_exposure: bool = False
    family_involvement: Literal["", "none", "possible", "involved"] = ""
    notes: str = Field("", max_length=4000)
    review_on: IsoDate


class RiskOut(Schema):
    id: int
    number: int
    level: str
    reprisal: str
    re_trafficking: str
    exploiting_others: str
    threats_to_family: str
    relationship: str
    dependency: bool
    debts: bool
    staff_exposure: bool
    safe_house_exposure: bool
    family_involvement: str
    notes: str | None
    review_on: date
    recorded_by: int
    recorded_at: datetime
    signed_off_by: int | None
    signed_off_at: datetime | None


class PlanIn(Schema):
    audience: Literal["person", "staff"]
    measures: str = Field(..., max_length=4000)
    review_on: IsoDate


class PlanOut(Schema):
    id: int
    audience: str
    measures: str | None
    review_on: date
    risk_assessment: int
    recorded_by: int
    recorded_at: datetime


class RiskPage(Schema):
    risk_level: str
    family_links_gate: str = Field(..., description="Empty when a family-links request may go ahead")
    assessments: list[RiskOut]
    safety_plans: list[PlanOut]


class FamilyLinksIn(Schema):
    kind: Literal["tracing", "contact"]
    sought: str = Field(..., max_length=4000, description="Who the person wants to find or reach")
    details: str = Field("", max_length=4000)


class FamilyLinksOut(Schema):
    id: int
    kind: str
    sought: str | None
    details: str | None
    risk_assessment: int
    requested_by: int
    requested_at: datetime


class GoalIn(Schema):
    support_type: str
    objective: str = Field(..., max_length=4000)
    actions: str = Field("", max_length=4000)
    responsible_user: int | None = None
    responsible_partner: str = Field("", max_length=4000, description="A partner, in free text")
    planned_end: IsoDate
    directory_service_id: int | None = Field(None, description="Reserved for the referral directory")


class GoalUpdateIn(Schema):
    status: Literal["planned", "in_progress", "done", "stopped"]
    actual_end: IsoDate | None = None


class GoalOut(Schema):
    id: int
    support_type: str
    objective: str | None
    actions: str | None
    responsible_user: int | None
    responsible_partner: str | None
    directory_service_id: int | None
    status: str
    planned_end: date
    actual_end: date | None


class ReviewIn(Schema):
    reviewed_on: IsoDate
    with_person: bool = True
    summary: str = Field(..., max_length=4000)
    next_review_on: IsoDate


class ReviewOut(Schema):
    id: int
    reviewed_on: date
    with_person: bool
    summary: str | None
    next_review_on: date
    recorded_by: int


class SupportPlanOut(Schema):
    goals: list[GoalOut]
    reviews: list[ReviewOut]


class ChildStepIn(Schema):
    step: Literal["bia", "bid", "guardian", "school", "safeguarding_referral"]
    step_on: IsoDate
    summary: str = Field(..., max_length=4000)
    guardian_involvement: Literal["", "involved", "informed", "not_appointed", "not_in_interest"] = ""
    schooling: Literal["", "in_school", "not_in_school", "arranging"] = ""
    referred_to: str = Field("", max_length=4000)


class ChildStepOut(Schema):
    id: int
    step: str
    step_on: date
    summary: str | None
    guardian_involvement: str
    schooling: str
    referred_to: str | None
    best_interests: int | None
    recorded_by: int


# -- helpers -----------------------------------------------------------------------------------------------


def _needs_out(view: selectors.NeedsView) -> dict[str, Any]:
    a = view.assessment
    return {
        "number": a.number,
        "as_child": a.as_child,
        "individual_factors": a.individual_factors,
        "household_factors": a.household_factors,
        "community_factors": a.community_factors,
        "preferred_worker_gender": a.preferred_worker_gender,
        "preferred_interpreter_gender": a.preferred_interpreter_gender,
        "interpreter_language": a.interpreter_language,
        "summary": view.summary.value,
        "recorded_by": a.recorded_by_id,
        "recorded_at": a.recorded_at,
        "domains": [
            {
                "domain": d.entry.domain,
                "level": d.entry.level,
                "priorities": d.priorities.value,
                "agreed_action": d.agreed_action.value,
                "service_chosen": d.service_chosen.value,
                "directory_service_id": d.entry.directory_service_id,
            }
            for d in view.domains
        ],
    }


def _risk_out(view: selectors.RiskView) -> dict[str, Any]:
    r = view.assessment
    fields = (
        "number level reprisal re_trafficking exploiting_others threats_to_family relationship dependency "
        "debts staff_exposure safe_house_exposure family_involvement review_on recorded_at signed_off_at"
    ).split()
    out = {name: getattr(r, name) for name in fields}
    out.update(
        id=r.pk, notes=view.notes.value, recorded_by=r.recorded_by_id, signed_off_by=r.signed_off_by_id
    )
    return out


def _plan_out(view: selectors.PlanView) -> dict[str, Any]:
    p = view.plan
    return {
        "id": p.pk,
        "audience": p.audience,
        "measures": view.measures.value,
        "review_on": p.review_on,
        "risk_assessment": p.risk_assessment_id,
        "recorded_by": p.recorded_by_id,
        "recorded_at": p.recorded_at,
    }


def _goal_out(view: selectors.GoalView) -> dict[str, Any]:
    g = view.goal
    return {
        "id": g.pk,
        "support_type": g.support_type,
        "objective": view.objective.value,
        "actions": view.actions.value,
        "responsible_user": g.responsible_user_id,
        "responsible_partner": view.responsible_partner.value,
        "directory_service_id": g.directory_service_id,
        "status": g.status,
        "planned_end": g.planned_end,
        "actual_end": g.actual_end,
    }


def _review_out(view: selectors.ReviewView) -> dict[str, Any]:
    r = view.review
    return {
        "id": r.pk,
        "reviewed_on": r.reviewed_on,
        "with_person": r.with_person,
        "summary": view.summary.value,
        "next_review_on": r.next_review_on,
        "recorded_by": r.recorded_by_id,
    }


def _active_user(pk: int | None) -> User | None:
    if pk is None:
        return None
    found = User.objects.filter(pk=pk, is_active=True).first()
    if found is None:
        raise ValidationError({"responsible_user": "No active account with this id."})
    return found


# -- needs assessment ---------------------------------------------------------------------------------------


@router.get("/{code}/assessments", response={200: list[NeedsRow], **ERRORS})
@answers
def list_assessments(request: HttpRequest, code: str) -> Any:
    """The case's needs assessments, newest first (numbers only; read one for its content)."""
    _need(request, Perm.CASE_VIEW)
    case = case_for_user(_user(request), code, section="assessment")
    return [
        {"number": a.number, "recorded_by": a.recorded_by_id, "recorded_at": a.recorded_at}
        for a in selectors.needs_assessments_for(case)
    ]


@router.post("/{code}/assessments", response={201: NeedsOut, **ERRORS})
@answers
def record_assessment(request: HttpRequest, code: str, payload: NeedsIn) -> Any:
    """Record a holistic needs assessment as the case's next one (a re-assessment keeps the earlier ones)."""
    _need(request, Perm.CASE_EDIT)
    user = _user(request)
    case = case_for_user(user, code, section="assessment")
    assessment = services.needs_assessment_record(
        actor=user,
        case=case,
        domains={code: d.dict() for code, d in payload.domains.items()},
        individual_factors=payload.individual_factors,
        household_factors=payload.household_factors,
        community_factors=payload.community_factors,
        preferred_worker_gender=payload.preferred_worker_gender,
        preferred_interpreter_gender=payload.preferred_interpreter_gender,
        interpreter_language=payload.interpreter_language,
        summary=payload.summary,
    )
    view = selectors.needs_assessment_view(case, assessment.number)
    assert view is not None
    return Status(201, _needs_out(view))


@router.get("/{code}/assessments/{number}", response={200: NeedsOut, **ERRORS})
@answers
def get_assessment(request: HttpRequest, code: str, number: int) -> Any:
    """One needs assessment of the case, by its number (earlier ones stay readable)."""
    _need(request, Perm.CASE_VIEW)
    case = case_for_user(_user(request), code, section="assessment")
    view = selectors.needs_assessment_view(case, number)
    if view is None:
        raise Http404
    return _needs_out(view)


# -- risk and safety ----------------------------------------------------------------------------------------


@router.get("/{code}/risk", response={200: RiskPage, **ERRORS})
@answers
def get_risk(request: HttpRequest, code: str) -> Any:
    """Risk assessments (newest first), safety plans (newest first) and the family-links gate's state."""
    _need(request, Perm.CASE_VIEW)
    case = case_for_user(_user(request), code, section="risk")
    return {
        "risk_level": case.risk_level,
        "family_links_gate": selectors.rfl_gate_problem(case),
        "assessments": [_risk_out(v) for v in selectors.risk_assessments_for(case)],
        "safety_plans": [_plan_out(v) for v in selectors.safety_plans_for(case)],
    }


@router.post("/{code}/risk", response={201: RiskOut, **ERRORS})
@answers
def record_risk(request: HttpRequest, code: str, payload: RiskIn) -> Any:
    """Record a risk assessment; the level follows the documented rule and becomes the case's."""
    _need(request, Perm.CASE_EDIT)
    user = _user(request)
    case = case_for_user(user, code, section="risk")
    data = payload.dict()
    factors = RiskFactors(**{k: data[k] for k in RiskFactors.__dataclass_fields__})
    assessment = services.risk_assessment_record(
        actor=user,
        case=case,
        factors=factors,
        family_involvement=payload.family_involvement,
        notes=payload.notes,
        review_on=payload.review_on,
    )
    return Status(201, _risk_out(selectors.RiskView(assessment, Opened(payload.notes.strip() or None))))


@router.post("/{code}/risk/{risk_id}/sign-off", response={200: RiskOut, **ERRORS})
@answers
def sign_off_risk(request: HttpRequest, code: str, risk_id: int) -> Any:
    """A case manager signs off the latest risk assessment (also the family-links risk check)."""
    _need(request, Perm.RISK_SIGN_OFF)
    user = _user(request)
    case = case_for_user(user, code, section="risk")
    found = RiskAssessment.objects.filter(case=case, pk=risk_id).first()
    if found is None:
        raise Http404
    services.risk_sign_off(actor=user, case=case, assessment=found)
    view = next(v for v in selectors.risk_assessments_for(case) if v.assessment.pk == found.pk)
    return _risk_out(view)


@router.post("/{code}/risk/safety-plans", response={201: PlanOut, **ERRORS})
@answers
def record_safety_plan(request: HttpRequest, code: str, payload: PlanIn) -> Any:
    """Record the safety plan for the person or for staff and volunteers, with its review date."""
    _need(request, Perm.CASE_EDIT)
    user = _user(request)
    case = case_for_user(user, code, section="risk")
    plan = services.safety_plan_record(
        actor=user,
        case=case,
        audience=payload.audience,
        measures=payload.measures,
        review_on=payload.review_on,
    )
    return Status(201, _plan_out(selectors.PlanView(plan, Opened(payload.measures.strip()))))


# -- restoring family links ---------------------------------------------------------------------------------


@router.get("/{code}/family-links", response={200: list[FamilyLinksOut], **ERRORS})
@answers
def list_family_links(request: HttpRequest, code: str) -> Any:
    """The case's family tracing and contact requests, newest first."""
    _need(request, Perm.CASE_VIEW)
    case = case_for_user(_user(request), code, section="family_links")
    return [
        {
            "id": v.request.pk,
            "kind": v.request.kind,
            "sought": v.sought.value,
            "details": v.details.value,
            "risk_assessment": v.request.risk_assessment_id,
            "requested_by": v.request.requested_by_id,
            "requested_at": v.request.requested_at,
        }
        for v in selectors.family_links_for(case)
    ]


@router.post("/{code}/family-links", response={201: FamilyLinksOut, 409: Error, **ERRORS})
@answers
def request_family_links(request: HttpRequest, code: str, payload: FamilyLinksIn) -> Any:
    """Request family tracing or contact. Answers 409 `rfl_risk_check_required` until the latest risk
    assessment considers family involvement and a case manager signed it off."""
    _need(request, Perm.CASE_EDIT)
    user = _user(request)
    case = case_for_user(user, code, section="family_links")
    made = services.family_links_request(
        actor=user, case=case, kind=payload.kind, sought=payload.sought, details=payload.details
    )
    return Status(
        201,
        {
            "id": made.pk,
            "kind": made.kind,
            "sought": payload.sought.strip(),
            "details": payload.details.strip() or None,
            "risk_assessment": made.risk_assessment_id,
            "requested_by": user.pk,
            "requested_at": made.requested_at,
        },
    )


# -- support plan -------------------------------------------------------------------------------------------


@router.get("/{code}/support-plan", response={200: SupportPlanOut, **ERRORS})
@answers
def get_support_plan(request: HttpRequest, code: str) -> Any:
    """The support plan: objectives (open first) and reviews (newest first)."""
    _need(request, Perm.CASE_VIEW)
    case = case_for_user(_user(request), code, section="support_plan")
    return {
        "goals": [_goal_out(v) for v in selectors.support_goals_for(case)],
        "reviews": [_review_out(v) for v in selectors.support_reviews_for(case)],
    }


@router.post("/{code}/support-plan/goals", response={201: GoalOut, **ERRORS})
@answers
def add_goal(request: HttpRequest, code: str, payload: GoalIn) -> Any:
    """Add an objective (HTCDS support type, actions, who is responsible, planned end)."""
    _need(request, Perm.CASE_EDIT)
    user = _user(request)
    case = case_for_user(user, code, section="support_plan")
    goal = services.support_goal_add(
        actor=user,
        case=case,
        support_type=payload.support_type,
        objective=payload.objective,
        actions=payload.actions,
        responsible_user=_active_user(payload.responsible_user),
        responsible_partner=payload.responsible_partner,
        planned_end=payload.planned_end,
        directory_service_id=payload.directory_service_id,
    )
    view = next(v for v in selectors.support_goals_for(case) if v.goal.pk == goal.pk)
    return Status(201, _goal_out(view))


@router.post("/{code}/support-plan/goals/{goal_id}", response={200: GoalOut, **ERRORS})
@answers
def update_goal(request: HttpRequest, code: str, goal_id: int, payload: GoalUpdateIn) -> Any:
    """Move an objective on; done or stopped needs the actual end date."""
    _need(request, Perm.CASE_EDIT)
    user = _user(request)
    case = case_for_user(user, code, section="support_plan")
    goal = SupportGoal.objects.filter(case=case, pk=goal_id).first()
    if goal is None:
        raise Http404
    services.support_goal_update(
        actor=user, case=case, goal=goal, status=payload.status, actual_end=payload.actual_end
    )
    view = next(v for v in selectors.support_goals_for(case) if v.goal.pk == goal.pk)
    return _goal_out(view)


@router.post("/{code}/support-plan/reviews", response={201: ReviewOut, **ERRORS})
@answers
def add_review(request: HttpRequest, code: str, payload: ReviewIn) -> Any:
    """Record a review of the support plan with the person, and the next review date."""
    _need(request, Perm.CASE_EDIT)
    user = _user(request)
    case = case_for_user(user, code, section="support_plan")
    review = services.support_review_add(
        actor=user,
        case=case,
        reviewed_on=payload.reviewed_on,
        with_person=payload.with_person,
        summary=payload.summary,
        next_review_on=payload.next_review_on,
    )
    return Status(201, _review_out(selectors.ReviewView(review, Opened(payload.summary.strip()))))


# -- child protection ---------------------------------------------------------------------------------------


@router.get("/{code}/child-protection", response={200: list[ChildStepOut], **ERRORS})
@answers
def list_child_steps(request: HttpRequest, code: str) -> Any:
    """The child protection steps of the case, newest first."""
    _need(request, Perm.CASE_VIEW)
    case = case_for_user(_user(request), code, section="child_protection")
    return [_step_out(v) for v in selectors.child_steps_for(case)]


def _step_out(view: selectors.ChildStepView) -> dict[str, Any]:
    s = view.step
    return {
        "id": s.pk,
        "step": s.step,
        "step_on": s.step_on,
        "summary": view.summary.value,
        "guardian_involvement": s.guardian_involvement,
        "schooling": s.schooling,
        "referred_to": view.referred_to.value,
        "best_interests": s.best_interests_id,
        "recorded_by": s.recorded_by_id,
    }


@router.post("/{code}/child-protection", response={201: ChildStepOut, **ERRORS})
@answers
def record_child_step(request: HttpRequest, code: str, payload: ChildStepIn) -> Any:
    """Record a step: best-interests assessment or determination, guardian, school access, safeguarding
    referral. A determination needs an assessment first and becomes the case's best-interests decision."""
    _need(request, Perm.CASE_EDIT)
    user = _user(request)
    case = case_for_user(user, code, section="child_protection")
    step = services.child_step_record(actor=user, case=case, **payload.dict())
    view = next(v for v in selectors.child_steps_for(case) if v.step.pk == step.pk)
    return Status(201, _step_out(view))
