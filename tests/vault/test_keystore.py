from __future__ import annotations

import base64
import multiprocessing
import os
import sqlite3
import stat
import threading
from datetime import UTC, datetime
from pathlib import Path

import pytest

from haven.vault import crypto
from haven.vault.errors import VaultKeyError, VaultKeyMissing
from haven.vault.keystore import KeyStore
from tests.vault.conftest import NO_ENV, keystore_file_bytes, raw_wrapped

ERASE = {"reason_code": "GDPR-17", "actor_id": "user-42", "case_code": "HV-2024-0001"}


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_new_data_dir_gets_private_key_files(store: KeyStore, data_dir: Path) -> None:
    keys = data_dir / "keys"
    assert _mode(keys) == 0o700
    assert _mode(keys / "master.key") == 0o600
    assert _mode(keys / "keystore.sqlite3") == 0o600
    assert len(base64.b64decode((keys / "master.key").read_text().strip())) == 32


def test_data_key_roundtrips_through_a_reopened_key_store(store: KeyStore, data_dir: Path) -> None:
    key_id, key = store.create_data_key()
    store.close()
    with KeyStore.open(data_dir, environ=NO_ENV) as reopened:
        assert reopened.get_data_key(key_id) == key


def test_only_wrapped_keys_reach_the_key_store_files(store: KeyStore, data_dir: Path) -> None:
    keys = store.create_data_keys(50)
    on_disk = keystore_file_bytes(data_dir)
    for key_id, key in keys:
        assert key not in on_disk
        assert raw_wrapped(data_dir, key_id)[0] in on_disk


def test_keystore_uses_wal_and_secure_delete(store: KeyStore, data_dir: Path) -> None:
    conn = sqlite3.connect(data_dir / "keys" / "keystore.sqlite3")
    try:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    finally:
        conn.close()
    # secure_delete is per connection; what matters is that our connection zeroes freed cells.
    assert store._backend.conn.execute("PRAGMA secure_delete").fetchone()[0] == 1  # type: ignore[attr-defined]


def test_wrong_master_key_is_refused_with_a_clear_error(store: KeyStore, data_dir: Path) -> None:
    store.create_data_key()
    store.close()
    other = base64.b64encode(crypto.generate_key()).decode()
    with pytest.raises(VaultKeyError, match="is not the master key of this key store"):
        KeyStore.open(data_dir, environ={"HAVEN_MASTER_KEY": other})


def test_master_key_file_readable_by_others_is_refused(store: KeyStore, data_dir: Path) -> None:
    store.close()
    key_file = data_dir / "keys" / "master.key"
    key_file.chmod(0o644)
    with pytest.raises(VaultKeyError, match=r"mode 0644.*chmod 600 .*master\.key"):
        KeyStore.open(data_dir, environ=NO_ENV)
    key_file.chmod(0o600)
    KeyStore.open(data_dir, environ=NO_ENV).close()


def test_missing_master_key_error_names_the_path(store: KeyStore, data_dir: Path) -> None:
    store.close()
    (data_dir / "keys" / "master.key").unlink()
    with pytest.raises(VaultKeyError, match=str(data_dir / "keys" / "master.key")):
        KeyStore.open(data_dir, environ=NO_ENV)


def test_create_never_replaces_a_lost_master_key(store: KeyStore, data_dir: Path) -> None:
    store.close()
    (data_dir / "keys" / "master.key").unlink()
    with pytest.raises(VaultKeyError, match="does not exist"):
        KeyStore.open(data_dir, environ=NO_ENV, create=True)
    assert not (data_dir / "keys" / "master.key").exists()


def test_missing_key_store_is_refused_without_create(tmp_path: Path) -> None:
    with pytest.raises(VaultKeyError, match="does not exist"):
        KeyStore.open(tmp_path / "nowhere", environ=NO_ENV)


def test_master_key_from_environment_in_base64_or_hex(data_dir: Path) -> None:
    raw = crypto.generate_key()
    with KeyStore.open(
        data_dir, environ={"HAVEN_MASTER_KEY": base64.b64encode(raw).decode()}, create=True
    ) as ks:
        key_id, key = ks.create_data_key()
        assert ks.primary_master_id == crypto.master_key_id(raw)
    assert not (data_dir / "keys" / "master.key").exists()
    with KeyStore.open(data_dir, environ={"HAVEN_MASTER_KEY": raw.hex()}) as ks:
        assert ks.get_data_key(key_id) == key


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("", "empty"),
        ("not base64 at all!", "neither valid base64 nor 64 hex digits"),
        (base64.b64encode(bytes(16)).decode(), "16 bytes"),
        ("ab" * 33, "33 bytes"),
    ],
)
def test_malformed_master_key_in_environment_is_refused(data_dir: Path, value: str, message: str) -> None:
    with pytest.raises(VaultKeyError, match=message):
        KeyStore.open(data_dir, environ={"HAVEN_MASTER_KEY": value}, create=True)


def test_master_key_file_named_by_environment(data_dir: Path, tmp_path: Path) -> None:
    secret = tmp_path / "secret"
    secret.write_text(crypto.generate_key().hex() + "\n")
    secret.chmod(0o400)
    with KeyStore.open(data_dir, environ={"HAVEN_MASTER_KEY_FILE": str(secret)}, create=True) as ks:
        ks.create_data_key()
    secret.chmod(0o640)
    with pytest.raises(VaultKeyError, match="chmod 600"):
        KeyStore.open(data_dir, environ={"HAVEN_MASTER_KEY_FILE": str(secret)})
    with pytest.raises(VaultKeyError, match="does not exist"):
        KeyStore.open(data_dir, environ={"HAVEN_MASTER_KEY_FILE": str(tmp_path / "absent")})


def test_master_key_in_both_variable_and_file_is_ambiguous(data_dir: Path) -> None:
    env = {"HAVEN_MASTER_KEY": crypto.generate_key().hex(), "HAVEN_MASTER_KEY_FILE": "/dev/null"}
    with pytest.raises(VaultKeyError, match="not both"):
        KeyStore.open(data_dir, environ=env, create=True)


def test_destroyed_key_is_missing_and_recorded_in_the_erasure_ledger(data_dir: Path) -> None:
    frozen = datetime(2031, 5, 6, 7, 8, 9, tzinfo=UTC)
    with KeyStore.open(data_dir, environ=NO_ENV, create=True, clock=lambda: frozen) as ks:
        key_id, _key = ks.create_data_key()
        kept_id, kept = ks.create_data_key()
        assert ks.destroy_data_key(key_id, **ERASE) is True
        with pytest.raises(VaultKeyMissing, match=key_id):
            ks.get_data_key(key_id)
        assert ks.get_data_key(kept_id) == kept
        [record] = ks.list_erasures()
    assert (record.key_id, record.case_code, record.actor_id, record.reason_code) == (
        key_id,
        "HV-2024-0001",
        "user-42",
        "GDPR-17",
    )
    assert record.erased_at == frozen


def test_destroying_twice_is_harmless_and_logged_once(store: KeyStore) -> None:
    key_id, _ = store.create_data_key()
    assert store.destroy_data_key(key_id, **ERASE) is True
    assert store.destroy_data_key(key_id, **ERASE) is False
    assert [r.key_id for r in store.list_erasures()] == [key_id]


def test_destroying_a_key_that_never_existed_is_an_error(store: KeyStore) -> None:
    with pytest.raises(VaultKeyMissing, match="cannot be destroyed"):
        store.destroy_data_key("00000000-0000-0000-0000-000000000000", **ERASE)
    assert store.list_erasures() == []


def test_erasure_ledger_refuses_free_text(store: KeyStore) -> None:
    key_id, _ = store.create_data_key()
    with pytest.raises(ValueError, match="no personal data"):
        store.destroy_data_key(
            key_id, reason_code="asked by Test Person Alpha", actor_id="u1", case_code="C1"
        )
    assert store.get_data_key(key_id)


def test_destroyed_wrapped_key_bytes_leave_the_key_store_files_including_the_wal(
    store: KeyStore, data_dir: Path
) -> None:
    keys = store.create_data_keys(20)
    victim_id = keys[7][0]
    wrapped, _ = raw_wrapped(data_dir, victim_id)
    # Move some pages into the main file too, so both places are exercised.
    store._backend.scrub()
    store.create_data_keys(5)
    assert wrapped in keystore_file_bytes(data_dir)
    store.destroy_data_key(victim_id, **ERASE)
    assert wrapped not in keystore_file_bytes(data_dir)
    for key_id, _ in keys[8:]:
        assert raw_wrapped(data_dir, key_id)[0] in keystore_file_bytes(data_dir)


def test_key_wrapped_by_an_unknown_master_key_is_a_key_error(store: KeyStore, data_dir: Path) -> None:
    key_id, _ = store.create_data_key()
    conn = sqlite3.connect(data_dir / "keys" / "keystore.sqlite3")
    with conn:
        conn.execute("UPDATE wrapped_keys SET master_key_id = 'feedfacefeedface' WHERE key_id = ?", (key_id,))
    conn.close()
    with pytest.raises(VaultKeyError, match="feedfacefeedface, which is not loaded"):
        store.get_data_key(key_id)


def test_corrupted_wrapped_key_is_a_key_error_not_garbage(store: KeyStore, data_dir: Path) -> None:
    key_id, _ = store.create_data_key()
    wrapped, _ = raw_wrapped(data_dir, key_id)
    damaged = wrapped[:-1] + bytes([wrapped[-1] ^ 1])
    conn = sqlite3.connect(data_dir / "keys" / "keystore.sqlite3")
    with conn:
        conn.execute("UPDATE wrapped_keys SET wrapped = ? WHERE key_id = ?", (damaged, key_id))
    conn.close()
    with pytest.raises(VaultKeyError, match="does not open under master key"):
        store.get_data_key(key_id)


def test_blind_index_key_is_stable_and_separate_from_data_keys(store: KeyStore, data_dir: Path) -> None:
    first = store.blind_index_key()
    _, data_key = store.create_data_key()
    store.close()
    with KeyStore.open(data_dir, environ=NO_ENV) as reopened:
        assert reopened.blind_index_key() == first
    assert len(first) == 32 and first != data_key


def test_audit_key_is_made_with_the_store_and_stays_the_same_when_reopened(
    store: KeyStore, data_dir: Path
) -> None:
    key_id, key = store.audit_key()
    store.close()
    with KeyStore.open(data_dir, environ=NO_ENV) as reopened:
        assert reopened.audit_key() == (key_id, key)
        assert reopened.count_by_kind() == {"audit": 1, "blind_index": 1}
    assert key_id == "audit-chain.v1"
    assert len(key) == 32 and key != store_blind_index_key(data_dir)
    wrapped, _ = raw_wrapped(data_dir, "audit-chain.v1")
    assert key not in wrapped


def store_blind_index_key(data_dir: Path) -> bytes:
    with KeyStore.open(data_dir, environ=NO_ENV) as ks:
        return ks.blind_index_key()


def test_a_key_store_made_before_the_audit_key_gets_one_on_first_use(store: KeyStore, data_dir: Path) -> None:
    store.close()
    conn = sqlite3.connect(data_dir / "keys" / "keystore.sqlite3")
    with conn:
        conn.execute("DELETE FROM wrapped_keys WHERE kind = 'audit'")
    conn.close()
    with KeyStore.open(data_dir, environ=NO_ENV) as older:
        assert older.count_by_kind() == {"blind_index": 1}
        key_id, key = older.audit_key()
    with KeyStore.open(data_dir, environ=NO_ENV) as reopened:
        assert reopened.audit_key() == (key_id, key)


def test_emergency_lock_makes_everything_unreadable_at_once(store: KeyStore, data_dir: Path) -> None:
    keys = store.create_data_keys(10)
    wrapped = [raw_wrapped(data_dir, key_id)[0] for key_id, _ in keys]
    destroyed = store.destroy_all(reason_code="EMERGENCY", actor_id="user-1")
    assert str(data_dir / "keys" / "master.key") in destroyed
    assert not (data_dir / "keys" / "master.key").exists()
    on_disk = keystore_file_bytes(data_dir)
    assert not any(w in on_disk for w in wrapped)
    with pytest.raises(VaultKeyMissing):
        store.get_data_key(keys[0][0])
    store.close()
    with pytest.raises(VaultKeyError, match="emergency-locked"):
        KeyStore.open(data_dir, environ=NO_ENV, create=True)


def test_restoring_an_older_key_store_then_reapplying_the_ledger_erases_again(
    store: KeyStore, data_dir: Path, tmp_path: Path
) -> None:
    key_id, _ = store.create_data_key()
    kept_id, kept = store.create_data_key()
    backup = tmp_path / "backup.sqlite3"
    with sqlite3.connect(backup) as target:
        store._backend.conn.backup(target)  # type: ignore[attr-defined]
    store.destroy_data_key(key_id, **ERASE)
    ledger = store.list_erasures()
    store.close()
    live = data_dir / "keys" / "keystore.sqlite3"
    for leftover in data_dir.glob("keys/keystore.sqlite3-*"):
        leftover.unlink()
    live.write_bytes(backup.read_bytes())
    with KeyStore.open(data_dir, environ=NO_ENV) as restored:
        assert restored.get_data_key(key_id)
        assert restored.reapply_erasures(ledger, actor_id="user-9") == 1
        with pytest.raises(VaultKeyMissing):
            restored.get_data_key(key_id)
        assert restored.get_data_key(kept_id) == kept


def _create_in_other_process(data_dir: str, count: int, queue: multiprocessing.Queue) -> None:
    with KeyStore.open(data_dir, environ={}) as ks:
        queue.put([(key_id, key.hex()) for key_id, key in (ks.create_data_key() for _ in range(count))])


def test_threads_and_processes_create_keys_side_by_side(store: KeyStore, data_dir: Path) -> None:
    created: list[tuple[str, bytes]] = []
    lock = threading.Lock()

    def work() -> None:
        for _ in range(25):
            pair = store.create_data_key()
            with lock:
                created.append(pair)

    ctx = multiprocessing.get_context("spawn")
    queue = ctx.Queue()
    procs = [ctx.Process(target=_create_in_other_process, args=(str(data_dir), 25, queue)) for _ in range(2)]
    threads = [threading.Thread(target=work) for _ in range(4)]
    for p in procs:
        p.start()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for _ in procs:
        created.extend((key_id, bytes.fromhex(key)) for key_id, key in queue.get(timeout=60))
    for p in procs:
        p.join(timeout=60)
        assert p.exitcode == 0
    assert len({key_id for key_id, _ in created}) == 150
    for key_id, key in created:
        assert store.get_data_key(key_id) == key


def test_umask_does_not_loosen_the_key_file(tmp_path: Path) -> None:
    old = os.umask(0)
    try:
        KeyStore.open(tmp_path / "var", environ=NO_ENV, create=True).close()
    finally:
        os.umask(old)
    assert _mode(tmp_path / "var" / "keys" / "master.key") == 0o600
    assert _mode(tmp_path / "var" / "keys" / "keystore.sqlite3") == 0o600
