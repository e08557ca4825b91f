"""Follow-up pages: my work, closing and reopening a case, the return risk check, formal identification and
the printable summary. Parse, get the case through `case_for_user`, call one service, render."""

from __future__ import annotations

from typing import Any, cast

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from haven.accounts.decorators import require_login, require_perm
from haven.accounts.models import User
from haven.accounts.permissions import ROLE_LABELS, Perm, Role
from haven.cases import services as case_services
from haven.cases.access import case_for_user
from haven.cases.forms import apply_errors
from haven.cases.links import CaseLinks
from haven.cases.models import Case
from haven.core import confirm as confirmation
from haven.followup import forms as f
from haven.followup import selectors, services
from haven.followup.summary import sections_allowed, summary_language


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


def _page(request: HttpRequest, template: str, context: dict[str, Any], status: int = 200) -> HttpResponse:
    case = context.get("case")
    if isinstance(case, Case):
        context.setdefault("links", CaseLinks(case.code))
        context.setdefault("is_child", case.person.is_child)
        context.setdefault("erased", case.person.erased_at is not None)
    context["can"] = {
        "case_view_identifying": _user(request).has(Perm.CASE_VIEW_IDENTIFYING),
        "case_close": _user(request).has(Perm.CASE_CLOSE),
        "case_edit": _user(request).has(Perm.CASE_EDIT),
    }
    return render(request, f"followup/{template}", context, status=status)


def _detail(case: Case) -> HttpResponse:
    return redirect(reverse("cases:detail", args=[case.code]))


@require_login
def my_work(request: HttpRequest) -> HttpResponse:
    """The signed-in account's home for the day's work, per role."""
    user = _user(request)
    role = Role(user.role)
    context = {
        "work": selectors.my_work(user),
        "role_label": ROLE_LABELS[role],
        "today": timezone.localdate(),
    }
    return render(
        request,
        "followup/my_work.html",
        {**context, "can": {"case_edit": user.has(Perm.CASE_EDIT), "case_view": user.has(Perm.CASE_VIEW)}},
    )


# -- closing and reopening ---------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@require_perm(Perm.CASE_CLOSE)
def close(request: HttpRequest, code: str) -> HttpResponse:
    """Close a case: choose the outcome and write the reason, then confirm on a second page."""
    user = _user(request)
    case = case_for_user(user, code, section="summary")
    if case.stage == "closed" and request.method == "GET":
        messages.info(request, _("This case is already closed."))
        return _detail(case)
    status = 200
    confirming = False
    if request.method == "POST":
        form = f.CloseForm(request.POST)
        if not form.is_valid():
            status = 400
        elif not form.cleaned_data["confirmed"]:
            confirming = True
            confirm = cast(QueryDict, form.data).copy()
            confirm["confirmed"] = "True"
            form.data = confirm
        else:
            data = form.cleaned_data
            try:
                case_services.case_close(
                    actor=user,
                    case=case,
                    reason=data["outcome"],
                    note=data["note"],
                    expected_version=data["version"],
                )
            except case_services.Conflict:
                return render(
                    request, "cases/conflict.html", {"case": case, "links": CaseLinks(case.code)}, status=409
                )
            except ValidationError as exc:
                apply_errors(form, exc)
                status = 400
            else:
                confirmation.done(
                    request,
                    _(
                        "The case is closed and its open tasks with it. It can be reopened if the person "
                        "comes back."
                    ),
                    next_url=reverse("followup:my_work"),
                    next_label=_("Back to my work"),
                )
                return _detail(case)
    else:
        form = f.CloseForm(initial={"version": case.version})
    context = {
        "case": case,
        "form": form,
        "confirming": confirming,
        "outcome_label": dict(form.fields["outcome"].choices).get(form.data.get("outcome", ""), ""),  # type: ignore[attr-defined]
        "needs_check": case_services.return_risk_check_needed(case),
        "open_tasks": selectors.open_task_count(case),
    }
    return _page(request, "close.html", context, status=status)


@require_http_methods(["GET", "POST"])
@require_perm(Perm.CASE_CLOSE)
def reopen(request: HttpRequest, code: str) -> HttpResponse:
    user = _user(request)
    case = case_for_user(user, code, section="summary")
    status = 200
    if request.method == "POST":
        form = f.ReopenForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                case_services.case_reopen(
                    actor=user,
                    case=case,
                    note=data["note"],
                    stage=data["stage"],
                    expected_version=data["version"],
                )
            except case_services.Conflict:
                return render(
                    request, "cases/conflict.html", {"case": case, "links": CaseLinks(case.code)}, status=409
                )
            except ValidationError as exc:
                apply_errors(form, exc)
                status = 400
            else:
                confirmation.done(
                    request,
                    _("The case is open again. Its history is kept; add the next tasks."),
                    next_url=CaseLinks(case.code)["tasks"],
                    next_label=_("Tasks"),
                )
                return _detail(case)
        else:
            status = 400
    else:
        form = f.ReopenForm(initial={"version": case.version})
    closures = selectors.closures_of(case)
    return _page(request, "reopen.html", {"case": case, "form": form, "closures": closures}, status=status)


@require_http_methods(["GET", "POST"])
@require_perm(Perm.CASE_CLOSE)
def return_check(request: HttpRequest, code: str) -> HttpResponse:
    """The re-trafficking risk check for the place of return, with the guidance's caution."""
    user = _user(request)
    case = case_for_user(user, code, section="summary")
    status = 200
    form = f.ReturnRiskCheckForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                case_services.return_risk_check_record(
                    actor=user,
                    case=case,
                    country=data["country"],
                    checked_on=data["checked_on"],
                    risk=data["risk"],
                    notes=data["notes"],
                )
            except ValidationError as exc:
                apply_errors(form, exc)
                status = 400
            else:
                messages.success(
                    request, _("Check recorded. The case can now be closed as a voluntary return.")
                )
                return redirect(reverse("followup:close", args=[case.code]))
        else:
            status = 400
    checks = selectors.return_checks_of(case)
    return _page(request, "return_check.html", {"case": case, "form": form, "checks": checks}, status=status)


# -- formal identification ---------------------------------------------------------------------------------

_STEP_SERVICES = {
    "informed": lambda user, case, d: services.identification_informed(
        actor=user, case=case, informed_on=d["informed_on"]
    ),
    "choice": lambda user, case, d: services.identification_choice(
        actor=user, case=case, choice=d["choice"], on=d["on"]
    ),
    "decision": lambda user, case, d: services.identification_decision(
        actor=user, case=case, status=d["status"], decided_by=d["decided_by"], decided_on=d["decided_on"]
    ),
    "reflection": lambda user, case, d: services.reflection_period_set(
        actor=user, case=case, starts_on=d["starts_on"], ends_on=d["ends_on"]
    ),
    "permit": lambda user, case, d: services.residence_permit_set(
        actor=user, case=case, valid_from=d["valid_from"], valid_until=d["valid_until"]
    ),
}


@require_http_methods(["GET", "POST"])
@require_perm(Perm.CASE_VIEW)
def identification(request: HttpRequest, code: str) -> HttpResponse:
    """Neutral information on formal identification, and what the person chose and the authority decided."""
    user = _user(request)
    if request.method == "POST" and not user.has(Perm.CASE_EDIT):
        raise PermissionDenied(Perm.CASE_EDIT.value)
    case = case_for_user(user, code, section="summary")
    # Several forms on one page: each its own ids.
    forms = {name: form_class(auto_id=f"id_{name}_%s") for name, form_class in f.STEP_FORMS.items()}
    status = 200
    if request.method == "POST":
        step = request.POST.get("step", "")
        if step not in f.STEP_FORMS:
            status = 400
            messages.error(request, _("Choose a step."))
        else:
            form = f.STEP_FORMS[step](request.POST, auto_id=f"id_{step}_%s")
            forms[step] = form
            if form.is_valid():
                try:
                    _STEP_SERVICES[step](user, case, form.cleaned_data)
                except ValidationError as exc:
                    apply_errors(form, exc)
                    status = 400
                else:
                    messages.success(request, _("Recorded."))
                    return redirect(reverse("followup:identification", args=[case.code]))
            else:
                status = 400
    context = {
        "case": case,
        "forms": forms,
        "record": selectors.identification_of(case),
        "days": services.reflection_days(),
        "can_edit": user.has(Perm.CASE_EDIT) and case.stage != "closed",
    }
    return _page(request, "identification.html", context, status=status)


# -- the printable summary ---------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@require_perm(Perm.CASE_EDIT)
def summary(request: HttpRequest, code: str) -> HttpResponse:
    """Choose the sections (none by default) and the language, then download the PDF (audited)."""
    user = _user(request)
    case = case_for_user(user, code, section="summary")
    languages = [(c, str(name)) for c, name in settings.LANGUAGES]
    form = f.SummaryForm(
        request.POST or None,
        allowed=sections_allowed(user),
        languages=languages,
        initial={"language": summary_language(case)},
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                document = services.case_summary_print(
                    actor=user,
                    case=case,
                    sections=form.cleaned_data["sections"],
                    language=form.cleaned_data["language"],
                )
            except ValidationError as exc:
                apply_errors(form, exc)
                status = 400
            else:
                response = HttpResponse(document, content_type="application/pdf")
                response["Content-Disposition"] = f'attachment; filename="summary-{case.code}.pdf"'
                return response
        else:
            status = 400
    return _page(request, "summary.html", {"case": case, "form": form}, status=status)
