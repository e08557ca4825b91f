"""Differentially private counts, released through OpenDP (never hand-rolled noise).

A release of a histogram in which each person is counted in at most `sensitivity` cells (1 for an ordinary
histogram: each person in exactly one cell) goes through OpenDP's `make_laplace` on an integer vector, which
samples the discrete Laplace (two-sided geometric) distribution with scale sensitivity / ε. The noisy counts
are then post-processed, which costs no privacy:

- negative counts become 0;
- cells whose noisy count is below `threshold` (default 5, the small-cell rule common in official
  statistics) are suppressed: published as 0 and flagged, so a reader sees "fewer than 5" and not a number
  that is mostly noise;
- the published total is the sum of the published cells, so a table always adds up.

`PrivacyBudget` is a pure accounting helper (no storage): the persistent ledger builds on it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
import opendp.prelude as dp

DEFAULT_THRESHOLD = 5

# Sums of floating-point ε values drift by a few ulps (0.1 ten times is 0.9999999999999999); a release
# that fits exactly must not be refused for that, and nothing measurable fits in this margin.
_BUDGET_TOLERANCE = 1e-12

IntArray = npt.NDArray[np.int64]


class PrivacyBudgetExceeded(Exception):
    """A release would spend more privacy loss (ε) than the budget has left."""


@dataclass
class PrivacyBudget:
    """Total ε for a dataset and the releases charged against it (sequential composition)."""

    total: float
    charges: list[tuple[str, float]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.total = _check_epsilon(self.total, "total budget")

    @property
    def spent(self) -> float:
        """ε spent so far."""
        return math.fsum(eps for _, eps in self.charges)

    @property
    def remaining(self) -> float:
        """ε still available (never negative)."""
        return max(0.0, self.total - self.spent)

    def can_spend(self, epsilon: float) -> bool:
        """Whether a release costing `epsilon` fits in what remains."""
        epsilon = _check_epsilon(epsilon)
        return math.fsum([self.spent, epsilon]) <= self.total + _BUDGET_TOLERANCE

    def spend(self, epsilon: float, label: str = "") -> None:
        """Charge a release; refuses (and charges nothing) when it does not fit."""
        epsilon = _check_epsilon(epsilon)
        if not self.can_spend(epsilon):
            raise PrivacyBudgetExceeded(
                f"release {label!r} needs ε = {epsilon:g} but only ε = {self.remaining:g} "
                f"of the budget of {self.total:g} remains"
            )
        self.charges.append((label, epsilon))


@dataclass(frozen=True)
class NoisyCounts:
    """A published histogram: noisy, non-negative, small cells suppressed, totals consistent."""

    counts: IntArray  # published value per cell (0 where suppressed)
    suppressed: npt.NDArray[np.bool_]  # True where the cell is shown as "fewer than threshold"
    total: int  # sum of `counts`
    epsilon: float  # privacy loss charged, as OpenDP's measurement reports it
    scale: float  # discrete Laplace scale used
    threshold: int
    mechanism: str = "discrete Laplace (OpenDP make_laplace on a vector of integers)"
    # The noisy vector before post-processing: with the exact counts it gives the noise drawn. Callers
    # that keep it must seal it (it reveals the exact counts); `post_process(raw)` re-derives `counts`.
    raw: IntArray | None = field(default=None, repr=False, compare=False)


def _check_epsilon(epsilon: float, what: str = "epsilon") -> float:
    if isinstance(epsilon, bool) or not isinstance(epsilon, int | float | np.floating | np.integer):
        raise ValueError(f"{what} must be a number, got {epsilon!r}")
    value = float(epsilon)
    if not math.isfinite(value) or value <= 0.0:
        raise ValueError(f"{what} must be a finite number greater than 0, got {epsilon!r}")
    return value


def exact_counts(cells: npt.ArrayLike, n_cells: int) -> IntArray:
    """Exact histogram in one grouped pass: `cells` holds each record's cell index in [0, n_cells)."""
    index = np.asarray(cells)
    if index.size and (index.min() < 0 or index.max() >= n_cells):
        raise ValueError(f"cell indices must lie in [0, {n_cells})")
    return np.bincount(index.astype(np.int64, copy=False), minlength=n_cells).astype(np.int64)


def cell_index(columns: Sequence[npt.ArrayLike], shape: Sequence[int]) -> IntArray:
    """Flat cell index for records described by one integer code per dimension (a cross-tabulation)."""
    return np.ravel_multi_index(tuple(np.asarray(c) for c in columns), tuple(shape)).astype(np.int64)


def counts_measurement(epsilon: float, sensitivity: int = 1) -> tuple[dp.Measurement, float, float]:
    """The OpenDP measurement releasing an integer count vector with privacy loss at most ε.

    Returns the measurement, the ε it actually spends (OpenDP's own figure, never above `epsilon`) and the
    noise scale.
    """
    epsilon = _check_epsilon(epsilon)
    if isinstance(sensitivity, bool) or not isinstance(sensitivity, int) or sensitivity < 1:
        raise ValueError(f"sensitivity must be a positive integer, got {sensitivity!r}")
    dp.enable_features("contrib")
    space = dp.vector_domain(dp.atom_domain(T="i64")), dp.l1_distance(T="i64")
    scale = sensitivity / epsilon
    measurement = dp.m.make_laplace(*space, scale=scale)
    if measurement.map(sensitivity) > epsilon:
        # sensitivity / ε can round so that the proven loss is a hair above ε: take the smallest scale
        # OpenDP proves to fit instead.
        scale = float(
            dp.binary_search_param(
                lambda s: dp.m.make_laplace(*space, scale=s), d_in=sensitivity, d_out=epsilon, T=float
            )
        )
        measurement = dp.m.make_laplace(*space, scale=scale)
    return measurement, float(measurement.map(sensitivity)), scale


def post_process(noisy: npt.ArrayLike, threshold: int) -> tuple[IntArray, npt.NDArray[np.bool_]]:
    """Published counts and suppression flags from a noisy vector (costs no privacy; deterministic)."""
    clamped = np.maximum(np.asarray(noisy, dtype=np.int64), 0)
    small = clamped < threshold
    return np.where(small, 0, clamped), small


def release_counts(
    counts: npt.ArrayLike,
    epsilon: float,
    *,
    threshold: int = DEFAULT_THRESHOLD,
    sensitivity: int = 1,
    budget: PrivacyBudget | None = None,
    label: str = "counts",
) -> NoisyCounts:
    """Release exact counts with ε-differential privacy, then post-process (see the module docstring).

    With a `budget`, the release is charged before any noise is drawn, and refused with
    `PrivacyBudgetExceeded` when it does not fit. Raises `ValueError` for a bad ε, threshold or counts.
    """
    exact = np.asarray(counts)
    if exact.ndim != 1:
        raise ValueError("counts must be a one-dimensional vector")
    if exact.size and (not np.issubdtype(exact.dtype, np.integer) or exact.min() < 0):
        raise ValueError("counts must be non-negative integers")
    if isinstance(threshold, bool) or not isinstance(threshold, int) or threshold < 0:
        raise ValueError(f"threshold must be a non-negative integer, got {threshold!r}")
    measurement, spent, scale = counts_measurement(epsilon, sensitivity)
    if budget is not None:
        budget.spend(spent, label)
    noisy = np.asarray(measurement(exact.astype(np.int64).tolist()), dtype=np.int64)
    published, small = post_process(noisy, threshold)
    return NoisyCounts(
        counts=published,
        suppressed=small,
        total=int(published.sum()),
        epsilon=spent,
        scale=scale,
        threshold=threshold,
        raw=noisy,
    )
