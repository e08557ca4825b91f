"""/api/v1/stats: budgets, differentially private releases and k-anonymous exports.

Same services and permissions as the web pages: reading needs stats.view, releasing and exporting
stats.release. Bad parameters answer 400, a spent privacy budget 409, a role without the permission 403.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from ninja import Field, Router, Schema, Status

from haven.accounts.models import User
from haven.accounts.permissions import Perm
from haven.accounts.refusals import RecentAuthRequired
from haven.api.router import Error, StrictSchema, calling_token, error_response
from haven.api.services import token_recently_confirmed
from haven.evidence import ctdc, selectors
from haven.evidence.dp import DEFAULT_THRESHOLD
from haven.evidence.models import DpRelease, Export
from haven.evidence.services import (
    DEFAULT_K,
    DEFAULT_MAX_SUPPRESSION,
    MAX_EPSILON,
    MIN_EPSILON,
    EvidenceInputError,
    PrivacyBudgetExceeded,
    TooFewRecords,
    dp_release,
    export_create,
)

router: Router = Router(tags=["statistics"])


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


def _forbidden(request: HttpRequest, perm: Perm | PermissionDenied) -> HttpResponse:
    refusal = perm if isinstance(perm, PermissionDenied) else perm.value
    return error_response(request, 403, "forbidden", "Your role does not allow this.", refusal=refusal)


class Budget(Schema):
    dataset: str
    total: float
    spent: float
    remaining: float


class CellOut(Schema):
    values: list[str]
    count: int
    suppressed: bool


class ReleaseSummary(Schema):
    id: int
    by: list[str]
    epsilon: float
    threshold: int
    total: int
    records_in_scope: int
    left_out: dict[str, int]
    created_at: datetime


class ReleaseOut(ReleaseSummary):
    mechanism: str
    scale: float
    cells: list[CellOut]


class ReleaseIn(StrictSchema):
    by: list[str]
    # The range is the service's to check (every channel, one message naming both ends); documented here.
    epsilon: float = Field(
        ..., description=f"privacy loss ε of this release, from {MIN_EPSILON:g} to {MAX_EPSILON:g}"
    )
    threshold: int = DEFAULT_THRESHOLD


class ExportIn(StrictSchema):
    k: int = DEFAULT_K
    columns: list[str] = list(ctdc.EXPORT_COLUMNS)
    max_suppression: float = DEFAULT_MAX_SUPPRESSION


class ExportOut(Schema):
    id: int
    k: int
    qi: list[str]
    records_in_scope: int
    left_out: dict[str, int]
    rows_in: int
    rows_out: int
    suppressed: int
    suppression_rate: float
    gcp: float
    rows: list[dict[str, str]]


def _summary(release: DpRelease) -> dict[str, Any]:
    return {
        "id": release.pk,
        "by": release.by,
        "epsilon": release.epsilon,
        "threshold": release.threshold,
        "total": release.total,
        "records_in_scope": release.records_in_scope,
        "left_out": release.left_out,
        "created_at": release.created_at,
    }


def _full(release: DpRelease) -> dict[str, Any]:
    cells = selectors.release_cells(release, every_cell=True)
    return {
        **_summary(release),
        "mechanism": release.mechanism,
        "scale": release.scale,
        "cells": [{"values": list(c.labels), "count": c.count, "suppressed": c.suppressed} for c in cells],
    }


@router.get("/budget", response={200: Budget, 401: Error, 403: Error})
def stats_budget(request: HttpRequest) -> Any:
    """The privacy budget of the case dataset: total, spent and remaining ε."""
    if not _user(request).has(Perm.STATS_VIEW):
        return _forbidden(request, Perm.STATS_VIEW)
    status = selectors.budget_status()
    return {
        "dataset": status.dataset,
        "total": status.total,
        "spent": status.spent,
        "remaining": status.remaining,
    }


@router.get("/releases", response={200: list[ReleaseSummary], 401: Error, 403: Error})
def stats_release_list(request: HttpRequest) -> Any:
    """Stored releases, newest first (published tables only)."""
    if not _user(request).has(Perm.STATS_VIEW):
        return _forbidden(request, Perm.STATS_VIEW)
    return [_summary(r) for r in selectors.releases()[:100]]


@router.get("/releases/{release_id}", response={200: ReleaseOut, 401: Error, 403: Error, 404: Error})
def stats_release_get(request: HttpRequest, release_id: int) -> Any:
    """One stored release with every cell of its published table."""
    if not _user(request).has(Perm.STATS_VIEW):
        return _forbidden(request, Perm.STATS_VIEW)
    return _full(get_object_or_404(DpRelease, pk=release_id))


@router.post("/releases", response={201: ReleaseOut, 400: Error, 401: Error, 403: Error, 409: Error})
def stats_release_create(request: HttpRequest, body: ReleaseIn) -> Any:
    """Release counts by CTDC columns with ε-differential privacy; spends from the privacy budget."""
    try:
        release = dp_release(
            actor=_user(request), by=body.by, epsilon=body.epsilon, threshold=body.threshold, source="api"
        )
    except PermissionDenied as exc:
        return _forbidden(request, exc)
    except TooFewRecords as exc:
        return error_response(request, 409, "too_few_records", str(exc))
    except EvidenceInputError as exc:
        return error_response(request, 400, "invalid_input", str(exc))
    except PrivacyBudgetExceeded as exc:
        return error_response(request, 409, "budget_spent", str(exc))
    return Status(201, _full(release))


@router.post("/exports", response={200: ExportOut, 400: Error, 401: Error, 403: Error})
def stats_export(request: HttpRequest, body: ExportIn) -> Any:
    """k-anonymous CTDC-layout microdata of the cases in scope (every column a quasi-identifier).

    Record-level data leaves Haven, so, as on the web, the account confirms its password and a fresh code
    first: call `POST /api/v1/tokens/confirm` with this token, then export within a few minutes. Without
    it the answer is 403 with the code `recent_auth_required`.
    """
    try:
        export, result = export_create(
            actor=_user(request),
            k=body.k,
            columns=body.columns,
            max_suppression=body.max_suppression,
            source="api",
            recent_auth=token_recently_confirmed(calling_token(request)),
        )
    except RecentAuthRequired as exc:
        return error_response(
            request,
            403,
            "recent_auth_required",
            "Confirm your password and a fresh code with POST /api/v1/tokens/confirm, then export.",
            refusal=exc,
        )
    except PermissionDenied as exc:
        return _forbidden(request, exc)
    except EvidenceInputError as exc:
        return error_response(request, 400, "invalid_input", str(exc))
    return _export_out(export, result.rows)


def _export_out(export: Export, rows: list[dict[str, str]]) -> dict[str, Any]:
    return {
        "id": export.pk,
        "k": export.k,
        "qi": export.qi,
        "records_in_scope": export.records_in_scope,
        "left_out": export.left_out,
        "rows_in": export.rows_in,
        "rows_out": export.rows_out,
        "suppressed": export.suppressed,
        "suppression_rate": export.suppression_rate,
        "gcp": export.gcp,
        "rows": rows,
    }
