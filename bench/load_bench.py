"""A mixed workload at 50 concurrent users against `haven serve`, with a bare Django view measured in the
same run: list, case detail, note, screening and hand-over.

    DATABASE_URL=postgres://haven@127.0.0.1:5432/postgres .venv/bin/python bench/load_bench.py
    .venv/bin/python bench/load_bench.py --quick          # 5 000 cases on SQLite, 10 s (smoke run)

1. Builds N synthetic cases (default 100 000) the way bench/cases_bench.py does (same builder), on
   PostgreSQL when DATABASE_URL is set (its own database, dropped at the end), else SQLite.
2. Starts `haven serve` (gunicorn, 2 workers x 8 threads; persistent database connections, the default
   on PostgreSQL) and signs in a case manager as a browser does.
3. USERS threads (default 50), each its own keep-alive connection with the signed-in session, run for
   DURATION seconds, each step drawn with fixed weights: case list (35), case detail (35), a note added to
   a case (15), a quick screening started and finished (10: three requests), a screening handed over to
   the contact person (5: the screening, then the hand-over). Every answer is checked: anything but the
   expected status counts as an error.
4. Then the same users request the bare view (`/cases/bench/bare/`: same middleware, a tiny page) for the
   same time: the throughput ratio of each operation to it is reported, as is the server's peak memory.
Writes bench/results/load[_postgresql][_quick].json and prints a table.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import re
import shutil
import statistics
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

from cases_bench import (  # noqa: E402  (the benchmark's own helpers, beside this file)
    RESULTS,
    Server,
    Session,
    _free_port,
    _pg_admin,
    _with_database,
    build,
    sign_in,
)

CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
WEIGHTS = {"list": 35, "detail": 35, "note": 15, "screening": 10, "handover": 5}
QUICK_YES = ("dr.travel_arranged", "ec.excessive_hours", "cd.documents_held")  # act, exploitation, coercion


class Stop(Exception):
    """A request answered something unexpected."""


def expect(result: tuple[int, str, str], *statuses: int) -> tuple[int, str, str]:
    if result[0] not in statuses:
        raise Stop(f"{result[0]}")
    return result


def screening(session: Session, token: str) -> str:
    """Start a quick screening, answer it (three signs) and read the result; returns its uid."""
    _s, location, _p = expect(
        session.request(
            "POST",
            "/screening/",
            {
                "csrfmiddlewaretoken": token,
                "private_space": "yes",
                "information_language": "en",
                "kind": "quick",
                "age": "30",
            },
        ),
        302,
    )
    status, next_location, page = expect(session.request("GET", location), 200, 302)
    while status == 302:  # the screening's own page leads to its first step
        location = next_location
        status, next_location, page = expect(session.request("GET", location), 200, 302)
    answers = {
        qid: ("yes" if qid in QUICK_YES else "no")
        for qid in set(re.findall(r'data-question="([^"]+)"', page))
    }
    _s, result, _p = expect(
        session.request("POST", location, {"csrfmiddlewaretoken": token, "action": "finish", **answers}), 302
    )
    expect(session.request("GET", result), 200)
    return location.strip("/").split("/")[1]  # /screening/<uid>/quick/


def run_user(
    n: int, port: int, cookies: dict[str, str], codes: list[str], deadline: float, record: Callable[..., None]
) -> None:
    rng = random.Random(n)
    session = Session(port, cookies)
    try:
        _s, _l, page = expect(session.request("GET", f"/cases/{codes[n % len(codes)]}/notes/"), 200)
        token = CSRF.search(page)
        if token is None:
            raise Stop("no form token")
        csrf = token.group(1)
        names, weights = list(WEIGHTS), list(WEIGHTS.values())
        while time.monotonic() < deadline:
            op = rng.choices(names, weights)[0]
            code = rng.choice(codes)
            started = time.perf_counter()
            try:
                if op == "list":
                    expect(session.request("GET", "/cases/?status=Active"), 200)
                elif op == "detail":
                    expect(session.request("GET", f"/cases/{code}/"), 200)
                elif op == "note":
                    form = {"csrfmiddlewaretoken": csrf, "section": "general", "body": "Test: load note."}
                    expect(session.request("POST", f"/cases/{code}/notes/", form), 302)
                elif op == "screening":
                    screening(session, csrf)
                else:
                    uid = screening(session, csrf)
                    form = {
                        "csrfmiddlewaretoken": csrf,
                        "basis": "consent",
                        "gender": "NonSpecifiedUnknown",
                        "note": "Test: load hand-over.",
                        "confirm": "yes",
                    }
                    expect(session.request("POST", f"/cases/handovers/screening/{uid}/", form), 302)
                record(op, (time.perf_counter() - started) * 1000, None)
            except Stop as exc:
                record(op, (time.perf_counter() - started) * 1000, str(exc))
    except Exception as exc:  # noqa: BLE001 (a client failure is a figure of the benchmark, not a crash)
        record("connection", 0.0, repr(exc))
    finally:
        session.close()


def drive(
    port: int, cookies: dict[str, str], codes: list[str], users: int, seconds: float, bare: bool
) -> tuple[dict[str, list[float]], dict[str, int], float]:
    times: dict[str, list[float]] = {}
    errors: dict[str, int] = {}
    lock = threading.Lock()

    def record(op: str, ms: float, error: str | None) -> None:
        with lock:
            if error is None:
                times.setdefault(op, []).append(ms)
            else:
                errors[f"{op} {error}"] = errors.get(f"{op} {error}", 0) + 1

    def bare_user(n: int, deadline: float) -> None:
        session = Session(port, cookies)
        try:
            while time.monotonic() < deadline:
                started = time.perf_counter()
                status = session.request("GET", "/cases/bench/bare/")[0]
                record("bare", (time.perf_counter() - started) * 1000, None if status == 200 else str(status))
        except Exception as exc:  # noqa: BLE001
            record("connection", 0.0, repr(exc))
        finally:
            session.close()

    deadline = time.monotonic() + seconds
    started = time.perf_counter()
    threads = [
        threading.Thread(target=bare_user, args=(n, deadline))
        if bare
        else threading.Thread(target=run_user, args=(n, port, cookies, codes, deadline, record))
        for n in range(users)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return times, errors, time.perf_counter() - started


def summary(times: list[float], elapsed: float) -> dict[str, Any]:
    ordered = sorted(times)
    return {
        "count": len(ordered),
        "per_second": round(len(ordered) / elapsed, 1),
        "median_ms": round(statistics.median(ordered), 1) if ordered else None,
        "p95_ms": round(ordered[max(0, int(len(ordered) * 0.95) - 1)], 1) if ordered else None,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--cases", type=int, default=None, help="synthetic cases (default 100000)")
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=None, help="duration of each phase (default 60)")
    parser.add_argument("--quick", action="store_true", help="5000 cases, 10 s (smoke run)")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    cases = args.cases or (5_000 if args.quick else 100_000)
    seconds = args.seconds or (10.0 if args.quick else 60.0)

    data_dir = Path(tempfile.mkdtemp(prefix="haven-load-bench-"))
    admin_url = os.environ.get("DATABASE_URL", "")
    db_name = ""
    env = dict(os.environ)
    env.update(
        {
            "HAVEN_ENV": "local",
            "HAVEN_DATA_DIR": str(data_dir),
            "HAVEN_BENCH": "1",
            "HAVEN_LOG_LEVEL": "WARNING",
            # One signed-in session reads thousands of different people here: the bulk-read limit
            # (HAVEN_READ_LIMIT_PEOPLE, 30 a minute) would answer 429, as it should for a real session.
            "HAVEN_READ_LIMIT_PEOPLE": "10000000",
            "HAVEN_EXPECTED_PEOPLE": str(max(cases, 100)),
            "DJANGO_SETTINGS_MODULE": "haven.settings",
            "PYTHONPATH": str(HERE.parent),
        }
    )
    if admin_url:
        db_name = f"haven_load_{uuid.uuid4().hex[:10]}"
        _pg_admin(admin_url, f'CREATE DATABASE "{db_name}"')
        env["DATABASE_URL"] = _with_database(admin_url, db_name)
    os.environ.update(env)
    server: Server | None = None
    try:
        started = time.perf_counter()
        built = build(cases, args.seed)
        print(
            f"built {cases} cases on {built['vendor']} in {time.perf_counter() - started:.0f} s", flush=True
        )
        server = Server(env, _free_port(), data_dir / "server.log")
        server.wait_ready()
        cookies = sign_in(server.port, built["totp_key"])
        codes: list[str] = built["codes"]
        mixed, errors, elapsed = drive(server.port, cookies, codes, args.users, seconds, bare=False)
        bare, bare_errors, bare_elapsed = drive(server.port, cookies, codes, args.users, seconds, bare=True)
        peak_mb = round(server.peak_rss_kb / 1024, 1)
    finally:
        if server is not None:
            server.stop()
        if db_name:
            _pg_admin(admin_url, f'DROP DATABASE IF EXISTS "{db_name}" WITH (FORCE)')
        shutil.rmtree(data_dir, ignore_errors=True)
    bare_row = summary(bare.get("bare", []), bare_elapsed)
    operations = {op: summary(mixed.get(op, []), elapsed) for op in WEIGHTS}
    all_ops = summary([t for op in WEIGHTS for t in mixed.get(op, [])], elapsed)
    report = {
        "database": built["vendor"],
        "cases": cases,
        "users": args.users,
        "seconds_per_phase": seconds,
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "server": "haven serve (gunicorn gthread), 2 workers x 8 threads, HAVEN_ENV=local",
        "server_peak_rss_mb": peak_mb,
        "weights": WEIGHTS,
        "operations": operations,
        "all_operations": all_ops,
        "bare_view": bare_row,
        "throughput_ratio_to_bare": round(all_ops["per_second"] / max(bare_row["per_second"], 0.1), 3),
        "errors": {**errors, **{f"bare {k}": v for k, v in bare_errors.items()}},
        "error_count": sum(errors.values()) + sum(bare_errors.values()),
    }
    name = (
        "load"
        + ("" if built["vendor"] == "sqlite" else f"_{built['vendor']}")
        + ("_quick" if args.quick else "")
    )
    out = RESULTS.with_name(f"{name}.json")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(f"{cases} cases on {report['database']}, {args.users} users, {seconds:.0f} s per phase")
    print(f"{'operation':<12}{'count':>8}{'per s':>8}{'median':>9}{'p95':>9}")
    for op, row in [*operations.items(), ("all", all_ops), ("bare view", bare_row)]:
        print(f"{op:<12}{row['count']:>8}{row['per_second']:>8}{row['median_ms']!s:>9}{row['p95_ms']!s:>9}")
    ratio, errors_count = report["throughput_ratio_to_bare"], report["error_count"]
    print(f"throughput ratio to the bare view {ratio}, errors {errors_count}")
    print(f"server peak memory {peak_mb} MB; written to {out}")


if __name__ == "__main__":
    main()
