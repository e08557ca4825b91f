"""Benchmark of differentially private counts: a 2,000-cell histogram over 1M synthetic records.

Run from the repository root: `.venv/bin/python bench/dp_bench.py [--quick]`.
Exact counts are computed in one grouped numpy pass, then released through OpenDP at several ε.
Baselines in the same run: counting with a Python Counter over the records, and releasing each cell through
its own scalar OpenDP measurement. Prints a table and writes bench/results/dp.json. `--quick` uses 100,000
records.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np
import opendp.prelude as dp

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from haven.evidence.dp import cell_index, exact_counts, release_counts  # noqa: E402

RESULTS = ROOT / "bench" / "results" / "dp.json"
SHAPE = (20, 25, 4)  # region x year x gender = 2,000 cells


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="100,000 records instead of 1M")
    args = parser.parse_args()
    records = 100_000 if args.quick else 1_000_000
    rng = np.random.default_rng(0)
    region = rng.choice(
        SHAPE[0], size=records, p=np.arange(SHAPE[0], 0, -1) / np.arange(SHAPE[0], 0, -1).sum()
    )
    year = rng.integers(0, SHAPE[1], size=records)
    gender = rng.choice(SHAPE[2], size=records, p=[0.55, 0.4, 0.02, 0.03])
    n_cells = int(np.prod(SHAPE))

    started = time.perf_counter()
    counts = exact_counts(cell_index([region, year, gender], SHAPE), n_cells)
    count_seconds = time.perf_counter() - started

    started = time.perf_counter()
    baseline = Counter(zip(region.tolist(), year.tolist(), gender.tolist(), strict=True))
    counter_seconds = time.perf_counter() - started
    assert sum(baseline.values()) == int(counts.sum())

    dp.enable_features("contrib")
    started = time.perf_counter()
    scalar = dp.m.make_laplace(dp.atom_domain(T="i64"), dp.absolute_distance(T="i64"), scale=1.0)
    per_cell = [scalar(int(c)) for c in counts]
    per_cell_seconds = time.perf_counter() - started
    assert len(per_cell) == n_cells

    rows: list[dict[str, Any]] = []
    for epsilon in (0.1, 0.5, 1.0):
        started = time.perf_counter()
        release = release_counts(counts, epsilon)
        seconds = time.perf_counter() - started
        kept = ~release.suppressed
        rows.append(
            {
                "epsilon": epsilon,
                "release_seconds": seconds,
                "total_seconds": count_seconds + seconds,
                "mean_abs_error": float(np.abs(release.counts - counts).mean()),
                "mean_abs_error_published_cells": float(np.abs(release.counts[kept] - counts[kept]).mean()),
                "suppressed_cells": int(release.suppressed.sum()),
                "published_total": release.total,
                "exact_total": int(counts.sum()),
            }
        )

    print(f"records {records:,}, cells {n_cells:,}")
    print(
        f"exact counts: numpy one pass {count_seconds * 1000:.1f} ms, "
        f"Python Counter {counter_seconds * 1000:.1f} ms ({counter_seconds / count_seconds:.1f}x)"
    )
    vector_seconds = next(r["release_seconds"] for r in rows if r["epsilon"] == 1.0)
    print(
        f"noise at ε = 1: one vector measurement {vector_seconds * 1000:.1f} ms, "
        f"one scalar measurement per cell {per_cell_seconds * 1000:.1f} ms "
        f"({per_cell_seconds / vector_seconds:.1f}x)"
    )
    print(f"{'epsilon':>8}{'release ms':>12}{'total ms':>10}{'MAE':>8}{'suppressed':>12}{'total':>10}")
    for row in rows:
        print(
            f"{row['epsilon']:>8}{row['release_seconds'] * 1000:>12.1f}{row['total_seconds'] * 1000:>10.1f}"
            f"{row['mean_abs_error']:>8.2f}{row['suppressed_cells']:>12}{row['published_total']:>10}"
        )
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(
        json.dumps(
            {
                "machine": {"python": platform.python_version()},
                "records": records,
                "cells": n_cells,
                "count_seconds": count_seconds,
                "baseline_counter_seconds": counter_seconds,
                "baseline_per_cell_release_seconds": per_cell_seconds,
                "releases": rows,
            },
            indent=2,
        )
        + "\n",
        encoding="utf-8",
    )
    print(f"wrote {RESULTS.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
