"""Referral network pages: parse, fetch the case through `case_for_user`, call one service, render.

A refusal by the neutrality guard renders the explanation of the Movement's neutrality with a 403 and is
audited; a referral without consent answers 409 with what to do next.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any
from uuid import UUID

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from haven.accounts.decorators import require_login, require_perm
from haven.accounts.models import User
from haven.accounts.permissions import Perm
from haven.accounts.services import record_refusal
from haven.cases import vocab as case_vocab
from haven.cases.access import case_for_user
from haven.cases.links import CaseLinks
from haven.cases.models import Case
from haven.core import confirm
from haven.evidence.charts import Bar, bar_chart
from haven.referrals import forms as f
from haven.referrals import importer, selectors, services, vocab
from haven.referrals.models import AuthorityRequest, Link, Organisation, Referral, SharingStop
from haven.referrals.neutrality import NeutralityRefused, guard_outgoing
from haven.screening.present import RTL_LANGUAGES

# Languages the link card is written in (its texts are in haven/locale/<lang>; Arabic for the person only).
CARD_LANGUAGES = ("en", "fr", "ar")


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


def _header(request: HttpRequest, case: Case) -> dict[str, Any]:
    """What the case's header needs on the confirmation step."""
    return {
        "case": case,
        "links": CaseLinks(case.code),
        "is_child": case.person.is_child,
        "erased": case.person.erased_at is not None,
        "can": {p.name.lower(): _user(request).has(p) for p in Perm},
    }


def _page(request: HttpRequest, template: str, context: dict[str, Any], status: int = 200) -> HttpResponse:
    case = context.get("case")
    if isinstance(case, Case):
        context.setdefault("links", CaseLinks(case.code))
        context.setdefault("is_child", case.person.is_child)
        context.setdefault("erased", case.person.erased_at is not None)
    context["user_can"] = {p.name.lower(): _user(request).has(p) for p in Perm}
    return render(request, f"referrals/{template}", context, status=status)


def outgoing(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Render the neutrality guard's refusal (403, audited) and a missing consent (409)."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except NeutralityRefused as exc:
            record_refusal(request, exc)
            return render(request, "referrals/neutrality.html", {"explanation": exc.explanation}, status=403)
        except services.ConsentRequired as exc:
            code = kwargs.get("code", "")
            context = {
                "message": " ".join(exc.messages),
                "consent_url": reverse("cases:consent", args=[code]),
            }
            return render(request, "referrals/consent_required.html", context, status=409)

    return wrapper


def _organisation(code: str) -> Organisation:
    found = Organisation.objects.filter(code=code).first()
    if found is None:
        raise Http404
    return found


def _referral(case: Case, uid: UUID) -> Referral:
    found = Referral.objects.select_related("case__person", "organisation").filter(case=case, uid=uid).first()
    if found is None:
        raise Http404
    return found


# -- the directory -------------------------------------------------------------------------------------------


@require_GET
@require_perm(Perm.DIRECTORY_VIEW)
def directory(request: HttpRequest) -> HttpResponse:
    rows = [(o, selectors.cooperation_valid(o)) for o in Organisation.objects.all()]
    return _page(request, "directory.html", {"rows": rows})


@require_http_methods(["GET", "POST"])
@require_perm(Perm.DIRECTORY_MANAGE)
def organisation_edit(request: HttpRequest, org_code: str = "") -> HttpResponse:
    organisation = _organisation(org_code) if org_code else None
    initial = (
        {name: getattr(organisation, name) for name in f.OrganisationForm.base_fields} if organisation else {}
    )
    for name in ("areas",):
        if name in initial:
            initial[name] = " ".join(initial[name])
    form = f.OrganisationForm(request.POST or None, initial=initial or {"data_protection": "unknown"})
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                saved = services.organisation_save(
                    actor=_user(request), values=form.cleaned_data, organisation=organisation
                )
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    form.add_error(field if field in form.base_fields else None, errors)
                status = 400
            else:
                messages.success(
                    request,
                    _(
                        "Saved %(code)s. It is proposed for referrals while its cooperation assessment "
                        "is valid."
                    )
                    % {"code": saved.code},
                )
                return redirect("referrals:directory")
        else:
            status = 400
    return _page(
        request, "organisation_edit.html", {"form": form, "organisation": organisation}, status=status
    )


@require_GET
@require_perm(Perm.DIRECTORY_MANAGE)
def gaps(request: HttpRequest) -> HttpResponse:
    report = services.gap_analysis(actor=_user(request))
    labels = {
        "domains": dict(case_vocab.NEEDS_DOMAINS),
        "groups": dict(case_vocab.TARGET_GROUPS),
    }
    rows = [
        (
            row,
            labels["domains"].get(row.domain, row.domain),
            labels["groups"].get(row.target_group, row.target_group),
        )
        for row in report.rows
    ]
    bars = [
        Bar(str(label), report.by_domain[code], report.by_domain[code] < selectors.SMALL_NUMBER)
        for code, label in case_vocab.NEEDS_DOMAINS
        if code in report.by_domain
    ]
    chart = bar_chart(
        chart_id="gaps-by-need",
        title=_("Cases with a recorded need, by need"),
        bars=bars,
        threshold=selectors.SMALL_NUMBER,
    )
    context = {"report": report, "rows": rows, "small": selectors.SMALL_NUMBER, "chart": chart}
    return _page(request, "gaps.html", context)


@require_GET
@require_perm(Perm.DIRECTORY_MANAGE)
def gaps_export(request: HttpRequest) -> HttpResponse:
    report = services.gap_analysis(actor=_user(request))
    data = importer.table_bytes(
        selectors.gap_rows(report), ("domain", "target_group", "area", "cases", "services"), "csv"
    )
    response = HttpResponse(data, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="haven-gap-analysis.csv"'
    return response


# -- a case's referrals --------------------------------------------------------------------------------------


@require_GET
@require_perm(Perm.CASE_VIEW)
def case_referrals(request: HttpRequest, code: str) -> HttpResponse:
    case = case_for_user(_user(request), code, section="consent")
    need = request.GET.get("need", "")
    matches = (
        selectors.matching_services(case, need) if need in case_vocab.codes(case_vocab.NEEDS_DOMAINS) else []
    )
    stops = SharingStop.objects.filter(case=case, lifted_at=None).select_related("organisation")
    context = {
        "case": case,
        "need": need,
        "needs": case_vocab.NEEDS_DOMAINS,
        "matches": matches,
        "referrals": selectors.referrals_of(case),
        "links_made": selectors.links_of(case),
        "stops": stops,
        "reasons": case_vocab.WITHDRAWAL_REASONS,
        "purposes": vocab.DIALOGUE_PURPOSES,
        "requests": AuthorityRequest.objects.filter(case=case).select_related("organisation"),
        "organisations": Organisation.objects.exclude(org_type="placeholder"),
        "language": case.person.information_language or "en",
    }
    return _page(request, "case.html", context)


@require_POST
@require_perm(Perm.CASE_VIEW)
def link(request: HttpRequest, code: str) -> HttpResponse:
    case = case_for_user(_user(request), code, section="consent")
    try:
        made = services.link_create(
            actor=_user(request),
            case=case,
            organisation=_organisation(request.POST.get("organisation", "")),
            need_domain=request.POST.get("need", ""),
            language=request.POST.get("language", "") or case.person.information_language or "en",
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("referrals:case", code=case.code)
    messages.success(
        request, _("Linked. Print the card and give it to the person; nothing was shared with the service.")
    )
    return redirect("referrals:link_card", code=case.code, pk=made.pk)


@require_GET
@require_perm(Perm.CASE_VIEW)
def link_card(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    case = case_for_user(_user(request), code, section="consent")
    made = Link.objects.select_related("organisation").filter(case=case, pk=pk).first()
    if made is None:
        raise Http404
    # The card is the person's: in their language when Haven has its words (Arabic right to left), like
    # the information sheet; the page around it stays in the worker's.
    lang = made.language if made.language in CARD_LANGUAGES else "en"
    context = {
        "link": made,
        "org": made.organisation,
        "case": case,
        "lang": lang,
        "direction": "rtl" if lang in RTL_LANGUAGES else "ltr",
    }
    return render(request, "referrals/link_card.html", context)


@require_POST
@require_login
@outgoing
def refer(request: HttpRequest, code: str) -> HttpResponse:
    organisation = _organisation(request.POST.get("organisation", ""))
    # The guard before anything else: every role, even one that may not open the case, meets its refusal.
    guard_outgoing(actor=_user(request), case=None, organisation=organisation, channel="web", what="referral")
    if not _user(request).has(Perm.CASE_VIEW):
        raise PermissionDenied(Perm.CASE_VIEW.value)
    case = case_for_user(_user(request), code, section="consent")
    try:
        made = services.referral_draft(
            actor=_user(request),
            case=case,
            organisation=organisation,
            need_domain=request.POST.get("need", ""),
            channel="web",
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("referrals:case", code=case.code)
    messages.success(
        request, _("Draft referral created. Choose exactly what goes, then check consent and send.")
    )
    return redirect("referrals:referral", code=case.code, uid=made.uid)


@require_http_methods(["GET", "POST"])
@require_perm(Perm.CASE_VIEW)
@outgoing
def referral(request: HttpRequest, code: str, uid: UUID) -> HttpResponse:
    case = case_for_user(_user(request), code, section="consent")
    found = _referral(case, uid)
    initial = {
        "shared": found.fields,
        "safe_contact_method": found.safe_contact_method,
        "language": found.language,
    }
    form = f.FieldsForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.referral_minimise(
                    actor=_user(request),
                    referral=found,
                    fields=form.cleaned_data["shared"],
                    safe_contact_method=form.cleaned_data["safe_contact_method"],
                    language=form.cleaned_data["language"],
                    channel="web",
                )
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    name = "shared" if field == "fields" else field
                    form.add_error(name if name in form.base_fields else None, errors)
                status = 400
            else:
                messages.success(request, _("Saved what goes. Check the letter, then send."))
                return redirect("referrals:referral", code=case.code, uid=found.uid)
        else:
            status = 400
    context = {
        "case": case,
        "referral": found,
        "form": form,
        "may_share": selectors.may_share(case, found.organisation),
        "next_statuses": sorted(vocab.NEXT_STATUSES.get(found.status, ())),
    }
    return _page(request, "referral.html", context, status=status)


@require_POST
@require_perm(Perm.CASE_VIEW)
@outgoing
def send(request: HttpRequest, code: str, uid: UUID) -> HttpResponse:
    case = case_for_user(_user(request), code, section="consent")
    found = _referral(case, uid)
    here = reverse("referrals:referral", kwargs={"code": case.code, "uid": found.uid})
    if not confirm.confirmed(request):
        return confirm.ask(
            request,
            key="send",
            title=_("Send the referral to %(organisation)s?") % {"organisation": found.organisation.name},
            consequences=[
                _("%(n)s chosen fields go to the organisation; nothing else.") % {"n": len(found.fields)},
                _("What was sent cannot be called back; the organisation's answer is recorded here."),
            ],
            button=_("Yes, send the referral"),
            cancel_url=here,
            context=_header(request, case),
        )
    try:
        payload = services.referral_send(actor=_user(request), referral=found, channel="web")
    except services.ConsentRequired:
        raise
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        confirm.done(
            request,
            _("Referral sent with %(n)s fields. Next: record the organisation's answer when it comes.")
            % {"n": len(payload["fields"])},
            next_url=here,
            next_label=_("Record the answer"),
        )
    return redirect(here)


@require_GET
@require_perm(Perm.CASE_VIEW)
@outgoing
def letter(request: HttpRequest, code: str, uid: UUID, fmt: str) -> HttpResponse:
    case = case_for_user(_user(request), code, section="consent")
    found = _referral(case, uid)
    if fmt not in ("pdf", "txt"):
        raise Http404
    data = services.referral_letter(actor=_user(request), referral=found, fmt=fmt, channel="web")
    response = HttpResponse(
        data, content_type="application/pdf" if fmt == "pdf" else "text/plain; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="referral-{case.code}.{fmt}"'
    return response


@require_POST
@require_perm(Perm.CASE_VIEW)
def status(request: HttpRequest, code: str, uid: UUID) -> HttpResponse:
    case = case_for_user(_user(request), code, section="consent")
    found = _referral(case, uid)
    try:
        services.referral_status_set(
            actor=_user(request),
            referral=found,
            status=request.POST.get("status", ""),
            feedback=request.POST.get("feedback", ""),
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The referral's status is recorded."))
    return redirect("referrals:referral", code=case.code, uid=found.uid)


@require_POST
@require_perm(Perm.CASE_VIEW)
def stop(request: HttpRequest, code: str) -> HttpResponse:
    case = case_for_user(_user(request), code, section="consent")
    organisation = _organisation(request.POST.get("organisation", ""))
    if not confirm.confirmed(request):
        return confirm.ask(
            request,
            key="stop-sharing",
            title=_("Stop sharing with %(organisation)s?") % {"organisation": organisation.name},
            consequences=[
                _("Nothing more is shared with this organisation, from now on."),
                _("A task is created to tell the organisation."),
            ],
            button=_("Yes, stop sharing"),
            cancel_url=reverse("referrals:case", kwargs={"code": case.code}),
            context=_header(request, case),
        )
    try:
        result = services.sharing_stop(
            actor=_user(request),
            case=case,
            organisation=organisation,
            reason=request.POST.get("reason", ""),
            confirm_no_pressure=request.POST.get("confirm_no_pressure") == "on",
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        text = _("Sharing stopped at once. %(n)s task(s) created to tell the organisation.") % {
            "n": len(result.tasks)
        }
        if not result.withdrawn:
            text += " " + _("The pressure review is pending: sharing stays stopped until it ends.")
        confirm.done(
            request,
            text + " " + _("Next: tell the organisation."),
            next_url=reverse("cases:tasks", args=[case.code]),
            next_label=_("Tasks"),
        )
    return redirect("referrals:case", code=case.code)


@require_POST
@require_perm(Perm.CASE_VIEW)
def restore(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    case = case_for_user(_user(request), code, section="consent")
    found = SharingStop.objects.filter(case=case, pk=pk).first()
    if found is None:
        raise Http404
    if not confirm.confirmed(request):
        return confirm.ask(
            request,
            key="restore-sharing",
            title=_("Restore sharing with %(organisation)s?") % {"organisation": found.organisation.name},
            consequences=[
                _("Sharing on the person's consent resumes with this organisation."),
                _("Only when the pressure review found the withdrawal was not the person's free choice."),
            ],
            button=_("Yes, restore sharing"),
            cancel_url=reverse("referrals:case", kwargs={"code": case.code}),
            context=_header(request, case),
        )
    try:
        services.sharing_restore(actor=_user(request), stop=found)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Sharing restored after the pressure review."))
    return redirect("referrals:case", code=case.code)


@require_POST
@require_perm(Perm.CASE_VIEW)
def residence(request: HttpRequest, code: str) -> HttpResponse:
    case = case_for_user(_user(request), code, section="consent")
    try:
        services.residence_request_record(
            actor=_user(request), case=case, organisation=_organisation(request.POST.get("organisation", ""))
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            _("The person's request is recorded: a referral to this immigration service is now possible."),
        )
    return redirect("referrals:case", code=case.code)


@require_http_methods(["GET", "POST"])
@require_perm(Perm.AUTHORITY_REQUESTS)
def authority(request: HttpRequest, code: str) -> HttpResponse:
    case = case_for_user(_user(request), code, section="consent")
    form = f.AuthorityForm(request.POST or None)
    status_code = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.authority_request_register(
                    actor=_user(request),
                    case=case,
                    organisation=_organisation(data["organisation"]),
                    legal_basis=data["legal_basis"],
                    scope=data["scope"],
                    received_on=data["received_on"],
                    deadline=data["deadline"],
                )
            except ValidationError as exc:
                form.add_error(None, " ".join(exc.messages))
                status_code = 400
            else:
                messages.success(
                    request,
                    _(
                        "Request registered. The answer is refusal unless a case manager and the DPO "
                        "both approve."
                    ),
                )
                return redirect("referrals:case", code=case.code)
        else:
            status_code = 400
    return _page(
        request,
        "authority.html",
        {"case": case, "form": form, "approve": f.ApproveForm()},
        status=status_code,
    )


@require_POST
@require_perm(Perm.AUTHORITY_REQUESTS)
@outgoing
def authority_decide(request: HttpRequest, code: str, pk: int, decision: str) -> HttpResponse:
    case = case_for_user(_user(request), code, section="consent")
    found = AuthorityRequest.objects.filter(case=case, pk=pk).first()
    if found is None or decision not in ("approve", "refuse", "disclose"):
        raise Http404
    back = reverse("referrals:case", kwargs={"code": case.code})
    if decision in ("approve", "disclose") and not confirm.confirmed(request):
        authority = found.organisation.name
        asks = {
            "approve": (
                _("Approve the disclosure to %(authority)s?") % {"authority": authority},
                [
                    _("Your approval is recorded with your reason and the person's interest."),
                    _("With the second approval, the data asked for can be disclosed."),
                ],
                _("Yes, approve"),
            ),
            "disclose": (
                _("Disclose the data to %(authority)s?") % {"authority": authority},
                [
                    _("%(n)s fields asked for leave Haven for the authority.") % {"n": len(found.scope)},
                    _("A disclosure cannot be called back; it stays on the case's record."),
                ],
                _("Yes, disclose"),
            ),
        }
        title, consequences, button = asks[decision]
        return confirm.ask(
            request,
            key=f"authority-{decision}",
            title=title,
            consequences=consequences,
            button=button,
            cancel_url=back,
            context=_header(request, case),
        )
    try:
        if decision == "approve":
            form = f.ApproveForm(request.POST)
            if not form.is_valid():
                raise ValidationError(_("Write the reason and the person's interest."))
            found = services.authority_request_approve(
                actor=_user(request), request=found, **form.cleaned_data
            )
        elif decision == "refuse":
            services.authority_request_refuse(actor=_user(request), request=found)
        else:
            services.authority_disclose(actor=_user(request), request=found, channel="web")
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        both = bool(found.manager_approved_by_id and found.dpo_approved_by_id)
        done = {
            "approve": _("Second approval recorded. The data asked for can now be disclosed.")
            if both
            else _("Approval recorded. The disclosure needs the second approval."),
            "refuse": _("Refusal recorded. Tell the authority that the Society does not disclose."),
            "disclose": _("Disclosed. What was given stays on the case's record."),
        }
        confirm.done(request, done[decision], next_url=back, next_label=_("Requests from authorities"))
    return redirect(back)


@require_POST
@require_perm(Perm.CASE_VIEW)
def dialogue(request: HttpRequest, code: str) -> HttpResponse:
    case = case_for_user(_user(request), code, section="consent")
    form = f.DialogueForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give the date, the authority and the purpose."))
        return redirect("referrals:case", code=case.code)
    try:
        services.dialogue_record(
            actor=_user(request),
            case=case,
            organisation=_organisation(form.cleaned_data["organisation"]),
            held_on=form.cleaned_data["held_on"],
            purpose=form.cleaned_data["purpose"],
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request, _("The confidential dialogue is recorded as a meeting note; no case file went.")
        )
    return redirect("referrals:case", code=case.code)
