"""Import benchmark: what encryption costs on Haven's real bulk import path (`haven import_people`).

    .venv/bin/python bench/import_bench.py                # 100 000 people
    .venv/bin/python bench/import_bench.py --quick        # 5 000 people (smoke run)

One CSV file of N synthetic, obviously fake people (10 identifying fields of realistic sizes plus coded
fields) is imported twice, each time by a fresh process into a fresh data dir and a fresh SQLite file on disk
(HAVEN_ENV=test, migrations run first), through the same code: CSV reading, `people_import`'s validation,
bulk_create of the same columns, case codes, stage records and the audit entry.

* encrypted: the product path: one data key per person created in bulk in the key store, one unwrap per
  person, 10 AES-256-GCM seals bound to table/column/row, three blind indexes (keyed HMAC);
* plaintext: the same path with encryption switched off: the UTF-8 bytes are stored instead of ciphertext,
  no key is created (a random UUID fills the key id column), no blind index is computed. This variant
  exists only here (`PlaintextProtector`), never in the product.

The ratio encrypted / plaintext is the encryption overhead of the import (target <= 2x). Then, in the
encrypted database, 1 000 random persons are fetched and their 10 fields opened with one key unwrap each
(`sealing.PersonOpener`, as pages do; target <= 1 ms per record). Peak memory: each variant's process peak
RSS, and tracemalloc's peak during the import in a separate process per variant (tracemalloc slows Python
down, so it never runs during a timed import). For context only, the raw-sqlite3 ratio of
bench/vault_bench.py (a synthetic path with no Django, no validation and no case rows) is copied from its
last result file. Writes bench/results/import.json.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results" / "import.json"
VAULT_RESULTS = ROOT / "bench" / "results" / "vault.json"
EMAIL = "bench-import-manager@example.test"
TEAM = "Bench Team"
OPEN_SAMPLE = 1_000
# The 10 identifying or sensitive fields of a typical record, then the coded ones.
SEALED = (
    "name",
    "aliases",
    "date_of_birth",
    "phone",
    "contact",
    "safe_contact",
    "document_number",
    "location",
    "health",
    "perpetrator",
)
CODED = (
    "gender",
    "languages",
    "citizenship",
    "legal_status",
    "age_method",
    "stated_age",
    "age_established_adult",
)
WORDS = "test person alpha bravo charlie delta echo foxtrot golf hotel india juliet kilo lima".split()
GENDERS = ("Feminine", "Masculine", "NonConforming", "NonSpecifiedUnknown")


def person_row(rng: random.Random, i: int) -> list[str]:
    """One synthetic, obviously fake person; sizes modelled on a real case record (~1 KB of text)."""

    def text(n_words: int) -> str:
        return " ".join(rng.choice(WORDS) for _ in range(n_words))

    born = 1960 + rng.randrange(45)
    adult = rng.random() < 0.8
    return [
        f"Test Person {i:06d} {rng.choice(WORDS).title()}",
        f"Test Alias {rng.choice(WORDS).title()}",
        f"{born}-{rng.randrange(1, 13):02d}-{rng.randrange(1, 29):02d}",
        f"+000 555 {rng.randrange(10**7):07d}",
        f"{rng.randrange(1, 200)} Example Street, Test City {rng.randrange(10**4):04d}, Testland",
        "Test: only by phone in the morning, never leave a message",
        f"TEST-{rng.randrange(10**8):08d}",
        f"Test Town {rng.choice(WORDS).title()}, Test Region",
        text(35),  # ~200 characters
        text(55),  # ~300 characters
        rng.choice(GENDERS),
        rng.choice(["en", "fr ar", "ro en", "vi", "ti ar en"]),
        rng.choice(["RO", "FR", "NG", "VN", "ER", "ZZ"]),
        rng.choice(["unknown", "residence_permit", "undocumented", "asylum_seeker"]),
        "document" if adult else "appearance",
        str(2026 - born) if adult else "",
        "yes" if adult else "no",
    ]


def write_csv(path: Path, n: int, seed: int) -> None:
    rng = random.Random(seed)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, delimiter=";")
        writer.writerow([*SEALED, *CODED])
        for i in range(n):
            writer.writerow(person_row(rng, i))


# -- the child process: one variant, one fresh data dir ------------------------------------------------


class PlaintextProtector:
    """Encryption switched off, for the baseline only: the UTF-8 bytes go where the ciphertext would."""

    def protect(self, batch: Sequence[tuple[Any, dict[str, str]]]) -> None:
        for person, texts in batch:
            person.key_id = str(uuid.uuid4())  # the column is unique and required; no key behind it
            for column, text in texts.items():
                setattr(person, column, text.encode("utf-8"))


def _rss_kb() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def child(variant: str, csv_path: Path, data_dir: Path, trace: bool, open_sample: int) -> dict[str, Any]:
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

    from haven.accounts import services as accounts
    from haven.accounts.permissions import Role
    from haven.cases.importer import people_import
    from haven.cases.models import Person
    from haven.cases.sealing import PersonOpener
    from haven.core import setup

    setup.ensure_data_dir(data_dir)
    setup.ensure_keys(data_dir)
    call_command("migrate", interactive=False, verbosity=0)
    org = accounts.organisation_create(actor=None, name="Bench Society", team_names=[TEAM])
    team = org.teams.get()
    manager = accounts.user_create(
        actor=None,
        email=EMAIL,
        password="bench password only for synthetic data 1234",  # noqa: S106 (synthetic bench account)
        role=Role.CASE_MANAGER,
        team=team,
    )
    protector = PlaintextProtector() if variant == "plaintext" else None
    rss_before_kb = _rss_kb()
    if trace:
        tracemalloc.start()
    cpu_before = resource.getrusage(resource.RUSAGE_SELF)
    started = time.perf_counter()
    with csv_path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle, delimiter=";")
        report = people_import(
            actor=manager, team=team, rows=reader, columns=reader.fieldnames or [], protector=protector
        )
    seconds = time.perf_counter() - started
    cpu_after = resource.getrusage(resource.RUSAGE_SELF)
    cpu_s = (cpu_after.ru_utime - cpu_before.ru_utime) + (cpu_after.ru_stime - cpu_before.ru_stime)
    result: dict[str, Any] = {"variant": variant}
    if trace:
        result["tracemalloc_peak_mb"] = round(tracemalloc.get_traced_memory()[1] / 2**20, 1)
        tracemalloc.stop()
        return result
    assert report.ok and report.created == report.rows, report.problems[:5]
    result.update(
        {
            "rows": report.rows,
            "created": report.created,
            "seconds": round(seconds, 3),
            "cpu_s": round(cpu_s, 3),
            "phases_s": {name: round(value, 3) for name, value in report.phases.items()},
            "rss_before_import_mb": round(rss_before_kb / 1024, 1),
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
            "db_bytes": sum(p.stat().st_size for p in data_dir.glob("haven.sqlite3*")),
        }
    )
    if variant == "encrypted":
        result["open"] = measure_open(Person, PersonOpener, csv_path, open_sample, report.rows)
    connection.close()
    return result


def measure_open(person_model: Any, opener: Any, csv_path: Path, sample: int, rows: int) -> dict[str, Any]:
    """Fetch `sample` random persons and open their 10 fields with one key unwrap each."""
    with csv_path.open(encoding="utf-8", newline="") as handle:
        expected = [row["name"] for row in csv.DictReader(handle, delimiter=";")]
    first_pk = person_model.objects.order_by("pk").values_list("pk", flat=True)[0]
    picks = random.Random(5).sample(range(rows), min(sample, rows))
    fetch_s = open_s = 0.0
    per_record: list[float] = []
    for index in picks:
        t0 = time.perf_counter()
        person = person_model.objects.get(pk=first_pk + index)
        t1 = time.perf_counter()
        values = opener(person.key_id).open_many(person, SEALED)
        t2 = time.perf_counter()
        assert values["name"].value == expected[index], "opened a different person's name"
        assert not any(v.problem for v in values.values())
        fetch_s, open_s = fetch_s + t1 - t0, open_s + t2 - t1
        per_record.append((t2 - t0) * 1e3)
    n = len(picks)
    per_record.sort()
    return {
        "sample": n,
        "fields": len(SEALED),
        "ms_per_record_unwrap_and_open": round(open_s / n * 1e3, 3),
        "ms_per_record_fetch_unwrap_open": round((fetch_s + open_s) / n * 1e3, 3),
        "p95_ms_fetch_unwrap_open": round(per_record[int(n * 0.95) - 1], 3),
    }


# -- the parent: data, both variants, the summary ---------------------------------------------------------


def run_child(variant: str, csv_path: Path, work: Path, *, trace: bool, open_sample: int) -> dict[str, Any]:
    data_dir = Path(tempfile.mkdtemp(prefix=f"{variant}-", dir=work))
    args = [sys.executable, __file__, "--child", variant, "--csv", str(csv_path), "--data-dir", str(data_dir)]
    args += ["--open-sample", str(open_sample)] + (["--trace"] if trace else [])
    done = subprocess.run(args, cwd=ROOT, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"{variant} run failed:\n{done.stderr[-4000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def raw_sqlite_context() -> dict[str, Any] | None:
    try:
        vault = json.loads(VAULT_RESULTS.read_text())
        bulk = vault["bulk"]
        return {
            "source": "bench/results/vault.json (last run of bench/vault_bench.py, not this run)",
            "people": vault["people"],
            "ratio_raw_sqlite_encrypted_to_plaintext": bulk["ratio_encrypted_to_plaintext"],
        }
    except (OSError, KeyError, ValueError):
        return None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=100_000)
    parser.add_argument("--quick", action="store_true", help="5 000 people")
    parser.add_argument("--repeat", type=int, default=1, help="runs of each variant (median reported)")
    parser.add_argument("--open-sample", type=int, default=OPEN_SAMPLE)
    parser.add_argument("--no-trace", action="store_true", help="skip the tracemalloc runs")
    parser.add_argument(
        "--trace-people", type=int, default=None, help="people in the tracemalloc runs (default: --people)"
    )
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument("--child", choices=("plaintext", "encrypted"), help=argparse.SUPPRESS)
    parser.add_argument("--csv", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--data-dir", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--trace", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child, args.csv, args.data_dir, args.trace, args.open_sample)))
        return
    n = 5_000 if args.quick else args.people

    with tempfile.TemporaryDirectory(prefix="haven-import-bench-") as tmp:
        work = Path(tmp)
        csv_path = work / "people.csv"
        write_csv(csv_path, n, seed=11)
        runs: dict[str, list[dict[str, Any]]] = {"plaintext": [], "encrypted": []}
        for _ in range(args.repeat):
            # Alternated, so that drift in the machine's load hits both variants alike.
            for variant in ("plaintext", "encrypted"):
                runs[variant].append(
                    run_child(variant, csv_path, work, trace=False, open_sample=args.open_sample)
                )
                last = runs[variant][-1]
                print(
                    f"  {variant}: {last['seconds']} s wall, {last['cpu_s']} s CPU, "
                    f"phases {last['phases_s']}",
                    file=sys.stderr,
                    flush=True,
                )
        traced: dict[str, Any] = {}
        if not args.no_trace:
            trace_n = min(n, args.trace_people or n)
            trace_csv = csv_path
            if trace_n != n:
                trace_csv = work / "people-trace.csv"
                write_csv(trace_csv, trace_n, seed=11)
            traced["people"] = trace_n
            for variant in ("plaintext", "encrypted"):
                traced[variant] = run_child(variant, trace_csv, work, trace=True, open_sample=0)[
                    "tracemalloc_peak_mb"
                ]
        csv_bytes = csv_path.stat().st_size

    def median_run(variant: str) -> dict[str, Any]:
        ordered = sorted(runs[variant], key=lambda r: r["seconds"])
        return ordered[len(ordered) // 2]

    plain, enc = median_run("plaintext"), median_run("encrypted")
    ratio = enc["seconds"] / plain["seconds"]
    cpu_plain = statistics.median(r["cpu_s"] for r in runs["plaintext"])
    cpu_enc = statistics.median(r["cpu_s"] for r in runs["encrypted"])
    protect_s = statistics.median(r["phases_s"]["protect"] for r in runs["encrypted"])
    protect_plain_s = statistics.median(r["phases_s"]["protect"] for r in runs["plaintext"])
    codes_s = statistics.median(r["phases_s"]["case_codes"] for r in runs["encrypted"])
    codes_plain_s = statistics.median(r["phases_s"]["case_codes"] for r in runs["plaintext"])
    result = {
        "python": platform.python_version(),
        "machine": platform.machine(),
        "database": "SQLite file on disk (WAL, synchronous=NORMAL), fresh per variant",
        "people": n,
        "csv_bytes": csv_bytes,
        "sealed_fields_per_person": len(SEALED),
        "repeat": args.repeat,
        "import": {
            "baseline": (
                "same people_import path, encryption switched off (plaintext bytes, no keys, no blind index)"
            ),
            "plaintext_s": plain["seconds"],
            "encrypted_s": enc["seconds"],
            "ratio_encrypted_to_plaintext": round(ratio, 2),
            "plaintext_cpu_s": round(cpu_plain, 3),
            "encrypted_cpu_s": round(cpu_enc, 3),
            # CPU time of the importing process: the figure least disturbed by other load on the machine
            # (wall time also holds the disk writes, and any wait for the CPU).
            "ratio_encrypted_to_plaintext_cpu": round(cpu_enc / cpu_plain, 2),
            # The phases other than "protect" run the same code on the same rows in both variants; on a
            # loaded machine their times drift between runs. Adding only the measured difference of the
            # protect phase (keys, unwrap, seal, blind index) to the plaintext run isolates the encryption
            # (it leaves out the slightly larger rows and the blind-index values written: a lower bound).
            "protect_phase_s": {"plaintext": protect_plain_s, "encrypted": protect_s},
            "ratio_attributed_to_protect_phase": round(
                (plain["seconds"] + protect_s - protect_plain_s) / plain["seconds"], 2
            ),
            "target_ratio": 2.0,
            "encrypted_us_per_person": round(enc["seconds"] / n * 1e6, 1),
            "plaintext_phases_s": plain["phases_s"],
            "encrypted_phases_s": enc["phases_s"],
            "ratio_without_case_code_allocation": round(
                (enc["seconds"] - codes_s) / (plain["seconds"] - codes_plain_s), 2
            ),
            "all_runs_s": {v: [r["seconds"] for r in rs] for v, rs in runs.items()},
            "all_runs_cpu_s": {v: [r["cpu_s"] for r in rs] for v, rs in runs.items()},
            "load_average_at_end": list(os.getloadavg()),
            "plaintext_db_bytes": plain["db_bytes"],
            "encrypted_db_bytes": enc["db_bytes"],
        },
        "open": {**enc["open"], "target_ms": 1.0},
        "memory": {
            "plaintext_peak_rss_mb": plain["peak_rss_mb"],
            "encrypted_peak_rss_mb": enc["peak_rss_mb"],
            "rss_before_import_mb": {
                "plaintext": plain["rss_before_import_mb"],
                "encrypted": enc["rss_before_import_mb"],
            },
            "tracemalloc_peak_during_import_mb": traced or None,
        },
        "context_raw_sqlite": raw_sqlite_context(),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))
    print_summary(result)


def print_summary(result: dict[str, Any]) -> None:
    imp, opened, mem = result["import"], result["open"], result["memory"]
    lines = [
        f"Import of {result['people']} synthetic people through people_import "
        "(CSV read, validation, bulk writes):",
        f"  plaintext baseline (same path, encryption off): {imp['plaintext_s']:.2f} s",
        f"  encrypted (product path):                       {imp['encrypted_s']:.2f} s",
        f"  encryption overhead: {imp['ratio_encrypted_to_plaintext']:.2f}x wall time, "
        f"{imp['ratio_encrypted_to_plaintext_cpu']:.2f}x CPU time (target <= 2x); "
        f"{imp['ratio_without_case_code_allocation']:.2f}x wall leaving out case-code allocation in both",
        f"  protect phase (keys, unwrap, seal, blind index): {imp['protect_phase_s']['encrypted']:.2f} s "
        f"vs {imp['protect_phase_s']['plaintext']:.2f} s plaintext: "
        f"{imp['ratio_attributed_to_protect_phase']:.2f}x when only that phase's difference is counted",
        f"Open 10 fields with one key unwrap: {opened['ms_per_record_unwrap_and_open']:.3f} ms per record, "
        f"{opened['ms_per_record_fetch_unwrap_open']:.3f} ms with the row fetch (target <= 1 ms)",
        f"Peak RSS: plaintext {mem['plaintext_peak_rss_mb']} MB, encrypted {mem['encrypted_peak_rss_mb']} MB"
        f"; tracemalloc peak during import (MB): {mem['tracemalloc_peak_during_import_mb']}",
    ]
    context = result["context_raw_sqlite"]
    if context:
        lines.append(
            "Context, not this path: raw sqlite3 + AES-GCM vs raw sqlite3 plaintext (vault_bench, "
            f"{context['people']} people, no Django, no validation, no case rows): "
            f"{context['ratio_raw_sqlite_encrypted_to_plaintext']}x"
        )
    print("\n".join(lines), file=sys.stderr)


if __name__ == "__main__":
    main()
