"""The audit trail viewer: its filters return exactly what a plain SQL query returns, page after page; the
export is neutralised and itself audited; the administrator sees account events only; patterns show."""

from __future__ import annotations

import csv
import io
import random
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

import pytest
from django.db import connection

from haven.accounts.models import User
from haven.accounts.permissions import Role
from haven.audit.models import AuditEvent
from haven.audit.services import audit_record
from haven.oversight import services
from haven.oversight.selectors import TrailFilter

ACTIONS = [
    "case.viewed",
    "access.denied",
    "auth.login",
    "account.disabled",
    "person.updated",
    "auth.login_failed",
]
# Written out by hand: the entries that record a refusal, as the outcome filter must understand them.
REFUSED_BY_HAND = ("access.denied", "auth.login_failed")
START = datetime(2026, 3, 1, tzinfo=UTC)


@pytest.fixture
def generated(db: None) -> int:
    """2 500 synthetic entries straight into the table (the chain is not the point here)."""
    rng = random.Random(15)
    rows = []
    for seq in range(1, 2501):
        action = rng.choice(ACTIONS)
        is_case = action in ("case.viewed", "person.updated") or (
            action == "access.denied" and rng.random() < 0.5
        )
        rows.append(
            AuditEvent(
                seq=100_000 + seq,
                at=START + timedelta(minutes=seq * 17),
                actor_id=rng.choice([None, 1, 2, 3, 4]),
                action=action,
                object_type="case" if is_case else "user",
                object_id=f"HV-2026-{rng.randint(1, 40):05d}" if is_case else str(rng.randint(1, 4)),
                detail={},
                prev_hash="0" * 64,
                hash="0" * 64,
            )
        )
    AuditEvent.objects.bulk_create(rows, batch_size=500)
    return len(rows)


def direct(where: str, params: list[object]) -> list[int]:
    """The independent answer: plain SQL on the table."""
    table = AuditEvent._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT seq FROM {table} WHERE {where} ORDER BY seq DESC", params)
        return [row[0] for row in cursor.fetchall()]


def through_the_viewer(filters: TrailFilter) -> list[int]:
    """Every page of the viewer, following its 'older' link to the end."""
    seqs: list[int] = []
    before = None
    while True:
        view = services.audit_view(actor=None, filters=filters, before=before)
        seqs += [entry.seq for entry in view.entries]
        if view.older is None:
            return seqs
        before = view.older


def day(d: date) -> str:
    return datetime(d.year, d.month, d.day, tzinfo=UTC).isoformat(sep=" ")


CASE = "HV-2026-00007"
FIRST_DAY, LAST_DAY = date(2026, 3, 3), date(2026, 3, 9)
REFUSED_SQL = "action IN ('access.denied', 'auth.login_failed')"

FILTERS: list[tuple[str, TrailFilter, str, list[object]]] = [
    ("everything", TrailFilter(), "1 = 1", []),
    ("one actor", TrailFilter(actor_id=2), "actor_id = %s", [2]),
    ("one action", TrailFilter(action="case.viewed"), "action = %s", ["case.viewed"]),
    ("one case", TrailFilter(case_code=CASE), "object_type = 'case' AND object_id = %s", [CASE]),
    ("refused", TrailFilter(outcome="refused"), REFUSED_SQL, []),
    ("done", TrailFilter(outcome="done"), f"NOT ({REFUSED_SQL})", []),
    (
        "a week, one actor, refused",
        TrailFilter(since=FIRST_DAY, until=LAST_DAY, actor_id=3, outcome="refused"),
        f"at >= %s AND at < %s AND actor_id = %s AND {REFUSED_SQL}",
        [day(FIRST_DAY), day(LAST_DAY + timedelta(days=1)), 3],
    ),
    (
        "one case, one action, from a date",
        TrailFilter(since=FIRST_DAY, case_code=CASE, action="case.viewed"),
        "at >= %s AND object_type = 'case' AND object_id = %s AND action = %s",
        [day(FIRST_DAY), CASE, "case.viewed"],
    ),
]


@pytest.mark.parametrize(("name", "filters", "where", "params"), FILTERS, ids=[f[0] for f in FILTERS])
def test_each_filter_returns_exactly_what_a_direct_query_returns(
    generated: int, name: str, filters: TrailFilter, where: str, params: list[object]
) -> None:
    expected = direct(where, params)
    assert expected, "the generated trail should hold matching entries"
    assert through_the_viewer(filters) == expected


def test_the_refused_actions_are_the_ones_written_by_hand(generated: int) -> None:
    from haven.oversight.selectors import REFUSED_ACTIONS

    assert set(REFUSED_BY_HAND) <= set(REFUSED_ACTIONS)
    assert not {"auth.login", "case.viewed", "account.disabled"} & set(REFUSED_ACTIONS)


@pytest.fixture
def dpo(make_user: Callable[..., User]) -> User:
    return make_user(Role.DPO, "North", "dpo@example.test")


@pytest.fixture
def admin(make_user: Callable[..., User]) -> User:
    return make_user(Role.ADMIN, None, "admin@example.test")


def test_the_web_filter_and_pages_match_the_service(generated: int, dpo: User, signed_in) -> None:
    client = signed_in(dpo)
    page = client.get("/oversight/audit/", {"case": CASE, "outcome": "done"}).content.decode()
    shown = [int(part.split('"')[0]) for part in page.split('data-seq="')[1:]]
    assert (
        shown
        == direct("object_type = 'case' AND object_id = %s AND NOT (" + REFUSED_SQL + ")", [CASE])[
            : len(shown)
        ]
    )
    assert client.get("/oversight/audit/", {"since": "not a date"}).status_code == 400


def test_the_export_is_neutralised_and_itself_audited(dpo: User, signed_in) -> None:
    audit_record(actor_id=dpo.pk, action="case.viewed", object_type="case", object_id="=HYPERLINK(1)")
    client = signed_in(dpo)
    response = client.get("/oversight/audit/export/", {"action": "case.viewed"})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode()), delimiter=";"))
    assert rows[0][:5] == ["seq", "at", "actor_id", "actor", "action"]
    assert rows[1][7] == "'=HYPERLINK(1)"
    exported = AuditEvent.objects.get(action="audit.exported")
    assert exported.actor_id == dpo.pk
    assert exported.detail == {"rows": 1, "filters": ["action"]}


def test_the_administrator_sees_account_events_only(dpo: User, admin: User, signed_in) -> None:
    audit_record(actor_id=dpo.pk, action="case.viewed", object_type="case", object_id="HV-2026-00001")
    audit_record(actor_id=admin.pk, action="account.disabled", object_type="user", object_id=dpo.pk)
    admin_view = services.audit_view(actor=admin, filters=TrailFilter())
    assert admin_view.accounts_only
    assert "case.viewed" not in {e.action for e in admin_view.entries}
    assert "account.disabled" in {e.action for e in admin_view.entries}
    dpo_view = services.audit_view(actor=dpo, filters=TrailFilter())
    assert "case.viewed" in {e.action for e in dpo_view.entries}
    csv_text, _rows = services.audit_export(actor=admin, filters=TrailFilter())
    assert "case.viewed" not in csv_text


def test_the_viewer_shows_the_head_and_the_last_verification(dpo: User, signed_in) -> None:
    client = signed_in(dpo)
    assert 'data-verification="never"' in client.get("/oversight/audit/").content.decode()
    assert client.post("/oversight/audit/verify/").status_code == 302
    page = client.get("/oversight/audit/").content.decode()
    assert 'data-verification="ok"' in page
    seq, digest = services.audit_head()
    assert digest in page or services.audit_head()[1] in page
    assert AuditEvent.objects.filter(action="audit.verified", actor_id=dpo.pk).exists()


def test_many_refusals_many_cases_and_reads_at_night_are_highlighted(
    dpo: User, bob: User, settings, signed_in
) -> None:
    settings.AUDIT_ALERT_REFUSALS = 3
    settings.AUDIT_ALERT_CASES = 3
    now = datetime.now(tz=UTC)
    night = now.replace(hour=2, minute=0, second=0, microsecond=0)
    if night > now:
        night -= timedelta(days=1)
    rows = [
        *[("access.denied", "user", str(bob.pk), now - timedelta(minutes=i)) for i in range(3)],
        *[("case.viewed", "case", f"HV-2026-0000{i}", now - timedelta(minutes=i)) for i in range(1, 4)],
        ("case.viewed", "case", "HV-2026-00009", night),
    ]
    AuditEvent.objects.bulk_create(
        AuditEvent(
            seq=100_000 + i, at=at, actor_id=bob.pk, action=action, object_type=kind, object_id=code,
            detail={}, prev_hash="0" * 64, hash="0" * 64,
        )
        for i, (action, kind, code, at) in enumerate(rows)
    )  # fmt: skip
    kinds = {
        p.kind for p in services.audit_view(actor=dpo, filters=TrailFilter()).patterns if p.actor_id == bob.pk
    }
    assert kinds == {"many_refusals", "many_cases", "out_of_hours"}
    page = signed_in(dpo).get("/oversight/audit/").content.decode()
    assert 'data-pattern="many_refusals"' in page and 'data-pattern="out_of_hours"' in page
