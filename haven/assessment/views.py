"""Assessment pages: parse the request, get the case through `access.case_for_user`, call one service or
selector, render. Phone first, no JavaScript; bad input gets the form back with a 400, a rule that says
"not yet" (the family-links gate) a 409 page with the reason."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.forms import Form
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from haven.accounts.decorators import require_perm
from haven.accounts.models import User
from haven.accounts.permissions import Perm
from haven.assessment import forms as f
from haven.assessment import selectors, services
from haven.assessment import vocab as av
from haven.assessment.models import RiskAssessment, SupportGoal
from haven.assessment.rules import RiskFactors
from haven.cases import vocab
from haven.cases.access import case_for_user
from haven.cases.forms import apply_errors
from haven.cases.links import CaseLinks
from haven.cases.models import Case


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


def _need(user: User, perm: Perm) -> None:
    if not user.has(perm):
        raise PermissionDenied(perm.value)


class _Can(dict[str, bool]):
    """`can.case_edit` in templates: the user's permissions, each checked the first time a page asks."""

    def __init__(self, user: User) -> None:
        super().__init__()
        self._user = user

    def __missing__(self, name: str) -> bool:
        perm = Perm.__members__.get(name.upper())
        if perm is None:
            raise KeyError(name)
        allowed = self[name] = self._user.has(perm)
        return allowed


def _page(request: HttpRequest, template: str, context: dict[str, Any], status: int = 200) -> HttpResponse:
    case = context["case"]
    assert isinstance(case, Case)
    context["can"] = _Can(_user(request))
    context.setdefault("links", CaseLinks(case.code))
    context.setdefault("is_child", case.person.is_child)
    context.setdefault("erased", case.person.erased_at is not None)
    context.setdefault("today", timezone.localdate())
    return render(request, f"assessment/{template}", context, status=status)


def _to(case: Case, name: str) -> HttpResponse:
    return redirect(reverse(f"assessment:{name}", args=[case.code]))


def _case(request: HttpRequest, code: str, section: str) -> tuple[User, Case]:
    user = _user(request)
    if request.method == "POST":
        _need(user, Perm.CASE_EDIT)
    case = case_for_user(user, code, section=section)
    if request.method == "POST" and case.person.erased_at is not None:
        raise Http404
    return user, case


def _submit(form: Form, call: Callable[[dict[str, Any]], object]) -> bool:
    """Run `call` with the form's data; False (errors on the form) when the form or the service refuses."""
    if not form.is_valid():
        return False
    try:
        call(form.cleaned_data)
    except ValidationError as exc:
        apply_errors(form, exc)
        return False
    return True


# -- overview -----------------------------------------------------------------------------------------------


@require_GET
@require_perm(Perm.CASE_VIEW)
def overview(request: HttpRequest, code: str) -> HttpResponse:
    """The work with the person at a glance, one step after the other, each with its link."""
    user, case = _case(request, code, "assessment")
    plans = selectors.safety_plans_for(case)
    context = {
        "case": case,
        "needs": selectors.needs_assessments_for(case),
        "risk": selectors.latest_risk_assessment(case),
        "plans": selectors.current_safety_plans(plans),
        "goals": selectors.support_goals_for(case),
        "gate": selectors.rfl_gate_problem(case),
    }
    return _page(request, "overview.html", context)


# -- needs assessment ---------------------------------------------------------------------------------------


@require_GET
@require_perm(Perm.CASE_VIEW)
def needs(request: HttpRequest, code: str, number: int | None = None) -> HttpResponse:
    """The latest needs assessment (or an earlier one by number) and the list of all of them."""
    user, case = _case(request, code, "assessment")
    view = selectors.needs_assessment_view(case, number)
    if number is not None and view is None:
        raise Http404
    context = {"case": case, "view": view, "history": selectors.needs_assessments_for(case)}
    return _page(request, "needs.html", context)


@require_http_methods(["GET", "POST"])
@require_perm(Perm.CASE_EDIT)
def needs_new(request: HttpRequest, code: str) -> HttpResponse:
    """Record a needs assessment (or re-assess: the earlier ones stay readable)."""
    user, case = _case(request, code, "assessment")
    form = f.NeedsForm(
        request.POST or None, is_child=case.person.is_child, initial=selectors.needs_initial(case)
    )
    if request.method == "POST":

        def call(data: dict[str, Any]) -> object:
            return services.needs_assessment_record(
                actor=user,
                case=case,
                domains=form.domains(),
                individual_factors=data["individual_factors"],
                household_factors=data["household_factors"],
                community_factors=data["community_factors"],
                preferred_worker_gender=data["preferred_worker_gender"],
                preferred_interpreter_gender=data["preferred_interpreter_gender"],
                interpreter_language=data["interpreter_language"].strip().lower(),
                summary=data["summary"],
            )

        if _submit(form, call):
            messages.success(request, _("Needs assessment saved. Next: the risk and safety assessment."))
            return _to(case, "needs")
        return _page(request, "needs_form.html", {"case": case, "form": form}, status=400)
    return _page(request, "needs_form.html", {"case": case, "form": form})


# -- risk and safety ----------------------------------------------------------------------------------------


@require_GET
@require_perm(Perm.CASE_VIEW)
def risk(request: HttpRequest, code: str) -> HttpResponse:
    """Risk assessments (the latest in force), the safety plans, and what the risk level means."""
    user, case = _case(request, code, "risk")
    plans = selectors.safety_plans_for(case)
    context = {
        "case": case,
        "assessments": selectors.risk_assessments_for(case),
        "plans": plans,
        "current": selectors.current_safety_plans(plans),
        "gate": selectors.rfl_gate_problem(case),
        "excluded": selectors.assignees_the_high_risk_rule_excludes(case),
    }
    return _page(request, "risk.html", context)


@require_http_methods(["GET", "POST"])
@require_perm(Perm.CASE_EDIT)
def risk_new(request: HttpRequest, code: str) -> HttpResponse:
    user, case = _case(request, code, "risk")
    # A re-assessment starts from the factors in force (the worker changes what changed).
    latest = selectors.latest_risk_assessment(case)
    initial: dict[str, Any] = {}
    if latest is not None:
        skip = ("notes", "review_on")
        initial = {name: getattr(latest, name) for name in f.RiskForm.base_fields if name not in skip}
    form = f.RiskForm(request.POST or None, initial=initial)
    if request.method == "POST":

        def call(data: dict[str, Any]) -> object:
            factors = RiskFactors(**{name: data[name] for name in RiskFactors.__dataclass_fields__})
            return services.risk_assessment_record(
                actor=user,
                case=case,
                factors=factors,
                family_involvement=data["family_involvement"],
                notes=data["notes"],
                review_on=data["review_on"],
            )

        if _submit(form, call):
            case.refresh_from_db(fields=["risk_level"])
            messages.success(
                request,
                _(
                    "Risk assessment saved (level: %(level)s). Next: a case manager signs it off; "
                    "write the safety plans."
                )
                % {"level": vocab.label(av.RISK_LEVELS, case.risk_level)},
            )
            return _to(case, "risk")
        return _page(
            request, "form.html", {"case": case, "form": form, "title": _("Risk and safety assessment")}, 400
        )
    return _page(request, "form.html", {"case": case, "form": form, "title": _("Risk and safety assessment")})


@require_http_methods(["GET", "POST"])
@require_perm(Perm.RISK_SIGN_OFF)
def risk_sign_off(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    """Confirm, then sign off the latest risk assessment (a case manager's step)."""
    user = _user(request)
    case = case_for_user(user, code, section="risk")
    found = RiskAssessment.objects.filter(case=case, pk=pk).first()
    if found is None:
        raise Http404
    view = next(v for v in selectors.risk_assessments_for(case) if v.assessment.pk == found.pk)
    status = 200
    error = ""
    if request.method == "POST":
        try:
            services.risk_sign_off(actor=user, case=case, assessment=found)
        except ValidationError as exc:
            error = " ".join(exc.messages)
            status = 400
        else:
            messages.success(
                request,
                _(
                    "Risk assessment signed off. If it considered family, family tracing or contact may "
                    "now be requested."
                ),
            )
            return _to(case, "risk")
    return _page(request, "sign_off.html", {"case": case, "view": view, "error": error}, status)


@require_http_methods(["GET", "POST"])
@require_perm(Perm.CASE_EDIT)
def safety_plan(request: HttpRequest, code: str) -> HttpResponse:
    user, case = _case(request, code, "risk")
    initial = {"audience": request.GET.get("audience", "person")}
    form = f.SafetyPlanForm(request.POST or None, initial=initial)
    title = _("Safety plan")
    if request.method == "POST":

        def call(data: dict[str, Any]) -> object:
            return services.safety_plan_record(
                actor=user,
                case=case,
                audience=data["audience"],
                measures=data["measures"],
                review_on=data["review_on"],
            )

        if _submit(form, call):
            messages.success(request, _("Safety plan saved. Next: the support plan with the person."))
            return _to(case, "risk")
        return _page(request, "form.html", {"case": case, "form": form, "title": title}, 400)
    return _page(request, "form.html", {"case": case, "form": form, "title": title})


# -- restoring family links ---------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@require_perm(Perm.CASE_VIEW)
def family_links(request: HttpRequest, code: str) -> HttpResponse:
    """Family tracing and contact: explains the risk check first; refused with the reason until it is done."""
    user, case = _case(request, code, "family_links")
    form = f.FamilyLinksForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.family_links_request(
                actor=user, case=case, kind=data["kind"], sought=data["sought"], details=data["details"]
            )
        except services.GateRefused as exc:
            return _page(
                request, "refused.html", {"case": case, "reason": exc.message, "code": exc.code}, 409
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("Request recorded. Keep the person informed of every step."))
            return _to(case, "family_links")
    gate = selectors.rfl_gate_problem(case)
    context = {
        "case": case,
        "form": form,
        "gate": gate,
        "reason": services.RFL_REASONS.get(gate, ""),
        "requests": selectors.family_links_for(case),
    }
    return _page(request, "family_links.html", context, 400 if request.method == "POST" else 200)


# -- support plan -------------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@require_perm(Perm.CASE_VIEW)
def support_plan(request: HttpRequest, code: str) -> HttpResponse:
    user, case = _case(request, code, "support_plan")
    form = f.GoalForm(request.POST or None, team_id=case.team_id)
    if request.method == "POST":

        def call(data: dict[str, Any]) -> object:
            return services.support_goal_add(
                actor=user,
                case=case,
                support_type=data["support_type"],
                objective=data["objective"],
                actions=data["actions"],
                responsible_user=data["responsible_user"],
                responsible_partner=data["responsible_partner"],
                planned_end=data["planned_end"],
            )

        if _submit(form, call):
            messages.success(
                request, _("Objective added. Review the plan with the person on the date you agree.")
            )
            return _to(case, "support_plan")
    context = {
        "case": case,
        "form": form,
        # One update form per objective, each with its own field ids (the names stay the same).
        "goals": [
            (
                item,
                f.GoalUpdateForm(
                    auto_id=f"id_goal{item.goal.pk}_%s",
                    initial={"status": item.goal.status, "actual_end": item.goal.actual_end},
                ),
            )
            for item in selectors.support_goals_for(case)
        ],
        "reviews": selectors.support_reviews_for(case),
    }
    return _page(request, "support_plan.html", context, 400 if request.method == "POST" else 200)


@require_http_methods(["POST"])
@require_perm(Perm.CASE_EDIT)
def support_goal(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    user, case = _case(request, code, "support_plan")
    goal = SupportGoal.objects.filter(case=case, pk=pk).first()
    if goal is None:
        raise Http404
    form = f.GoalUpdateForm(request.POST)

    def call(data: dict[str, Any]) -> object:
        return services.support_goal_update(
            actor=user, case=case, goal=goal, status=data["status"], actual_end=data["actual_end"]
        )

    if _submit(form, call):
        messages.success(request, _("Objective updated."))
        return _to(case, "support_plan")
    return _page(request, "form.html", {"case": case, "form": form, "title": _("Update an objective")}, 400)


@require_http_methods(["GET", "POST"])
@require_perm(Perm.CASE_EDIT)
def support_review(request: HttpRequest, code: str) -> HttpResponse:
    user, case = _case(request, code, "support_plan")
    form = f.ReviewForm(request.POST or None, initial={"reviewed_on": timezone.localdate()})
    title = _("Review the support plan with the person")
    if request.method == "POST":

        def call(data: dict[str, Any]) -> object:
            return services.support_review_add(
                actor=user,
                case=case,
                reviewed_on=data["reviewed_on"],
                with_person=data["with_person"],
                summary=data["summary"],
                next_review_on=data["next_review_on"],
            )

        if _submit(form, call):
            messages.success(request, _("Review saved. The next review date is on the support plan."))
            return _to(case, "support_plan")
        return _page(request, "form.html", {"case": case, "form": form, "title": title}, 400)
    return _page(request, "form.html", {"case": case, "form": form, "title": title})


# -- child protection ---------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@require_perm(Perm.CASE_VIEW)
def child_protection(request: HttpRequest, code: str) -> HttpResponse:
    user, case = _case(request, code, "child_protection")
    form = f.ChildStepForm(request.POST or None)
    if request.method == "POST":

        def call(data: dict[str, Any]) -> object:
            return services.child_step_record(actor=user, case=case, **data)

        if _submit(form, call):
            messages.success(request, _("Step recorded."))
            return _to(case, "child_protection")
    context = {"case": case, "form": form, "steps": selectors.child_steps_for(case)}
    return _page(request, "child.html", context, 400 if request.method == "POST" else 200)
