"""Reads of the assessment app, for a case already fetched through `haven.cases.access.case_for_user`.

Sealed text is opened with one key unwrap per request (`PersonOpener`); a failure becomes a problem code the
page explains, never plaintext from elsewhere and never a 500.
"""

from __future__ import annotations

from dataclasses import dataclass, field

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
from haven.cases import vocab
from haven.cases.models import Case
from haven.cases.sealing import Opened, PersonOpener


def latest_risk_assessment(case: Case) -> RiskAssessment | None:
    """The case's most recent risk assessment (the one in force), or None."""
    return RiskAssessment.objects.filter(case=case).order_by("-number").first()


def rfl_gate_problem(case: Case) -> str:
    """Why a family tracing or contact request must wait ("" when it may go ahead).

    "no_check": no risk assessment yet; "family_not_considered": the latest does not answer whether family
    took part; "not_signed_off": no case manager signed the latest off. Reasons: `services.RFL_REASONS`.
    """
    latest = latest_risk_assessment(case)
    if latest is None:
        return "no_check"
    if not latest.family_involvement:
        return "family_not_considered"
    if latest.signed_off_at is None:
        return "not_signed_off"
    return ""


# -- needs assessment ---------------------------------------------------------------------------------------


@dataclass
class DomainView:
    entry: NeedsDomainEntry
    label: str
    priorities: Opened
    agreed_action: Opened
    service_chosen: Opened


@dataclass
class NeedsView:
    assessment: NeedsAssessment
    summary: Opened
    domains: list[DomainView] = field(default_factory=list)


def needs_assessments_for(case: Case) -> list[NeedsAssessment]:
    """Every needs assessment of the case, newest first (without opening anything)."""
    return list(NeedsAssessment.objects.filter(case=case).select_related("recorded_by").order_by("-number"))


def needs_assessment_view(case: Case, number: int | None = None) -> NeedsView | None:
    """Assessment `number` of the case (the latest when None), its domains in the shared order, opened."""
    found = NeedsAssessment.objects.filter(case=case).select_related("recorded_by").order_by("-number")
    assessment = (found.filter(number=number) if number is not None else found).first()
    if assessment is None:
        return None
    opener = PersonOpener(case.person.key_id)
    order = {code: i for i, (code, _label) in enumerate(vocab.NEEDS_DOMAINS)}
    entries = sorted(assessment.domains.all(), key=lambda e: order.get(e.domain, 99))
    view = NeedsView(assessment, opener.open(assessment, "summary"))
    for entry in entries:
        view.domains.append(
            DomainView(
                entry,
                vocab.label(vocab.NEEDS_DOMAINS, entry.domain),
                opener.open(entry, "priorities"),
                opener.open(entry, "agreed_action"),
                opener.open(entry, "service_chosen"),
            )
        )
    return view


# -- risk and safety ----------------------------------------------------------------------------------------


@dataclass
class RiskView:
    assessment: RiskAssessment
    notes: Opened


@dataclass
class PlanView:
    plan: SafetyPlan
    measures: Opened


def risk_assessments_for(case: Case) -> list[RiskView]:
    """Every risk assessment of the case, newest first, notes opened."""
    rows = RiskAssessment.objects.filter(case=case).select_related("recorded_by", "signed_off_by")
    opener = PersonOpener(case.person.key_id)
    return [RiskView(r, opener.open(r, "notes")) for r in rows.order_by("-number")]


def safety_plans_for(case: Case) -> list[PlanView]:
    """Every safety plan of the case, newest first (the first of each audience is the one in force)."""
    rows = SafetyPlan.objects.filter(case=case).select_related("recorded_by", "risk_assessment")
    opener = PersonOpener(case.person.key_id)
    return [PlanView(p, opener.open(p, "measures")) for p in rows.order_by("-recorded_at", "-pk")]


def current_safety_plans(plans: list[PlanView]) -> dict[str, PlanView]:
    """The plan in force for each audience, from `safety_plans_for`'s newest-first list."""
    current: dict[str, PlanView] = {}
    for view in plans:
        current.setdefault(view.plan.audience, view)
    return current


# -- restoring family links ---------------------------------------------------------------------------------


@dataclass
class FamilyLinksView:
    request: FamilyLinksRequest
    sought: Opened
    details: Opened


def family_links_for(case: Case) -> list[FamilyLinksView]:
    """The case's family tracing and contact requests, newest first, opened."""
    rows = FamilyLinksRequest.objects.filter(case=case).select_related("requested_by", "risk_assessment")
    opener = PersonOpener(case.person.key_id)
    return [
        FamilyLinksView(r, opener.open(r, "sought"), opener.open(r, "details"))
        for r in rows.order_by("-requested_at", "-pk")
    ]


# -- support plan -------------------------------------------------------------------------------------------


@dataclass
class GoalView:
    goal: SupportGoal
    objective: Opened
    actions: Opened
    responsible_partner: Opened


@dataclass
class ReviewView:
    review: SupportReview
    summary: Opened


def support_goals_for(case: Case) -> list[GoalView]:
    """The support plan's objectives, open ones first by planned end, opened."""
    rows = SupportGoal.objects.filter(case=case).select_related("responsible_user")
    opener = PersonOpener(case.person.key_id)
    ordered = sorted(rows, key=lambda g: (g.status in ("done", "stopped"), g.planned_end, g.pk))
    return [
        GoalView(
            g, opener.open(g, "objective"), opener.open(g, "actions"), opener.open(g, "responsible_partner")
        )
        for g in ordered
    ]


def support_reviews_for(case: Case) -> list[ReviewView]:
    """The support plan's reviews, newest first, opened."""
    rows = SupportReview.objects.filter(case=case).select_related("recorded_by")
    opener = PersonOpener(case.person.key_id)
    return [ReviewView(r, opener.open(r, "summary")) for r in rows.order_by("-reviewed_on", "-pk")]


# -- child protection ---------------------------------------------------------------------------------------


@dataclass
class ChildStepView:
    step: ChildProtectionStep
    summary: Opened
    referred_to: Opened


def child_steps_for(case: Case) -> list[ChildStepView]:
    """The child protection steps of the case, newest first, opened."""
    rows = ChildProtectionStep.objects.filter(case=case).select_related("recorded_by")
    opener = PersonOpener(case.person.key_id)
    return [
        ChildStepView(s, opener.open(s, "summary"), opener.open(s, "referred_to"))
        for s in rows.order_by("-step_on", "-pk")
    ]
