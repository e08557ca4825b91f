"""Screening pages: no JavaScript, one column at phone width. Parse, call one service or selector, render.

Only the person who ran a screening can open it; anyone else gets the same 404 as for a missing one.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from haven.accounts.decorators import require_perm
from haven.accounts.models import User
from haven.accounts.permissions import Perm
from haven.core import confirm
from haven.screening import selectors, services
from haven.screening.engine import (
    HANDOVER_OUTCOMES,
    URGENT_OUTCOMES,
    AgeRequired,
    Outcome,
    ScreeningInputError,
)
from haven.screening.forms import INFORMATION_LANGUAGES, AnswersForm, ApproveForm, IndicatorForm, StartForm
from haven.screening.library import Indicator
from haven.screening.models import LibraryDraft, Screening
from haven.screening.present import (
    INTERPRETER,
    RTL_LANGUAGES,
    group_label,
    present_result,
    question_rows,
    ui_lang,
)


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


def _interpreter(request: HttpRequest) -> bool:
    return (request.POST.get("mode") or request.GET.get("mode")) == INTERPRETER


def _url(name: str, screening: Screening, interpreter: bool, *args: str) -> str:
    url = reverse(f"screening:{name}", args=[screening.uid, *args])
    return f"{url}?mode={INTERPRETER}" if interpreter else url


def _mode_links(request: HttpRequest) -> dict[str, Any]:
    query = request.GET.copy()
    query["mode"] = INTERPRETER
    on = f"{request.path}?{query.urlencode()}"
    query.pop("mode")
    off = f"{request.path}?{query.urlencode()}" if query else request.path
    return {"interpreter": _interpreter(request), "mode_on_url": on, "mode_off_url": off}


def _answer_page(
    request: HttpRequest,
    screening: Screening,
    template: str,
    questions: tuple[Indicator, ...],
    form: AnswersForm,
    extra: dict[str, Any],
    status: int = 200,
) -> HttpResponse:
    interpreter = _interpreter(request)
    context = {
        "screening": screening,
        "form": form,
        "questions": question_rows(
            questions,
            form,
            ui_lang(),
            interpreter,
            screening.treated_as_child,
            person_lang=screening.information_language,
        ),
        **_mode_links(request),
        **extra,
    }
    return render(request, f"screening/{template}", context, status=status)


def about(request: HttpRequest) -> HttpResponse:
    """How the screening works, its sources and its limits. Public: it holds no data."""
    return render(request, "screening/about.html")


@require_http_methods(["GET", "POST"])
@require_perm(Perm.SCREENING_RUN)
def start(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    form = StartForm(request.POST or None)
    status = 200
    not_private = False
    if request.method == "POST":
        if form.is_valid() and form.cleaned_data["private_space"] == "no":
            # Nothing is started: the page says what to do instead, and the form stays for later.
            not_private = True
            status = 200
        elif form.is_valid():
            try:
                screening = services.screening_start(
                    actor=user,
                    kind=form.cleaned_data["kind"],
                    age=form.cleaned_data["age"],
                    age_in_doubt=form.age_in_doubt(),
                    information_language=form.cleaned_data["information_language"],
                )
            except AgeRequired:
                form.add_error(
                    "age", _("Give the age the person says, or tick that they are not sure of it.")
                )
            except (ScreeningInputError, services.ScreeningError) as exc:
                form.add_error(None, str(exc))
            else:
                return redirect(_url("continue", screening, _interpreter(request)))
            status = 400
        else:
            status = 400
    context = {
        "form": form,
        "not_private": not_private,
        "in_progress": selectors.screenings_in_progress(user),
        "completed": selectors.recent_completed(user),
        **_mode_links(request),
    }
    return render(request, "screening/start.html", context, status=status)


@require_GET
@require_perm(Perm.SCREENING_RUN)
def overview(request: HttpRequest, uid: str) -> HttpResponse:
    """Where a screening stands: the quick page, the list of sections, or the result."""
    screening = selectors.screening_for_user(_user(request), uid)
    interpreter = _interpreter(request)
    if screening.is_complete:
        return redirect(_url("result", screening, interpreter))
    if screening.kind == Screening.Kind.QUICK:
        return redirect(_url("quick", screening, interpreter))
    library = screening.library()
    child = screening.treated_as_child
    sections = []
    for group in selectors.sections(library, child):
        questions = selectors.section_questions(library, group, child)
        answered = sum(1 for ind in questions if ind.id in screening.answers)
        sections.append(
            {
                "group": group,
                "label": group_label(group),
                "answered": answered,
                "total": len(questions),
                "url": _url("section", screening, interpreter, group),
            }
        )
    context = {"screening": screening, "sections": sections, **_mode_links(request)}
    return render(request, "screening/overview.html", context)


@require_http_methods(["GET", "POST"])
@require_perm(Perm.SCREENING_RUN)
def quick(request: HttpRequest, uid: str) -> HttpResponse:
    """The quick screening: every quick question on one page, safety first."""
    user = _user(request)
    screening = selectors.screening_for_user(user, uid)
    interpreter = _interpreter(request)
    if screening.is_complete:
        return redirect(_url("result", screening, interpreter))
    library = screening.library()
    questions = selectors.quick_questions(library, screening.treated_as_child)
    observed = selectors.observed_signs(library, screening.treated_as_child)
    form = AnswersForm(request.POST or None, questions=questions + observed, initial=screening.answers)
    extra = {"observed": question_rows(observed, form, ui_lang(), False, screening.treated_as_child)}
    if request.method == "POST":
        if form.is_valid():
            try:
                screening = services.screening_answer(
                    actor=user, screening=screening, answers=form.answers(), section="quick"
                )
                if request.POST.get("action") == "stop":
                    messages.success(request, _("Saved. You can continue from the screening page."))
                    return redirect("screening:start")
                screening = services.screening_complete(actor=user, screening=screening)
            except (ScreeningInputError, services.ScreeningError) as exc:
                form.add_error(None, str(exc))
            else:
                return redirect(_url("result", screening, interpreter))
        return _answer_page(request, screening, "quick.html", questions, form, extra, status=400)
    return _answer_page(request, screening, "quick.html", questions, form, extra)


@require_http_methods(["GET", "POST"])
@require_perm(Perm.SCREENING_RUN)
def section(request: HttpRequest, uid: str, group: str) -> HttpResponse:
    """One section (one group of questions) of the full screening; saved on every submit."""
    user = _user(request)
    screening = selectors.screening_for_user(user, uid)
    interpreter = _interpreter(request)
    if screening.is_complete:
        return redirect(_url("result", screening, interpreter))
    library = screening.library()
    child = screening.treated_as_child
    order = selectors.sections(library, child)
    if group not in order:
        raise Http404
    position = order.index(group)
    questions = selectors.section_questions(library, group, child)
    form = AnswersForm(request.POST or None, questions=questions, initial=screening.answers)
    extra = {
        "group_label": group_label(group),
        "position": position + 1,
        "count": len(order),
        "previous_url": _url("section", screening, interpreter, order[position - 1]) if position else "",
        "is_last": position == len(order) - 1,
    }
    if request.method == "POST":
        if form.is_valid():
            action = request.POST.get("action", "continue")
            try:
                screening = services.screening_answer(
                    actor=user, screening=screening, answers=form.answers(), section=group
                )
                if action == "finish":
                    screening = services.screening_complete(actor=user, screening=screening)
            except (ScreeningInputError, services.ScreeningError) as exc:
                form.add_error(None, str(exc))
            else:
                if action == "finish":
                    return redirect(_url("result", screening, interpreter))
                if action == "stop":
                    messages.success(request, _("Saved. You can continue from the screening page."))
                    return redirect("screening:start")
                if position + 1 < len(order):
                    return redirect(_url("section", screening, interpreter, order[position + 1]))
                return redirect(_url("continue", screening, interpreter))
        return _answer_page(request, screening, "section.html", questions, form, extra, status=400)
    return _answer_page(request, screening, "section.html", questions, form, extra)


@require_GET
@require_perm(Perm.SCREENING_RUN)
def information(request: HttpRequest, lang: str) -> HttpResponse:
    """The information for the person, in their language, to show on the phone or print."""
    if lang not in {code for code, _label in INFORMATION_LANGUAGES}:
        raise Http404
    direction = "rtl" if lang in RTL_LANGUAGES else "ltr"
    return render(request, "screening/information.html", {"lang": lang, "direction": direction})


@require_http_methods(["GET", "POST"])
@require_perm(Perm.SCREENING_RUN)
def discard(request: HttpRequest, uid: str) -> HttpResponse:
    """Ask to confirm, then discard a screening still in progress."""
    user = _user(request)
    screening = selectors.screening_for_user(user, uid)
    if screening.is_complete:
        return redirect(_url("result", screening, _interpreter(request)))
    if confirm.confirmed(request):
        services.screening_discard(actor=user, screening=screening)
        confirm.done(
            request,
            _("The screening was discarded, with its answers. You can start a new one below."),
            next_url=reverse("screening:start"),
            next_label=_("Start a screening"),
        )
        return redirect("screening:start")
    return render(request, "screening/discard.html", {"screening": screening})


@require_POST
@require_perm(Perm.SCREENING_RUN)
def complete(request: HttpRequest, uid: str) -> HttpResponse:
    user = _user(request)
    screening = selectors.screening_for_user(user, uid)
    interpreter = _interpreter(request)
    if not screening.is_complete:
        screening = services.screening_complete(actor=user, screening=screening)
    return redirect(_url("result", screening, interpreter))


@require_GET
@require_perm(Perm.SCREENING_RUN)
def result(request: HttpRequest, uid: str) -> HttpResponse:
    screening = selectors.screening_for_user(_user(request), uid)
    if not screening.is_complete or screening.result is None:
        return redirect(_url("continue", screening, _interpreter(request)))
    shown = present_result(screening.result, screening.library(), screening.answers, ui_lang())
    user = _user(request)
    outcome = Outcome(screening.outcome)
    context = {
        "screening": screening,
        "result": shown,
        "team": user.team,
        "may_hand_over": outcome in HANDOVER_OUTCOMES
        and not screening.case_code
        and user.has(Perm.CASE_FIRST_CONTACT),
        "urgent": outcome in URGENT_OUTCOMES,
        "child_at_risk": screening.treated_as_child and outcome in URGENT_OUTCOMES,
        **_mode_links(request),
    }
    return render(request, "screening/result.html", context)


@require_GET
@require_perm(Perm.SCREENING_LIBRARY_APPROVE)
def library(request: HttpRequest) -> HttpResponse:
    """The library versions, the drafts, and a way to start one."""
    context = {
        "active": services.library_bootstrap(),
        "versions": selectors.library_versions(),
        "drafts": selectors.library_drafts(),
        "may_edit": _user(request).has(Perm.SCREENING_LIBRARY_EDIT),
    }
    return render(request, "screening/library.html", context)


@require_POST
@require_perm(Perm.SCREENING_LIBRARY_EDIT)
def library_draft_new(request: HttpRequest) -> HttpResponse:
    draft = services.library_draft_create(actor=_user(request))
    return redirect("screening:library_draft", draft.uid)


def _draft_page(
    request: HttpRequest, draft: LibraryDraft, form: ApproveForm, status: int = 200
) -> HttpResponse:
    user = _user(request)
    changed = set(services.library_draft_changes(draft))
    library = draft.library()
    context = {
        "draft": draft,
        "indicators": [
            {"id": ind.id, "text": ind.text.get(ui_lang()), "quick": ind.quick, "changed": ind.id in changed}
            for ind in library.indicators
        ],
        "changed": len(changed),
        "problems": services.library_draft_problems(draft),
        "form": form,
        "may_edit": user.has(Perm.SCREENING_LIBRARY_EDIT) and draft.status == LibraryDraft.Status.DRAFT,
        "may_approve": user.has(Perm.SCREENING_LIBRARY_APPROVE)
        and draft.status == LibraryDraft.Status.DRAFT
        and user.pk not in draft.editor_ids,
    }
    return render(request, "screening/library_draft.html", context, status=status)


@require_GET
@require_perm(Perm.SCREENING_LIBRARY_APPROVE)
def library_draft(request: HttpRequest, uid: str) -> HttpResponse:
    """A draft: what it changes, what its checks say, and the approval for a second person."""
    return _draft_page(request, selectors.library_draft(uid), ApproveForm())


@require_http_methods(["GET", "POST"])
@require_perm(Perm.SCREENING_LIBRARY_EDIT)
def library_indicator(request: HttpRequest, uid: str, indicator_id: str) -> HttpResponse:
    """Edit one indicator of a draft."""
    draft = selectors.library_draft(uid)
    indicator = draft.library().get(indicator_id)
    if indicator is None:
        raise Http404
    lists = draft.library().lists
    form = IndicatorForm(request.POST or None, indicator=indicator, lists=lists)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.library_draft_update_indicator(
                    actor=_user(request), draft=draft, indicator_id=indicator_id, changes=form.changes()
                )
            except (ValueError, services.ScreeningError) as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, _("Saved in the draft."))
                return redirect("screening:library_draft", draft.uid)
        status = 400
    context = {"draft": draft, "indicator": indicator, "form": form}
    return render(request, "screening/library_indicator.html", context, status=status)


@require_POST
@require_perm(Perm.SCREENING_LIBRARY_APPROVE)
def library_draft_approve(request: HttpRequest, uid: str) -> HttpResponse:
    """Approve a draft (a second person, after confirming): it becomes the active version."""
    draft = selectors.library_draft(uid)
    form = ApproveForm(request.POST)
    if form.is_valid():
        try:
            version = services.library_draft_approve(actor=_user(request), draft=draft)
        except services.ScreeningError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Version %(version)s is now active.") % {"version": version.version})
            return redirect("screening:library")
    return _draft_page(request, draft, form, status=400)


@require_POST
@require_perm(Perm.SCREENING_LIBRARY_EDIT)
def library_draft_withdraw(request: HttpRequest, uid: str) -> HttpResponse:
    draft = selectors.library_draft(uid)
    try:
        services.library_draft_withdraw(actor=_user(request), draft=draft)
    except services.ScreeningError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("The draft was withdrawn."))
    return redirect("screening:library")
