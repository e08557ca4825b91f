"""Import under load: does the service keep answering while `haven import_people` runs?

    .venv/bin/python bench/import_load_bench.py            # 20 000 people
    .venv/bin/python bench/import_load_bench.py --quick    # 2 000 people (smoke run)

A fresh `haven init --demo` in a temporary folder, served by `haven serve` (gunicorn, SQLite in WAL mode),
as `make run` has it. A client reads one case through the API (`GET /api/v1/cases/{code}`, an audited read)
every 200 ms, first for 10 s with nothing else running (baseline), then during an import of N synthetic
people. Reports the answers' statuses and latencies (p50, p95, max) in both phases and the import's time.
Target: only 200s during the import and p95 under 1 s. Writes bench/results/import_load.json.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.cases.import_under_load import (  # noqa: E402
    READ_EVERY,
    Reads,
    api_get,
    import_while_reading,
    served_site,
    write_people,
)

RESULTS = ROOT / "bench" / "results" / "import_load.json"
BASELINE_SECONDS = 10.0


def figures(reads: Reads) -> dict[str, object]:
    return {
        "reads": len(reads.seconds),
        "statuses": {str(s): reads.statuses.count(s) for s in sorted(set(reads.statuses))},
        "p50_ms": round(statistics.median(reads.seconds) * 1000, 1) if reads.seconds else None,
        "p95_ms": round(reads.p(0.95) * 1000, 1),
        "max_ms": round(max(reads.seconds, default=0.0) * 1000, 1),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--rows", type=int, default=None)
    args = parser.parse_args()
    rows = args.rows or (2_000 if args.quick else 20_000)
    with tempfile.TemporaryDirectory(prefix="haven-import-load-") as tmp:
        work = Path(tmp)
        csv_path = write_people(work / "people.csv", rows)
        with served_site(work / "site") as site:
            baseline = Reads()
            deadline = time.monotonic() + BASELINE_SECONDS
            while time.monotonic() < deadline:
                status, _body, seconds = api_get(site, f"/cases/{site.code}")
                baseline.statuses.append(status)
                baseline.seconds.append(seconds)
                threading.Event().wait(max(0.0, READ_EVERY - seconds))
            during = import_while_reading(site, csv_path)
            log = (site.workdir / "serve.log").read_text(errors="replace")
    result = {
        "rows": rows,
        "read_every_ms": READ_EVERY * 1000,
        "import_exit_code": during.import_code,
        "import_seconds": round(during.import_seconds, 2),
        "baseline": figures(baseline),
        "during_import": figures(during),
        "server_log_operational_errors": log.count("OperationalError"),
        "target": "only 200s during the import, p95 under 1000 ms",
        "met": set(during.statuses) == {200} and during.p(0.95) < 1.0 and during.import_code == 0,
        "machine": {"python": platform.python_version(), "platform": platform.platform()},
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))
    return 0 if result["met"] else 1


if __name__ == "__main__":
    sys.exit(main())
