"""The organisation's pages: thin, they parse, call one service or selector, and render."""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from haven.accounts.decorators import require_login, require_perm
from haven.accounts.models import User
from haven.accounts.permissions import Perm
from haven.evidence.charts import Bar, bar_chart
from haven.organisation import catalogue, selectors, services
from haven.organisation.forms import (
    ActivityForm,
    AnswerForm,
    AskForm,
    HeldForm,
    MeetingForm,
    OwnItemForm,
    ReferenceForm,
    RiskForm,
    StartForm,
)
from haven.organisation.models import AUDIENCES, AdvocacyAsk, AwarenessActivity, ReadinessAssessment


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


def _lang() -> str:
    return (get_language() or "en")[:2]


def _errors(exc: ValidationError) -> str:
    return " ".join(exc.messages)


# -- readiness -----------------------------------------------------------------------------------------------


def _chart(assessment: ReadinessAssessment | None, lists: list[selectors.Checklist]) -> str:
    bars = []
    # The words outside f-strings, so that makemessages finds them.
    in_place, in_progress, not_started = _("in place"), _("in progress"), _("not started")
    for checklist in lists:
        bars += [
            Bar(f"{checklist.title}: {in_place}", checklist.in_place),
            Bar(f"{checklist.title}: {in_progress}", checklist.in_progress),
            Bar(f"{checklist.title}: {not_started}", checklist.not_started),
        ]
    year = assessment.year if assessment else timezone.localdate().year
    title = _("Readiness %(year)d: items by status") % {"year": year}
    return bar_chart(chart_id=f"readiness-{year}", title=title, bars=bars, threshold=0)


def _readiness_context(year: int | None) -> dict[str, Any]:
    years = list(selectors.assessments())
    latest = years[0] if years else None
    assessment = selectors.assessment_for(year) if year else latest
    if year and assessment is None:
        raise Http404("no assessment that year")
    lists = selectors.progress(assessment, _lang())
    return {
        "assessment": assessment,
        "years": years,
        "editable": assessment is not None and latest is not None and assessment.pk == latest.pk,
        "lists": lists,
        "chart": _chart(assessment, lists),
        "this_year": timezone.localdate().year,
    }


@require_GET
@require_perm(Perm.ORG_MANAGE)
def readiness(request: HttpRequest) -> HttpResponse:
    """The self-assessment: progress by checklist (chart and figures), each item's status, and history."""
    try:
        year = int(request.GET.get("year", "") or 0) or None
    except ValueError:
        year = None
    context = _readiness_context(year)
    if context["editable"]:
        for checklist in context["lists"]:
            for row in checklist.rows:
                answer = row.answer
                row.form = AnswerForm(
                    initial={
                        "item_key": row.key,
                        "status": row.status,
                        "evidence": answer.evidence if answer else "",
                        "owner": answer.owner if answer else None,
                        "review_on": answer.review_on if answer else None,
                    },
                    prefix=row.key.replace(".", "-"),
                )
    context["item_form"] = OwnItemForm()
    return render(request, "organisation/readiness.html", context)


@require_POST
@require_perm(Perm.ORG_MANAGE)
def readiness_start(request: HttpRequest) -> HttpResponse:
    form = StartForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give a year between 2000 and 2100."))
        return redirect("organisation:readiness")
    try:
        assessment = services.readiness_start(actor=_user(request), year=form.cleaned_data["year"])
    except ValidationError as exc:
        messages.error(request, _errors(exc))
        return redirect("organisation:readiness")
    messages.success(
        request,
        _("The %(year)d assessment has started from last year's answers. Next: review each item.")
        % {"year": assessment.year},
    )
    return redirect("organisation:readiness")


@require_POST
@require_perm(Perm.ORG_MANAGE)
def readiness_answer(request: HttpRequest, year: int) -> HttpResponse:
    assessment = selectors.assessment_for(year)
    if assessment is None:
        raise Http404("no assessment that year")
    key = request.POST.get("item_key", "")
    form = AnswerForm(request.POST, prefix=key.replace(".", "-")) if key else AnswerForm(request.POST)
    if not form.is_valid():
        # The prefixed form carries the key too; fall back to the plain one for API-like posts.
        form = AnswerForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("The item could not be saved: check the status and the date."))
        return redirect("organisation:readiness")
    data = form.cleaned_data
    try:
        services.readiness_answer(
            actor=_user(request),
            assessment=assessment,
            item_key=data["item_key"],
            status=data["status"],
            evidence=data["evidence"],
            owner=data["owner"],
            review_on=data["review_on"],
        )
    except ValidationError as exc:
        messages.error(request, _errors(exc))
        return redirect("organisation:readiness")
    messages.success(request, _("Saved. The progress figures are up to date."))
    return redirect(f"{redirect('organisation:readiness').url}#item-{data['item_key'].replace('.', '-')}")


@require_POST
@require_perm(Perm.ORG_MANAGE)
def readiness_item_add(request: HttpRequest) -> HttpResponse:
    form = OwnItemForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a checklist and say what should be in place."))
        return redirect("organisation:readiness")
    try:
        services.readiness_item_add(actor=_user(request), **form.cleaned_data)
    except ValidationError as exc:
        messages.error(request, _errors(exc))
        return redirect("organisation:readiness")
    messages.success(request, _("Your item was added to the checklist. Next: give it a status."))
    return redirect("organisation:readiness")


@require_GET
@require_perm(Perm.ORG_MANAGE)
def readiness_report(request: HttpRequest, year: int) -> HttpResponse:
    """A printable report of one year's assessment."""
    context = _readiness_context(year)
    return render(request, "organisation/readiness_report.html", context)


# -- awareness -----------------------------------------------------------------------------------------------


def _activity(uid: uuid.UUID) -> AwarenessActivity:
    try:
        return AwarenessActivity.objects.get(uid=uid)
    except AwarenessActivity.DoesNotExist:
        raise Http404("activity") from None


def _awareness_page(request: HttpRequest, form: ActivityForm, status: int = 200) -> HttpResponse:
    audiences = dict(AUDIENCES)
    lines = [(line, audiences.get(line.audience, line.audience)) for line in selectors.awareness_summary()]
    context = {"activities": selectors.awareness_activities(), "summary": lines, "form": form}
    return render(request, "organisation/awareness.html", context, status=status)


@require_GET
@require_perm(Perm.ORG_MANAGE)
def awareness(request: HttpRequest) -> HttpResponse:
    """Awareness-raising activities and a summary by year and audience."""
    return _awareness_page(request, ActivityForm())


@require_POST
@require_perm(Perm.ORG_MANAGE)
def awareness_create(request: HttpRequest) -> HttpResponse:
    form = ActivityForm(request.POST)
    if form.is_valid():
        try:
            activity = services.awareness_create(actor=_user(request), values=form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc.messages)
        else:
            messages.success(
                request, _("The activity is planned. Next: assess its security and perception risks.")
            )
            return redirect("organisation:awareness_detail", uid=activity.uid)
    return _awareness_page(request, form, status=400)


def _detail(
    request: HttpRequest, activity: AwarenessActivity, status: int = 200, **forms: Any
) -> HttpResponse:
    context = {
        "activity": activity,
        "risk_form": forms.get("risk_form")
        or RiskForm(
            initial={
                "security_risks": activity.security_risks,
                "perception_risks": activity.perception_risks,
                "mitigation": activity.mitigation,
            }
        ),
        "held_form": forms.get("held_form") or HeldForm(),
    }
    return render(request, "organisation/awareness_detail.html", context, status=status)


@require_GET
@require_perm(Perm.ORG_MANAGE)
def awareness_detail(request: HttpRequest, uid: uuid.UUID) -> HttpResponse:
    return _detail(request, _activity(uid))


@require_POST
@require_perm(Perm.ORG_MANAGE)
def awareness_risks(request: HttpRequest, uid: uuid.UUID) -> HttpResponse:
    activity = _activity(uid)
    form = RiskForm(request.POST)
    if form.is_valid():
        try:
            services.awareness_risk_assess(actor=_user(request), activity=activity, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc.messages)
        else:
            messages.success(
                request, _("The risk assessment was recorded. The activity can now be marked held.")
            )
            return redirect("organisation:awareness_detail", uid=activity.uid)
    return _detail(request, activity, status=400, risk_form=form)


@require_POST
@require_perm(Perm.ORG_MANAGE)
def awareness_held(request: HttpRequest, uid: uuid.UUID) -> HttpResponse:
    activity = _activity(uid)
    form = HeldForm(request.POST)
    if form.is_valid():
        try:
            services.awareness_mark_held(
                actor=_user(request), activity=activity, reach=form.cleaned_data["reach"]
            )
        except ValidationError as exc:
            form.add_error(None, exc.messages)
        else:
            messages.success(request, _("The activity was marked held; it now counts in the summary."))
            return redirect("organisation:awareness")
    return _detail(request, activity, status=400, held_form=form)


# -- legal framework -----------------------------------------------------------------------------------------


def _legal_page(request: HttpRequest, form: ReferenceForm | None, status: int = 200) -> HttpResponse:
    lang = _lang()
    context = {
        "levels": catalogue.levels(lang),
        "instruments": catalogue.instruments(lang),
        "national": selectors.national_references(),
        "form": form
        if form is not None
        else (ReferenceForm() if _user(request).has(Perm.ORG_MANAGE) else None),
    }
    return render(request, "organisation/legal.html", context, status=status)


@require_GET
@require_login
def legal(request: HttpRequest) -> HttpResponse:
    """The international legal framework (Annex III), and the Society's national law and mechanisms."""
    return _legal_page(request, None)


@require_POST
@require_perm(Perm.ORG_MANAGE)
def legal_add(request: HttpRequest) -> HttpResponse:
    form = ReferenceForm(request.POST)
    if form.is_valid():
        try:
            services.national_reference_add(actor=_user(request), **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc.messages)
        else:
            messages.success(request, _("Recorded. It is listed with the national references."))
            return redirect("organisation:legal")
    return _legal_page(request, form, status=400)


# -- guidance ------------------------------------------------------------------------------------------------


@require_GET
@require_login
def guidance(request: HttpRequest) -> HttpResponse:
    """Short how-to cards, searchable (every signed-in person)."""
    query = request.GET.get("q", "")[:100]
    found = catalogue.search_cards(query, _lang()) if query.strip() else catalogue.cards(_lang())
    return render(request, "organisation/guidance.html", {"cards": found, "q": query})


@require_GET
@require_login
def guidance_card(request: HttpRequest, key: str) -> HttpResponse:
    card = next((c for c in catalogue.cards(_lang()) if c.key == key), None)
    if card is None:
        raise Http404("card")
    return render(request, "organisation/guidance_card.html", {"card": card})


# -- advocacy ------------------------------------------------------------------------------------------------


def _advocacy_page(request: HttpRequest, form: AskForm | None = None, status: int = 200) -> HttpResponse:
    template_key = request.GET.get("template", "")
    templates = catalogue.ask_templates(_lang())
    chosen = next((t for t in templates if t.key == template_key), None)
    if form is None:
        form = AskForm(initial={"template": chosen.key, "text": chosen.text} if chosen else {})
    context = {
        "asks": [(ask, MeetingForm(prefix=f"m{ask.pk}")) for ask in selectors.advocacy_asks()],
        "templates": templates,
        "form": form,
    }
    return render(request, "organisation/advocacy.html", context, status=status)


@require_GET
@require_perm(Perm.ORG_MANAGE)
def advocacy(request: HttpRequest) -> HttpResponse:
    """Asks to the authorities, meetings and outcomes, with the anonymised evidence behind them."""
    return _advocacy_page(request)


@require_POST
@require_perm(Perm.ORG_MANAGE)
def advocacy_create(request: HttpRequest) -> HttpResponse:
    form = AskForm(request.POST)
    if form.is_valid():
        try:
            services.advocacy_ask_create(actor=_user(request), **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc.messages)
        else:
            messages.success(request, _("The ask was logged. Next: record the meetings about it."))
            return redirect("organisation:advocacy")
    return _advocacy_page(request, form, status=400)


@require_POST
@require_perm(Perm.ORG_MANAGE)
def advocacy_meeting(request: HttpRequest, uid: uuid.UUID) -> HttpResponse:
    try:
        ask = AdvocacyAsk.objects.get(uid=uid)
    except AdvocacyAsk.DoesNotExist:
        raise Http404("ask") from None
    form = MeetingForm(request.POST, prefix=f"m{ask.pk}")
    if not form.is_valid():
        messages.error(
            request, _("The meeting could not be saved: give a date, who you met and where the ask stands.")
        )
        return redirect("organisation:advocacy")
    try:
        services.advocacy_meeting_add(actor=_user(request), ask=ask, **form.cleaned_data)
    except ValidationError as exc:
        messages.error(request, _errors(exc))
        return redirect("organisation:advocacy")
    messages.success(request, _("The meeting and its outcome were logged."))
    return redirect("organisation:advocacy")
