"""`haven audit verify` and `haven audit head`, against tampering done by raw SQL.

Each test builds a normal history through the real services and sign-in forms, then changes the table
behind Haven's back the way someone with database access could, and expects verify to exit 1 naming
the entry. Runs on SQLite and, with DATABASE_URL set, on PostgreSQL.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client

from haven.accounts.models import User
from haven.accounts.permissions import Role
from haven.audit import chain
from haven.audit.models import AuditEvent
from haven.audit.services import audit_record
from tests.conftest import sign_in_fully

TABLE = AuditEvent._meta.db_table
COLUMNS = ("seq", "at", "actor_id", "action", "object_type", "object_id", "detail", "prev_hash", "hash")


def run_audit(*args: str) -> tuple[int, str, str]:
    """Run `haven audit …` in-process; returns (exit code, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("audit", *args, stdout=out, stderr=err)
    except SystemExit as exc:
        return int(exc.code or 0), out.getvalue(), err.getvalue()
    return 0, out.getvalue(), err.getvalue()


def verify_json() -> tuple[int, dict[str, Any]]:
    code, out, _ = run_audit("verify", "--json")
    return code, json.loads(out)


def names_entry(message: str, seq: int) -> bool:
    return re.search(rf"#{seq}(?!\d)", message) is not None


@pytest.fixture
def history(make_user: Callable[..., User]) -> list[int]:
    """A normal history: accounts created, a full sign-in, a failed one, a sign-out. Returns the seqs."""
    bob = make_user(Role.CASEWORKER, "North", "bob@example.test")
    make_user(Role.CASE_MANAGER, "North", "alice@example.test")
    client = sign_in_fully(Client(), bob)
    client.post("/accounts/logout/")
    Client().post("/accounts/login/", {"email": "bob@example.test", "password": "not the password at all"})
    audit_record(actor_id=bob.pk, action="test.detail", detail={"count": 3, "codes": ["a", "b"], "ok": True})
    seqs = list(AuditEvent.objects.order_by("seq").values_list("seq", flat=True))
    assert len(seqs) >= 8
    return seqs


def row(seq: int) -> dict[str, Any]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id, {', '.join(COLUMNS)} FROM {TABLE} WHERE seq = %s", [seq])
        values = cursor.fetchone()
    return dict(zip(("id", *COLUMNS), values, strict=True))


def test_verify_passes_on_a_normal_history(history: list[int]) -> None:
    code, out, err = run_audit("verify")
    assert code == 0, err
    assert f"{len(history)} entries" in out


def test_verify_json_reports_the_number_of_entries_checked(history: list[int]) -> None:
    code, result = verify_json()
    assert code == 0
    assert result["ok"] is True
    assert result["checked"] == len(history)


def test_verify_passes_on_an_empty_trail(db: None) -> None:
    assert AuditEvent.objects.count() == 0
    assert run_audit("verify")[0] == 0


def test_head_prints_the_latest_sequence_number_and_hash(history: list[int]) -> None:
    code, out, _ = run_audit("head")
    last = AuditEvent.objects.order_by("-seq").first()
    assert last is not None
    assert code == 0
    assert out.split() == [str(last.seq), last.hash]


def test_head_moves_when_an_entry_is_added(history: list[int]) -> None:
    before = run_audit("head", "--json")[1]
    audit_record(actor_id=None, action="test.more")
    after = json.loads(run_audit("head", "--json")[1])
    assert after["seq"] == json.loads(before)["seq"] + 1
    assert after["hash"] != json.loads(before)["hash"]


@pytest.mark.parametrize(
    ("column", "value"),
    [("action", "auth.logout"), ("actor_id", 999), ("object_id", "42"), ("detail", '{"count": 4}')],
)
def test_verify_fails_naming_an_edited_entry(history: list[int], column: str, value: Any) -> None:
    target = history[len(history) // 2]
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {TABLE} SET {column} = %s WHERE seq = %s", [value, target])
    code, out, err = run_audit("verify")
    assert code == 1
    assert names_entry(err, target), err
    assert "hash" in err


def test_verify_fails_naming_an_entry_whose_time_was_changed(history: list[int]) -> None:
    target = history[2]
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {TABLE} SET at = %s WHERE seq = %s", [datetime(2020, 1, 1, tzinfo=UTC), target]
        )
    code, result = verify_json()
    assert code == 1
    assert result["broken_seq"] == target


def test_verify_fails_naming_a_deleted_entry(history: list[int]) -> None:
    target = history[3]
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {TABLE} WHERE seq = %s", [target])
    code, out, err = run_audit("verify")
    assert code == 1
    assert names_entry(err, target), err
    assert "deleted" in err


def test_verify_fails_naming_a_deleted_first_entry(history: list[int]) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {TABLE} WHERE seq = 1")
    code, result = verify_json()
    assert code == 1
    assert result["broken_seq"] == 1


def as_param(column: str, value: Any) -> Any:
    # PostgreSQL hands jsonb back as a dict, SQLite as text; both accept JSON text.
    return json.dumps(value) if column == "detail" and not isinstance(value, str) else value


def _swap(first: int, second: int, columns: tuple[str, ...]) -> None:
    a, b = row(first), row(second)
    with connection.cursor() as cursor:
        # seq is unique: park one row on a free number while the other takes its place.
        cursor.execute(f"UPDATE {TABLE} SET seq = %s WHERE id = %s", [-1, a["id"]])
        for target, source in ((b, a), (a, b)):
            assignments = ", ".join(f"{column} = %s" for column in columns)
            values = [as_param(c, source[c]) for c in columns]
            cursor.execute(f"UPDATE {TABLE} SET {assignments} WHERE id = %s", [*values, target["id"]])
        if "seq" not in columns:
            cursor.execute(f"UPDATE {TABLE} SET seq = %s WHERE id = %s", [first, a["id"]])


@pytest.mark.parametrize(
    "columns",
    [COLUMNS, ("seq",)],
    ids=["whole-rows-swapped", "sequence-numbers-swapped"],
)
def test_verify_fails_naming_the_first_of_two_swapped_entries(
    history: list[int], columns: tuple[str, ...]
) -> None:
    first, second = history[2], history[5]
    _swap(first, second, columns)
    assert sorted(AuditEvent.objects.values_list("seq", flat=True)) == history  # nothing lost, only moved
    code, out, err = run_audit("verify")
    assert code == 1
    assert names_entry(err, first), err
    _, result = verify_json()
    assert result["broken_seq"] == first


def test_verify_fails_when_two_entries_swap_only_their_content(history: list[int]) -> None:
    first, second = history[2], history[3]
    content = ("actor_id", "action", "object_type", "object_id")
    _swap(first, second, content)
    code, result = verify_json()
    assert code == 1
    assert result["broken_seq"] == first


def _forge(seq: int, prev_hash: str) -> dict[str, Any]:
    """An entry forged by someone who knows the hashing scheme, so its own hash is consistent."""
    at = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
    fields: dict[str, Any] = {
        "seq": seq,
        "at": at.isoformat(timespec="microseconds"),
        "actor_id": 1,
        "action": "auth.login",
        "object_type": "user",
        "object_id": "1",
        "detail": {},
        "prev_hash": prev_hash,
    }
    digest = chain.entry_hash(**fields)
    return {**fields, "at": at, "detail": "{}", "hash": digest}


def _insert(fields: dict[str, Any]) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {TABLE} ({', '.join(COLUMNS)}) VALUES ({', '.join(['%s'] * len(COLUMNS))})",
            [fields[c] for c in COLUMNS],
        )


def test_verify_fails_naming_an_entry_appended_behind_havens_back(history: list[int]) -> None:
    last = row(history[-1])
    _insert(_forge(last["seq"] + 1, last["hash"]))
    code, out, err = run_audit("verify")
    assert code == 1
    assert names_entry(err, last["seq"] + 1), err


def test_verify_fails_naming_an_entry_inserted_in_the_middle(history: list[int]) -> None:
    target = history[4]
    with connection.cursor() as cursor:
        # Make room by renumbering the later entries, as a forger would have to.
        cursor.execute(f"UPDATE {TABLE} SET seq = -seq WHERE seq >= %s", [target])
        cursor.execute(f"UPDATE {TABLE} SET seq = 1 - seq WHERE seq < 0")
    _insert(_forge(target, row(target - 1)["hash"]))
    code, result = verify_json()
    assert code == 1
    assert result["broken_seq"] == target


@pytest.mark.parametrize("cut", [1, 3])
def test_verify_fails_when_the_tail_is_cut_off(history: list[int], cut: int) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {TABLE} WHERE seq > %s", [history[-1] - cut])
    code, out, err = run_audit("verify")
    assert code == 1
    first_missing = history[-1] - cut + 1
    assert names_entry(err, first_missing), err
    assert "cut off" in err


def test_verify_fails_when_the_last_entry_is_rewritten_with_a_consistent_hash(history: list[int]) -> None:
    last = row(history[-1])
    forged = _forge(last["seq"], last["prev_hash"])
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {TABLE} SET action = %s, at = %s, actor_id = %s, object_type = %s, object_id = %s, "
            f"detail = %s, hash = %s WHERE seq = %s",
            [
                forged["action"],
                forged["at"],
                forged["actor_id"],
                forged["object_type"],
                forged["object_id"],
                forged["detail"],
                forged["hash"],
                last["seq"],
            ],
        )
    code, result = verify_json()
    assert code == 1
    assert result["broken_seq"] == last["seq"]


def test_verify_on_a_tampered_chain_names_only_ids_and_no_content(history: list[int]) -> None:
    target = history[1]
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {TABLE} SET action = %s WHERE seq = %s", ["planted-marker-7f3a", target])
    code, out, err = run_audit("verify")
    assert code == 1
    assert "planted-marker-7f3a" not in out + err
