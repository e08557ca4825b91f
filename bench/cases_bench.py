"""Case list and case detail against a bare Django view, in one run.

    HAVEN_BENCH_CASES=100000 .venv/bin/python bench/cases_bench.py   # JSON to bench/results/cases.json

Builds N synthetic cases (obviously fake values) in a fresh data dir on SQLite (or DATABASE_URL when set),
then measures, in-process through Django's full middleware stack with a signed-in, MFA-verified session:
the case list (first page, filtered by status) and the case detail (an audited read that decrypts the
summary fields), against `/health` (the bare view: one query, no template). Latency is median and p95 of
sequential requests; throughput runs 16 client threads. Simplification: no gunicorn in this version.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HAVEN_ENV", "test")
os.environ.setdefault("HAVEN_DATA_DIR", tempfile.mkdtemp(prefix="haven-bench-"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "haven.settings")
os.environ.setdefault("HAVEN_LOG_LEVEL", "WARNING")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django_otp.plugins.otp_totp.models import TOTPDevice  # noqa: E402

from haven.accounts import services as accounts  # noqa: E402
from haven.accounts.permissions import Role  # noqa: E402
from haven.cases import services  # noqa: E402
from haven.cases.models import Case, CaseSequence, Person  # noqa: E402
from haven.cases.sealing import seal  # noqa: E402
from haven.vault import integration as vault  # noqa: E402

N = int(os.environ.get("HAVEN_BENCH_CASES", "100000"))
REQUESTS = int(os.environ.get("HAVEN_BENCH_REQUESTS", "300"))
CLIENTS = 16


def build() -> tuple[object, list[str]]:
    call_command("migrate", verbosity=0)
    vault.ensure_keys(Path(settings.DATA_DIR))
    org = accounts.organisation_create(actor=None, name="Bench Society", team_names=["North", "South"])
    north = org.teams.get(name="North")
    manager = accounts.user_create(
        actor=None,
        email="bench-cm@example.test",
        password="bench password 1234567",  # noqa: S106 (synthetic bench account)
        role=Role.CASE_MANAGER,
        team=north,
    )
    TOTPDevice.objects.create(user=manager, name="bench", confirmed=True)
    year = 2026
    batch = 2000
    made = 0
    while made < N:
        size = min(batch, N - made)
        keys = vault.new_keys(size)
        with transaction.atomic():
            people = []
            for i, key_id in enumerate(keys):
                person = Person(key_id=key_id, age_established_adult=(made + i) % 5 != 0)
                person.name = seal(key_id, person, "name", f"Test Person {made + i}")
                person.safe_contact = seal(key_id, person, "safe_contact", "Test: by phone only")
                people.append(person)
            Person.objects.bulk_create(people)
            Case.objects.bulk_create(
                Case(
                    code=f"HV-{year}-{made + i + 1:05d}",
                    person=p,
                    team=north if (made + i) % 2 else org.teams.get(name="South"),
                    case_manager=manager if (made + i) % 2 else None,
                    created_by=manager,
                    status="Active" if (made + i) % 3 else "FollowUp",
                    stage="screening",
                )
                for i, p in enumerate(people)
            )
        made += size
    CaseSequence.objects.update_or_create(year=year, defaults={"last": N})
    codes = list(Case.objects.filter(team=north).values_list("code", flat=True)[:500])
    return manager, codes


def client_for(user: object) -> Client:
    client = Client()
    client.force_login(user)  # type: ignore[arg-type]
    session = client.session
    session["otp_device_id"] = TOTPDevice.objects.get(user=user).persistent_id
    session.save()
    return client


def latency(user: object, urls: list[str]) -> dict[str, float]:
    client = client_for(user)
    times = []
    for i in range(REQUESTS):
        started = time.perf_counter()
        response = client.get(urls[i % len(urls)])
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, response.status_code
    times.sort()
    return {
        "median_ms": round(statistics.median(times), 2),
        "p95_ms": round(times[int(len(times) * 0.95) - 1], 2),
    }


def throughput(user: object, urls: list[str]) -> float:
    per_client = max(10, REQUESTS // CLIENTS)
    errors: list[int] = []

    def work(offset: int) -> None:
        client = client_for(user)
        for i in range(per_client):
            status = client.get(urls[(offset + i) % len(urls)]).status_code
            if status != 200:
                errors.append(status)
        connection.close()

    threads = [threading.Thread(target=work, args=(n * 7,)) for n in range(CLIENTS)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    assert not errors, errors[:5]
    return round(CLIENTS * per_client / elapsed, 1)


def main() -> None:
    started = time.perf_counter()
    manager, codes = build()
    built_s = round(time.perf_counter() - started, 1)
    targets = {
        "bare_view": ["/health"],
        "case_list_first_page_filtered": ["/cases/?status=Active"],
        "case_detail_decrypting": [f"/cases/{code}/" for code in codes],
    }
    results: dict[str, dict[str, float]] = {}
    for name, urls in targets.items():
        results[name] = {**latency(manager, urls), "throughput_rps_16_clients": throughput(manager, urls)}
    bare = results["bare_view"]["throughput_rps_16_clients"]
    for name in ("case_list_first_page_filtered", "case_detail_decrypting"):
        results[name]["throughput_ratio_to_bare"] = round(
            results[name]["throughput_rps_16_clients"] / bare, 3
        )
    report = {
        "database": connection.vendor,
        "cases": N,
        "build_seconds": built_s,
        "requests_per_measure": REQUESTS,
        "server": "in-process Django test client (full middleware stack); no gunicorn in this version",
        "results": results,
    }
    out = ROOT / "bench" / "results" / "cases.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(report, indent=2))
    _ = services  # the services are what the pages call; imported so a broken import fails the bench


if __name__ == "__main__":
    main()
