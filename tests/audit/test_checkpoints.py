"""Signed checkpoints of the audit chain, kept outside the database, and what they catch.

A keyed chain alone cannot show that its end was cut off, or that it was wiped, once the head row is moved
back to match. Each test builds a history through the real services, lets Haven write its checkpoints
(after commit, and on verify), then does what someone with write access to the database (and, for the
checkpoint-file tests, to the data directory) could do, and expects `haven audit verify` to exit 1 saying
what happened. Runs on SQLite and, with DATABASE_URL set, on PostgreSQL.
"""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.db import transaction

from haven.accounts.models import User
from haven.accounts.permissions import Role
from haven.audit import chain, checkpoints
from haven.audit.models import AuditEvent, AuditHead
from haven.audit.services import audit_record, audit_restored, audit_verify
from tests.audit.test_keyed_chain import EVENTS, HEAD, rewrite_with_plain_hashes, rows, sql
from tests.audit.test_verify import names_entry, run_audit, verify_json
from tests.conftest import production_environ, run_haven


def lines(path: Path) -> list[str]:
    return path.read_text(encoding="ascii").splitlines()


class Clock:
    """The checkpoint schedule's clock, moved by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture(autouse=True)
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    frozen = Clock()
    monkeypatch.setattr(checkpoints, "clock", frozen)
    return frozen


def commit_and_checkpoint(
    capture: Callable[..., Any], action: str = "test.event", actor_id: int | None = None
) -> int:
    """One audit append, a checkpoint interval after the last, whose transaction commits (so the
    checkpoint after commit is written)."""
    frozen = checkpoints.clock
    assert isinstance(frozen, Clock)
    frozen.now += 61
    with capture(execute=True):
        return audit_record(actor_id=actor_id, action=action, object_type="case", object_id="HV-2026-00001")


@pytest.fixture
def history(make_user: Callable[..., User], django_capture_on_commit_callbacks: Any) -> list[int]:
    """Accounts created, case reads, and a first checkpoint written after commit. Returns the seqs."""
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
    commit_and_checkpoint(django_capture_on_commit_callbacks, actor_id=bob.pk)
    seqs = list(AuditEvent.objects.order_by("seq").values_list("seq", flat=True))
    assert len(seqs) >= 6
    return seqs


# -- what Haven writes ------------------------------------------------------------------------------


def test_an_append_writes_a_checkpoint_after_commit_at_most_once_per_interval(
    db: None,
    audit_checkpoints: Path,
    django_capture_on_commit_callbacks: Any,
    clock: Clock,
) -> None:
    capture = django_capture_on_commit_callbacks
    first = commit_and_checkpoint(capture)
    written = [json.loads(line) for line in lines(audit_checkpoints)]
    assert [(c["n"], c["kind"], c["seq"]) for c in written] == [(1, "checkpoint", first)]
    assert written[0]["hash"] == AuditEvent.objects.get(seq=first).hash
    assert stat.S_IMODE(audit_checkpoints.stat().st_mode) == 0o600
    clock.now += 59
    with capture(execute=True):
        audit_record(actor_id=None, action="test.event")
    assert len(lines(audit_checkpoints)) == 1
    clock.now += 2
    with capture(execute=True):
        third = audit_record(actor_id=None, action="test.event")
    assert [json.loads(line)["seq"] for line in lines(audit_checkpoints)] == [first, third]
    assert AuditHead.objects.get(pk=1).checkpoints == 2


@pytest.mark.django_db(transaction=True)
def test_only_committed_appends_are_checkpointed(audit_checkpoints: Path, clock: Clock) -> None:
    with pytest.raises(RuntimeError), transaction.atomic():
        audit_record(actor_id=None, action="test.event")
        raise RuntimeError("the caller's work failed")
    assert not audit_checkpoints.exists()
    clock.now += 61
    with transaction.atomic():
        seq = audit_record(actor_id=None, action="test.event")
    assert [json.loads(line)["seq"] for line in lines(audit_checkpoints)] == [seq]
    assert seq == 1 and run_audit("verify")[0] == 0


def test_checkpoints_hold_counts_hashes_and_times_only(history: list[int], audit_checkpoints: Path) -> None:
    assert run_audit("verify")[0] == 0
    for line in lines(audit_checkpoints):
        assert set(json.loads(line)) == {"v", "n", "kind", "seq", "hash", "at", "key", "prev", "mac"}
        assert "HV-2026" not in line and "example.test" not in line


def test_verify_adds_a_checkpoint_and_says_how_many_it_compared(
    history: list[int], audit_checkpoints: Path
) -> None:
    code, out, err = run_audit("verify")
    assert code == 0, err
    assert f"{len(history)} entries" in out and "agrees with 1 checkpoints" in out
    code, result = verify_json()
    assert (code, result["ok"], result["checkpoints"]) == (0, True, 2)
    assert [json.loads(line)["seq"] for line in lines(audit_checkpoints)] == [history[-1]] * 3


def test_audit_verify_writes_no_checkpoint_when_asked_not_to(
    history: list[int], audit_checkpoints: Path
) -> None:
    before = lines(audit_checkpoints)
    assert audit_verify(checkpoint=False).ok
    assert lines(audit_checkpoints) == before
    assert os.access(audit_checkpoints, os.R_OK)


# -- acceptance: what a database writer can no longer do unseen -------------------------------------


@pytest.mark.parametrize("cut", [1, 3])
def test_deleting_the_tail_and_moving_the_head_back_fails_naming_the_first_deleted_entry(
    history: list[int], cut: int
) -> None:
    keep = history[-1] - cut
    kept = rows()[keep - 1]
    sql(f"DELETE FROM {EVENTS} WHERE seq > %s", [keep])
    sql(f"UPDATE {HEAD} SET seq = %s, hash = %s WHERE id = 1", [keep, kept["hash"]])
    code, out, err = run_audit("verify")
    assert code == 1
    assert names_entry(err, keep + 1), err
    assert "deleted" in err
    _, result = verify_json()
    assert (result["ok"], result["broken_seq"], result["by_checkpoints"]) == (False, keep + 1, True)


def test_wiping_both_audit_tables_fails_verify(history: list[int]) -> None:
    sql(f"DELETE FROM {EVENTS}")
    sql(f"DELETE FROM {HEAD}")
    code, out, err = run_audit("verify")
    assert code == 1
    assert "wiped" in err
    assert names_entry(err, history[-1]), err


def test_rewriting_the_whole_trail_with_plain_hashes_fails_against_the_checkpoint(history: list[int]) -> None:
    # Every entry made to look like one from before the chain was keyed: the chain alone holds together
    # (as an old, unkeyed trail would), but the checkpoint kept outside the database disagrees.
    last = rewrite_with_plain_hashes(1, keep_key_id=False)
    code, out, err = run_audit("verify")
    assert code == 1
    assert names_entry(err, last), err
    assert "rewritten" in err
    _, result = verify_json()
    assert (result["broken_seq"], result["by_checkpoints"]) == (last, True)


def test_rewriting_without_any_checkpoint_yet_is_still_found_by_the_key(
    db: None, make_user: Callable[..., User], audit_checkpoints: Path
) -> None:
    make_user(Role.CASEWORKER, "North", "bob@example.test")
    audit_record(actor_id=None, action="case.read", object_type="case", object_id="HV-2026-00001")
    assert not audit_checkpoints.exists()  # nothing committed yet, so nothing checkpointed
    rewrite_with_plain_hashes(2, keep_key_id=True)
    assert verify_json()[1]["broken_seq"] == 2


def test_a_broken_trail_gets_no_new_checkpoint(history: list[int], audit_checkpoints: Path) -> None:
    before = lines(audit_checkpoints)
    sql(f"DELETE FROM {EVENTS}")
    sql(f"DELETE FROM {HEAD}")
    assert run_audit("verify")[0] == 1
    assert run_audit("verify")[0] == 1
    assert lines(audit_checkpoints) == before


# -- acceptance: the checkpoint file itself ---------------------------------------------------------


@pytest.fixture
def three_checkpoints(
    history: list[int], audit_checkpoints: Path, django_capture_on_commit_callbacks: Any
) -> Path:
    commit_and_checkpoint(django_capture_on_commit_callbacks)
    assert run_audit("verify")[0] == 0
    assert [json.loads(line)["n"] for line in lines(audit_checkpoints)] == [1, 2, 3]
    return audit_checkpoints


def _edit_line(path: Path, number: int, **changes: Any) -> None:
    text = lines(path)
    record = json.loads(text[number - 1])
    record.update(changes)
    text[number - 1] = json.dumps(record, sort_keys=True, separators=(",", ":"))
    path.write_text("\n".join(text) + "\n", encoding="ascii")


def test_an_edited_checkpoint_fails_its_signature(three_checkpoints: Path) -> None:
    _edit_line(three_checkpoints, 2, seq=json.loads(lines(three_checkpoints)[1])["seq"] - 1)
    code, out, err = run_audit("verify")
    assert code == 1
    assert "line 2" in err and "signature" in err


def test_a_checkpoint_moved_back_to_match_a_shortened_trail_fails_its_signature(
    three_checkpoints: Path,
) -> None:
    # Delete the last entry, move the head back, and make every checkpoint claim the shorter trail.
    entries = rows()
    keep = entries[-2]
    sql(f"DELETE FROM {EVENTS} WHERE seq > %s", [keep["seq"]])
    sql(f"UPDATE {HEAD} SET seq = %s, hash = %s WHERE id = 1", [keep["seq"], keep["hash"]])
    for number, line in enumerate(lines(three_checkpoints), start=1):
        if json.loads(line)["seq"] > keep["seq"]:
            _edit_line(three_checkpoints, number, seq=keep["seq"], hash=keep["hash"])
    code, out, err = run_audit("verify")
    assert code == 1
    assert "signature" in err


def test_a_checkpoint_file_cut_in_the_middle_of_a_line_is_found(three_checkpoints: Path) -> None:
    data = three_checkpoints.read_bytes()
    three_checkpoints.write_bytes(data[: len(data) - 40])
    code, out, err = run_audit("verify")
    assert code == 1
    assert "line 3" in err and "cut short" in err


def test_a_checkpoint_file_with_whole_lines_cut_off_the_end_is_found(three_checkpoints: Path) -> None:
    three_checkpoints.write_text("\n".join(lines(three_checkpoints)[:1]) + "\n", encoding="ascii")
    code, out, err = run_audit("verify")
    assert code == 1
    assert "truncated" in err and "checkpoint 3" in err


def test_a_checkpoint_removed_from_the_middle_is_found(three_checkpoints: Path) -> None:
    text = lines(three_checkpoints)
    three_checkpoints.write_text(f"{text[0]}\n{text[2]}\n", encoding="ascii")
    code, out, err = run_audit("verify")
    assert code == 1
    assert "checkpoint 3" in err and "removed" in err


def test_a_deleted_checkpoint_file_is_found(three_checkpoints: Path) -> None:
    three_checkpoints.unlink()
    code, out, err = run_audit("verify")
    assert code == 1
    assert "missing" in err


def test_checkpoints_signed_with_another_key_are_refused(history: list[int], audit_checkpoints: Path) -> None:
    # Someone without the audit key writes a checkpoint file that agrees with a rewritten trail.
    entries = rows()
    forged = chain.checkpoint_make(
        b"k" * 32,
        n=1,
        kind="checkpoint",
        seq=entries[-1]["seq"],
        hash=entries[-1]["hash"],
        at="2026-01-01T00:00:00+00:00",
        key_id="audit-chain.v1",
        prev=chain.GENESIS,
    )
    audit_checkpoints.write_text(chain.checkpoint_line(forged) + "\n", encoding="ascii")
    code, out, err = run_audit("verify")
    assert code == 1
    assert "signature" in err


# -- the witness ------------------------------------------------------------------------------------


@pytest.fixture
def witness(settings: Any, tmp_path: Path) -> Path:
    path = tmp_path / "other-mount" / "haven-audit-witness.jsonl"
    settings.AUDIT_WITNESS = str(path)
    return path


def test_the_witness_file_gets_every_checkpoint(
    witness: Path, history: list[int], audit_checkpoints: Path
) -> None:
    assert run_audit("verify")[0] == 0
    assert lines(witness) == lines(audit_checkpoints) and len(lines(witness)) == 2
    assert stat.S_IMODE(witness.stat().st_mode) == 0o600


def test_the_witness_finds_the_trail_and_the_checkpoint_file_shortened_together(
    witness: Path, history: list[int], audit_checkpoints: Path
) -> None:
    # Someone who can write both the database and the data dir: cuts the tail, moves the head back,
    # deletes the checkpoint file and resets the head's checkpoint count. Only the witness is left.
    keep = rows()[-3]
    sql(f"DELETE FROM {EVENTS} WHERE seq > %s", [keep["seq"]])
    sql(f"UPDATE {HEAD} SET seq = %s, hash = %s, checkpoints = 0 WHERE id = 1", [keep["seq"], keep["hash"]])
    audit_checkpoints.unlink()
    code, out, err = run_audit("verify")
    assert code == 1
    assert "witness" in err and "truncated or replaced" in err


def test_a_checkpoint_that_differs_from_the_witness_is_found(
    witness: Path, history: list[int], audit_checkpoints: Path
) -> None:
    first = json.loads(lines(audit_checkpoints)[0])
    other = chain.checkpoint_make(
        b"k" * 32,
        n=1,
        kind="checkpoint",
        seq=first["seq"],
        hash=first["hash"],
        at=first["at"],
        key_id=first["key"],
        prev=first["prev"],
    )
    witness.write_text(chain.checkpoint_line(other) + "\n", encoding="ascii")
    code, out, err = run_audit("verify")
    assert code == 1
    assert "differs" in err and "witness" in err


# -- restores ---------------------------------------------------------------------------------------


def test_a_restore_makes_checkpoints_of_the_lost_entries_stop_counting(
    history: list[int], django_capture_on_commit_callbacks: Any
) -> None:
    backup_head = rows()[-1]
    for _ in range(3):
        commit_and_checkpoint(django_capture_on_commit_callbacks)
    assert run_audit("verify")[0] == 0
    # What `haven restore` does to the trail: the database goes back to the backup's.
    sql(f"DELETE FROM {EVENTS} WHERE seq > %s", [backup_head["seq"]])
    sql(f"UPDATE {HEAD} SET seq = %s, hash = %s WHERE id = 1", [backup_head["seq"], backup_head["hash"]])
    assert run_audit("verify")[0] == 1
    audit_restored()
    audit_record(actor_id=None, action="vault.restored", object_type="backup", object_id="b1")
    code, out, err = run_audit("verify")
    assert code == 0, err


@pytest.mark.parametrize("value", ["witness.jsonl", "../elsewhere/witness.jsonl"])
def test_a_witness_that_is_not_syslog_nor_an_absolute_path_is_refused_at_start(
    tmp_path: Path, value: str
) -> None:
    result = run_haven(["audit", "head"], production_environ(tmp_path / "var", HAVEN_AUDIT_WITNESS=value))
    assert result.returncode != 0
    assert "HAVEN_AUDIT_WITNESS must be 'syslog' or an absolute file path" in result.stderr
