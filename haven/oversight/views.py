"""The audit trail viewer: parse the filter, call one service, render."""

from __future__ import annotations

import io
import json
import zipfile

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from haven.accounts.decorators import require_perm, require_recent_auth
from haven.accounts.models import User
from haven.accounts.permissions import Perm
from haven.cases import services as cases_services
from haven.cases.access import case_for_purpose, case_for_user
from haven.core import dates
from haven.oversight import services
from haven.oversight.forms import DataRequestForm, RetentionExtendForm, TrailFilterForm
from haven.oversight.models import DataRequest
from haven.oversight.selectors import TrailFilter, outcome_of


def _actor(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


def _filter(request: HttpRequest) -> tuple[TrailFilterForm, TrailFilter, bool]:
    form = TrailFilterForm(request.GET or None)
    if not form.is_bound:
        return form, TrailFilter(), True
    if form.is_valid():
        return form, form.to_filter(), True
    return form, TrailFilter(), False


@require_perm(Perm.AUDIT_VIEW)
def audit(request: HttpRequest) -> HttpResponse:
    form, filters, valid = _filter(request)
    raw = request.GET.get("before", "")
    # A sequence number, or nothing: anything else starts from the newest entry.
    before = int(raw) if raw.isascii() and raw.isdigit() and len(raw) <= 18 else None
    view = services.audit_view(actor=_actor(request), filters=filters, before=before)
    query = request.GET.copy()
    query.pop("before", None)
    rows = [
        {"entry": e, "outcome": outcome_of(e.action), "actor": view.actors.get(e.actor_id or 0, "")}
        for e in view.entries
    ]
    context = {
        "form": form,
        "view": view,
        "rows": rows,
        "query": query.urlencode(),
        "flagged": {p.actor_id for p in view.patterns},
        "valid": valid,
    }
    return render(request, "oversight/audit.html", context, status=200 if valid else 400)


@require_perm(Perm.AUDIT_VIEW)
def audit_export(request: HttpRequest) -> HttpResponse:
    form, filters, valid = _filter(request)
    if not valid:
        messages.error(request, _("The filters are not valid: nothing was exported."))
        return redirect("oversight:audit")
    text, _count = services.audit_export(actor=_actor(request), filters=filters)
    response = HttpResponse(text, content_type="text/csv; charset=utf-8")
    stamp = timezone.now().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="haven-audit-{stamp}.csv"'
    response["Cache-Control"] = "no-store"
    return response


@require_perm(Perm.AUDIT_VIEW)
@require_POST
def audit_verify(request: HttpRequest) -> HttpResponse:
    result = services.audit_verify_now(actor=_actor(request))
    if result.ok:
        messages.success(
            request,
            _("The audit chain verifies: %(n)d entries, unchanged since they were written.")
            % {"n": result.checked},
        )
    else:
        messages.error(
            request,
            _(
                "The audit chain does NOT verify. Tell the operator: the server's 'haven audit verify' says "
                "where."
            ),
        )
    return redirect("oversight:audit")


# -- requests about personal data ---------------------------------------------------------------------------


@require_perm(Perm.PERSON_EXPORT)
@require_http_methods(["GET", "POST"])
def requests(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    form = DataRequestForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            case = case_for_purpose(actor, form.cleaned_data["case"])
            try:
                item = services.data_request_register(
                    actor=actor,
                    case=case,
                    kind=form.cleaned_data["kind"],
                    received_on=form.cleaned_data["received_on"],
                )
            except ValidationError as exc:
                for field, errors in exc.error_dict.items() if hasattr(exc, "error_dict") else []:
                    form.add_error(field if field in form.fields else None, errors)
            else:
                messages.success(
                    request,
                    _("Request registered. It is due by %(date)s; answer it from its page.")
                    % {"date": dates.day(item.due_on)},
                )
                return redirect("oversight:request", request_id=item.pk)
        status = 400
    rows = services.data_requests(actor=actor)
    return render(request, "oversight/requests.html", {"form": form, "rows": rows}, status=status)


def _request(request: HttpRequest, request_id: int) -> DataRequest:
    try:
        return services.data_request_get(actor=_actor(request), request_id=request_id)
    except LookupError:
        raise Http404("request") from None


@require_perm(Perm.PERSON_EXPORT)
def request_detail(request: HttpRequest, request_id: int) -> HttpResponse:
    return render(request, "oversight/request.html", {"item": _request(request, request_id)})


@require_perm(Perm.PERSON_EXPORT)
@require_POST
def request_close(request: HttpRequest, request_id: int) -> HttpResponse:
    item = _request(request, request_id)
    services.data_request_close(actor=_actor(request), request=item)
    messages.success(request, _("Marked as dealt with."))
    return redirect("oversight:requests")


@require_GET
@require_perm(Perm.PERSON_EXPORT)
@require_recent_auth
def request_answer(request: HttpRequest, request_id: int) -> HttpResponse:
    actor = _actor(request)
    item = _request(request, request_id)
    if item.kind != DataRequest.Kind.ACCESS:
        raise Http404("request")
    # The registered request is the DPO's purpose for opening the case (recorded again, audited).
    services.request_open_case(actor=actor, request=item, case=case_for_purpose(actor, item.case_code))
    case = case_for_user(actor, item.case_code, section="export")
    try:
        bundle = services.data_request_answer(actor=actor, request=item, case=case)
    except ValidationError:
        raise Http404("request") from None  # an erased person: nothing readable is held
    name = f"{item.case_code}-access-request"
    wanted = request.GET.get("format", "html")
    response: HttpResponse
    if wanted == "json":
        response = JsonResponse(bundle.json, json_dumps_params={"ensure_ascii": False, "indent": 2})
        response["Content-Disposition"] = f'attachment; filename="{name}.json"'
    elif wanted == "pdf":
        response = HttpResponse(bundle.pdf, content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="{name}.pdf"'
    elif wanted == "zip":
        response = HttpResponse(_archive(bundle), content_type="application/zip")
        response["Content-Disposition"] = f'attachment; filename="{name}.zip"'
    else:
        response = render(request, "oversight/answer_document.html", {"answer": bundle.answer})
    response["Cache-Control"] = "no-store"
    return response


def _archive(bundle: services.AnswerBundle) -> bytes:
    html = render_to_string("oversight/answer_document.html", {"answer": bundle.answer})
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("answer.pdf", bundle.pdf)
        archive.writestr("answer.html", html)
        archive.writestr("answer.json", json.dumps(bundle.json, ensure_ascii=False, indent=2))
        for path, content in bundle.files:
            archive.writestr(path, content)
    return out.getvalue()


@require_perm(Perm.PERSON_ERASE)
@require_POST
def ask_pressure_check(request: HttpRequest, code: str) -> HttpResponse:
    """From the case's erasure page: ask its case manager for the possible-pressure check."""
    actor = _actor(request)
    case = case_for_purpose(actor, code)  # asking needs no look at the person's data
    try:
        cases_services.pressure_check_request(actor=actor, case=case, kind="erasure")
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            _("Asked: the case manager has a task to check for signs of pressure. Erase once it is done."),
        )
    return redirect("cases:erase", code=case.code)


# -- retention review ---------------------------------------------------------------------------------------


@require_perm(Perm.PERSON_ERASE)
def retention(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    context = {
        "due": services.retention_review(actor=actor),
        "screenings": services.retention_screenings_due(actor=actor),
        "form": RetentionExtendForm(),
    }
    return render(request, "oversight/retention.html", context)


@require_perm(Perm.PERSON_ERASE)
@require_POST
def retention_extend(request: HttpRequest, code: str) -> HttpResponse:
    actor = _actor(request)
    case = case_for_purpose(actor, code)  # keeping a case longer needs no look at the person's data
    form = RetentionExtendForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give a date and a reason."))
        return redirect("oversight:retention")
    try:
        services.retention_extend(
            actor=actor, case=case, until=form.cleaned_data["until"], reason=form.cleaned_data["reason"]
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            _("Kept until %(date)s. The case comes back to this list then.")
            % {"date": dates.day(form.cleaned_data["until"])},
        )
    return redirect("oversight:retention")
