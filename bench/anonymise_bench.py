"""Benchmark of Haven's anonymisation engine against anonypy, on UCI Adult and synthetic case data.

Run from the repository root: `.venv/bin/python bench/anonymise_bench.py [--quick]`.
Prints a table and writes bench/results/anonymise.json. Each case runs in a fresh process so that its peak
resident memory (ru_maxrss) is its own. `--quick` skips anonypy and the 1M-row case.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import platform
import resource
import sys
import time
import tracemalloc
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

ADULT_DIR = ROOT.parent / "shared" / "data" / "adult"
ADULT_QI = ["sex", "age", "race", "marital-status", "education", "native-country", "workclass", "occupation"]
RESULTS = ROOT / "bench" / "results" / "anonymise.json"


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def _pycanon_k(columns: dict[str, list[str]], qi: list[str]) -> int:
    import pandas as pd
    from pycanon import anonymity

    return int(anonymity.k_anonymity(pd.DataFrame(columns).reset_index(drop=True), qi))


def haven_case(
    name: str, rows: int, k: int, max_suppression: float, repeats: int, verify: bool
) -> dict[str, Any]:
    """Run Haven's engine on one dataset; time (cold and best), peak memory and a pycanon check."""
    from haven.evidence.anonymise import anonymise, load_hierarchies, read_csv
    from haven.evidence.anonymise.synthetic import CASE_QI, case_hierarchies, synthetic_cases

    if name == "adult":
        started = time.perf_counter()
        data = read_csv(ADULT_DIR / "adult.csv")
        hierarchies = load_hierarchies(ADULT_DIR, ADULT_QI, prefix="adult")
        load_seconds = time.perf_counter() - started
        qi = ADULT_QI
    else:
        started = time.perf_counter()
        data = synthetic_cases(rows, seed=0)
        hierarchies = case_hierarchies()
        load_seconds = time.perf_counter() - started
        qi = CASE_QI
    rss_before = _rss_mb()
    times = []
    result = None
    for _ in range(repeats):
        result = anonymise(data, qi, hierarchies, k=k, max_suppression=max_suppression)
        times.append(result.seconds)
    assert result is not None
    peak_rss = _rss_mb()
    tracemalloc.start()
    anonymise(data, qi, hierarchies, k=k, max_suppression=max_suppression)
    traced_peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    report = result.report()
    return {
        "tool": "haven",
        "dataset": name,
        "rows_in": report["rows_in"],
        "k": k,
        "max_suppression": max_suppression,
        "seconds_cold": times[0],
        "seconds_best": min(times),
        "load_seconds": load_seconds,
        "rss_before_mb": rss_before,
        "peak_rss_mb": peak_rss,
        "tracemalloc_peak_mb": traced_peak,
        "suppressed": report["suppressed"],
        "rows_out": report["rows_out"],
        "gcp": report["gcp"],
        "partitions": report["partitions"],
        "pycanon_k": _pycanon_k(result.columns, qi) if verify else None,
    }


def anonypy_adult_case(k: int) -> dict[str, Any]:
    """anonypy 0.2.1 on Adult: age numeric, other quasi-identifiers categorical (it has no hierarchies)."""
    import pandas as pd
    from anonypy import anonypy, mondrian

    from haven.evidence.anonymise import load_hierarchies

    frame = pd.read_csv(ADULT_DIR / "adult.csv", sep=";")
    hierarchies = load_hierarchies(ADULT_DIR, ADULT_QI, prefix="adult")
    present = {c: {str(v) for v in frame[c].unique()} for c in ADULT_QI}
    for column in ADULT_QI:
        if column != "age":
            frame[column] = frame[column].astype("category")
    rss_before = _rss_mb()
    started = time.perf_counter()
    model = mondrian.Mondrian(frame, ADULT_QI, "salary-class")
    partitions = model.partition(k)
    anonypy.anonymize(frame, partitions, ADULT_QI, "salary-class")
    seconds = time.perf_counter() - started
    peak_rss = _rss_mb()

    # Row-level release rebuilt from anonypy's own partitions, for pycanon and for GCP (without hierarchies
    # the loss of a category set is (values in set - 1) / (values in column - 1)).
    released: dict[str, list[str]] = {c: [""] * len(frame) for c in ADULT_QI}
    domain = {c: frame[c].nunique() for c in ADULT_QI}
    age_span = float(frame["age"].max() - frame["age"].min())
    loss = 0.0
    # The same partitions published in ARX-hierarchy terms (each value set as its lowest common ancestor),
    # scored like Haven's GCP: this is what anonypy's grouping costs under the hierarchies Haven must follow.
    hierarchy_loss = 0.0
    for part in partitions:
        rows = list(part)
        for column in ADULT_QI:
            values = frame.loc[part, column]
            if column == "age":
                low, high = int(values.min()), int(values.max())
                text = str(low) if low == high else f"{low}-{high}"
                loss += len(rows) * (high - low) / age_span
            else:
                distinct = sorted(str(v) for v in set(values))
                text = ",".join(distinct)
                loss += len(rows) * (len(distinct) - 1) / (domain[column] - 1)
            for row in rows:
                released[column][row] = text
            hierarchy = hierarchies[column]
            members = {str(v) for v in set(values)}
            level = hierarchy.depth
            while len({hierarchy.generalise(v, level) for v in members}) > 1:
                level -= 1
            node = hierarchy.generalise(next(iter(members)), level)
            under = {v for v in present[column] if hierarchy.generalise(v, level) == node}
            hierarchy_loss += len(rows) * (len(under) - 1) / (len(present[column]) - 1)
    return {
        "tool": "anonypy 0.2.1",
        "dataset": "adult",
        "rows_in": len(frame),
        "k": k,
        "max_suppression": 0.0,
        "seconds_cold": seconds,
        "seconds_best": seconds,
        "load_seconds": None,
        "rss_before_mb": rss_before,
        "peak_rss_mb": peak_rss,
        "tracemalloc_peak_mb": None,
        "suppressed": 0,
        "rows_out": len(frame),
        "gcp": loss / (len(frame) * len(ADULT_QI)),
        "gcp_under_arx_hierarchies": hierarchy_loss / (len(frame) * len(ADULT_QI)),
        "partitions": len(partitions),
        "pycanon_k": _pycanon_k(released, ADULT_QI),
    }


def _in_fresh_process(function: Any, *args: Any) -> dict[str, Any]:
    with ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn")) as pool:
        return pool.submit(function, *args).result()


def _fmt(value: Any, digits: int = 2) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="skip anonypy and the 1M-row case")
    args = parser.parse_args()

    cases: list[dict[str, Any]] = []
    notes: list[str] = []
    if (ADULT_DIR / "adult.csv").is_file():
        for suppression in (0.0, 0.05):
            cases.append(_in_fresh_process(haven_case, "adult", 0, 10, suppression, 5, True))
        if not args.quick:
            cases.append(_in_fresh_process(anonypy_adult_case, 10))
    else:
        notes.append(f"Adult skipped: {ADULT_DIR / 'adult.csv'} not found")
    cases.append(_in_fresh_process(haven_case, "synthetic", 300_000, 11, 0.05, 3, True))
    if not args.quick:
        cases.append(_in_fresh_process(haven_case, "synthetic", 1_000_000, 11, 0.05, 2, True))

    ratios: dict[str, float] = {}
    haven_adult = [c for c in cases if c["tool"] == "haven" and c["dataset"] == "adult"]
    anonypy_adult = [c for c in cases if c["tool"] != "haven" and c["dataset"] == "adult"]
    if haven_adult and anonypy_adult:
        best = min(c["seconds_best"] for c in haven_adult)
        cold = max(c["seconds_cold"] for c in haven_adult)
        ratios["adult_speedup_best"] = anonypy_adult[0]["seconds_cold"] / best
        ratios["adult_speedup_cold"] = anonypy_adult[0]["seconds_cold"] / cold

    header = (
        f"{'tool':<14}{'dataset':<10}{'rows':>9}{'k':>4}{'supp%':>6}{'cold s':>8}{'best s':>8}"
        f"{'peakRSS MB':>11}{'traced MB':>10}{'suppr':>7}{'GCP':>7}{'parts':>7}{'pycanon k':>10}"
    )
    print(header)
    print("-" * len(header))
    for c in cases:
        print(
            f"{c['tool']:<14}{c['dataset']:<10}{c['rows_in']:>9}{c['k']:>4}{100 * c['max_suppression']:>6.0f}"
            f"{_fmt(c['seconds_cold']):>8}{_fmt(c['seconds_best']):>8}{_fmt(c['peak_rss_mb'], 0):>11}"
            f"{_fmt(c['tracemalloc_peak_mb'], 0):>10}{c['suppressed']:>7}{_fmt(c['gcp'], 3):>7}"
            f"{c['partitions']:>7}{_fmt(c['pycanon_k']):>10}"
        )
    for key, value in ratios.items():
        print(f"{key}: {value:.1f}x")
    for c in cases:
        if "gcp_under_arx_hierarchies" in c:
            print(
                f"{c['tool']} GCP {c['gcp']:.3f} counts arbitrary value sets (no hierarchy); its partitions "
                f"published as ARX hierarchy nodes would have GCP {c['gcp_under_arx_hierarchies']:.3f}"
            )
    for note in notes:
        print(note)

    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(
        json.dumps(
            {
                "machine": {"python": platform.python_version(), "cpus": multiprocessing.cpu_count()},
                "quick": args.quick,
                "cases": cases,
                "ratios": ratios,
                "notes": notes,
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
