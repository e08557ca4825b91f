"""`haven backup` / `haven restore` end to end, with the cases app: roundtrip, damaged archives, erasures."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.vault.test_cli import (
    create_case,
    data_dir,
    file_hashes,
    haven,
    initialised,
    read_person,
    record_erasure_purpose,
)

__all__ = ["data_dir", "initialised"]  # fixtures shared with test_cli


@pytest.mark.slow
def test_restore_brings_back_the_backup_and_reapplies_later_erasures(data_dir: Path, tmp_path: Path) -> None:
    alpha = create_case(data_dir, "Test Person Alpha", "note on Alpha", attachment=b"synthetic file Alpha")
    bravo = create_case(data_dir, "Test Person Bravo", "note on Bravo")
    archive = tmp_path / "backup.hvb"
    result = haven(data_dir, "backup", str(archive))
    assert result.returncode == 0, result.stderr
    assert "1 attachment files" in result.stdout
    charlie = create_case(data_dir, "Test Person Charlie", "added after the backup")
    record_erasure_purpose(data_dir, bravo["code"])
    erase = haven(
        data_dir, "erase", bravo["code"], "--reason", "legal_obligation", "--actor", "dpo@example.test"
    )
    assert erase.returncode == 0, erase.stderr

    restore = haven(data_dir, "restore", str(archive))

    assert restore.returncode == 0, restore.stderr
    assert "erasures re-applied" in restore.stdout
    restored_alpha = read_person(data_dir, alpha["code"])
    assert restored_alpha["name"] == "Test Person Alpha" and restored_alpha["notes"] == ["note on Alpha"]
    assert read_person(data_dir, charlie["code"]) == {"exists": False}
    restored_bravo = read_person(data_dir, bravo["code"])
    assert restored_bravo["state"] == "erased", "an old backup never resurrects an erased person"
    assert restored_bravo["bi"] == "" and restored_bravo["erased_at"]
    assert haven(data_dir, "check").returncode == 0
    assert not (data_dir / "RESTORE_IN_PROGRESS").exists()


@pytest.mark.slow
def test_restore_of_a_damaged_archive_exits_1_and_touches_nothing(data_dir: Path, tmp_path: Path) -> None:
    create_case(data_dir, "Test Person Delta", "note on Delta", attachment=b"synthetic file Delta")
    archive = tmp_path / "backup.hvb"
    assert haven(data_dir, "backup", str(archive)).returncode == 0
    raw = bytearray(archive.read_bytes())
    raw[len(raw) // 3] ^= 0x04
    archive.write_bytes(bytes(raw))
    before = file_hashes(data_dir)

    result = haven(data_dir, "restore", str(archive))

    assert result.returncode == 1
    assert "failed its integrity check" in result.stderr and "nothing was changed" in result.stderr
    assert file_hashes(data_dir) == before


def test_restore_of_a_missing_file_is_a_usage_error(data_dir: Path, tmp_path: Path) -> None:
    result = haven(data_dir, "restore", str(tmp_path / "no-such.hvb"))
    assert result.returncode == 2
    assert "does not exist" in result.stderr


def test_backup_never_overwrites_a_file(data_dir: Path, tmp_path: Path) -> None:
    existing = tmp_path / "existing.hvb"
    existing.write_bytes(b"keep me")
    result = haven(data_dir, "backup", str(existing))
    assert result.returncode == 2
    assert existing.read_bytes() == b"keep me"


@pytest.mark.slow
def test_key_store_backup_and_restore_reapply_erasures_made_since(data_dir: Path, tmp_path: Path) -> None:
    echo = create_case(data_dir, "Test Person Echo", "note on Echo")
    keys = tmp_path / "keys.hvk"
    assert haven(data_dir, "backup", "--keys", str(keys)).returncode == 0
    record_erasure_purpose(data_dir, echo["code"])
    erase = haven(
        data_dir, "erase", echo["code"], "--reason", "legal_obligation", "--actor", "dpo@example.test"
    )
    assert erase.returncode == 0, erase.stderr
    # The key store is lost; the older key backup still holds Echo's key.
    (data_dir / "keys" / "keystore.sqlite3").write_bytes(b"\x00" * 8192)

    result = haven(data_dir, "restore", "--keys", str(keys))

    assert result.returncode == 0, result.stderr
    assert "1 keys of people erased since were destroyed again" in result.stdout
    assert read_person(data_dir, echo["code"])["state"] == "erased"
    assert haven(data_dir, "check").returncode == 0


@pytest.mark.slow
def test_restore_drill_on_a_new_machine_needs_only_the_master_key_and_two_archives(
    data_dir: Path, tmp_path: Path
) -> None:
    foxtrot = create_case(
        data_dir, "Test Person Foxtrot", "note on Foxtrot", attachment=b"synthetic file Foxtrot"
    )
    data_archive, keys_archive = tmp_path / "data.hvb", tmp_path / "keys.hvk"
    assert haven(data_dir, "backup", str(data_archive)).returncode == 0
    assert haven(data_dir, "backup", "--keys", str(keys_archive)).returncode == 0
    # A new machine: an empty data dir holding only the master key from its off-site copy.
    new = tmp_path / "new-machine" / "var"
    (new / "keys").mkdir(parents=True, mode=0o700)
    shutil.copy2(data_dir / "keys" / "master.key", new / "keys" / "master.key")

    keys = haven(new, "restore", "--keys", str(keys_archive))
    assert keys.returncode == 0, keys.stderr
    data = haven(new, "restore", str(data_archive))
    assert data.returncode == 0, data.stderr

    person = read_person(new, foxtrot["code"])
    assert person["name"] == "Test Person Foxtrot" and person["notes"] == ["note on Foxtrot"]
    assert len(list((new / "attachments").iterdir())) == 1
    assert haven(new, "check").returncode == 0
