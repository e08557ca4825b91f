"""The vault as Haven's Django apps see it: one key store per process, opened from settings.

This module is the vault's public API and Haven's one way to its cryptography: domain code seals and
opens values, unwraps a person's key (`person_key`, `opener`) and computes blind indexes (`blinder`,
`blind`, `blind_fields`) only through the functions here, naming the table, column and row each ciphertext
belongs to (the associated data), so a ciphertext copied elsewhere fails to open. No module outside
`haven.vault` imports `crypto`, `blind_index` or the `cryptography` package (an import-linter contract),
nor unwraps a key from the key store itself (tests/cases/test_one_decryption_path.py). Decryption
happens only in access-controlled code paths (access functions and selectors), one person at a time.

The key store lives in `DATA_DIR/keys/keystore.sqlite3` by default; `HAVEN_KEYSTORE_URL=postgres://…`
keeps it in the `haven_keys` schema of a PostgreSQL database instead. Never in the main tables.
"""

from __future__ import annotations

import base64
import logging
import os
import sqlite3
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from django.conf import settings
from django.db import connections

from haven.vault import blind_index as bi
from haven.vault import crypto
from haven.vault.archive import RESTORE_MARKER, Database, restore_marker
from haven.vault.errors import VaultError, VaultKeyError, VaultKeyMissing, VaultLocked
from haven.vault.keystore import KeyStore, load_master_key

log = logging.getLogger("haven.vault")

# Written by `haven keys destroy` next to the (destroyed) keys: says, even when the key store itself is
# gone, that the keys were destroyed on purpose.
LOCK_MARKER = "EMERGENCY_LOCKED"
HEALTH_MAX_AGE_SECONDS = 5.0

__all__ = [
    "RESTORE_MARKER",
    "VaultError",
    "VaultKeyError",
    "VaultKeyMissing",
    "VaultLocked",
    "Blinder",
    "Health",
    "PersonKey",
    "blind",
    "blind_fields",
    "blinder",
    "database",
    "discard_keys",
    "ensure_keys",
    "erase_key",
    "health",
    "key_problems",
    "keystore",
    "keystore_url",
    "lock_marker",
    "locked_message",
    "new_key",
    "new_keys",
    "normalise_for_index",
    "open_bytes",
    "open_text",
    "opener",
    "person_key",
    "reset",
    "restore_marker",
    "seal_bytes",
    "seal_text",
]

_lock = threading.Lock()
_store: KeyStore | None = None
_store_pid: int | None = None


def keystore_url() -> str | None:
    """HAVEN_KEYSTORE_URL: a PostgreSQL URL for the key store, or None for the SQLite file in the data dir."""
    return os.environ.get("HAVEN_KEYSTORE_URL") or None


_keystore_url = keystore_url


def keystore() -> KeyStore:
    """The process's key store, opened on first use (each worker process opens its own)."""
    global _store, _store_pid
    with _lock:
        if _store is None or _store_pid != os.getpid():
            _store = KeyStore.open(Path(settings.DATA_DIR), database_url=keystore_url())
            _store_pid = os.getpid()
        return _store


def reset() -> None:
    """Close the process's key store (after a rotation, restore or emergency lock, and in tests)."""
    global _store, _health
    with _lock:
        if _store is not None:
            _store.close()
        _store = None
        _health = None


def ensure_keys(data_dir: Path) -> None:
    """Create the master key and key store if none exist yet; never replaces an existing key."""
    KeyStore.open(data_dir, database_url=keystore_url(), create=True).close()


def lock_marker(data_dir: Path) -> Path:
    """The file `haven keys destroy` leaves behind: the keys were destroyed on purpose."""
    return Path(data_dir) / "keys" / LOCK_MARKER


def locked_message(data_dir: Path) -> str | None:
    """Why the keys are gone, when the emergency lock was used; None otherwise."""
    marker = lock_marker(data_dir)
    if not marker.exists():
        return None
    when = marker.read_text(encoding="utf-8", errors="replace").strip()[:64]
    return (
        f"the encryption keys were destroyed by the emergency lock ({when}); the encrypted data can never be "
        "opened again. To start over, move this data dir aside and run 'haven init' in a new one"
    )


def database() -> Database:
    """The main database as the archive functions need it (SQLite file or PostgreSQL URL)."""
    db = settings.DATABASES["default"]
    vendor = connections["default"].vendor  # a class attribute: opens no connection
    if vendor == "sqlite":
        return Database("sqlite", sqlite_path=Path(db["NAME"]))
    if vendor == "postgresql":
        return Database("postgresql", url=settings.DATABASE_URL)
    return Database(vendor)


def _describe(exc: BaseException) -> str:
    if isinstance(exc, VaultError):
        return str(exc)
    # sqlite3 and OS errors are wrapped by KeyStore.open; anything reaching here is unexpected.
    return f"the key store could not be read ({type(exc).__name__}: {exc})"


def key_problems(data_dir: Path) -> list[str]:
    """What is wrong with the keys, in words an operator can act on (empty when all is well).

    Opens the key store read-only in effect: nothing is created, written or repaired.
    """
    locked = locked_message(data_dir)
    if locked is not None:
        return [f"vault: keys destroyed: {locked}"]
    marker = restore_marker(data_dir)
    problems = []
    if marker.exists():
        problems.append(
            f"vault: a restore is under way or was interrupted ({marker} exists); Haven serves no page "
            "until it ends. Fix: run 'haven restore FILE' again to completion"
        )
    try:
        store = KeyStore.open(data_dir, database_url=keystore_url())
    except VaultLocked as exc:
        return [*problems, f"vault: keys destroyed: {exc}"]
    except (VaultError, sqlite3.Error, OSError) as exc:
        return [*problems, f"vault: {_describe(exc)}"]
    try:
        store.blind_index_key()
    except (VaultError, sqlite3.Error) as exc:
        problems.append(f"vault: {_describe(exc)}")
    finally:
        store.close()
    return problems


@dataclass(frozen=True)
class Health:
    """Whether Haven may serve pages: `reason` is "" (ok), "locked", "restoring" or "keys"."""

    reason: str
    detail: str = ""  # for the operator's log; never shown on a web page (it names paths)

    @property
    def ok(self) -> bool:
        return not self.reason


_health: tuple[float, Health] | None = None


def _check_health() -> Health:
    data_dir = Path(settings.DATA_DIR)
    locked = locked_message(data_dir)
    if locked is not None:
        return Health("locked", locked)
    if restore_marker(data_dir).exists():
        return Health("restoring", f"{restore_marker(data_dir)} exists")
    try:
        store = keystore()
        meta = store.meta()
        if "locked_at" in meta:
            return Health("locked", f"emergency-locked at {meta['locked_at']}")
        # Re-read the configured master key: a key file removed or replaced under a running worker
        # must stop it serving too, not only the next worker to start.
        master = load_master_key(data_dir)
        if master.key_id not in {meta.get("active_master_id"), meta.get("rotating_to")}:
            return Health("keys", f"master key {master.key_id} is not this key store's master key")
        store.blind_index_key()
    except VaultLocked as exc:
        return Health("locked", str(exc))
    except (VaultError, sqlite3.Error, OSError) as exc:
        return Health("keys", _describe(exc))
    return Health("")


def health(*, max_age: float = HEALTH_MAX_AGE_SECONDS) -> Health:
    """Whether the keys are usable, checked at most every `max_age` seconds per process (cheap: one
    key-store read, one key file read, one unwrap)."""
    global _health
    now = time.monotonic()
    cached = _health
    if cached is not None and now - cached[0] < max_age:
        return cached[1]
    result = _check_health()
    if not result.ok:
        log.error("vault unavailable", extra={"reason": result.reason, "detail": result.detail})
        reset()
    _health = (now, result)
    return result


def new_key() -> str:
    """Create a data key for one person; returns its id (store it on the person's row)."""
    key_id, _ = keystore().create_data_key()
    return key_id


def new_keys(count: int) -> list[str]:
    """Create many data keys in one key-store transaction (imports)."""
    return [key_id for key_id, _ in keystore().create_data_keys(count)]


def discard_keys(key_ids: list[str]) -> int:
    """Delete data keys that never came to protect stored data (the keys of an import that failed)."""
    return keystore().discard_data_keys(key_ids)


def seal_bytes(key_id: str, *, table: str, column: str, row_id: str, value: bytes) -> bytes:
    """Encrypt `value` under the person's data key, bound to table, column and row."""
    key = keystore().get_data_key(key_id)
    return crypto.seal(key, value, crypto.aad_for(table, column, row_id))


def open_bytes(key_id: str, *, table: str, column: str, row_id: str, blob: bytes) -> bytes:
    """Decrypt; raises VaultKeyMissing for an erased person and VaultDecryptError for a misplaced value."""
    key = keystore().get_data_key(key_id)
    return crypto.open_(key, bytes(blob), crypto.aad_for(table, column, row_id))


class PersonKey:
    """One person's data key, unwrapped once, sealing and opening any number of that person's values.

    Get it with `opener(key_id)`; same keyword arguments as the module functions. Use it when a page or
    import handles several fields of a person: one key-store read and one AES key setup instead of ten.
    """

    __slots__ = ("_sealer", "key_id")

    def __init__(self, key_id: str, sealer: crypto.Sealer) -> None:
        self.key_id = key_id
        self._sealer = sealer

    def __repr__(self) -> str:
        return f"PersonKey({self.key_id!r})"

    def seal_bytes(self, *, table: str, column: str, row_id: str, value: bytes) -> bytes:
        """Encrypt `value`, bound to table, column and row."""
        return self._sealer.seal(value, crypto.aad_for(table, column, row_id))

    def open_bytes(self, *, table: str, column: str, row_id: str, blob: bytes) -> bytes:
        """Decrypt; raises VaultDecryptError for a misplaced or altered value."""
        return self._sealer.open(bytes(blob), crypto.aad_for(table, column, row_id))

    def seal_texts(self, *, table: str, row_id: str, values: Mapping[str, str]) -> dict[str, bytes]:
        """Encrypt several strings of one row at once (a whole record, e.g. an import), by column."""
        columns = list(values)
        aads = crypto.aads_for(table, columns, row_id)
        sealed = self._sealer.seal_many(
            [(values[c].encode("utf-8"), aad) for c, aad in zip(columns, aads, strict=True)]
        )
        return dict(zip(columns, sealed, strict=True))

    def seal_text(self, *, table: str, column: str, row_id: str, value: str) -> bytes:
        """Encrypt a string (UTF-8)."""
        return self.seal_bytes(table=table, column=column, row_id=row_id, value=value.encode("utf-8"))

    def open_text(self, *, table: str, column: str, row_id: str, blob: bytes) -> str:
        """Decrypt to a string."""
        return self.open_bytes(table=table, column=column, row_id=row_id, blob=blob).decode("utf-8")


def person_key(key_id: str) -> PersonKey:
    """The person's data key, unwrapped now, for a caller that keeps it no longer than one request or one
    import batch (`opener` drops it at the end of a block). Raises VaultKeyMissing for an erased person."""
    return PersonKey(key_id, crypto.Sealer(keystore().get_data_key(key_id)))


@contextmanager
def opener(key_id: str) -> Iterator[PersonKey]:
    """`with opener(person.key_id) as key: key.open_text(...)`: unwraps the person's key once.

    Raises VaultKeyMissing at once for an erased person. The key is dropped when the block ends, so it is
    not kept longer than the request needs it.
    """
    key = person_key(key_id)
    try:
        yield key
    finally:
        key._sealer = None  # type: ignore[assignment]


def seal_text(key_id: str, *, table: str, column: str, row_id: str, value: str) -> bytes:
    """Encrypt a string (UTF-8) under the person's data key, bound to table, column and row."""
    return seal_bytes(key_id, table=table, column=column, row_id=row_id, value=value.encode("utf-8"))


def open_text(key_id: str, *, table: str, column: str, row_id: str, blob: bytes) -> str:
    """Decrypt a value sealed by `seal_text`."""
    return open_bytes(key_id, table=table, column=column, row_id=row_id, blob=blob).decode("utf-8")


class Blinder:
    """Haven's one blind-index function: the key store's blind-index key and the width sized from
    HAVEN_EXPECTED_PEOPLE (so that coincidences are expected), read once and used for any number of values.

    Get it with `blinder()`; an import holds one for all its rows instead of one key-store read per value.
    Raises ValueError for a value with nothing left after normalisation (store no index for it).
    """

    __slots__ = ("_bits", "_key")

    def __init__(self, key: bytes, bits: int) -> None:
        self._key = key
        self._bits = bits

    def __repr__(self) -> str:
        return f"Blinder(<key hidden>, bits={self._bits})"

    def blind(self, purpose: str, value: str | date, *, kind: str = "text") -> str:
        """Blind index of one normalised value."""
        return bi.blind_index(self._key, purpose, value, self._bits, kind=kind)

    def blind_fields(self, purpose: str, fields: Sequence[tuple[str, str | date]]) -> str:
        """Blind index over several normalised fields at once (e.g. name + date of birth)."""
        return bi.blind_index_fields(self._key, purpose, fields, self._bits)


def blinder() -> Blinder:
    """The blind-index function with the process's key and the configured width."""
    return Blinder(keystore().blind_index_key(), bi.bits_for(settings.EXPECTED_PEOPLE))


def blind(purpose: str, value: str | date, *, kind: str = "text") -> str:
    """Blind index of a value (`Blinder.blind` with a fresh `blinder()`)."""
    return blinder().blind(purpose, value, kind=kind)


def blind_fields(purpose: str, fields: Sequence[tuple[str, str | date]]) -> str:
    """Blind index over several normalised fields at once (`Blinder.blind_fields`)."""
    return blinder().blind_fields(purpose, fields)


def normalise_for_index(value: str | date, kind: str = "text") -> str:
    """The canonical form a blind index is computed over (to compare candidates after decrypting them)."""
    return bi.normalise(value, kind)


def erase_key(key_id: str, *, actor_id: int, case_code: str, reason_code: str) -> bool:
    """Crypto-shred: destroy the person's data key and record it in the erasure ledger (with the keys)."""
    return keystore().destroy_data_key(
        key_id, reason_code=reason_code, actor_id=str(actor_id), case_code=case_code
    )


# -- second-factor secrets ---------------------------------------------------------------------------------

SEALED_SECRET_PREFIX = "vault1:"  # noqa: S105 (a format marker, not a secret)


def seal_totp_secret(*, user_id: int, hex_key: str) -> str:
    """An authenticator's secret (hex) sealed for storage in its text column, bound to the account."""
    _key_id, key = keystore().totp_key()
    blob = crypto.seal(
        key, bytes.fromhex(hex_key), crypto.aad_for("otp_totp_totpdevice", "key", str(user_id))
    )
    return SEALED_SECRET_PREFIX + base64.urlsafe_b64encode(blob).decode("ascii").rstrip("=")


def open_totp_secret(*, user_id: int, stored: str) -> bytes:
    """The secret of a stored value: opened when sealed, read as hex when not sealed yet."""
    if not stored.startswith(SEALED_SECRET_PREFIX):
        return bytes.fromhex(stored)
    text = stored[len(SEALED_SECRET_PREFIX) :]
    blob = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    _key_id, key = keystore().totp_key()
    return crypto.open_(key, blob, crypto.aad_for("otp_totp_totpdevice", "key", str(user_id)))
