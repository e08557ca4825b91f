"""The only writes of the assessment app. Each service takes the acting user as `actor=`, checks its action in
the one table (`authorize`), applies every rule of the action, seals free text under the person's key,
validates with `full_clean()` and writes its audit entry (codes and ids only) in the same transaction.

Callers fetch the case with `haven.cases.access.case_for_user` first (the per-case rule); the services check
the role's permission again and the business rules: the child's sections, the risk rule (`rules.py`), the
restoring-family-links gate.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from haven.accounts.actions import authorize
from haven.accounts.models import User
from haven.assessment import vocab as av
from haven.assessment.models import (
    ChildProtectionStep,
    FamilyLinksRequest,
    NeedsAssessment,
    NeedsDomainEntry,
    RiskAssessment,
    SafetyPlan,
    SupportGoal,
    SupportReview,
)
from haven.assessment.rules import RiskFactors, risk_level
from haven.assessment.selectors import latest_risk_assessment, rfl_gate_problem
from haven.audit.services import audit_record
from haven.cases import services as case_services
from haven.cases import vocab
from haven.cases.access import is_eligible
from haven.cases.models import Case
from haven.cases.sealing import seal

TEXT_MAX_CHARS = 4_000
RFL_RISK_CHECK_REQUIRED = "rfl_risk_check_required"
# Why a family tracing or contact request must wait, by the gate's problem code (selectors.rfl_gate_problem).
RFL_REASONS = {
    "no_check": gettext_lazy(
        "Before any family tracing or contact, record a risk assessment that considers whether family took "
        "part in the trafficking, and have a case manager sign it off. Sometimes the traffickers are family; "
        "contact could put the person back within their reach."
    ),
    "family_not_considered": gettext_lazy(
        "The latest risk assessment does not say whether family took part in the trafficking. Record a risk "
        "assessment that considers it, and have a case manager sign it off."
    ),
    "not_signed_off": gettext_lazy(
        "The latest risk assessment is not signed off yet. A case manager must sign it off before any family "
        "tracing or contact."
    ),
}


class GateRefused(Exception):
    """A rule of the work with the person says "not yet": nothing was written. `code` is the API's error
    code; `message` the reason for the page (translated)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(code)
        self.code = code
        self.message = message


def _audit(actor: User, action: str, case: Case, **detail: Any) -> None:
    audit_record(actor_id=actor.pk, action=action, object_type="case", object_id=case.code, detail=detail)


def _locked_case(case: Case) -> Case:
    """The case row, locked for this transaction (numbers are given out one at a time), checked not erased."""
    locked = Case.objects.select_for_update().select_related("person").get(pk=case.pk)
    if locked.person.erased_at is not None:
        raise ValidationError(_("This person's data was erased; the case can no longer change."))
    return locked


def _text(name: str, value: Any, *, required: bool = False) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise ValidationError({name: _("Give text.")})
    value = value.strip()
    if required and not value:
        raise ValidationError({name: _("This is needed.")})
    if len(value) > TEXT_MAX_CHARS:
        raise ValidationError({name: _("Too long (at most %(n)s characters).") % {"n": TEXT_MAX_CHARS}})
    return value


def _seal(case: Case, row: models.Model, column: str, value: str) -> bytes | None:
    return seal(case.person.key_id, row, column, value)


def _code(name: str, value: Any, choices: vocab.Choices) -> str:
    if value not in vocab.codes(choices):
        raise ValidationError({name: _("Choose one of the options.")})
    return str(value)


def _codes(name: str, values: Any, choices: vocab.Choices) -> list[str]:
    if not isinstance(values, list | tuple) or not all(isinstance(v, str) for v in values):
        raise ValidationError({name: _("Give a list of codes.")})
    allowed = vocab.codes(choices)
    if any(v not in allowed for v in values):
        raise ValidationError({name: _("Choose from the options only.")})
    return list(dict.fromkeys(values))


def _not_future(name: str, value: date) -> date:
    if value > timezone.localdate():
        raise ValidationError({name: _("The date cannot be in the future.")})
    return value


def _not_past(name: str, value: date) -> date:
    if value < timezone.localdate():
        raise ValidationError({name: _("Choose today or a later date.")})
    return value


# -- holistic needs assessment ------------------------------------------------------------------------------

DOMAIN_FIELDS = ("level", "priorities", "agreed_action", "service_chosen", "directory_service_id")


@transaction.atomic
def needs_assessment_record(
    *,
    actor: User,
    case: Case,
    domains: Mapping[str, Mapping[str, Any]],
    individual_factors: Sequence[str] = (),
    household_factors: Sequence[str] = (),
    community_factors: Sequence[str] = (),
    preferred_worker_gender: str = "",
    preferred_interpreter_gender: str = "",
    interpreter_language: str = "",
    summary: str = "",
) -> NeedsAssessment:
    """Record a holistic needs assessment (seed 4.3, Annex II) as the case's next one; earlier ones stay.

    `domains` maps a needs domain code (`haven.cases.vocab.NEEDS_DOMAINS`) to its `level`, the person's own
    `priorities` and words, the `agreed_action` and the `service_chosen` (free text; `directory_service_id`
    is kept for the referral directory). Domains left out are "not discussed yet". For a child (the one age
    rule) education means school, and it must be discussed: a child's assessment without it is refused.
    Preferences are the person's own (gender of worker and interpreter), never inferred from their gender.
    """
    authorize(actor, "assessment.needs")
    case = _locked_case(case)
    unknown = set(domains) - vocab.codes(vocab.NEEDS_DOMAINS)
    if unknown:
        raise ValidationError({"domains": _("Unknown needs domain.")})
    for code, entry in domains.items():
        if set(entry) - set(DOMAIN_FIELDS):
            raise ValidationError({code: _("Unknown field in a needs domain.")})
    as_child = case.person.is_child
    education = domains.get("education", {}).get("level", "not_assessed")
    if as_child and education in ("", "not_assessed"):
        raise ValidationError(
            {"education": _("For a child, talk about school and record the level of need for education.")}
        )
    if interpreter_language and interpreter_language not in vocab.language_codes():
        raise ValidationError({"interpreter_language": _("Unknown language code.")})
    number = (NeedsAssessment.objects.filter(case=case).aggregate(m=models.Max("number"))["m"] or 0) + 1
    assessment = NeedsAssessment(
        case=case,
        number=number,
        as_child=as_child,
        individual_factors=_codes("individual_factors", list(individual_factors), av.INDIVIDUAL_FACTORS),
        household_factors=_codes("household_factors", list(household_factors), av.HOUSEHOLD_FACTORS),
        community_factors=_codes("community_factors", list(community_factors), av.COMMUNITY_FACTORS),
        preferred_worker_gender=_code("preferred_worker_gender", preferred_worker_gender, av.WORKER_GENDERS),
        preferred_interpreter_gender=_code(
            "preferred_interpreter_gender", preferred_interpreter_gender, av.WORKER_GENDERS
        ),
        interpreter_language=interpreter_language,
        recorded_by=actor,
    )
    assessment.summary = _seal(case, assessment, "summary", _text("summary", summary))
    assessment.full_clean()
    assessment.save()
    assessed = 0
    for code, _label in vocab.NEEDS_DOMAINS:
        given = domains.get(code, {})
        row = NeedsDomainEntry(
            assessment=assessment,
            domain=code,
            level=_code(code, given.get("level") or "not_assessed", av.NEED_LEVELS),
            directory_service_id=given.get("directory_service_id"),
        )
        for column in ("priorities", "agreed_action", "service_chosen"):
            setattr(row, column, _seal(case, row, column, _text(f"{code}.{column}", given.get(column))))
        row.full_clean()
        row.save()
        assessed += row.level != "not_assessed"
    _audit(actor, "assessment.needs_recorded", case, number=number, domains_assessed=assessed)
    return assessment


# -- risk and safety -----------------------------------------------------------------------------------------


def _set_case_risk(case: Case, level: str) -> None:
    # The one place that writes Case.risk_level: lists and the assignment rule read it.
    Case.objects.filter(pk=case.pk).update(risk_level=level, updated_at=timezone.now())
    case.risk_level = level


@transaction.atomic
def risk_assessment_record(
    *,
    actor: User,
    case: Case,
    factors: RiskFactors,
    family_involvement: str = "",
    notes: str = "",
    review_on: date,
) -> RiskAssessment:
    """Record a risk and safety assessment (seed 4.2, Annex II "security and safety planning") as the case's
    next one. The level comes from the rule of `rules.risk_level`, never typed in; the case takes it
    (`Case.risk_level`: a high level flags the case and restricts who may be assigned). It waits for a case
    manager's sign-off (`risk_sign_off`); `family_involvement` answers the restoring-family-links question.
    """
    authorize(actor, "assessment.risk")
    case = _locked_case(case)
    for name in ("reprisal", "re_trafficking", "exploiting_others", "threats_to_family"):
        _code(name, getattr(factors, name), av.LIKELIHOODS)
    _code("relationship", factors.relationship, av.RELATIONSHIPS)
    _code("family_involvement", family_involvement, av.FAMILY_INVOLVEMENT)
    _not_past("review_on", review_on)
    level = risk_level(factors)
    number = (RiskAssessment.objects.filter(case=case).aggregate(m=models.Max("number"))["m"] or 0) + 1
    assessment = RiskAssessment(
        case=case,
        number=number,
        reprisal=factors.reprisal,
        re_trafficking=factors.re_trafficking,
        exploiting_others=factors.exploiting_others,
        threats_to_family=factors.threats_to_family,
        relationship=factors.relationship,
        dependency=bool(factors.dependency),
        debts=bool(factors.debts),
        staff_exposure=bool(factors.staff_exposure),
        safe_house_exposure=bool(factors.safe_house_exposure),
        family_involvement=family_involvement,
        level=level,
        review_on=review_on,
        recorded_by=actor,
    )
    assessment.notes = _seal(case, assessment, "notes", _text("notes", notes))
    assessment.full_clean()
    assessment.save()
    _set_case_risk(case, level)
    _audit(actor, "assessment.risk_recorded", case, number=number, level=level)
    return assessment


@transaction.atomic
def risk_sign_off(*, actor: User, case: Case, assessment: RiskAssessment) -> RiskAssessment:
    """A case manager signs off the case's latest risk assessment (and so its safety plans and the
    restoring-family-links check). An earlier one, or one already signed off, is refused."""
    authorize(actor, "assessment.risk_sign_off")
    case = _locked_case(case)
    assessment = RiskAssessment.objects.select_for_update().get(pk=assessment.pk, case=case)
    latest = latest_risk_assessment(case)
    if latest is None or latest.pk != assessment.pk:
        raise ValidationError(_("Only the latest risk assessment can be signed off."))
    if assessment.signed_off_at is not None:
        raise ValidationError(_("This risk assessment is already signed off."))
    assessment.signed_off_by = actor
    assessment.signed_off_at = timezone.now()
    assessment.save(update_fields=["signed_off_by", "signed_off_at"])
    _audit(actor, "assessment.risk_signed_off", case, number=assessment.number, level=assessment.level)
    return assessment


@transaction.atomic
def safety_plan_record(
    *, actor: User, case: Case, audience: str, measures: str, review_on: date
) -> SafetyPlan:
    """Record the safety plan for the person or for staff and volunteers, with its review date, under the
    case's latest risk assessment. A newer plan for the same audience replaces it; earlier ones stay."""
    authorize(actor, "assessment.risk")
    case = _locked_case(case)
    _code("audience", audience, av.SAFETY_AUDIENCES)
    latest = latest_risk_assessment(case)
    if latest is None:
        raise ValidationError(_("Record a risk assessment first: the safety plan answers it."))
    _not_past("review_on", review_on)
    plan = SafetyPlan(
        case=case, risk_assessment=latest, audience=audience, review_on=review_on, recorded_by=actor
    )
    plan.measures = _seal(case, plan, "measures", _text("measures", measures, required=True)) or b""
    plan.full_clean()
    plan.save()
    _audit(actor, "assessment.safety_plan_recorded", case, audience=audience, risk=latest.number)
    return plan


# -- restoring family links ---------------------------------------------------------------------------------


def family_links_request(
    *, actor: User, case: Case, kind: str, sought: str, details: str = ""
) -> FamilyLinksRequest:
    """Record a family tracing or contact request. Refused (GateRefused `rfl_risk_check_required`, audited)
    until the case's latest risk assessment considers family involvement and a case manager signed it off:
    sometimes the traffickers are family (seed 4.2.4), and contact could put the person back in reach."""
    authorize(actor, "family_links.request")
    problem = rfl_gate_problem(case)
    if problem:
        _audit(
            actor, "assessment.family_links_refused", case, reason=RFL_RISK_CHECK_REQUIRED, problem=problem
        )
        raise GateRefused(RFL_RISK_CHECK_REQUIRED, str(RFL_REASONS[problem]))
    return _family_links_write(actor=actor, case=case, kind=kind, sought=sought, details=details)


@transaction.atomic
def _family_links_write(
    *, actor: User, case: Case, kind: str, sought: str, details: str
) -> FamilyLinksRequest:
    case = _locked_case(case)
    _code("kind", kind, av.FAMILY_LINKS_KINDS)
    check = latest_risk_assessment(case)
    if check is None or rfl_gate_problem(case):  # checked again under the lock
        raise GateRefused(RFL_RISK_CHECK_REQUIRED, str(RFL_REASONS["no_check"]))
    request = FamilyLinksRequest(case=case, kind=kind, risk_assessment=check, requested_by=actor)
    request.sought = _seal(case, request, "sought", _text("sought", sought, required=True)) or b""
    request.details = _seal(case, request, "details", _text("details", details))
    request.full_clean()
    request.save()
    _audit(actor, "assessment.family_links_requested", case, kind=kind, risk=check.number)
    return request


# -- support plan -------------------------------------------------------------------------------------------


@transaction.atomic
def support_goal_add(
    *,
    actor: User,
    case: Case,
    support_type: str,
    objective: str,
    actions: str = "",
    responsible_user: User | None = None,
    responsible_partner: str = "",
    planned_end: date,
    directory_service_id: int | None = None,
) -> SupportGoal:
    """Add an objective to the support plan: its HTCDS support type, the actions, who is responsible (a
    colleague of the case's team who may work on it, or a partner named in free text) and the planned end."""
    authorize(actor, "support_plan.edit")
    case = _locked_case(case)
    _code("support_type", support_type, vocab.SUPPORT_TYPES)
    partner = _text("responsible_partner", responsible_partner)
    if responsible_user is None and not partner:
        raise ValidationError({"responsible_user": _("Say who is responsible: a colleague or a partner.")})
    if responsible_user is not None and not is_eligible(case, responsible_user, "task_assignee"):
        raise ValidationError(
            {"responsible_user": _("Choose an active caseworker or case manager of this case's team.")}
        )
    goal = SupportGoal(
        case=case,
        support_type=support_type,
        responsible_user=responsible_user,
        directory_service_id=directory_service_id,
        planned_end=planned_end,
        recorded_by=actor,
    )
    goal.objective = _seal(case, goal, "objective", _text("objective", objective, required=True)) or b""
    goal.actions = _seal(case, goal, "actions", _text("actions", actions))
    goal.responsible_partner = _seal(case, goal, "responsible_partner", partner)
    goal.full_clean()
    goal.save()
    _audit(actor, "assessment.support_goal_added", case, goal=goal.pk, support_type=support_type)
    return goal


@transaction.atomic
def support_goal_update(
    *, actor: User, case: Case, goal: SupportGoal, status: str, actual_end: date | None = None
) -> SupportGoal:
    """Move a support objective on (planned, in progress, done, stopped); done or stopped needs the actual
    end date."""
    authorize(actor, "support_plan.edit")
    case = _locked_case(case)
    goal = SupportGoal.objects.select_for_update().get(pk=goal.pk, case=case)
    goal.status = _code("status", status, av.SUPPORT_STATUSES)
    if status in ("done", "stopped") and actual_end is None:
        raise ValidationError({"actual_end": _("Give the date it ended.")})
    goal.actual_end = _not_future("actual_end", actual_end) if actual_end else None
    goal.updated_at = timezone.now()
    goal.full_clean()
    goal.save()
    _audit(actor, "assessment.support_goal_updated", case, goal=goal.pk, status=status)
    return goal


@transaction.atomic
def support_review_add(
    *, actor: User, case: Case, reviewed_on: date, with_person: bool, summary: str, next_review_on: date
) -> SupportReview:
    """Record a periodic review of the support plan (with the person, as a rule) and the next review date."""
    authorize(actor, "support_plan.edit")
    case = _locked_case(case)
    _not_future("reviewed_on", reviewed_on)
    if next_review_on <= reviewed_on:
        raise ValidationError({"next_review_on": _("The next review comes after this one.")})
    review = SupportReview(
        case=case,
        reviewed_on=reviewed_on,
        with_person=with_person,
        next_review_on=next_review_on,
        recorded_by=actor,
    )
    review.summary = _seal(case, review, "summary", _text("summary", summary, required=True)) or b""
    review.full_clean()
    review.save()
    _audit(actor, "assessment.support_reviewed", case, with_person=with_person)
    return review


# -- child protection ---------------------------------------------------------------------------------------


@transaction.atomic
def child_step_record(
    *,
    actor: User,
    case: Case,
    step: str,
    step_on: date,
    summary: str,
    guardian_involvement: str = "",
    schooling: str = "",
    referred_to: str = "",
) -> ChildProtectionStep:
    """Record a step of child protection on a child's case (the one age rule: in doubt, a child).

    A best-interests determination ("bid") needs an assessment ("bia") first and is also the case's
    best-interests decision (`cases.BestInterests`, through its own service), so the rules that ask for
    that decision see it. Guardian involvement says how; school access records the schooling (and sets the
    person's schooling through the cases service); the safeguarding referral names the service referred to.
    """
    authorize(actor, "child.protection")
    case = _locked_case(case)
    if not case.person.is_child:
        raise ValidationError(_("These steps are for a child's case."))
    _code("step", step, av.CHILD_STEPS)
    _not_future("step_on", step_on)
    text = _text("summary", summary, required=True)
    row = ChildProtectionStep(case=case, step=step, step_on=step_on, recorded_by=actor)
    if step == "bid":
        if not ChildProtectionStep.objects.filter(case=case, step="bia").exists():
            raise ValidationError(
                {"step": _("Record the best-interests assessment before the determination.")}
            )
        row.best_interests = case_services.best_interests_record(
            actor=actor, case=case, decision=text, decided_on=step_on
        )
    if step == "guardian":
        row.guardian_involvement = _code(
            "guardian_involvement", guardian_involvement, av.GUARDIAN_INVOLVEMENT
        )
        if not row.guardian_involvement:
            raise ValidationError({"guardian_involvement": _("Say how the guardian was involved.")})
    if step == "school":
        row.schooling = _code("schooling", schooling, vocab.SCHOOLING)
        if not row.schooling:
            raise ValidationError({"schooling": _("Say where school access stands.")})
        person = case.person
        case_services.person_update(
            actor=actor, case=case, expected_version=person.version, values={"schooling": row.schooling}
        )
    if step == "safeguarding_referral":
        to = _text("referred_to", referred_to, required=True)
        row.referred_to = _seal(case, row, "referred_to", to)
    row.summary = _seal(case, row, "summary", text) or b""
    row.full_clean()
    row.save()
    _audit(actor, "assessment.child_step_recorded", case, step=step)
    return row
