"""Fixtures for the vault tests: a fresh data dir with its own key store, never the process environment."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from haven.vault.keystore import KeyStore

NO_ENV: dict[str, str] = {}


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "var"


@pytest.fixture
def store(data_dir: Path) -> Iterator[KeyStore]:
    with KeyStore.open(data_dir, environ=NO_ENV, create=True) as ks:
        yield ks


def raw_wrapped(data_dir: Path, key_id: str) -> tuple[bytes, str]:
    """Read a wrapped key straight from the SQLite file, as an attacker with the file would."""
    conn = sqlite3.connect(data_dir / "keys" / "keystore.sqlite3")
    try:
        row = conn.execute(
            "SELECT wrapped, master_key_id FROM wrapped_keys WHERE key_id = ?", (key_id,)
        ).fetchone()
    finally:
        conn.close()
    assert row is not None, f"no wrapped key {key_id} in the file"
    return bytes(row[0]), row[1]


def keystore_file_bytes(data_dir: Path) -> bytes:
    """Every byte of the key store's files on disk (main file, -wal, -shm)."""
    keys = data_dir / "keys"
    return b"".join(p.read_bytes() for p in sorted(keys.glob("keystore.sqlite3*")))
