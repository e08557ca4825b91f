"""Backup archives at the library level: a real SQLite database, real attachment files, a real key store."""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path

import pytest

from haven.vault import archive
from haven.vault.archive import ArchiveError, Database
from haven.vault.keystore import KeyStore

NO_ENV: dict[str, str] = {}


def _hashes(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


@pytest.fixture
def site(tmp_path: Path) -> dict[str, Path]:
    """A data dir with a key store, a WAL-mode SQLite database with rows, and two attachment files."""
    data_dir = tmp_path / "var"
    KeyStore.open(data_dir, environ=NO_ENV, create=True).close()
    db = data_dir / "haven.sqlite3"
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("CREATE TABLE person (id INTEGER PRIMARY KEY, label TEXT)")
    conn.executemany(
        "INSERT INTO person (label) VALUES (?)", [("Test Person Alpha",), ("Test Person Bravo",)]
    )
    conn.commit()
    conn.close()
    attachments = data_dir / "attachments"
    attachments.mkdir()
    (attachments / "a.sealed").write_bytes(b"sealed bytes one")
    (attachments / "b.sealed").write_bytes(b"sealed bytes two")
    return {"data_dir": data_dir, "db": db, "attachments": attachments, "out": tmp_path}


def _labels(db: Path) -> list[str]:
    conn = sqlite3.connect(db)
    try:
        return [r[0] for r in conn.execute("SELECT label FROM person ORDER BY id")]
    finally:
        conn.close()


def _backup(site: dict[str, Path], name: str = "backup.hvb") -> Path:
    dest = site["out"] / name
    with KeyStore.open(site["data_dir"], environ=NO_ENV) as store:
        summary = archive.create_backup(
            store,
            data_dir=site["data_dir"],
            database=Database("sqlite", sqlite_path=site["db"]),
            attachments_dir=site["attachments"],
            dest=dest,
        )
    assert summary.attachments == 2
    return dest


def _restore(site: dict[str, Path], path: Path) -> archive.Summary:
    reapplied: list[str] = []

    def reapply(store: KeyStore) -> tuple[int, int, list[str]]:
        # The real re-apply needs Django; here it only has to run after the data is back, marker still set.
        reapplied.append(str(archive_marker(site).exists()))
        return 0, 0, []

    with KeyStore.open(site["data_dir"], environ=NO_ENV) as store:
        summary = archive.restore_backup(
            store,
            path,
            data_dir=site["data_dir"],
            database=Database("sqlite", sqlite_path=site["db"]),
            attachments_dir=site["attachments"],
            reapply=reapply,
        )
    assert reapplied == ["True"], "erasures are re-applied while every page is still closed"
    return summary


def archive_marker(site: dict[str, Path]) -> Path:
    return site["data_dir"] / "RESTORE_IN_PROGRESS"


def test_backup_then_restore_brings_back_the_database_and_attachments(site: dict[str, Path]) -> None:
    path = _backup(site)
    conn = sqlite3.connect(site["db"])
    conn.execute("DELETE FROM person WHERE label = 'Test Person Alpha'")
    conn.execute("INSERT INTO person (label) VALUES ('Test Person Charlie')")
    conn.commit()
    conn.close()
    (site["attachments"] / "a.sealed").unlink()
    (site["attachments"] / "c.sealed").write_bytes(b"added after the backup")

    summary = _restore(site, path)

    assert _labels(site["db"]) == ["Test Person Alpha", "Test Person Bravo"]
    assert sorted(p.name for p in site["attachments"].iterdir()) == ["a.sealed", "b.sealed"]
    assert (site["attachments"] / "a.sealed").read_bytes() == b"sealed bytes one"
    assert summary.attachments == 2
    assert not archive_marker(site).exists()
    assert not list(site["data_dir"].glob(".restore-*")), "the staging directory is removed"


def test_archive_holds_no_plaintext_of_the_database(site: dict[str, Path]) -> None:
    raw = _backup(site).read_bytes()
    assert b"Test Person" not in raw
    assert b"sealed bytes" not in raw
    assert b"SQLite format 3" not in raw


@pytest.mark.parametrize("damage", ["flip_payload_byte", "truncate", "append", "edit_header"])
def test_damaged_archive_is_refused_and_nothing_is_touched(site: dict[str, Path], damage: str) -> None:
    path = _backup(site)
    raw = bytearray(path.read_bytes())
    if damage == "flip_payload_byte":
        raw[len(raw) // 2] ^= 0x01
    elif damage == "truncate":
        raw = raw[: len(raw) - 100]
    elif damage == "append":
        raw += b"\x00" * 32
    else:
        # Same length, still valid JSON: only the authentication of the header can catch it.
        raw = bytearray(bytes(raw).replace(b'"database":"sqlite"', b'"database":"sqlitf"', 1))
        raw = bytearray(bytes(raw).replace(b'"created_at":"2', b'"created_at":"3', 1))
    path.write_bytes(bytes(raw))
    conn = sqlite3.connect(site["db"])
    conn.execute("INSERT INTO person (label) VALUES ('Test Person Delta')")
    conn.commit()
    conn.close()
    before = _hashes(site["data_dir"])

    with pytest.raises(ArchiveError) as caught:
        _restore(site, path)

    assert "nothing was changed" in str(caught.value)
    assert caught.value.returncode == 1
    assert _hashes(site["data_dir"]) == before
    assert not archive_marker(site).exists()


def test_a_file_that_is_not_an_archive_is_an_input_error(site: dict[str, Path]) -> None:
    bogus = site["out"] / "bogus.hvb"
    bogus.write_bytes(b"PK\x03\x04 not a Haven archive")
    with pytest.raises(ArchiveError, match="not a Haven backup archive") as caught:
        _restore(site, bogus)
    assert caught.value.returncode == 2


def test_retired_backup_key_makes_the_archive_unopenable(site: dict[str, Path]) -> None:
    path = _backup(site)
    header, _ = archive.read_header(path)
    with KeyStore.open(site["data_dir"], environ=NO_ENV) as store:
        assert store.destroy_backup_key(header["backup_id"])
    with pytest.raises(ArchiveError, match="is not in this key store"):
        _restore(site, path)


def test_archive_of_another_installation_does_not_open(site: dict[str, Path], tmp_path: Path) -> None:
    path = _backup(site)
    other = tmp_path / "other"
    KeyStore.open(other, environ=NO_ENV, create=True).close()
    with (
        KeyStore.open(other, environ=NO_ENV) as store,
        pytest.raises(ArchiveError, match="another installation"),
    ):
        archive.restore_backup(
            store,
            path,
            data_dir=other,
            database=Database("sqlite", sqlite_path=other / "haven.sqlite3"),
            attachments_dir=other / "attachments",
            reapply=lambda s: (0, 0, []),
        )


def test_key_store_backup_restores_keys_and_returns_the_newer_ledger(site: dict[str, Path]) -> None:
    data_dir = site["data_dir"]
    with KeyStore.open(data_dir, environ=NO_ENV) as store:
        (kept, kept_key), (erased, _) = store.create_data_keys(2)
        keys_backup = site["out"] / "keys.hvk"
        archive.create_keys_backup(store, data_dir=data_dir, dest=keys_backup, environ=NO_ENV)
        store.destroy_data_key(
            erased, reason_code="legal_obligation", actor_id="7", case_code="HV-2000-00001"
        )
    assert b"wrapped_keys" not in keys_backup.read_bytes(), "the key store's tables are not readable"
    # The key store is lost: its file is damaged beyond repair.
    (data_dir / "keys" / "keystore.sqlite3").write_bytes(b"\x00" * 4096)

    summary, previous = archive.restore_keys(keys_backup, data_dir=data_dir, environ=NO_ENV)

    assert summary.kind == "keys"
    assert previous == [], "the damaged store's ledger could not be read"
    with KeyStore.open(data_dir, environ=NO_ENV) as store:
        assert store.get_data_key(kept) == kept_key
        # The backup predates the erasure, so the key is back until the ledger or the database re-erases it.
        assert store.get_data_key(erased)
    (data_dir / "RESTORE_IN_PROGRESS").unlink()


def test_key_store_restore_hands_back_the_ledger_of_the_store_it_replaces(site: dict[str, Path]) -> None:
    data_dir = site["data_dir"]
    keys_backup = site["out"] / "keys.hvk"
    with KeyStore.open(data_dir, environ=NO_ENV) as store:
        ((erased, _),) = store.create_data_keys(1)
        archive.create_keys_backup(store, data_dir=data_dir, dest=keys_backup, environ=NO_ENV)
        store.destroy_data_key(
            erased, reason_code="legal_obligation", actor_id="7", case_code="HV-2000-00001"
        )

    _, previous = archive.restore_keys(keys_backup, data_dir=data_dir, environ=NO_ENV)

    with KeyStore.open(data_dir, environ=NO_ENV) as store:
        assert store.reapply_erasures(previous, actor_id="restore") == 1
        with pytest.raises(Exception, match="does not exist"):
            store.get_data_key(erased)


def test_damaged_key_store_backup_changes_nothing(site: dict[str, Path]) -> None:
    data_dir = site["data_dir"]
    keys_backup = site["out"] / "keys.hvk"
    with KeyStore.open(data_dir, environ=NO_ENV) as store:
        archive.create_keys_backup(store, data_dir=data_dir, dest=keys_backup, environ=NO_ENV)
    raw = bytearray(keys_backup.read_bytes())
    raw[-40] ^= 0x80
    keys_backup.write_bytes(bytes(raw))
    before = _hashes(data_dir / "keys")
    with pytest.raises(ArchiveError, match="integrity"):
        archive.restore_keys(keys_backup, data_dir=data_dir, environ=NO_ENV)
    assert _hashes(data_dir / "keys") == before
