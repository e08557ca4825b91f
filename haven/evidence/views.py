"""Evidence dashboard views: thin, they call one selector or service and render.

Charts and tables come only from stored, privacy-protected releases; no view reads case data.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from haven.accounts.decorators import recently_authenticated, require_perm, require_recent_auth
from haven.accounts.models import User
from haven.accounts.permissions import Perm
from haven.evidence import selectors
from haven.evidence.anonymise import csv_text
from haven.evidence.brief import evidence_brief
from haven.evidence.charts import Bar, bar_chart
from haven.evidence.dataset import LEFT_OUT_REASONS
from haven.evidence.forms import BudgetForm, ExportForm, ReleaseForm
from haven.evidence.labels import column_label, value_labels
from haven.evidence.models import DpRelease
from haven.evidence.services import (
    EvidenceInputError,
    PrivacyBudgetExceeded,
    TooFewRecords,
    dp_release,
    dp_release_preview,
    dp_reproduce,
    export_create,
    ledger_set_budget,
)

DASHBOARD_RELEASES = 12
# Beyond this many cells a chart shows the largest ones; the table below it lists them all.
CHART_BARS = 24


@dataclass
class Panel:
    release: DpRelease
    title: str
    cells: list[selectors.Cell]
    hidden: int
    chart: str
    chart_note: str
    labels: list[str]


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


def _display_cells(release: DpRelease) -> list[selectors.Cell]:
    cells = selectors.release_cells(release)
    if "yearOfRegistration" in release.by:
        # A trend starts at the first year with a published count and never shows the future.
        position = release.by.index("yearOfRegistration")
        this_year = timezone.localdate().year
        counted = [int(c.labels[position]) for c in cells if c.count]
        first = min(counted, default=this_year)
        cells = [c for c in cells if first <= int(c.labels[position]) <= this_year]
    return _in_words(release, cells)


def _in_words(release: DpRelease, cells: list[selectors.Cell]) -> list[selectors.Cell]:
    """The cells with their values in words, in the reader's language ("Female" → "Femme")."""
    return [selectors.Cell(value_labels(release.by, c.labels), c.count, c.suppressed) for c in cells]


def _panel(release: DpRelease) -> Panel:
    labels = [column_label(c) for c in release.by]
    title = _("Count by %(columns)s") % {"columns": _(" and ").join(labels)}
    cells = _display_cells(release)
    chart_cells, note = cells, ""
    if len(cells) > CHART_BARS:
        chart_cells = sorted(cells, key=lambda c: -c.count)[:CHART_BARS]
        note = _("The chart shows the %(n)d largest cells; the table lists all of them.") % {"n": CHART_BARS}
    bars = [Bar(c.label, c.count, c.suppressed) for c in chart_cells]
    chart = bar_chart(chart_id=f"release-{release.pk}", title=title, bars=bars, threshold=release.threshold)
    return Panel(release, title, cells, selectors.hidden_cells(release), chart, note, labels)


def _dashboard_context(request: HttpRequest, **extra: Any) -> dict[str, Any]:
    user = _user(request)
    budget = selectors.budget_status()
    context: dict[str, Any] = {
        "budget": budget,
        "panels": [_panel(r) for r in selectors.releases()[:DASHBOARD_RELEASES]],
        "exports": list(selectors.exports()[:10]),
        "can_release": user.has(Perm.STATS_RELEASE),
        "can_reproduce": user.has(Perm.STATS_REPRODUCE),
    }
    if context["can_release"]:
        context["form"] = ReleaseForm()
        context["export_form"] = ExportForm()
    if context["can_reproduce"]:
        context["budget_form"] = BudgetForm(initial={"total": budget.total})
    context.update(extra)
    return context


@require_GET
@require_perm(Perm.STATS_VIEW)
def dashboard(request: HttpRequest) -> HttpResponse:
    """Charts and tables from stored releases, the remaining budget, and the evidence brief."""
    return render(request, "evidence/dashboard.html", _dashboard_context(request))


@require_POST
@require_perm(Perm.STATS_RELEASE)
def release_create(request: HttpRequest) -> HttpResponse:
    """Make a new differentially private table (spends privacy budget)."""
    form = ReleaseForm(request.POST)
    if not form.is_valid():
        return render(request, "evidence/dashboard.html", _dashboard_context(request, form=form), status=400)
    by, epsilon = form.columns(), form.cleaned_data["epsilon"]
    if request.POST.get("confirmed") != "yes":
        # First the cost and the people counted; nothing is spent until the user confirms.
        try:
            preview = dp_release_preview(actor=_user(request), by=by, epsilon=epsilon)
        except EvidenceInputError as exc:
            form.add_error(None, str(exc))
            return render(
                request, "evidence/dashboard.html", _dashboard_context(request, form=form), status=400
            )
        context = {
            "form": form,
            "preview": preview,
            "labels": [column_label(c) for c in preview.by],
            "after": max(preview.remaining - preview.epsilon, 0.0),
        }
        return render(request, "evidence/release_confirm.html", context)
    try:
        release = dp_release(actor=_user(request), by=by, epsilon=epsilon, source="web")
    except TooFewRecords:
        messages.error(
            request,
            _("Too few people are in scope for this table: nothing was released and no budget was spent."),
        )
        return redirect("evidence:dashboard")
    except PrivacyBudgetExceeded as exc:
        messages.error(request, str(exc))
        return redirect("evidence:dashboard")
    except EvidenceInputError as exc:
        form.add_error(None, str(exc))
        return render(request, "evidence/dashboard.html", _dashboard_context(request, form=form), status=400)
    messages.success(request, _("The table was released and ε = %(e).3g was spent.") % {"e": release.epsilon})
    return redirect(f"{redirect('evidence:dashboard').url}#release-{release.pk}")


@require_GET
@require_perm(Perm.STATS_VIEW)
def release_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """Every cell of one release, its parameters, and who was counted."""
    release = get_object_or_404(DpRelease, pk=pk)
    panel = _panel(release)
    cells = _in_words(release, selectors.release_cells(release, every_cell=True))
    return render(
        request,
        "evidence/release.html",
        {"panel": panel, "release": release, "cells": cells, "left_out": _left_out(release.left_out)},
    )


@require_GET
@require_perm(Perm.STATS_VIEW)
def release_csv(request: HttpRequest, pk: int) -> HttpResponse:
    """The published table of a release as CSV (every cell)."""
    release = get_object_or_404(DpRelease, pk=pk)
    response = HttpResponse(csv_text(selectors.release_rows(release)), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="haven-release-{release.pk}.csv"'
    return response


@require_GET
@require_perm(Perm.STATS_REPRODUCE)
@require_recent_auth
def release_reproduce(request: HttpRequest, pk: int) -> HttpResponse:
    """The DPO re-derives a release: exact counts now, the sealed noise, and whether they give the table."""
    release = get_object_or_404(DpRelease, pk=pk)
    reproduction = dp_reproduce(actor=_user(request), release=release)
    changed = set(reproduction.changed_cells)
    columns = zip(
        _in_words(release, selectors.release_cells(release, every_cell=True)),
        reproduction.exact,
        reproduction.noise,
        release.counts,
        reproduction.republished,
        strict=True,
    )
    # Cells that are zero everywhere say nothing; every other cell is listed.
    rows = [
        {"label": cell.label, "exact": e, "noise": n, "published": p, "again": a, "changed": i in changed}
        for i, (cell, e, n, p, a) in enumerate(columns)
        if e or p or a or i in changed
    ]
    return render(
        request, "evidence/reproduce.html", {"release": release, "reproduction": reproduction, "rows": rows}
    )


@require_POST
@require_perm(Perm.STATS_BUDGET)
def budget_set(request: HttpRequest) -> HttpResponse:
    """The DPO sets the total privacy budget."""
    form = BudgetForm(request.POST)
    if form.is_valid():
        try:
            ledger_set_budget(actor=_user(request), total=form.cleaned_data["total"])
        except EvidenceInputError as exc:
            form.add_error("total", str(exc))
    if not form.is_valid() or form.errors:
        context = _dashboard_context(request, budget_form=form)
        return render(request, "evidence/dashboard.html", context, status=400)
    messages.success(request, _("The privacy budget was changed."))
    return redirect("evidence:dashboard")


@require_POST
@require_perm(Perm.STATS_RELEASE)
@require_recent_auth
def export_download(request: HttpRequest) -> HttpResponse:
    """A k-anonymous record-level export in the CTDC layout, as CSV (recorded, never stored)."""
    form = ExportForm(request.POST)
    if not form.is_valid():
        context = _dashboard_context(request, export_form=form)
        return render(request, "evidence/dashboard.html", context, status=400)
    export, result = export_create(
        actor=_user(request),
        k=form.cleaned_data["k"],
        source="web",
        recent_auth=recently_authenticated(request),
    )
    response = HttpResponse(csv_text(result), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="haven-ctdc-k{export.k}-{export.pk}.csv"'
    return response


@require_GET
@require_perm(Perm.STATS_VIEW)
def brief(request: HttpRequest) -> HttpResponse:
    """The printable evidence brief (PDF) from the stored releases."""
    pdf = evidence_brief(
        releases=list(selectors.releases()[:DASHBOARD_RELEASES]),
        exports=list(selectors.exports()[:10]),
        budget=selectors.budget_status(),
        generated_at=timezone.localtime(),
    )
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = 'attachment; filename="haven-evidence-brief.pdf"'
    return response


def _left_out(left_out: dict[str, int]) -> list[tuple[str, int]]:
    return [(str(LEFT_OUT_REASONS.get(code, code)), n) for code, n in sorted(left_out.items())]
