"""The PostgreSQL backend of the key store; runs only when DATABASE_URL points at PostgreSQL.

Each test works in a throw-away schema, never in haven_keys, so a real key store is never touched.
"""

from __future__ import annotations

import os
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from haven.vault import crypto
from haven.vault.errors import VaultKeyError, VaultKeyMissing
from haven.vault.keystore import KeyStore, read_master_key_file
from haven.vault.rotation import rotate
from tests.vault.conftest import NO_ENV

DATABASE_URL = os.environ.get("DATABASE_URL", "")
pytestmark = pytest.mark.skipif(
    not DATABASE_URL.startswith(("postgres://", "postgresql://")), reason="DATABASE_URL is not PostgreSQL"
)
ERASE = {"reason_code": "GDPR-17", "actor_id": "user-42", "case_code": "HV-2024-0001"}


@pytest.fixture
def schema() -> Iterator[str]:
    import psycopg

    name = f"haven_keys_test_{uuid.uuid4().hex[:12]}"
    yield name
    with psycopg.connect(DATABASE_URL, autocommit=True) as conn:
        conn.execute(f"DROP SCHEMA IF EXISTS {name} CASCADE")


@pytest.fixture
def pg_store(data_dir: Path, schema: str) -> Iterator[KeyStore]:
    with KeyStore.open(
        data_dir, database_url=DATABASE_URL, pg_schema=schema, environ=NO_ENV, create=True
    ) as ks:
        yield ks


def _reopen(data_dir: Path, schema: str, environ: dict[str, str] = NO_ENV) -> KeyStore:
    return KeyStore.open(data_dir, database_url=DATABASE_URL, pg_schema=schema, environ=environ)


def test_postgres_data_key_roundtrips_and_erasure_is_recorded(
    pg_store: KeyStore, data_dir: Path, schema: str
) -> None:
    key_id, key = pg_store.create_data_key()
    gone_id, _ = pg_store.create_data_key()
    assert pg_store.destroy_data_key(gone_id, **ERASE) is True
    pg_store.close()
    with _reopen(data_dir, schema) as ks:
        assert ks.get_data_key(key_id) == key
        with pytest.raises(VaultKeyMissing):
            ks.get_data_key(gone_id)
        assert [(r.key_id, r.reason_code) for r in ks.list_erasures()] == [(gone_id, "GDPR-17")]
    assert not (data_dir / "keys" / "keystore.sqlite3").exists()


def test_postgres_store_refuses_a_wrong_master_key(pg_store: KeyStore, data_dir: Path, schema: str) -> None:
    pg_store.close()
    with pytest.raises(VaultKeyError, match="is not the master key of this key store"):
        _reopen(data_dir, schema, {"HAVEN_MASTER_KEY": crypto.generate_key().hex()})


def test_postgres_missing_schema_is_refused_without_create(data_dir: Path, schema: str) -> None:
    with pytest.raises(VaultKeyError, match=f"schema {schema} does not exist"):
        _reopen(data_dir, schema)


def test_postgres_rotation_rewraps_every_key(pg_store: KeyStore, data_dir: Path, schema: str) -> None:
    keys = pg_store.create_data_keys(120)
    old = read_master_key_file(data_dir / "keys" / "master.key")
    pg_store.close()
    result = rotate(data_dir, database_url=DATABASE_URL, pg_schema=schema, batch_size=25, environ=NO_ENV)
    assert result.rewrapped == 122 and result.old_master_id == old.key_id
    with _reopen(data_dir, schema) as ks:
        assert ks.count_by_master() == {result.new_master_id: 122}
        for key_id, key in keys:
            assert ks.get_data_key(key_id) == key


def test_postgres_store_serves_several_threads(pg_store: KeyStore) -> None:
    created: list[tuple[str, bytes]] = []

    def work() -> None:
        created.extend(pg_store.create_data_key() for _ in range(10))

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(created) == 40
    for key_id, key in created:
        assert pg_store.get_data_key(key_id) == key


def test_postgres_emergency_lock(pg_store: KeyStore, data_dir: Path, schema: str) -> None:
    key_id, _ = pg_store.create_data_key()
    pg_store.destroy_all(reason_code="EMERGENCY", actor_id="user-1")
    with pytest.raises(VaultKeyMissing):
        pg_store.get_data_key(key_id)
    pg_store.close()
    with pytest.raises(VaultKeyError, match="emergency-locked"):
        _reopen(data_dir, schema)
