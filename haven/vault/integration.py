"""The vault as Haven's Django apps see it: one key store per process, opened from settings.

Domain code seals and opens values through the functions here, naming the table, column and row each
ciphertext belongs to (the associated data), so a ciphertext copied elsewhere fails to open. Decryption
happens only in access-controlled code paths (access functions and selectors), one person at a time.

The key store lives in `DATA_DIR/keys/keystore.sqlite3` by default; `HAVEN_KEYSTORE_URL=postgres://…`
keeps it in the `haven_keys` schema of a PostgreSQL database instead. Never in the main tables.
"""

from __future__ import annotations

import os
import threading
from datetime import date
from pathlib import Path

from django.conf import settings

from haven.vault import blind_index as bi
from haven.vault import crypto
from haven.vault.errors import VaultError, VaultKeyError, VaultKeyMissing
from haven.vault.keystore import KeyStore

__all__ = [
    "VaultError",
    "VaultKeyError",
    "VaultKeyMissing",
    "blind",
    "ensure_keys",
    "erase_key",
    "key_problems",
    "keystore",
    "new_key",
    "new_keys",
    "open_bytes",
    "open_text",
    "reset",
    "seal_bytes",
    "seal_text",
]

_lock = threading.Lock()
_store: KeyStore | None = None
_store_pid: int | None = None


def _keystore_url() -> str | None:
    return os.environ.get("HAVEN_KEYSTORE_URL") or None


def keystore() -> KeyStore:
    """The process's key store, opened on first use (each worker process opens its own)."""
    global _store, _store_pid
    with _lock:
        if _store is None or _store_pid != os.getpid():
            _store = KeyStore.open(Path(settings.DATA_DIR), database_url=_keystore_url())
            _store_pid = os.getpid()
        return _store


def reset() -> None:
    """Close the process's key store (after a rotation, restore or emergency lock, and in tests)."""
    global _store
    with _lock:
        if _store is not None:
            _store.close()
        _store = None


def ensure_keys(data_dir: Path) -> None:
    """Create the master key and key store if none exist yet; never replaces an existing key."""
    KeyStore.open(data_dir, database_url=_keystore_url(), create=True).close()


def key_problems(data_dir: Path) -> list[str]:
    """What is wrong with the keys, in words an operator can act on (empty when all is well)."""
    try:
        store = KeyStore.open(data_dir, database_url=_keystore_url())
    except VaultError as exc:
        return [f"vault: {exc}"]
    try:
        store.blind_index_key()
    except VaultError as exc:
        return [f"vault: {exc}"]
    finally:
        store.close()
    return []


def new_key() -> str:
    """Create a data key for one person; returns its id (store it on the person's row)."""
    key_id, _ = keystore().create_data_key()
    return key_id


def new_keys(count: int) -> list[str]:
    """Create many data keys in one key-store transaction (imports)."""
    return [key_id for key_id, _ in keystore().create_data_keys(count)]


def seal_bytes(key_id: str, *, table: str, column: str, row_id: str, value: bytes) -> bytes:
    """Encrypt `value` under the person's data key, bound to table, column and row."""
    key = keystore().get_data_key(key_id)
    return crypto.seal(key, value, crypto.aad_for(table, column, row_id))


def open_bytes(key_id: str, *, table: str, column: str, row_id: str, blob: bytes) -> bytes:
    """Decrypt; raises VaultKeyMissing for an erased person and VaultDecryptError for a misplaced value."""
    key = keystore().get_data_key(key_id)
    return crypto.open_(key, bytes(blob), crypto.aad_for(table, column, row_id))


def seal_text(key_id: str, *, table: str, column: str, row_id: str, value: str) -> bytes:
    return seal_bytes(key_id, table=table, column=column, row_id=row_id, value=value.encode("utf-8"))


def open_text(key_id: str, *, table: str, column: str, row_id: str, blob: bytes) -> str:
    return open_bytes(key_id, table=table, column=column, row_id=row_id, blob=blob).decode("utf-8")


def blind(purpose: str, value: str | date, *, kind: str = "text") -> str:
    """Blind index of a value, sized from HAVEN_EXPECTED_PEOPLE so that coincidences are expected."""
    bits = bi.bits_for(settings.EXPECTED_PEOPLE)
    return bi.blind_index(keystore().blind_index_key(), purpose, value, bits, kind=kind)


def blind_fields(purpose: str, fields: list[tuple[str, str | date]]) -> str:
    """Blind index over several normalised fields at once (e.g. name + date of birth)."""
    bits = bi.bits_for(settings.EXPECTED_PEOPLE)
    return bi.blind_index_fields(keystore().blind_index_key(), purpose, fields, bits)


def erase_key(key_id: str, *, actor_id: int, case_code: str, reason_code: str) -> bool:
    """Crypto-shred: destroy the person's data key and record it in the erasure ledger (with the keys)."""
    return keystore().destroy_data_key(
        key_id, reason_code=reason_code, actor_id=str(actor_id), case_code=case_code
    )
