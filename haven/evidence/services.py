"""The only writes of the evidence app: releases, exports and the privacy budget.

Each service takes the acting user as `actor=` (None for the server console: `haven stats …` is run by
someone who already holds the server), checks the permission again, and writes its audit entry (ids, codes
and numbers only) in the same transaction as its change.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from django.conf import settings
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext

from haven.accounts.actions import authorize
from haven.accounts.models import User
from haven.accounts.refusals import RecentAuthRequired
from haven.audit.services import audit_record
from haven.evidence import ctdc
from haven.evidence.anonymise import AnonymisationInputError, AnonymisationResult, anonymise
from haven.evidence.dataset import Scope, statistics_scope
from haven.evidence.dp import (
    DEFAULT_THRESHOLD,
    PrivacyBudget,
    PrivacyBudgetExceeded,
    counts_measurement,
    post_process,
    release_counts,
)
from haven.evidence.labels import number
from haven.evidence.models import DEFAULT_DATASET, DEFAULT_TOTAL_EPSILON, DpRelease, Export, PrivacyLedger
from haven.vault import integration as vault

# A release counts every cell of its columns' fixed domains; this keeps tables readable and storable.
MAX_CELLS = 100_000
# The ε one release may spend (docs/evidence.md, "The range of ε"). Below MIN_EPSILON the noise swamps any
# count Haven can hold (at 0.01 a count is typically off by about 100) and, far enough below, OpenDP can no
# longer even represent the noise scale; above MAX_EPSILON a table protects almost nothing.
MIN_EPSILON = 0.01
MAX_EPSILON = 10.0
DEFAULT_K = 11
DEFAULT_MAX_SUPPRESSION = 0.05
DATASETS = (DEFAULT_DATASET,)
YEAR_OUTSIDE = "registered_outside_table_years"


class EvidenceInputError(ValueError):
    """Parameters that cannot make a release or an export; the message says what to change."""


class TooFewRecords(EvidenceInputError):
    """A release over fewer people than HAVEN_RELEASE_MIN_RECORDS: refused, audited, nothing spent."""


__all__ = [
    "EvidenceInputError",
    "PrivacyBudgetExceeded",
    "TooFewRecords",
    "dp_release_preview",
    "dp_release",
    "export_create",
    "ledger_set_budget",
]


def _actor_id(actor: User | None) -> int | None:
    return actor.pk if actor is not None else None


def _check_dataset(dataset: str) -> None:
    if dataset not in DATASETS:
        raise EvidenceInputError(f"unknown dataset {dataset!r}; known: {', '.join(DATASETS)}")


def check_columns(columns: Sequence[str], what: str = "column") -> list[str]:
    """CTDC column names, checked: known, not repeated, at least one."""
    names = [str(c).strip() for c in columns]
    if not names or any(not n for n in names):
        raise EvidenceInputError(f"give at least one {what}, e.g. gender,ageBroad")
    unknown = ctdc.unknown_columns(names)
    if unknown:
        raise EvidenceInputError(f"unknown column {unknown[0]!r}; the columns are: {', '.join(ctdc.COLUMNS)}")
    if len(set(names)) != len(names):
        raise EvidenceInputError(f"a {what} is listed twice")
    return names


def check_epsilon(epsilon: Any) -> float:
    """ε as a float from MIN_EPSILON to MAX_EPSILON: every channel's one check (web form, API, CLI)."""
    not_a_number = f"epsilon must be a number from {MIN_EPSILON:g} to {MAX_EPSILON:g}"
    if isinstance(epsilon, bool):
        raise EvidenceInputError(not_a_number)
    try:
        value = float(epsilon)
    except (TypeError, ValueError, OverflowError):
        raise EvidenceInputError(not_a_number) from None
    if not math.isfinite(value) or not MIN_EPSILON <= value <= MAX_EPSILON:
        raise EvidenceInputError(
            f"epsilon must be from {MIN_EPSILON:g} to {MAX_EPSILON:g} (smaller protects more but adds more "
            f"noise; see docs/evidence.md), got {value:g}"
        )
    return value


def _cells(by: Sequence[str]) -> int:
    return math.prod(len(ctdc.DOMAINS[c]) for c in by)


def scope_table(scope: Scope, by: Sequence[str]) -> tuple[list[tuple[str, ...]], npt.NDArray[np.int64], int]:
    """Domains, exact counts over every cell (row-major), and records outside the domains."""
    domains = [ctdc.DOMAINS[c] for c in by]
    position = [{value: i for i, value in enumerate(domain)} for domain in domains]
    codes: list[list[int]] = [[] for _ in by]
    outside = 0
    for facts in scope.facts:
        record = ctdc.ctdc_record(facts)
        found = [position[d].get(record[c]) for d, c in enumerate(by)]
        if any(f is None for f in found):
            outside += 1
            continue
        for d, f in enumerate(found):
            codes[d].append(int(f))  # type: ignore[arg-type]
    shape = tuple(len(d) for d in domains)
    if codes[0]:
        index = np.ravel_multi_index(tuple(np.asarray(c) for c in codes), shape)
        exact = np.bincount(index, minlength=math.prod(shape)).astype(np.int64)
    else:
        exact = np.zeros(math.prod(shape), dtype=np.int64)
    return domains, exact, outside


def _ledger(dataset: str) -> PrivacyLedger:
    ledger, _ = PrivacyLedger.objects.select_for_update().get_or_create(
        dataset=dataset, defaults={"total_epsilon": DEFAULT_TOTAL_EPSILON}
    )
    return ledger


def spent_epsilon(ledger: PrivacyLedger) -> float:
    """ε spent by every release charged to this ledger (sequential composition: they add up)."""
    return float(ledger.releases.aggregate(s=Sum("epsilon"))["s"] or 0.0)


def _refusal(budget: PrivacyBudget, needed: float, dataset: str) -> str:
    return gettext(
        "The privacy budget of dataset '%(dataset)s' does not allow this release: it needs ε = %(needed)s, "
        "but only ε = %(left)s of the total ε = %(total)s is left. Use a smaller ε, reuse an earlier "
        "release, or ask the data protection officer."
    ) % {
        "dataset": dataset,
        "needed": number(needed, "g"),
        "left": number(budget.remaining, "g"),
        "total": number(budget.total, "g"),
    }


def dp_release(
    *,
    actor: User | None,
    by: Sequence[str],
    epsilon: float,
    dataset: str = DEFAULT_DATASET,
    threshold: int = DEFAULT_THRESHOLD,
    source: str = "web",
) -> DpRelease:
    """Release counts by the given CTDC columns with ε-differential privacy, charged to the dataset's ledger.

    Refuses with `PrivacyBudgetExceeded` (and an audit entry "stats.release_refused") when the release does
    not fit in what is left of the budget. Raises `EvidenceInputError` for bad parameters.
    """
    authorize(actor, "stats.release")
    _check_dataset(dataset)
    columns = check_columns(by)
    eps = check_epsilon(epsilon)
    if isinstance(threshold, bool) or not isinstance(threshold, int) or not 0 <= threshold <= 100:
        raise EvidenceInputError(f"threshold must be a whole number from 0 to 100, got {threshold!r}")
    if _cells(columns) > MAX_CELLS:
        raise EvidenceInputError(
            f"{' × '.join(columns)} makes {_cells(columns):,} cells; at most {MAX_CELLS:,} are allowed"
        )
    _measurement, needed, _scale = counts_measurement(eps)
    refusal = too_few = ""
    with transaction.atomic():
        ledger = _ledger(dataset)
        spent = spent_epsilon(ledger)
        budget = PrivacyBudget(ledger.total_epsilon, [("earlier releases", spent)] if spent else [])
        scope = statistics_scope()
        domains, exact, outside = scope_table(scope, columns)
        records = scope.in_scope - outside
        if records < settings.RELEASE_MIN_RECORDS:
            audit_record(
                actor_id=_actor_id(actor),
                action="stats.release_refused",
                object_type="privacy_ledger",
                object_id=dataset,
                detail={"by": columns, "reason": "too_few_records", "source": source},
            )
            too_few = _too_few(records)
        elif not budget.can_spend(needed):
            # The refusal is recorded (and committed) even though nothing is released.
            audit_record(
                actor_id=_actor_id(actor),
                action="stats.release_refused",
                object_type="privacy_ledger",
                object_id=dataset,
                detail={
                    "by": columns,
                    "epsilon": f"{needed:g}",
                    "remaining": f"{budget.remaining:g}",
                    "source": source,
                },
            )
            refusal = _refusal(budget, needed, dataset)
        else:
            return _release(
                actor, ledger, budget, columns, eps, threshold, source, scope, (domains, exact, outside)
            )
    if not refusal:
        raise TooFewRecords(too_few)
    raise PrivacyBudgetExceeded(refusal)


def _too_few(records: int) -> str:
    return gettext(
        "Only %(n)s people are in scope for this table; a table needs at least %(minimum)s. Nothing was "
        "released and no budget was spent."
    ) % {"n": records, "minimum": settings.RELEASE_MIN_RECORDS}


@dataclass(frozen=True)
class ReleasePreview:
    """What a release would cost and count, shown before the user confirms it (nothing is spent)."""

    by: list[str]
    epsilon: float
    remaining: float
    total: float
    records: int
    minimum: int
    refusal: str

    @property
    def allowed(self) -> bool:
        return not self.refusal


def dp_release_preview(
    *, actor: User | None, by: Sequence[str], epsilon: float, dataset: str = DEFAULT_DATASET
) -> ReleasePreview:
    """The cost of a release (the ε it spends, the budget left after it) and the people it would count.

    Checks the same parameters and rules as `dp_release` and says why it would be refused; spends nothing.
    """
    authorize(actor, "stats.release")
    _check_dataset(dataset)
    columns = check_columns(by)
    eps = check_epsilon(epsilon)
    _measurement, needed, _scale = counts_measurement(eps)
    ledger = _ledger(dataset)
    spent = spent_epsilon(ledger)
    budget = PrivacyBudget(ledger.total_epsilon, [("earlier releases", spent)] if spent else [])
    scope = statistics_scope()
    _domains, _exact, outside = scope_table(scope, columns)
    scope_records = scope.in_scope - outside
    refusal = ""
    if scope_records < settings.RELEASE_MIN_RECORDS:
        refusal = _too_few(scope_records)
    elif not budget.can_spend(needed):
        refusal = _refusal(budget, needed, dataset)
    return ReleasePreview(
        by=columns,
        epsilon=needed,
        remaining=budget.remaining,
        total=budget.total,
        records=scope_records,
        minimum=settings.RELEASE_MIN_RECORDS,
        refusal=refusal,
    )


def _release(
    actor: User | None,
    ledger: PrivacyLedger,
    budget: PrivacyBudget,
    by: list[str],
    epsilon: float,
    threshold: int,
    source: str,
    scope: Scope,
    table: tuple[list[tuple[str, ...]], npt.NDArray[np.int64], int],
) -> DpRelease:
    domains, exact, outside = table
    noisy = release_counts(exact, epsilon, threshold=threshold, budget=budget, label=",".join(by))
    assert noisy.raw is not None
    left_out = dict(scope.left_out)
    if outside:
        left_out[YEAR_OUTSIDE] = outside
    key_id = vault.new_key()
    release = DpRelease(
        ledger=ledger,
        by=by,
        domains=[list(d) for d in domains],
        counts=noisy.counts.tolist(),
        suppressed=np.flatnonzero(noisy.suppressed).tolist(),
        total=noisy.total,
        epsilon=noisy.epsilon,
        epsilon_requested=epsilon,
        scale=noisy.scale,
        threshold=threshold,
        mechanism=noisy.mechanism,
        records_in_scope=scope.in_scope - outside,
        left_out=left_out,
        noise_key_id=key_id,
        source=source,
        created_by=actor,
    )
    sealed = {"noise": (noisy.raw - exact).tolist(), "cases": scope.case_ids}
    release.noise_sealed = vault.seal_bytes(
        key_id,
        table="evidence_dprelease",
        column="noise_sealed",
        row_id=str(release.uid),
        value=json.dumps(sealed).encode("utf-8"),
    )
    release.full_clean()
    release.save()
    audit_record(
        actor_id=_actor_id(actor),
        action="stats.release",
        object_type="dp_release",
        object_id=release.pk,
        detail={
            "dataset": ledger.dataset,
            "by": by,
            "epsilon": f"{release.epsilon:g}",
            "in_scope": release.records_in_scope,
            "left_out": sum(left_out.values()),
            "source": source,
        },
    )
    return release


@dataclass(frozen=True)
class Reproduction:
    """A release re-derived by the DPO: exact counts now, the sealed noise, and whether they match."""

    release: DpRelease
    exact: list[int]
    noise: list[int]
    republished: list[int]
    matches: bool
    cases_then: int
    cases_now: int
    changed_cells: list[int]


@transaction.atomic
def dp_reproduce(*, actor: User | None, release: DpRelease) -> Reproduction:
    """Re-derive a release from the current data and its sealed noise (DPO only).

    OpenDP draws noise from the operating system and cannot be seeded, so the noise vector itself was sealed
    at release time. Exact counts of the same cases plus that noise, post-processed the same way, give the
    published table again — unless cases were changed, erased or withdrew consent since, which the result
    shows cell by cell.
    """
    authorize(actor, "stats.reproduce")
    payload = json.loads(
        vault.open_bytes(
            release.noise_key_id,
            table="evidence_dprelease",
            column="noise_sealed",
            row_id=str(release.uid),
            blob=bytes(release.noise_sealed),
        )
    )
    noise = np.asarray(payload["noise"], dtype=np.int64)
    scope = statistics_scope(case_ids=list(payload["cases"]))
    _domains, exact, _outside = scope_table(scope, release.by)
    republished, small = post_process(exact + noise, release.threshold)
    published = np.asarray(release.counts, dtype=np.int64)
    was_small = np.zeros(published.size, dtype=bool)
    was_small[np.asarray(release.suppressed, dtype=np.int64)] = True
    changed = np.flatnonzero((republished != published) | (small != was_small)).tolist()
    audit_record(
        actor_id=_actor_id(actor),
        action="stats.reproduce",
        object_type="dp_release",
        object_id=release.pk,
        detail={"matches": not changed, "changed_cells": len(changed)},
    )
    return Reproduction(
        release=release,
        exact=exact.tolist(),
        noise=noise.tolist(),
        republished=republished.tolist(),
        matches=not changed,
        cases_then=len(payload["cases"]),
        cases_now=scope.in_scope,
        changed_cells=changed,
    )


def _empty_result(columns: list[str], k: int, max_suppression: float, n: int) -> AnonymisationResult:
    return AnonymisationResult(
        fieldnames=columns,
        columns={c: [] for c in columns},
        qi=columns,
        k=k,
        max_suppression=max_suppression,
        rows_in=n,
        rows_out=0,
        suppressed=n,
        gcp=1.0 if n else 0.0,
        seconds=0.0,
        partitions=0,
        kept_index=np.zeros(0, dtype=np.int64),
    )


def check_k(k: Any) -> int:
    """k as a whole number of at least 2."""
    if isinstance(k, bool) or not isinstance(k, int):
        raise EvidenceInputError(f"k must be a whole number, got {k!r}")
    if k < 2:
        raise EvidenceInputError(f"k must be at least 2, got {k}")
    return k


def check_max_suppression(value: Any) -> float:
    """A share from 0 to less than 1."""
    try:
        share = float(value)
    except (TypeError, ValueError):
        raise EvidenceInputError(f"max_suppression must be a number, got {value!r}") from None
    if not 0.0 <= share < 1.0:
        raise EvidenceInputError(f"max_suppression must be a share from 0 to less than 1, got {value!r}")
    return share


def export_table(
    facts: Sequence[ctdc.CaseFacts], *, k: int, columns: Sequence[str], max_suppression: float
) -> AnonymisationResult:
    """The k-anonymous CTDC table of these records over `columns` (all of them quasi-identifiers)."""
    qi = list(columns)
    records = [ctdc.ctdc_record(f) for f in facts]
    if len(records) < k:
        # Fewer records than k: no group can reach k, so nothing is released.
        return _empty_result(qi, k, max_suppression, len(records))
    data = {c: [r[c] for r in records] for c in qi}
    try:
        return anonymise(data, qi=qi, hierarchies=ctdc.hierarchies(qi), k=k, max_suppression=max_suppression)
    except AnonymisationInputError as exc:
        raise EvidenceInputError(str(exc)) from None


@transaction.atomic
def export_create(
    *,
    actor: User | None,
    k: int = DEFAULT_K,
    columns: Sequence[str] = ctdc.EXPORT_COLUMNS,
    max_suppression: float = DEFAULT_MAX_SUPPRESSION,
    source: str = "web",
    recent_auth: bool,
) -> tuple[Export, AnonymisationResult]:
    """k-anonymous CTDC-layout microdata of the cases in scope; every exported column is a quasi-identifier.

    Returns the export record (parameters and figures) and the released table; the rows are not stored.
    Record-level data leaves Haven: an account must have confirmed its password and a fresh second-factor
    code just before (`recent_auth`, which every channel supplies: the web session's re-authentication,
    the API token's confirmation), else RecentAuthRequired. Bad parameters are refused first.
    """
    authorize(actor, "stats.export")
    k = check_k(k)
    qi = check_columns(columns)
    share = check_max_suppression(max_suppression)
    if actor is not None and not recent_auth:
        raise RecentAuthRequired
    scope = statistics_scope()
    result = export_table(scope.facts, k=k, columns=qi, max_suppression=share)
    export = Export(
        k=k,
        qi=qi,
        max_suppression=share,
        rows_in=result.rows_in,
        rows_out=result.rows_out,
        suppressed=result.suppressed,
        gcp=result.gcp,
        records_in_scope=scope.in_scope,
        left_out=scope.left_out,
        source=source,
        created_by=actor,
    )
    export.full_clean()
    export.save()
    audit_record(
        actor_id=_actor_id(actor),
        action="stats.export",
        object_type="export",
        object_id=export.pk,
        detail={
            "k": k,
            "qi": qi,
            "rows_in": result.rows_in,
            "rows_out": result.rows_out,
            "suppressed": result.suppressed,
            "gcp": f"{result.gcp:.4f}",
            "source": source,
        },
    )
    return export, result


@transaction.atomic
def ledger_set_budget(*, actor: User | None, total: float, dataset: str = DEFAULT_DATASET) -> PrivacyLedger:
    """Set a dataset's total privacy budget (the DPO). It can never go below what is already spent."""
    authorize(actor, "stats.budget")
    _check_dataset(dataset)
    try:
        value = float(total)
    except (TypeError, ValueError):
        raise EvidenceInputError(f"the budget must be a number, got {total!r}") from None
    if not math.isfinite(value) or value <= 0:
        raise EvidenceInputError(f"the budget must be greater than 0, got {total!r}")
    ledger = _ledger(dataset)
    spent = spent_epsilon(ledger)
    if value < spent:
        raise EvidenceInputError(f"ε = {spent:g} is already spent; the budget cannot be set below it")
    previous = ledger.total_epsilon
    ledger.total_epsilon = value
    ledger.updated_by = actor
    ledger.updated_at = timezone.now()
    ledger.full_clean()
    ledger.save()
    audit_record(
        actor_id=_actor_id(actor),
        action="stats.budget_set",
        object_type="privacy_ledger",
        object_id=dataset,
        detail={"total": f"{value:g}", "previous": f"{previous:g}"},
    )
    return ledger
