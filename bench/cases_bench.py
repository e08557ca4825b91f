"""Case list and case detail against a bare Django view, served by `haven serve` (gunicorn) in one run.

    .venv/bin/python bench/cases_bench.py                 # 100 000 cases, SQLite
    .venv/bin/python bench/cases_bench.py --quick         # 5 000 cases, fewer requests (smoke run)
    DATABASE_URL=postgres://user@127.0.0.1:5432/postgres .venv/bin/python bench/cases_bench.py

What it does, all on 127.0.0.1 and all bounded (request counts and a time cap per measure):

1. Builds N synthetic cases (obviously fake values, sealed by the vault under one data key per person, in
   batches) in a fresh temporary data dir. SQLite by default; with DATABASE_URL it creates its own
   database on that server, and drops it at the end.
2. Starts `haven serve --workers 2 --threads 8` as a subprocess on a free port, with HAVEN_ENV=local and
   HAVEN_BENCH=1 (which mounts the bare view `/cases/bench/bare/`: same middleware, a tiny page).
3. Signs in a case manager the way a browser does (password, then a TOTP code) and reuses the session.
4. For each target, 16 client threads, each on its own keep-alive connection, send a bounded number of
   requests: the bare view, the case list (first page, filtered by status) and the case detail (an audited
   read that decrypts the person's summary fields). Latency (median, p95) is measured under that load;
   throughput is requests per second over the whole measure, and given as a ratio to the bare view. The
   targets are interleaved over several rounds, so that other load on the machine hits all of them alike;
   the server's CPU time per request (from /proc) is reported too, being the figure least disturbed by
   such load. A single-client pass in each round gives the unloaded latency.
5. Reports the server's peak RSS (master and workers), writes bench/results/cases.json, prints a table.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import random
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[1]
HAVEN = ROOT / ".venv" / "bin" / "haven"
RESULTS = ROOT / "bench" / "results" / "cases.json"
HOST = "127.0.0.1"
CLIENTS = 16
EMAIL = "bench-case-manager@example.test"
PASSWORD = "bench password only for synthetic data 1234"  # noqa: S105 (synthetic bench account)
TEAMS = 8
BATCH = 2_000
STATUSES = ("Active",) * 6 + ("FollowUp",) * 2 + ("Closed", "ClosedReferred")
STAGES = ("screening", "assessment", "support", "follow_up")
_CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


# -- set-up ------------------------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def _with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, parts.fragment))


def _pg_admin(url: str, sql: str) -> None:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(sql)


def build(cases: int, seed: int) -> dict[str, Any]:
    """Create the schema, the bench accounts and `cases` synthetic cases; returns what the clients need."""
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection, transaction
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from haven.accounts import services as accounts
    from haven.accounts.permissions import Role
    from haven.cases.models import Case, CaseSequence, Person
    from haven.core import setup
    from haven.vault import crypto
    from haven.vault import integration as vault

    data_dir = Path(settings.DATA_DIR)
    setup.ensure_data_dir(data_dir)
    setup.ensure_keys(data_dir)
    call_command("migrate", interactive=False, verbosity=0)
    org = accounts.organisation_create(
        actor=None, name="Bench Society", team_names=[f"Bench Team {i}" for i in range(TEAMS)]
    )
    teams = list(org.teams.order_by("pk"))
    manager = accounts.user_create(
        actor=None, email=EMAIL, password=PASSWORD, role=Role.CASE_MANAGER, team=teams[0]
    )
    device = TOTPDevice.objects.create(user=manager, name="bench", confirmed=True)

    rng = random.Random(seed)
    now = datetime.now(UTC)
    year = now.year
    person_table = Person._meta.db_table
    made = 0
    home_codes: list[str] = []
    while made < cases:
        size = min(BATCH, cases - made)
        # The key store hands back each new key with its id: no unwrap needed to seal the new fields.
        keys = vault.keystore().create_data_keys(size)
        people: list[Person] = []
        for i, (key_id, key) in enumerate(keys):
            n = made + i
            person = Person(key_id=key_id, uid=uuid.uuid4(), age_established_adult=n % 5 != 0)
            values = {
                "name": f"Test Person {n:06d}",
                "aliases": f"Test Alias {n:06d}",
                "date_of_birth": f"19{80 + n % 20}-0{1 + n % 9}-1{n % 10}",
                "phone": f"+000 555 {n:07d}",
                "safe_contact": "Test: only by phone, never leave a message",
                "location": "Test Town Bravo",
            }
            row = str(person.uid)
            sealer = crypto.Sealer(key)
            for column, value in values.items():
                setattr(
                    person, column, sealer.seal(value.encode(), crypto.aad_for(person_table, column, row))
                )
            people.append(person)
        batch: list[Case] = []
        for i, person in enumerate(people):
            n = made + i
            team = teams[n % TEAMS]
            created = now - timedelta(days=rng.uniform(1, 900))
            updated = created + (now - created) * rng.random()
            # The manager runs about half of the home team's cases, and a few elsewhere.
            managed = (team == teams[0] and rng.random() < 0.5) or rng.random() < 0.01
            batch.append(
                Case(
                    code=f"HV-{year}-{n + 1:05d}",
                    person=person,
                    team=team,
                    case_manager=manager if managed else None,
                    created_by=manager,
                    status=rng.choice(STATUSES),
                    stage=rng.choice(STAGES),
                    created_at=created,
                    updated_at=updated,
                )
            )
        with transaction.atomic():
            Person.objects.bulk_create(people)
            Case.objects.bulk_create(batch)
        home_codes += [case.code for case in batch if case.team == teams[0]]
        made += size
    CaseSequence.objects.update_or_create(year=year, defaults={"last": cases})
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    else:
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    vendor = connection.vendor
    connection.close()
    vault.reset()
    return {
        "vendor": vendor,
        "totp_key": bytes.fromhex(device.key),
        "codes": rng.sample(home_codes, min(2_000, len(home_codes))),
    }


# -- the server --------------------------------------------------------------------------------------------


class Server:
    """`haven serve` in a subprocess; stopped by its own process id."""

    def __init__(self, env: dict[str, str], port: int, log_path: Path) -> None:
        self.port = port
        self.log = log_path.open("wb")
        self.proc = subprocess.Popen(
            [str(HAVEN), "serve", "--port", str(port), "--workers", "2", "--threads", "8"],
            env=env,
            cwd=ROOT,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        self.peak_rss_kb = 0
        self._stop = threading.Event()
        self._sampler = threading.Thread(target=self._sample, daemon=True)

    def wait_ready(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"haven serve exited with {self.proc.returncode}; see {self.log.name}")
            try:
                conn = http.client.HTTPConnection(HOST, self.port, timeout=2)
                conn.request("GET", "/health")
                if conn.getresponse().status == 200:
                    conn.close()
                    self._sampler.start()
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError("haven serve did not answer within the time allowed")

    def pids(self) -> list[int]:
        pids = [self.proc.pid]
        try:
            children = Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children").read_text().split()
        except OSError:
            return pids
        return pids + [int(child) for child in children]

    @staticmethod
    def _status_kb(pid: int, field: str) -> int:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith(field + ":"):
                    return int(line.split()[1])
        except OSError:
            pass
        return 0

    def cpu_seconds(self) -> float:
        """User and system CPU time of the master and its workers so far."""
        total = 0
        for pid in self.pids():
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            total += int(fields[11]) + int(fields[12])  # utime and stime, in clock ticks
        return total / os.sysconf("SC_CLK_TCK")

    def rss_kb(self) -> int:
        return sum(self._status_kb(pid, "VmRSS") for pid in self.pids())

    def worker_peaks_kb(self) -> list[int]:
        return [self._status_kb(pid, "VmHWM") for pid in self.pids()[1:]]

    def _sample(self) -> None:
        while not self._stop.wait(0.1):
            self.peak_rss_kb = max(self.peak_rss_kb, self.rss_kb())

    def stop(self) -> None:
        self._stop.set()
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        self.log.close()


# -- the clients -------------------------------------------------------------------------------------------


class Session:
    """A keep-alive HTTP connection carrying the signed-in session's cookies."""

    def __init__(self, port: int, cookies: dict[str, str] | None = None) -> None:
        self.conn = http.client.HTTPConnection(HOST, port, timeout=30)
        self.cookies = dict(cookies or {})

    def request(self, method: str, path: str, form: dict[str, str] | None = None) -> tuple[int, str, str]:
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        body = None
        if form is not None:
            body = urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        self.conn.request(method, path, body=body, headers=headers)
        response = self.conn.getresponse()
        data = response.read()
        for header in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                self.cookies[name] = morsel.value
        return response.status, response.headers.get("Location", ""), data.decode("utf-8", "replace")

    def close(self) -> None:
        self.conn.close()


def sign_in(port: int, totp_key: bytes) -> dict[str, str]:
    """Password, then the current TOTP code, as a browser would; returns the session's cookies."""
    from django_otp.oath import totp

    session = Session(port)
    status, _, page = session.request("GET", "/accounts/login/")
    token = _CSRF_INPUT.search(page)
    assert status == 200 and token, status
    status, location, _ = session.request(
        "POST",
        "/accounts/login/",
        {"csrfmiddlewaretoken": token.group(1), "email": EMAIL, "password": PASSWORD, "next": "/cases/"},
    )
    assert status == 302 and location.startswith("/accounts/mfa/"), (status, location)
    status, _, page = session.request("GET", location)
    token = _CSRF_INPUT.search(page)
    assert status == 200 and token, status
    code = f"{totp(totp_key):06d}"
    status, location, _ = session.request(
        "POST", location, {"csrfmiddlewaretoken": token.group(1), "code": code}
    )
    assert status == 302 and not location.startswith("/accounts/"), (status, location)
    status, _, _ = session.request("GET", "/cases/")
    assert status == 200, status
    session.close()
    return session.cookies


@dataclass
class Sample:
    """Latencies (ms), wall time and server CPU time of one target, summed over the rounds."""

    times: list[float] = field(default_factory=list)
    elapsed: float = 0.0
    server_cpu: float = 0.0

    def summary(self) -> dict[str, Any]:
        times = sorted(self.times)
        return {
            "requests": len(times),
            "median_ms": round(statistics.median(times), 2),
            "p95_ms": round(times[max(0, int(len(times) * 0.95) - 1)], 2),
            "throughput_rps": round(len(times) / self.elapsed, 1),
            "server_cpu_ms_per_request": round(self.server_cpu * 1000 / len(times), 2),
        }


def measure(
    server: Server,
    cookies: dict[str, str],
    paths: Callable[[int, int], str],
    into: Sample,
    *,
    clients: int,
    per_client: int,
    cap: float,
) -> None:
    """`clients` threads, `per_client` requests each (or until `cap` seconds), one connection each."""
    latencies: list[list[float]] = [[] for _ in range(clients)]
    errors: list[str] = []
    deadline = time.monotonic() + cap
    barrier = threading.Barrier(clients + 1)

    def work(n: int) -> None:
        session = Session(server.port, cookies)
        try:
            barrier.wait()
            for i in range(per_client):
                if time.monotonic() > deadline:
                    break
                started = time.perf_counter()
                status, _, _ = session.request("GET", paths(n, i))
                latencies[n].append((time.perf_counter() - started) * 1000)
                if status != 200:
                    errors.append(f"{status} {paths(n, i)}")
                    break
        except (OSError, http.client.HTTPException) as exc:
            errors.append(repr(exc))
        finally:
            session.close()

    threads = [threading.Thread(target=work, args=(n,)) for n in range(clients)]
    for thread in threads:
        thread.start()
    cpu_before = server.cpu_seconds()
    barrier.wait()
    started = time.perf_counter()
    for thread in threads:
        thread.join()
    into.elapsed += time.perf_counter() - started
    into.server_cpu += server.cpu_seconds() - cpu_before
    if errors:
        raise RuntimeError(f"requests failed: {errors[:3]}")
    into.times += [t for per in latencies for t in per]


# -- the run -----------------------------------------------------------------------------------------------


def run(args: argparse.Namespace) -> dict[str, Any]:
    data_dir = Path(tempfile.mkdtemp(prefix="haven-cases-bench-"))
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
            "HAVEN_EXPECTED_PEOPLE": str(max(args.cases, 100)),
            "DJANGO_SETTINGS_MODULE": "haven.settings",
            "PYTHONPATH": str(ROOT),  # the server runs this checkout's code
        }
    )
    env.pop("HAVEN_DEBUG", None)
    if admin_url:
        db_name = f"haven_bench_{uuid.uuid4().hex[:10]}"
        _pg_admin(admin_url, f'CREATE DATABASE "{db_name}"')
        env["DATABASE_URL"] = _with_database(admin_url, db_name)
    os.environ.update(env)
    server: Server | None = None
    try:
        started = time.perf_counter()
        built = build(args.cases, args.seed)
        build_s = round(time.perf_counter() - started, 1)
        print(f"built {args.cases} cases on {built['vendor']} in {build_s} s", flush=True)
        server = Server(env, _free_port(), data_dir / "server.log")
        server.wait_ready()
        cookies = sign_in(server.port, built["totp_key"])
        codes: list[str] = built["codes"]
        targets: dict[str, Callable[[int, int], str]] = {
            "bare_view": lambda n, i: "/cases/bench/bare/",
            "case_list_first_page_filtered": lambda n, i: "/cases/?status=Active",
            "case_detail_decrypting": lambda n, i: f"/cases/{codes[(n * 131 + i) % len(codes)]}/",
        }
        for path_of in targets.values():  # warm every worker's caches and connections
            measure(server, cookies, path_of, Sample(), clients=4, per_client=5, cap=30)
        # Rounds interleave the targets, so a burst of other load on the machine hits all of them alike.
        loaded = {name: Sample() for name in targets}
        single = {name: Sample() for name in targets}
        per_round, cap = max(1, args.requests // args.rounds), args.cap / args.rounds
        for round_no in range(args.rounds):
            for name, path_of in targets.items():
                for into, clients in ((loaded[name], CLIENTS), (single[name], 1)):
                    measure(server, cookies, path_of, into, clients=clients, per_client=per_round, cap=cap)
            print(f"  round {round_no + 1}/{args.rounds} done", flush=True)
        results: dict[str, dict[str, Any]] = {}
        for name in targets:
            one = single[name].summary()
            results[name] = {
                **loaded[name].summary(),
                "single_client_median_ms": one["median_ms"],
                "single_client_p95_ms": one["p95_ms"],
            }
        bare = results["bare_view"]["throughput_rps"]
        for name in ("case_list_first_page_filtered", "case_detail_decrypting"):
            results[name]["throughput_ratio_to_bare"] = round(results[name]["throughput_rps"] / bare, 3)
            bare_cpu = results["bare_view"]["server_cpu_ms_per_request"]
            cpu = results[name]["server_cpu_ms_per_request"]
            results[name]["cpu_ratio_to_bare"] = round(bare_cpu / cpu, 3)
        peak_rss_mb = round(server.peak_rss_kb / 1024, 1)
        worker_peaks_mb = [round(kb / 1024, 1) for kb in server.worker_peaks_kb()]
    finally:
        if server is not None:
            server.stop()
        if db_name and not args.keep:
            _pg_admin(admin_url, f'DROP DATABASE IF EXISTS "{db_name}" WITH (FORCE)')
        if args.keep:
            print(f"data kept in {data_dir}" + (f" and database {db_name}" if db_name else ""))
        else:
            shutil.rmtree(data_dir, ignore_errors=True)
    detail = results["case_detail_decrypting"]
    return {
        "database": built["vendor"],
        "cases": args.cases,
        "quick": args.quick,
        "build_seconds": build_s,
        "server": "haven serve (gunicorn gthread), 2 workers x 8 threads, HAVEN_ENV=local",
        "clients": CLIENTS,
        "requests_per_client": args.requests,
        "rounds": args.rounds,
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "server_peak_rss_mb": peak_rss_mb,
        "worker_peak_rss_mb": worker_peaks_mb,
        "results": results,
        "targets": {
            "detail_throughput_ratio_at_least_0.4": detail["throughput_ratio_to_bare"] >= 0.4,
            "detail_p95_under_50ms_at_16_clients": detail["p95_ms"] < 50,
            "detail_p95_under_50ms_single_client": detail["single_client_p95_ms"] < 50,
        },
    }


def table(report: dict[str, Any]) -> str:
    """The results as a plain-text table."""
    lines = [
        f"{report['cases']} cases on {report['database']}, {report['clients']} clients, "
        f"{report['rounds']} rounds, server peak RSS {report['server_peak_rss_mb']} MB",
        f"{'target':<31}{'median':>8}{'p95':>8}{'req/s':>8}{'x bare':>8}{'cpu/req':>9}{'x bare':>8}"
        f"{'1-client median/p95':>21}",
    ]
    for name, row in report["results"].items():
        lines.append(
            f"{name:<31}{row['median_ms']:>8}{row['p95_ms']:>8}{row['throughput_rps']:>8}"
            f"{row.get('throughput_ratio_to_bare', 1.0):>8}{row['server_cpu_ms_per_request']:>9}"
            f"{row.get('cpu_ratio_to_bare', 1.0):>8}"
            f"{row['single_client_median_ms']:>13} / {row['single_client_p95_ms']:<6}"
        )
    lines.append("(milliseconds; cpu/req is the server's CPU time per request, x bare its inverse ratio)")
    return "\n".join(lines)


def main() -> None:
    """Parse the options, run the benchmark, write the JSON and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--cases", type=int, default=None, help="synthetic cases (default 100000)")
    parser.add_argument("--quick", action="store_true", help="5000 cases and fewer requests (smoke run)")
    parser.add_argument("--requests", type=int, default=None, help="requests per client (default 200)")
    parser.add_argument("--cap", type=float, default=60.0, help="seconds at most per measure")
    parser.add_argument("--rounds", type=int, default=None, help="interleaved rounds (default 4)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--keep", action="store_true", help="keep the temporary data dir (and database)")
    parser.add_argument("--out", type=Path, default=None, help="JSON file (default bench/results/)")
    args = parser.parse_args()
    if args.cases is None:
        args.cases = 5_000 if args.quick else 100_000
    if args.requests is None:
        args.requests = 40 if args.quick else 200
    if args.rounds is None:
        args.rounds = 2 if args.quick else 4
    sys.path.insert(0, str(ROOT))
    report = run(args)
    if args.out is None:
        # A quick run never overwrites the full figures.
        name = "cases" if report["database"] == "sqlite" else "cases_postgresql"
        args.out = RESULTS.with_name(f"{name}{'_quick' if args.quick else ''}.json")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(table(report))
    print(f"written to {args.out}")


if __name__ == "__main__":
    main()
