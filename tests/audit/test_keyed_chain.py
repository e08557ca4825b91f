"""The audit chain is keyed: entries carry an HMAC under the audit key, which lives with the vault's keys
(wrapped by the master key in the key store), never in the database.

Someone with write access to the database can change entries and recompute every hash after them, but
only the plain SHA-256 way: without the key `haven audit verify` still exits 1 naming the first entry
rewritten. Entries written before the chain was keyed keep verifying, and a master key rotation changes
nothing. Runs on SQLite and, with DATABASE_URL set, on PostgreSQL.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from django.db import connection

from haven.accounts.models import User
from haven.accounts.permissions import Role
from haven.audit import chain
from haven.audit.models import AuditEvent, AuditHead
from haven.audit.services import audit_record
from haven.vault import integration as vault
from haven.vault.rotation import rotate
from tests.audit.test_verify import names_entry, run_audit, verify_json

EVENTS = AuditEvent._meta.db_table
HEAD = AuditHead._meta.db_table
CONTENT = ("seq", "at", "actor_id", "action", "object_type", "object_id", "detail", "prev_hash")


def sql(statement: str, params: list[Any] | None = None) -> None:
    with connection.cursor() as cursor:
        cursor.execute(statement, params or [])


def rows() -> list[dict[str, Any]]:
    """Every entry as the database holds it, in chain order."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id, {', '.join(CONTENT)}, hash, key_id FROM {EVENTS} ORDER BY seq")
        names = ("id", *CONTENT, "hash", "key_id")
        found = [dict(zip(names, values, strict=True)) for values in cursor.fetchall()]
    for entry in found:
        if isinstance(entry["detail"], str):  # SQLite hands JSON back as text, PostgreSQL as a dict
            entry["detail"] = json.loads(entry["detail"])
        # SQLite hands times back naive (they are stored in UTC), PostgreSQL aware.
        at = entry["at"] if entry["at"].tzinfo else entry["at"].replace(tzinfo=UTC)
        entry["at"] = at.astimezone(UTC)
    return found


@pytest.fixture
def history(make_user: Callable[..., User]) -> list[int]:
    """Accounts created and a few case reads. Returns the seqs."""
    bob = make_user(Role.CASEWORKER, "North", "bob@example.test")
    make_user(Role.CASE_MANAGER, "North", "alice@example.test")
    for section in ("summary", "notes", "tasks"):
        audit_record(
            actor_id=bob.pk,
            action="case.read",
            object_type="case",
            object_id="HV-2026-00001",
            detail={"section": section},
        )
    seqs = list(AuditEvent.objects.order_by("seq").values_list("seq", flat=True))
    assert len(seqs) >= 5
    return seqs


# -- what Haven writes ------------------------------------------------------------------------------


def test_new_entries_are_keyed_with_the_audit_key_from_the_key_store(history: list[int]) -> None:
    key_id, key = vault.keystore().audit_key()
    last = rows()[-1]
    assert key_id == "audit-chain.v1"
    assert {entry["key_id"] for entry in rows()} == {"audit-chain.v1"}
    fields = {**{name: last[name] for name in CONTENT}, "at": last["at"].isoformat(timespec="microseconds")}
    assert last["hash"] != chain.entry_hash(**fields)  # not the plain SHA-256 anyone could compute
    assert last["hash"] == chain.keyed_entry_hash(key, key_id=key_id, **fields)


# -- what a database writer without the key cannot do unseen ----------------------------------------


def rewrite_with_plain_hashes(start: int, *, keep_key_id: bool, stop: int | None = None) -> int:
    """Change entry #start, then re-hash it and every later entry (up to #stop) the only way one can
    without the key: with the plain SHA-256 of the old scheme; move the head to match. Returns the last
    seq rewritten."""
    entries = rows()[: stop or None]
    prev = entries[start - 2]["hash"] if start > 1 else chain.GENESIS
    for entry in entries[start - 1 :]:
        if entry["seq"] == start:
            entry["action"] = "auth.logout"
        entry["prev_hash"] = prev
        fields = {name: entry[name] for name in CONTENT}
        prev = chain.entry_hash(**{**fields, "at": entry["at"].isoformat(timespec="microseconds")})
        sql(
            f"UPDATE {EVENTS} SET action = %s, prev_hash = %s, hash = %s, key_id = %s WHERE id = %s",
            [entry["action"], entry["prev_hash"], prev, entry["key_id"] if keep_key_id else "", entry["id"]],
        )
    if stop is None:
        sql(f"UPDATE {HEAD} SET hash = %s WHERE id = 1", [prev])
    return entries[-1]["seq"]


@pytest.mark.parametrize("keep_key_id", [True, False], ids=["key-id-kept", "key-id-cleared"])
def test_rewriting_entries_from_the_middle_with_recomputed_plain_hashes_fails_naming_the_first(
    history: list[int], keep_key_id: bool
) -> None:
    target = history[3]
    rewrite_with_plain_hashes(target, keep_key_id=keep_key_id)
    code, out, err = run_audit("verify")
    assert code == 1
    assert names_entry(err, target), err
    _, result = verify_json()
    assert result["broken_seq"] == target


# -- history that must keep verifying ---------------------------------------------------------------


def _legacy_entries(count: int) -> str:
    """Entries written before the chain was keyed: plain SHA-256, no key id. Returns the last hash."""
    prev = chain.GENESIS
    for seq in range(1, count + 1):
        at = datetime(2025, 6, seq, 10, 0, tzinfo=UTC)
        fields: dict[str, Any] = {
            "seq": seq,
            "at": at.isoformat(timespec="microseconds"),
            "actor_id": None,
            "action": "auth.login",
            "object_type": "user",
            "object_id": str(seq),
            "detail": {},
            "prev_hash": prev,
        }
        digest = chain.entry_hash(**fields)
        columns = "seq, at, actor_id, action, object_type, object_id, detail, prev_hash, hash"
        sql(
            f"INSERT INTO {EVENTS} ({columns}) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)",
            [seq, at, None, "auth.login", "user", str(seq), "{}", prev, digest],
        )
        prev = digest
    sql(f"INSERT INTO {HEAD} (id, seq, hash) VALUES (1, %s, %s)", [count, prev])
    return prev


def test_entries_made_before_the_chain_was_keyed_still_verify_and_are_anchored_by_the_first_keyed_one(
    db: None,
) -> None:
    _legacy_entries(4)
    audit_record(actor_id=None, action="case.read", object_type="case", object_id="HV-2026-00001")
    code, result = verify_json()
    assert (code, result["checked"]) == (0, 5), result
    assert [e["key_id"] for e in rows()] == ["", "", "", "", "audit-chain.v1"]
    # Old entries rewritten and re-hashed: the first keyed entry no longer links to them, and when its
    # link is mended too, its signature (which covers the link) fails.
    rewrite_with_plain_hashes(2, keep_key_id=True, stop=4)
    assert verify_json()[1]["broken_seq"] == 5
    sql(f"UPDATE {EVENTS} SET prev_hash = %s WHERE seq = 5", [rows()[3]["hash"]])
    code, result = verify_json()
    assert (code, result["broken_seq"]) == (1, 5)
    assert "audit key" in result["problem"]


@pytest.fixture
def own_key_store(settings: Any, tmp_path: Path) -> Iterator[Path]:
    """A data dir of this test's own, with its own master key and key store."""
    data_dir = tmp_path / "var"
    settings.DATA_DIR = data_dir
    vault.ensure_keys(data_dir)
    vault.reset()
    yield data_dir
    vault.reset()


def test_the_trail_keeps_verifying_across_a_master_key_rotation(
    own_key_store: Path, history: list[int]
) -> None:
    assert run_audit("verify")[0] == 0
    rotate(own_key_store, batch_size=1, environ={})
    vault.reset()
    audit_record(actor_id=None, action="case.read", object_type="case", object_id="HV-2026-00001")
    code, out, err = run_audit("verify")
    assert code == 0, err
    assert {e["key_id"] for e in rows()} == {"audit-chain.v1"}


def test_a_key_store_with_another_audit_key_cannot_vouch_for_the_trail(
    settings: Any, tmp_path: Path, history: list[int]
) -> None:
    # The trail was keyed with the test process's key store; a fresh installation's key is another one.
    other = tmp_path / "elsewhere"
    settings.DATA_DIR = other
    vault.ensure_keys(other)
    vault.reset()
    try:
        code, out, err = run_audit("verify")
    finally:
        vault.reset()
    assert code == 1
    assert names_entry(err, 1), err
    assert "audit key" in err
