"""Reads of the assessment app, for a case already fetched through `haven.cases.access.case_for_user`.

Sealed text is opened with one key unwrap per request (`PersonOpener`); a failure becomes a problem code the
page explains, never plaintext from elsewhere and never a 500.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

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
from haven.cases import summary as case_summary
from haven.cases import vocab
from haven.cases.access import may_take_high_risk
from haven.cases.models import Case
from haven.cases.sealing import Opened, PersonOpener
from haven.followup import reviews as followup_reviews


def assignees_the_high_risk_rule_excludes(case: Case) -> list[User]:
    """People still assigned to a high-risk case whom `may_take_high_risk` would not let take it now (the
    case became high risk after they were assigned): the page asks the case manager to reassign."""
    if case.risk_level != "high":
        return []
    people = [*case.caseworkers.order_by("pk")]
    if case.case_manager is not None:
        people.insert(0, case.case_manager)
    return [person for person in people if not may_take_high_risk(person)]


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

    def factors(self) -> list[tuple[str, list[str]]]:
        """The vulnerability factors by HTCDS assessment level, as labels (levels with none left out)."""
        a = self.assessment
        levels = (
            (_("Individual"), a.individual_factors, av.INDIVIDUAL_FACTORS),
            (_("Household"), a.household_factors, av.HOUSEHOLD_FACTORS),
            (_("Community"), a.community_factors, av.COMMUNITY_FACTORS),
        )
        return [
            (str(name), [vocab.label(choices, c) for c in codes]) for name, codes, choices in levels if codes
        ]


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


def needs_initial(case: Case) -> dict[str, Any]:
    """A re-assessment's starting point: the latest assessment's levels, factors and preferences (codes
    only; the person's words are asked afresh)."""
    latest = NeedsAssessment.objects.filter(case=case).order_by("-number").first()
    if latest is None:
        return {}
    initial: dict[str, Any] = {f"{e.domain}-level": e.level for e in latest.domains.all()}
    for name in (
        "individual_factors",
        "household_factors",
        "community_factors",
        "preferred_worker_gender",
        "preferred_interpreter_gender",
        "interpreter_language",
    ):
        initial[name] = getattr(latest, name)
    return initial


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


# -- the access-request document ----------------------------------------------------------------------------


def _text(value: Opened) -> str | None:
    return f"[{value.problem}]" if value.problem else value.value


def subject_access_sections(case: Case) -> dict[str, Any]:
    """Everything this app holds on the case's person, for the access-request export (registered with
    `haven.cases.selectors.register_export_section`)."""
    needs = []
    for assessment in needs_assessments_for(case):
        view = needs_assessment_view(case, assessment.number)
        assert view is not None
        needs.append(
            {
                "number": assessment.number,
                "recorded_at": assessment.recorded_at.isoformat(timespec="seconds"),
                "summary": _text(view.summary),
                "individual_factors": assessment.individual_factors,
                "household_factors": assessment.household_factors,
                "community_factors": assessment.community_factors,
                "preferred_worker_gender": assessment.preferred_worker_gender,
                "preferred_interpreter_gender": assessment.preferred_interpreter_gender,
                "domains": [
                    {
                        "domain": d.entry.domain,
                        "level": d.entry.level,
                        "priorities": _text(d.priorities),
                        "agreed_action": _text(d.agreed_action),
                        "service_chosen": _text(d.service_chosen),
                    }
                    for d in view.domains
                ],
            }
        )
    return {
        "needs_assessments": needs,
        "risk_assessments": [
            {
                "number": r.assessment.number,
                "level": r.assessment.level,
                "review_on": r.assessment.review_on.isoformat(),
                "notes": _text(r.notes),
            }
            for r in risk_assessments_for(case)
        ],
        "safety_plans": [
            {
                "audience": p.plan.audience,
                "measures": _text(p.measures),
                "review_on": p.plan.review_on.isoformat(),
            }
            for p in safety_plans_for(case)
        ],
        "family_links_requests": [
            {"kind": f.request.kind, "sought": _text(f.sought), "details": _text(f.details)}
            for f in family_links_for(case)
        ],
        "support_plan": {
            "objectives": [
                {
                    "support_type": g.goal.support_type,
                    "objective": _text(g.objective),
                    "actions": _text(g.actions),
                    "responsible_partner": _text(g.responsible_partner),
                    "status": g.goal.status,
                    "planned_end": g.goal.planned_end.isoformat(),
                }
                for g in support_goals_for(case)
            ],
            "reviews": [
                {"reviewed_on": r.review.reviewed_on.isoformat(), "summary": _text(r.summary)}
                for r in support_reviews_for(case)
            ],
        },
        "child_protection_steps": [
            {
                "step": c.step.step,
                "on": c.step.step_on.isoformat(),
                "summary": _text(c.summary),
                "referred_to": _text(c.referred_to),
            }
            for c in child_steps_for(case)
        ],
    }


# -- reviews due (for the "my work" page and reminders) -----------------------------------------------------


@dataclass(frozen=True)
class ReviewDue:
    case_code: str
    kind: str  # "risk", "safety_plan_person", "safety_plan_staff", "support_plan"
    due_on: date


def reviews_due(cases: QuerySet[Case], until: date) -> list[ReviewDue]:
    """The review dates in force on `cases` (already filtered to what the reader may open) that fall on or
    before `until`, soonest first: the latest risk assessment's, the current safety plan of each audience,
    and the latest support plan review's next date. Codes and dates only: nothing to decrypt."""
    due: list[ReviewDue] = []
    case_ids = list(cases.values_list("pk", flat=True))
    latest_risk: dict[int, RiskAssessment] = {}
    for risk in RiskAssessment.objects.filter(case_id__in=case_ids).select_related("case").order_by("number"):
        latest_risk[risk.case_id] = risk
    due += [ReviewDue(r.case.code, "risk", r.review_on) for r in latest_risk.values() if r.review_on <= until]
    current: dict[tuple[int, str], SafetyPlan] = {}
    for plan in (
        SafetyPlan.objects.filter(case_id__in=case_ids).select_related("case").order_by("recorded_at", "pk")
    ):
        current[(plan.case_id, plan.audience)] = plan
    due += [
        ReviewDue(p.case.code, f"safety_plan_{p.audience}", p.review_on)
        for p in current.values()
        if p.review_on <= until
    ]
    latest_review: dict[int, SupportReview] = {}
    for review in (
        SupportReview.objects.filter(case_id__in=case_ids)
        .select_related("case")
        .order_by("reviewed_on", "pk")
    ):
        latest_review[review.case_id] = review
    due += [
        ReviewDue(r.case.code, "support_plan", r.next_review_on)
        for r in latest_review.values()
        if r.next_review_on <= until
    ]
    return sorted(due, key=lambda d: (d.due_on, d.case_code, d.kind))


PLAN_REVIEW_LABELS: dict[str, Any] = {
    "risk": gettext_lazy("Risk assessment review"),
    "safety_plan_person": gettext_lazy("Safety plan review (the person)"),
    "safety_plan_staff": gettext_lazy("Safety plan review (staff and volunteers)"),
    "support_plan": gettext_lazy("Support plan review"),
}


def plan_reviews_for(user: User, today: date, until: date) -> list[followup_reviews.ReviewDue]:
    """The "reviews due" of the follow-up app's "my work" page and reminders: the risk, safety and support
    plan reviews of the open cases `user` manages, up to `until` (registered in AssessmentConfig.ready)."""
    cases = Case.objects.filter(case_manager=user, person__erased_at=None).exclude(stage="closed")
    return [
        followup_reviews.ReviewDue(item.case_code, item.kind, PLAN_REVIEW_LABELS[item.kind], item.due_on)
        for item in reviews_due(cases, until)
    ]


def plan_reviews_of_case(case: Case) -> list[case_summary.Due]:
    """The risk, safety and support plan reviews in force on one case, for its summary page (registered in
    AssessmentConfig.ready): the same dates as the "my work" page, whatever their distance."""
    far = date.max
    return [
        case_summary.Due(PLAN_REVIEW_LABELS[item.kind], item.due_on)
        for item in reviews_due(Case.objects.filter(pk=case.pk), far)
    ]
