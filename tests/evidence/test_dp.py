"""Differentially private counts through OpenDP, and the privacy budget helper."""

from __future__ import annotations

import math
from collections import Counter

import numpy as np
import pytest

from haven.evidence.dp import (
    DEFAULT_THRESHOLD,
    PrivacyBudget,
    PrivacyBudgetExceeded,
    cell_index,
    counts_measurement,
    exact_counts,
    release_counts,
)

CELLS = 2000


def large_counts() -> np.ndarray:
    # Far from zero and from the threshold, so clamping and suppression leave the noise untouched.
    return np.random.default_rng(7).integers(500, 5000, size=CELLS)


def discrete_laplace_mean_abs(scale: float) -> float:
    """E|X| for the discrete Laplace distribution with P(x) proportional to exp(-|x| / scale)."""
    q = math.exp(-1.0 / scale)
    return 2.0 * q / (1.0 - q * q)


def test_noise_is_applied_so_two_releases_differ_in_most_cells():
    counts = large_counts()
    first = release_counts(counts, 0.1)
    second = release_counts(counts, 0.1)
    assert np.mean(first.counts != second.counts) > 0.9
    assert np.mean(first.counts != counts) > 0.9


def test_larger_epsilon_gives_smaller_mean_absolute_error():
    counts = large_counts()
    errors = [np.abs(release_counts(counts, eps).counts - counts).mean() for eps in (0.05, 0.5, 5.0)]
    assert errors[0] > errors[1] > errors[2]


def test_noise_has_the_scale_that_epsilon_promises():
    counts = large_counts()
    observed = np.abs(release_counts(counts, 0.5).counts - counts).mean()
    # Scale 2: E|X| is about 1.92 and its standard error over 2,000 cells about 0.05.
    assert observed == pytest.approx(discrete_laplace_mean_abs(2.0), rel=0.15)


def test_published_counts_are_non_negative_and_add_up_to_the_total():
    counts = np.zeros(CELLS, dtype=np.int64)
    counts[::10] = 3
    release = release_counts(counts, 0.2)
    assert release.counts.min() >= 0
    assert release.total == int(release.counts.sum())
    assert release.counts.dtype == np.int64


def test_small_cells_are_suppressed_and_shown_as_zero():
    counts = np.array([0, 1, 2, 3, 4, 1000, 2000] * 200)
    release = release_counts(counts, 1.0)
    assert np.all(release.counts[release.suppressed] == 0)
    assert np.all(release.counts[~release.suppressed] >= DEFAULT_THRESHOLD)
    assert not release.suppressed[counts >= 1000].any()
    assert release.suppressed[counts == 0].mean() > 0.9


def test_threshold_zero_keeps_every_cell():
    release = release_counts(np.full(100, 2), 1.0, threshold=0)
    assert not release.suppressed.any()


def test_release_spends_its_epsilon_from_the_budget():
    budget = PrivacyBudget(1.0)
    release = release_counts(large_counts(), 0.6, budget=budget, label="by region")
    assert release.epsilon <= 0.6
    assert budget.spent == pytest.approx(0.6)
    assert budget.remaining == pytest.approx(0.4)


def test_release_that_would_exceed_the_budget_is_refused_and_charges_nothing():
    budget = PrivacyBudget(1.0)
    release_counts(large_counts(), 0.6, budget=budget)
    with pytest.raises(PrivacyBudgetExceeded, match="only ε = 0.4"):
        release_counts(large_counts(), 0.6, budget=budget)
    assert budget.spent == pytest.approx(0.6)
    assert len(budget.charges) == 1


def test_ten_releases_of_a_tenth_fit_a_budget_of_one():
    budget = PrivacyBudget(1.0)
    for _ in range(10):
        budget.spend(0.1)
    assert not budget.can_spend(0.01)
    with pytest.raises(PrivacyBudgetExceeded):
        budget.spend(0.01)


@pytest.mark.parametrize("epsilon", [0, 0.0, -1.0, float("nan"), float("inf"), "1", None, True])
def test_invalid_epsilon_is_refused(epsilon):
    with pytest.raises(ValueError, match="must be"):
        release_counts(np.arange(10), epsilon)


@pytest.mark.parametrize("total", [0.0, -0.5, float("nan")])
def test_budget_needs_a_positive_total(total):
    with pytest.raises(ValueError):
        PrivacyBudget(total)


def test_counts_must_be_a_vector_of_non_negative_integers():
    with pytest.raises(ValueError, match="non-negative integers"):
        release_counts(np.array([1, -1, 3]), 1.0)
    with pytest.raises(ValueError, match="non-negative integers"):
        release_counts(np.array([1.5, 2.0]), 1.0)
    with pytest.raises(ValueError, match="one-dimensional"):
        release_counts(np.ones((2, 2), dtype=np.int64), 1.0)


def test_measurement_never_spends_more_than_asked():
    for epsilon in (0.1, 0.3, 1 / 3, 0.7, 2.5):
        _, spent, _ = counts_measurement(epsilon)
        assert spent <= epsilon
        assert spent == pytest.approx(epsilon, rel=1e-6)


def test_exact_counts_match_a_plain_count():
    rng = np.random.default_rng(3)
    region = rng.integers(0, 40, size=5000)
    year = rng.integers(0, 50, size=5000)
    flat = cell_index([region, year], (40, 50))
    counts = exact_counts(flat, 40 * 50)
    expected = Counter(zip(region.tolist(), year.tolist(), strict=True))
    assert counts.sum() == 5000
    assert all(counts[r * 50 + y] == n for (r, y), n in expected.items())


def test_exact_counts_refuse_a_cell_outside_the_table():
    with pytest.raises(ValueError, match="cell indices"):
        exact_counts(np.array([0, 5]), 5)
