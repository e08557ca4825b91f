"""An import while the service is in use, end to end: `haven init --demo`, `haven serve` (gunicorn, SQLite
in WAL mode, as `make run` has it) and `haven import_people` in processes of their own, while a client
reads a case through the API every 200 ms. Used by the slow tests (tests/cases/test_import_under_load.py)
and by the benchmark (bench/import_load_bench.py), which reports the readers' latencies.
"""

from __future__ import annotations

import csv
import json
import random
import signal
import sqlite3
import subprocess
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from tests.core.test_serve import HAVEN, demo_accounts, haven_env, haven_init_demo, serving

READ_EVERY = 0.2


@dataclass
class Site:
    """A served Haven in `workdir`: a case manager's token, their team and a case they may open."""

    workdir: Path
    base: str
    token: str
    email: str
    team: str
    code: str

    @property
    def database(self) -> Path:
        return self.workdir / "var" / "haven.sqlite3"

    @property
    def keystore(self) -> Path:
        return self.workdir / "var" / "keys" / "keystore.sqlite3"


def api_get(site: Site, path: str) -> tuple[int, bytes, float]:
    """GET an API path with the site's token: (status, body, seconds)."""
    request = urllib.request.Request(  # noqa: S310 (the scheme is the local server's http)
        f"{site.base}/api/v1{path}", headers={"Authorization": f"Bearer {site.token}"}
    )
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310
            return response.status, response.read(), time.perf_counter() - started
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read(), time.perf_counter() - started


def haven(workdir: Path, *args: str, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(HAVEN), *args], cwd=workdir, env=haven_env(), capture_output=True, text=True,
        timeout=timeout, check=False,
    )  # fmt: skip


@contextmanager
def served_site(workdir: Path) -> Iterator[Site]:
    workdir.mkdir(parents=True, exist_ok=True)
    accounts = demo_accounts(haven_init_demo(workdir))
    email = accounts["case_manager"].email
    made = haven(
        workdir, "token", "create", "--user", email, "--name", "load", "--scope", "cases.read", "--json"
    )
    assert made.returncode == 0, made.stderr
    token = json.loads(made.stdout)["token"]
    with serving(workdir) as base:
        site = Site(workdir, base, token, email, "", "")
        status, body, _ = api_get(site, "/me")
        assert status == 200, body
        site.team = json.loads(body)["team"]
        status, body, _ = api_get(site, "/cases")
        assert status == 200, body
        site.code = json.loads(body)["results"][0]["code"]
        yield site


def write_people(path: Path, rows: int, seed: int = 7) -> Path:
    """A CSV of `rows` synthetic, obviously fake people."""
    rng = random.Random(seed)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, delimiter=";")
        writer.writerow(["name", "date_of_birth", "phone", "document_number", "gender", "languages"])
        for i in range(rows):
            writer.writerow(
                [
                    f"Test Person Load {i:06d}",
                    f"{rng.randint(1950, 2005)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
                    f"+00 555 {i:07d}",
                    f"TEST-LOAD-{i:06d}",
                    rng.choice(["Feminine", "Masculine", "NonSpecifiedUnknown"]),
                    rng.choice(["en", "fr ro", "uk"]),
                ]
            )
    return path


@dataclass
class Reads:
    """What the reading client saw: each answer's status and seconds, and the import's own figures."""

    statuses: list[int] = field(default_factory=list)
    seconds: list[float] = field(default_factory=list)
    import_seconds: float = 0.0
    import_code: int | None = None
    import_output: str = ""

    def p(self, q: float) -> float:
        ordered = sorted(self.seconds)
        return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))] if ordered else 0.0


def import_while_reading(site: Site, csv_path: Path) -> Reads:
    """Run `haven import_people` while a client reads `site.code` every READ_EVERY seconds until it ends."""
    reads = Reads()
    stop = threading.Event()

    def reader() -> None:
        while not stop.is_set():
            status, _body, seconds = api_get(site, f"/cases/{site.code}")
            reads.statuses.append(status)
            reads.seconds.append(seconds)
            stop.wait(max(0.0, READ_EVERY - seconds))

    thread = threading.Thread(target=reader)
    thread.start()
    started = time.perf_counter()
    try:
        done = haven(
            site.workdir, "import_people", str(csv_path), "--team", site.team, "--actor", site.email, "--json"
        )
    finally:
        reads.import_seconds = time.perf_counter() - started
        stop.set()
        thread.join()
    reads.import_code = done.returncode
    reads.import_output = done.stdout + done.stderr
    return reads


def import_killed_after(site: Site, csv_path: Path, seconds: float) -> tuple[int, str]:
    """Start an import and kill -9 it after `seconds`; returns its exit code (-9: really cut short) and
    what it printed."""
    output = site.workdir / "import.log"
    with output.open("wb") as log:
        process = subprocess.Popen(
            [str(HAVEN), "import_people", str(csv_path), "--team", site.team, "--actor", site.email],
            cwd=site.workdir, env=haven_env(), stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        time.sleep(seconds)
        process.send_signal(signal.SIGKILL)
        code = process.wait(timeout=60)
    return code, output.read_text(errors="replace")


def counts(site: Site) -> dict[str, int]:
    """Rows as an operator counts them in the files: shown cases, staged cases, people, data keys."""
    with sqlite3.connect(site.database) as db:
        shown = db.execute("SELECT count(*) FROM cases_case WHERE staged_import IS NULL").fetchone()[0]
        staged = db.execute("SELECT count(*) FROM cases_case WHERE staged_import IS NOT NULL").fetchone()[0]
        people = db.execute("SELECT count(*) FROM cases_person").fetchone()[0]
        people_shown = db.execute(
            "SELECT count(DISTINCT person_id) FROM cases_case WHERE staged_import IS NULL"
        ).fetchone()[0]
        person_keys = {row[0] for row in db.execute("SELECT key_id FROM cases_person")}
    with sqlite3.connect(site.keystore) as store:
        data_keys = {row[0] for row in store.execute("SELECT key_id FROM wrapped_keys WHERE kind = 'data'")}
    return {
        "shown": shown,
        "staged": staged,
        "people": people,
        "people_shown": people_shown,
        "data_keys": len(data_keys),
        "keys_without_person": len(data_keys - person_keys),
        "people_without_key": len(person_keys - data_keys),
    }
