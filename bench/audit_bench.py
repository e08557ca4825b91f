"""Audit viewer benchmark: one filtered page of the audit trail over 100 000 entries on SQLite.

    .venv/bin/python bench/audit_bench.py            # 100 000 entries
    .venv/bin/python bench/audit_bench.py --quick    # 10 000 entries (smoke run)

A fresh data dir and SQLite file (HAVEN_ENV=test, migrations first); N synthetic entries (codes and ids only,
as the real trail holds) spread over 90 days, 40 staff accounts, 5 000 case codes and a realistic mix of
actions, written in bulk. Then, for each filter the viewer offers, one page (50 entries, newest first) is
read through the viewer's own selector (`haven.oversight.selectors.trail_page`), first page and a page deep
in the trail (keyset, `before=` the middle of the trail), REPEAT times; the median is reported against the
baseline measured in the same run: the newest 50 entries with no filter at all (the cheapest page there is).
The query plan of each is printed and kept, to show that it reads an index, never the whole table.
Writes bench/results/audit.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results" / "audit.json"
REPEAT = 30
ACTIONS = (
    ("case.viewed", 55),
    ("person.updated", 8),
    ("auth.login", 8),
    ("auth.mfa_verified", 8),
    ("access.denied", 4),
    ("auth.login_failed", 2),
    ("case.note_added", 8),
    ("account.disabled", 1),
    ("screening.completed", 6),
)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    count = 10_000 if args.quick else 100_000
    with tempfile.TemporaryDirectory(prefix="haven-audit-bench-") as tmp:
        result = run(Path(tmp), count)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(f"{'measure':<44} {'median ms':>10} {'x baseline':>11}  plan")
    for row in result["measures"]:
        print(f"{row['name']:<44} {row['median_ms']:>10.3f} {row['ratio']:>11.2f}  {row['plan']}")
    print(f"written {RESULTS}")
    return 0


def run(data_dir: Path, count: int) -> dict[str, Any]:
    os.environ.pop("DATABASE_URL", None)
    os.environ.pop("HAVEN_KEYSTORE_URL", None)
    os.environ["HAVEN_ENV"] = "test"
    os.environ["HAVEN_DATA_DIR"] = str(data_dir)
    os.environ["DJANGO_SETTINGS_MODULE"] = "haven.settings"
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from haven.audit.models import AuditEvent
    from haven.core import setup
    from haven.oversight.selectors import TrailFilter, trail, trail_page

    setup.ensure_data_dir(data_dir)
    setup.ensure_keys(data_dir)
    call_command("migrate", interactive=False, verbosity=0)

    rng = random.Random(15)
    names = [name for name, weight in ACTIONS for _ in range(weight)]
    start = datetime(2026, 1, 1, tzinfo=UTC)
    step = timedelta(days=90) / count
    started = time.perf_counter()
    batch: list[AuditEvent] = []
    for seq in range(1, count + 1):
        action = rng.choice(names)
        on_case = action in ("case.viewed", "person.updated", "case.note_added") or rng.random() < 0.3
        batch.append(
            AuditEvent(
                seq=seq,
                at=start + step * seq,
                actor_id=rng.randint(1, 40),
                action=action,
                object_type="case" if on_case else "user",
                object_id=f"HV-2026-{rng.randint(1, 5000):05d}" if on_case else str(rng.randint(1, 40)),
                detail={"section": "summary"} if action == "case.viewed" else {},
                prev_hash="0" * 64,
                hash="0" * 64,
            )
        )
        if len(batch) == 5000:
            AuditEvent.objects.bulk_create(batch)
            batch = []
    if batch:
        AuditEvent.objects.bulk_create(batch)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    generated_s = time.perf_counter() - started

    middle = count // 2
    week_start = date(2026, 2, 1)
    measures: list[tuple[str, TrailFilter, int | None]] = [
        ("one actor", TrailFilter(actor_id=7), None),
        ("one actor, deep page", TrailFilter(actor_id=7), middle),
        ("one action (refusals)", TrailFilter(action="access.denied"), None),
        ("outcome refused", TrailFilter(outcome="refused"), None),
        ("outcome refused, deep page", TrailFilter(outcome="refused"), middle),
        ("one case code", TrailFilter(case_code="HV-2026-00042"), None),
        ("one week", TrailFilter(since=week_start, until=week_start + timedelta(days=6)), None),
        (
            "one week, one actor, refused",
            TrailFilter(
                since=week_start, until=week_start + timedelta(days=6), actor_id=7, outcome="refused"
            ),
            None,
        ),
        ("administrator's scope (account events)", TrailFilter(accounts_only=True), None),
    ]

    def timed(call: Any) -> list[float]:
        call()  # warm the cache once
        times = []
        for _ in range(REPEAT):
            t0 = time.perf_counter()
            call()
            times.append((time.perf_counter() - t0) * 1000)
        return times

    def plan(filters: TrailFilter, before: int | None) -> str:
        rows = trail(filters)
        if before is not None:
            rows = rows.filter(seq__lt=before)
        sql, params = rows[:51].query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
            return " | ".join(str(row[-1]) for row in cursor.fetchall())

    baseline_ms = statistics.median(timed(lambda: trail_page(TrailFilter(), size=51)))
    rows = [
        {
            "name": "baseline: newest 50, no filter",
            "median_ms": baseline_ms,
            "ratio": 1.0,
            "plan": plan(TrailFilter(), None),
            "rows": 50,
        }
    ]
    for name, filters, before in measures:
        times = timed(lambda f=filters, b=before: trail_page(f, before=b, size=51))
        median = statistics.median(times)
        rows.append(
            {
                "name": name,
                "median_ms": median,
                "p95_ms": sorted(times)[int(len(times) * 0.95) - 1],
                "ratio": median / baseline_ms if baseline_ms else 0.0,
                "plan": plan(filters, before),
                "rows": len(trail_page(filters, before=before)),
            }
        )
    return {
        "entries": count,
        "generated_seconds": round(generated_s, 1),
        "repeat": REPEAT,
        "database": "sqlite",
        "python": platform.python_version(),
        "machine": platform.machine(),
        "measures": rows,
    }


if __name__ == "__main__":
    sys.exit(main())
