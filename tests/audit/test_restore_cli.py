"""`haven audit verify` around a real `haven restore`, in production processes on a SQLite data dir.

A restore takes the trail back to the backup's, which the checkpoints of later entries would call a cut;
the restore's own signed checkpoint says where the trail now legitimately ends, and nothing more.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from tests.vault.test_cli import create_case, data_dir, haven, initialised

__all__ = ["data_dir", "initialised"]  # fixtures shared with tests/vault/test_cli.py


def checkpoint_kinds(data_dir: Path) -> list[tuple[str, int]]:
    path = data_dir / "audit-checkpoints.jsonl"
    return [(c["kind"], c["seq"]) for c in map(json.loads, path.read_text(encoding="ascii").splitlines())]


@pytest.mark.slow
def test_a_restored_trail_verifies_and_a_cut_after_it_is_still_found(data_dir: Path, tmp_path: Path) -> None:
    create_case(data_dir, "Test Person Alpha", "note on Alpha")
    archive = tmp_path / "backup.hvb"
    assert haven(data_dir, "backup", str(archive)).returncode == 0
    create_case(data_dir, "Test Person Bravo", "added after the backup")
    before = haven(data_dir, "audit", "verify", "--json")
    assert before.returncode == 0, before.stderr
    longest = json.loads(before.stdout)["checked"]

    restore = haven(data_dir, "restore", str(archive))
    assert restore.returncode == 0, restore.stderr

    after = haven(data_dir, "audit", "verify", "--json")
    assert after.returncode == 0, after.stderr
    restored = json.loads(after.stdout)["checked"]
    assert restored < longest  # the entries made after the backup are gone, and that is not an error
    kinds = checkpoint_kinds(data_dir)
    assert ("restore", restored - 1) in kinds  # the backup's head; then the restore's own entry

    # A cut of the restored trail below a later checkpoint is still found.
    db = sqlite3.connect(data_dir / "haven.sqlite3")
    with db:
        last, digest = db.execute(
            "SELECT seq, hash FROM audit_auditevent WHERE seq = (SELECT MAX(seq) - 1 FROM audit_auditevent)"
        ).fetchone()
        db.execute("DELETE FROM audit_auditevent WHERE seq > ?", (last,))
        db.execute("UPDATE audit_audithead SET seq = ?, hash = ? WHERE id = 1", (last, digest))
    db.close()
    cut = haven(data_dir, "audit", "verify")
    assert cut.returncode == 1
    assert f"#{last + 1}" in cut.stderr and "deleted" in cut.stderr
