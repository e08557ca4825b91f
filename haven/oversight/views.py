"""The audit trail viewer: parse the filter, call one service, render."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from haven.accounts.decorators import require_perm
from haven.accounts.models import User
from haven.accounts.permissions import Perm
from haven.oversight import services
from haven.oversight.forms import TrailFilterForm
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
