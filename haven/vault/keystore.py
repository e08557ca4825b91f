"""Master key loading and the key store: wrapped per-person data keys, the blind-index key and the
erasure ledger, kept apart from the main database.

Layout under the data dir (SQLite backend)::

    <data_dir>/keys/                  mode 0700
        master.key                    mode 0600, one line: base64 of 32 random bytes
        master.key.new                only during a master key rotation (see rotation.py)
        master.key.old                only in the last step of a rotation, then overwritten and removed
        keystore.sqlite3              mode 0600, WAL mode, secure_delete=ON (+ -wal and -shm files)

With the PostgreSQL backend (`database_url=postgres://...`) the tables live in their own schema
`haven_keys`; the master key still comes from the environment or a file, never from a database.

Master key sources, first match wins:

1. `HAVEN_MASTER_KEY`: the key itself, base64 or hex.
2. `HAVEN_MASTER_KEY_FILE`: path of a file holding the key (base64 or hex); mode must be 0600 or 0400.
   Setting both 1 and 2 is refused as ambiguous.
3. `<data_dir>/keys/master.key`, created by `KeyStore.open(..., create=True)` when no key exists yet.

The master key is 32 random bytes, never derived from anything else. Missing, unreadable, badly encoded,
wrong-length, unsafely stored or wrong (not the key of this key store) master keys raise `VaultKeyError`
saying what is wrong and how to fix it; nothing falls back to plaintext or to a fresh key.

Tables (in schema `haven_keys` on PostgreSQL):

* `wrapped_keys(key_id, kind, wrapped, master_key_id, created_at)`: data keys (kind 'data'), the
  blind-index key (kind 'blind_index', key id 'blind-index.v1'), the audit-chain key (kind 'audit', key id
  'audit-chain.v1'), the TOTP-secret key (kind 'totp', key id 'totp-secrets.v1') and one key per database
  backup (kind 'backup', key id 'backup.<backup id>'), each AES-256-GCM-wrapped by the master key
  identified by `master_key_id`. Plain keys are never stored.
* `erasures(seq, key_id, case_code, erased_at, actor_id, reason_code)`: the erasure ledger. Codes and ids
  only, no personal data, so it survives erasure and can be re-applied after restoring an older backup.
* `meta(name, value)`: `active_master_id` (wraps new keys) and `rotating_to` (during a rotation).

Unwrapped data keys are not cached: a destroyed key stops opening at once in every worker. Each worker
process opens its own `KeyStore`; one instance may be shared by threads (a lock serialises its calls) and
SQLite writers in several processes wait on each other through `busy_timeout`.
"""

from __future__ import annotations

import base64
import binascii
import logging
import os
import re
import sqlite3
import stat
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

from haven.vault import crypto
from haven.vault.errors import VaultKeyError, VaultKeyMissing, VaultLocked

log = logging.getLogger("haven.vault")

ENV_VAR = "HAVEN_MASTER_KEY"
ENV_FILE_VAR = "HAVEN_MASTER_KEY_FILE"
KEYS_DIR = "keys"
MASTER_KEY_FILE = "master.key"
NEW_MASTER_KEY_FILE = "master.key.new"
OLD_MASTER_KEY_FILE = "master.key.old"
SQLITE_FILE = "keystore.sqlite3"
PG_SCHEMA = "haven_keys"
BLIND_INDEX_KEY_ID = "blind-index.v1"
AUDIT_KEY_ID = "audit-chain.v1"
# The key sealing the accounts' TOTP secrets (one key: a secret is bound to its account in the AAD).
TOTP_KEY_ID = "totp-secrets.v1"
BACKUP_KEY_PREFIX = "backup."
BUSY_TIMEOUT_MS = 15_000

_GENERATE_HINT = (
    "Fix: put back the original key from your key backup (data encrypted under it cannot be opened with any "
    "other key); only a brand-new installation may use a fresh key, generated with: "
    "python -c 'import base64, os; print(base64.b64encode(os.urandom(32)).decode())'"
)
_CODE_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:/-]{0,63}")


# --------------------------------------------------------------------------------------------------------
# Master key


@dataclass(frozen=True)
class MasterKey:
    """A loaded master key; `source` says where it came from, for error messages."""

    key: bytes = field(repr=False)
    key_id: str
    source: str

    @classmethod
    def from_bytes(cls, key: bytes, source: str) -> MasterKey:
        """Wrap raw key bytes, checking their length."""
        if len(key) != crypto.KEY_BYTES:
            raise VaultKeyError(
                f"master key from {source} is {len(key)} bytes; it must be {crypto.KEY_BYTES} random bytes "
                f"({_GENERATE_HINT})"
            )
        return cls(key=bytes(key), key_id=crypto.master_key_id(key), source=source)


def parse_master_key(text: str, source: str) -> MasterKey:
    """Decode a master key written as base64 (standard or URL-safe) or as 64 hex digits."""
    value = text.strip()
    if not value:
        raise VaultKeyError(f"master key from {source} is empty; {_GENERATE_HINT}")
    try:
        # Base64 of 32 bytes always ends in "=", so an all-hex value is never a valid base64 key.
        if re.fullmatch(r"[0-9a-fA-F]+", value):
            raw = bytes.fromhex(value)
        elif "-" in value or "_" in value:
            raw = base64.urlsafe_b64decode(value.encode("ascii"))
        else:
            raw = base64.b64decode(value.encode("ascii"), validate=True)
    except (binascii.Error, ValueError, UnicodeEncodeError):
        raise VaultKeyError(
            f"master key from {source} is neither valid base64 nor 64 hex digits; {_GENERATE_HINT}"
        ) from None
    return MasterKey.from_bytes(raw, source)


def read_master_key_file(path: Path) -> MasterKey:
    """Load a key file, refusing one that group or others could read or write."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        raise VaultKeyError(f"master key file {path} does not exist") from None
    except OSError as exc:
        raise VaultKeyError(f"master key file {path} cannot be opened: {exc.strerror}") from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise VaultKeyError(f"master key file {path} is not a regular file")
        if st.st_mode & 0o077:
            raise VaultKeyError(
                f"master key file {path} is accessible by group or others "
                f"(mode {stat.S_IMODE(st.st_mode):04o}); refusing to use it. Fix: chmod 600 {path}"
            )
        with os.fdopen(os.dup(fd), "rb") as handle:
            content = handle.read(4096)
    finally:
        os.close(fd)
    try:
        text = content.decode("ascii")
    except UnicodeDecodeError:
        raise VaultKeyError(
            f"master key file {path} is not text; it must hold one line of base64 or hex. {_GENERATE_HINT}"
        ) from None
    return parse_master_key(text, str(path))


def fsync_dir(path: Path) -> None:
    """Make a rename or unlink inside `path` durable."""
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_key_file(path: Path, key: bytes, *, replace: bool) -> None:
    """Write a key file atomically with mode 0600: temporary file, fsync, then link or rename, fsync dir.

    With `replace=False` an existing file is never overwritten (VaultKeyError instead).
    """
    tmp = path.with_name(path.name + ".tmp")
    tmp.unlink(missing_ok=True)
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.fchmod(fd, 0o600)
        os.write(fd, base64.b64encode(key) + b"\n")
        os.fsync(fd)
    finally:
        os.close(fd)
    if replace:
        os.replace(tmp, path)
    else:
        try:
            os.link(tmp, path)
        except FileExistsError:
            raise VaultKeyError(f"refusing to overwrite existing key file {path}") from None
        finally:
            tmp.unlink(missing_ok=True)
    fsync_dir(path.parent)


def destroy_key_file(path: Path) -> bool:
    """Overwrite a key file in place (random, then zeros), fsync, unlink, fsync the directory.

    Best effort against forensic recovery: journaling file systems and SSDs may keep older copies of the
    blocks. Returns False when the file did not exist.
    """
    try:
        fd = os.open(path, os.O_RDWR)
    except FileNotFoundError:
        return False
    try:
        size = max(os.fstat(fd).st_size, 64)
        for filler in (os.urandom(size), bytes(size)):
            os.lseek(fd, 0, os.SEEK_SET)
            os.write(fd, filler)
            os.fsync(fd)
    finally:
        os.close(fd)
    path.unlink(missing_ok=True)
    fsync_dir(path.parent)
    return True


def master_key_source(data_dir: Path, environ: Mapping[str, str] | None = None) -> str:
    """Which source `load_master_key` would use: 'env', 'env-file' or 'data-dir'."""
    env = os.environ if environ is None else environ
    direct, file_name = env.get(ENV_VAR), env.get(ENV_FILE_VAR)
    if direct is not None and file_name is not None:
        raise VaultKeyError(f"set either {ENV_VAR} or {ENV_FILE_VAR}, not both")
    if direct is not None:
        return "env"
    if file_name is not None:
        return "env-file"
    return "data-dir"


def load_master_key(data_dir: Path, environ: Mapping[str, str] | None = None) -> MasterKey:
    """Load the master key from the first configured source (see module docstring); fail closed."""
    env = os.environ if environ is None else environ
    source = master_key_source(data_dir, env)
    if source == "env":
        return parse_master_key(env[ENV_VAR], f"environment variable {ENV_VAR}")
    if source == "env-file":
        file_name = env[ENV_FILE_VAR].strip()
        if not file_name:
            raise VaultKeyError(f"{ENV_FILE_VAR} is set but empty; it must name the master key file")
        return read_master_key_file(Path(file_name))
    path = Path(data_dir) / KEYS_DIR / MASTER_KEY_FILE
    if not path.exists():
        raise VaultKeyError(
            f"no master key: {ENV_VAR} and {ENV_FILE_VAR} are unset and the key file {path} does not exist. "
            f"Fix: restore {path} from your key backup (mode 0600), or set {ENV_VAR}/{ENV_FILE_VAR}; "
            "only a brand-new installation creates a fresh key"
        )
    return read_master_key_file(path)


# --------------------------------------------------------------------------------------------------------
# Backends


class _Tx(Protocol):
    def execute(self, sql: str, params: Sequence[Any] = ()) -> Any: ...
    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> Any: ...


class _Backend(Protocol):
    def transaction(self, *, write: bool) -> Any: ...
    def lock_meta(self, tx: Any, *, exclusive: bool) -> None: ...
    def scrub(self) -> None: ...
    def close(self) -> None: ...
    def files(self) -> list[Path]: ...


_TABLES_SQL = """
CREATE TABLE IF NOT EXISTS wrapped_keys (
    key_id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    wrapped {blob} NOT NULL,
    master_key_id TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS wrapped_keys_master ON wrapped_keys (master_key_id);
CREATE TABLE IF NOT EXISTS erasures (
    seq {serial} PRIMARY KEY,
    key_id TEXT NOT NULL,
    case_code TEXT NOT NULL,
    erased_at TEXT NOT NULL,
    actor_id TEXT NOT NULL,
    reason_code TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS erasures_key ON erasures (key_id);
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
"""


def damaged_keystore_error(path: Path, exc: Exception) -> VaultKeyError:
    """The error for a key store file SQLite cannot read (truncated, overwritten, not a database)."""
    return VaultKeyError(
        f"key store {path} is damaged or is not a Haven key store ({exc}). Fix: stop Haven and restore "
        f"the key store from the latest key backup (haven restore --keys FILE); do not delete {path}"
    )


class _SqliteBackend:
    def __init__(self, path: Path, *, create: bool) -> None:
        self.path = path
        if not path.exists():
            if not create:
                raise VaultKeyError(
                    f"key store {path} does not exist. Fix: restore it from backup together with the master "
                    "key, or initialise a new data dir; without it no encrypted data can be opened"
                )
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        # Autocommit mode: transactions are opened explicitly so writers take the lock up front.
        self.conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=15)
        try:
            self.conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
            self.conn.execute("PRAGMA secure_delete=ON")
            mode = self.conn.execute("PRAGMA journal_mode=WAL").fetchone()[0]
            if mode.lower() != "wal":
                raise VaultKeyError(f"key store {path} could not switch to WAL mode (got {mode})")
            # A committed key that vanished after a power cut would make a person's data unreadable.
            self.conn.execute("PRAGMA synchronous=FULL")
            self.conn.executescript(_TABLES_SQL.format(blob="BLOB", serial="INTEGER"))
        except sqlite3.DatabaseError as exc:
            self.conn.close()
            raise damaged_keystore_error(path, exc) from None
        except BaseException:
            self.conn.close()
            raise

    @contextmanager
    def transaction(self, *, write: bool) -> Iterator[sqlite3.Connection]:
        self.conn.execute("BEGIN IMMEDIATE" if write else "BEGIN")
        try:
            yield self.conn
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        self.conn.execute("COMMIT")

    def lock_meta(self, tx: Any, *, exclusive: bool) -> None:
        """Nothing to do: write transactions start with BEGIN IMMEDIATE, which already serialises them."""

    def scrub(self) -> None:
        # secure_delete zeroes freed cells, but in WAL mode the old page images stay in the main file until
        # a checkpoint and the inserted frames stay in the -wal file until it is truncated.
        for _attempt in range(40):
            busy, _log, _done = self.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
            if not busy:
                return
            time.sleep(0.05)
        log.warning("key store checkpoint still blocked by readers; erased wraps linger in %s-wal", self.path)

    def close(self) -> None:
        self.conn.close()

    def files(self) -> list[Path]:
        return [self.path, self.path.with_name(self.path.name + "-wal")]


class _PgTx:
    def __init__(self, cursor: Any) -> None:
        self.cursor = cursor

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Any:
        self.cursor.execute(sql.replace("?", "%s"), params)
        return self.cursor

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> Any:
        self.cursor.executemany(sql.replace("?", "%s"), rows)
        return self.cursor


class _PostgresBackend:
    def __init__(self, url: str, *, create: bool, schema: str) -> None:
        import psycopg

        if not re.fullmatch(r"[a-z_][a-z0-9_]{0,62}", schema):
            raise ValueError("PostgreSQL schema name must be lower-case letters, digits and underscores")
        self.conn = psycopg.connect(url, autocommit=True)
        # Only our schema on the path: unqualified names can neither reach nor create tables elsewhere.
        self.conn.execute(f"SET search_path TO {schema}")
        exists = self.conn.execute(
            "SELECT 1 FROM information_schema.tables WHERE table_schema = %s AND table_name = 'meta'",
            (schema,),
        ).fetchone()
        if not exists and not create:
            self.conn.close()
            raise VaultKeyError(
                f"key store schema {schema} does not exist in the database. Fix: restore it from backup "
                "together with the master key, or initialise a new installation"
            )
        if not exists:
            with self.conn.transaction():
                # Several workers may start at once on a fresh database.
                self.conn.execute("SELECT pg_advisory_xact_lock(7031917)")
                self.conn.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
                tables = _TABLES_SQL.format(blob="BYTEA", serial="BIGINT GENERATED ALWAYS AS IDENTITY")
                for statement in tables.split(";"):
                    if statement.strip():
                        self.conn.execute(statement)

    @contextmanager
    def transaction(self, *, write: bool) -> Iterator[_PgTx]:
        with self.conn.transaction(), self.conn.cursor() as cursor:
            yield _PgTx(cursor)

    def lock_meta(self, tx: Any, *, exclusive: bool) -> None:
        """Row locks on meta order key creation (shared) against the end of a rotation (exclusive)."""
        tx.execute("SELECT value FROM meta FOR UPDATE" if exclusive else "SELECT value FROM meta FOR SHARE")

    def scrub(self) -> None:
        # PostgreSQL keeps dead tuples until VACUUM and never zeroes them; VACUUM at least frees them for
        # reuse. The durable guarantee is cryptographic: a lingering wrap is useless once the master key
        # that wrapped it is rotated away.
        self.conn.execute("VACUUM wrapped_keys")

    def close(self) -> None:
        self.conn.close()

    def files(self) -> list[Path]:
        return []


# --------------------------------------------------------------------------------------------------------
# Key store


@dataclass(frozen=True)
class ErasureRecord:
    """One line of the erasure ledger: which key was destroyed, when, by whom and why (codes only)."""

    seq: int
    key_id: str
    case_code: str
    erased_at: datetime
    actor_id: str
    reason_code: str


def _check_code(name: str, value: str) -> None:
    # Free text here could carry personal data into a table that is never erased.
    if not isinstance(value, str) or not _CODE_RE.fullmatch(value):
        raise ValueError(
            f"{name} must be a code of 1-64 letters, digits or . _ : / - (no free text, no personal data)"
        )


def _utc_now() -> datetime:
    return datetime.now(UTC)


class KeyStore:
    """Wrapped data keys, the blind-index and audit keys and the erasure ledger. Open with `KeyStore.open`."""

    def __init__(
        self,
        backend: _Backend,
        masters: Sequence[MasterKey],
        *,
        key_dir: Path | None,
        clock: Callable[[], datetime] = _utc_now,
    ) -> None:
        self._backend = backend
        self._masters = {m.key_id: m for m in masters}
        self._primary = masters[0]
        # Set only when the master key lives in the data dir, so it may be re-read after a rotation.
        self._key_dir = key_dir
        self._clock = clock
        self._lock = threading.RLock()
        self._audit_key: bytes | None = None

    @classmethod
    def open(
        cls,
        data_dir: Path | str,
        *,
        database_url: str | None = None,
        environ: Mapping[str, str] | None = None,
        create: bool = False,
        clock: Callable[[], datetime] = _utc_now,
        pg_schema: str = PG_SCHEMA,
    ) -> KeyStore:
        """Open the key store of `data_dir` (SQLite) or of `database_url` (PostgreSQL).

        On PostgreSQL the tables live in `pg_schema` (default haven_keys). `create=True` initialises a new
        store (and a new master key file when no key is configured); it never replaces an existing key.
        Raises `VaultKeyError` on any missing or wrong key.
        """
        key_dir = Path(data_dir) / KEYS_DIR
        env = os.environ if environ is None else environ
        source = master_key_source(key_dir.parent, env)
        if create:
            key_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        backend: _Backend
        if database_url and database_url.startswith(("postgres://", "postgresql://")):
            backend = _PostgresBackend(database_url, create=create, schema=pg_schema)
        else:
            if not key_dir.is_dir():
                raise VaultKeyError(
                    f"key directory {key_dir} does not exist. Fix: point the data dir at an initialised "
                    "installation or initialise a new one"
                )
            backend = _SqliteBackend(key_dir / SQLITE_FILE, create=create)
        try:
            with backend.transaction(write=False) as tx:
                meta = dict(tx.execute("SELECT name, value FROM meta").fetchall())
            if "locked_at" in meta:
                raise VaultLocked(
                    f"this key store was emergency-locked at {meta['locked_at']}: its keys were destroyed on "
                    "purpose and the encrypted data cannot be opened again"
                )
            fresh = "active_master_id" not in meta
            master_path = key_dir / MASTER_KEY_FILE
            if create and fresh and source == "data-dir" and not master_path.exists():
                write_key_file(master_path, crypto.generate_key(), replace=False)
            masters = [load_master_key(key_dir.parent, env)]
            if source == "data-dir" and (key_dir / NEW_MASTER_KEY_FILE).exists():
                masters.append(read_master_key_file(key_dir / NEW_MASTER_KEY_FILE))
            store = cls(backend, masters, key_dir=key_dir if source == "data-dir" else None, clock=clock)
            store._init_or_check_meta(fresh=fresh, create=create)
        except sqlite3.DatabaseError as exc:
            backend.close()
            raise damaged_keystore_error(key_dir / SQLITE_FILE, exc) from None
        except BaseException:
            backend.close()
            raise
        return store

    def _init_or_check_meta(self, *, fresh: bool, create: bool) -> None:
        with self._lock, self._backend.transaction(write=fresh) as tx:
            meta = dict(tx.execute("SELECT name, value FROM meta").fetchall())
            if "active_master_id" not in meta:
                if not create:
                    raise VaultKeyError("key store is not initialised; open it once with create=True")
                tx.execute(
                    "INSERT INTO meta (name, value) VALUES (?, ?)",
                    ("active_master_id", self._primary.key_id),
                )
                self._insert_key(tx, BLIND_INDEX_KEY_ID, "blind_index", crypto.generate_key(), self._primary)
                self._insert_key(tx, AUDIT_KEY_ID, "audit", crypto.generate_key(), self._primary)
                return
            wanted = {meta["active_master_id"], meta.get("rotating_to", meta["active_master_id"])}
            if not wanted & set(self._masters):
                raise VaultKeyError(
                    f"master key {self._primary.key_id} from {self._primary.source} is not the master key "
                    f"of this key store (it expects {' or '.join(sorted(wanted))}). Fix: supply the right "
                    f"key ({ENV_VAR}, {ENV_FILE_VAR} or the data dir's keys/{MASTER_KEY_FILE})"
                )

    # -- internals ------------------------------------------------------------------------------------

    def _insert_key(self, tx: _Tx, key_id: str, kind: str, key: bytes, master: MasterKey) -> None:
        wrapped = crypto.wrap_key(master.key, key, key_id=key_id)
        tx.execute(
            "INSERT INTO wrapped_keys (key_id, kind, wrapped, master_key_id, created_at)"
            " VALUES (?, ?, ?, ?, ?)",
            (key_id, kind, wrapped, master.key_id, self._clock().isoformat()),
        )

    def _reload_masters(self) -> None:
        if self._key_dir is None:
            return
        for name in (MASTER_KEY_FILE, NEW_MASTER_KEY_FILE):
            path = self._key_dir / name
            if path.exists():
                master = read_master_key_file(path)
                self._masters.setdefault(master.key_id, master)

    def master(self, master_id: str) -> MasterKey:
        """The loaded master key with this id, re-reading the data dir's key files once if needed."""
        if master_id not in self._masters:
            self._reload_masters()
        try:
            return self._masters[master_id]
        except KeyError:
            raise VaultKeyError(
                f"key is wrapped by master key {master_id}, which is not loaded (loaded: "
                f"{', '.join(sorted(self._masters))}). Fix: supply that master key; if a rotation was "
                "interrupted, finish it with haven.vault.rotation.rotate"
            ) from None

    def _wrapping_master(self, tx: _Tx) -> MasterKey:
        self._backend.lock_meta(tx, exclusive=False)
        rows = tx.execute(
            "SELECT name, value FROM meta WHERE name IN (?, ?)",
            ("active_master_id", "rotating_to"),
        ).fetchall()
        meta = dict(rows)
        # During a rotation new keys are wrapped by the new master so none are left behind under the old one.
        return self.master(meta.get("rotating_to") or meta["active_master_id"])

    # -- data keys ------------------------------------------------------------------------------------

    @property
    def primary_master_id(self) -> str:
        """Id of the master key this store was opened with."""
        return self._primary.key_id

    def create_data_key(self) -> tuple[str, bytes]:
        """Create a data key for one person: returns (key id, key); only the wrapped key is stored."""
        return self.create_data_keys(1)[0]

    def create_data_keys(self, count: int) -> list[tuple[str, bytes]]:
        """Create `count` data keys in one transaction (bulk imports)."""
        if count < 1:
            raise ValueError("count must be at least 1")
        # One CSPRNG call for every key id (UUID4) and key of the batch.
        randomness = os.urandom(count * (16 + crypto.KEY_BYTES))
        step = 16 + crypto.KEY_BYTES
        keys = [
            (
                str(uuid.UUID(bytes=randomness[i : i + 16], version=4)),
                randomness[i + 16 : i + step],
            )
            for i in range(0, count * step, step)
        ]
        with self._lock, self._backend.transaction(write=True) as tx:
            master = self._wrapping_master(tx)
            now = self._clock().isoformat()
            wrapped = crypto.wrap_keys(master.key, keys)
            rows = [
                (key_id, "data", blob, master.key_id, now)
                for (key_id, _key), blob in zip(keys, wrapped, strict=True)
            ]
            # One statement for the whole batch: per-row round trips dominate bulk imports otherwise.
            tx.executemany(
                "INSERT INTO wrapped_keys (key_id, kind, wrapped, master_key_id, created_at)"
                " VALUES (?, ?, ?, ?, ?)",
                rows,
            )
        return keys

    def _get_key(self, key_id: str, kind: str) -> bytes:
        with self._lock, self._backend.transaction(write=False) as tx:
            row = tx.execute(
                "SELECT wrapped, master_key_id FROM wrapped_keys WHERE key_id = ? AND kind = ?",
                (key_id, kind),
            ).fetchone()
        if row is None:
            raise VaultKeyMissing(
                f"{kind.replace('_', '-')} key {key_id} does not exist (never created, or destroyed)"
            )
        wrapped, master_id = bytes(row[0]), row[1]
        return crypto.unwrap_key(self.master(master_id).key, wrapped, key_id=key_id)

    def get_data_key(self, key_id: str) -> bytes:
        """Unwrap a data key. `VaultKeyMissing` if unknown or destroyed, `VaultKeyError` if unopenable."""
        if not isinstance(key_id, str) or not key_id:
            raise VaultKeyMissing("data key id must be a non-empty string")
        return self._get_key(key_id, "data")

    def blind_index_key(self) -> bytes:
        """The key of every blind index (one key; purposes are separated inside the MAC input)."""
        return self._get_key(BLIND_INDEX_KEY_ID, "blind_index")

    def totp_key(self) -> tuple[str, bytes]:
        """The key sealing the second-factor (TOTP) secrets: (key id, key). Wrapped by the master key like
        the audit key, so a rotation re-wraps it and secrets sealed before still open; made on first use."""
        try:
            return TOTP_KEY_ID, self._get_key(TOTP_KEY_ID, "totp")
        except VaultKeyMissing:
            with self._lock, self._backend.transaction(write=True) as tx:
                self._backend.lock_meta(tx, exclusive=True)
                found = tx.execute("SELECT 1 FROM wrapped_keys WHERE key_id = ?", (TOTP_KEY_ID,)).fetchone()
                if found is None:
                    self._insert_key(
                        tx, TOTP_KEY_ID, "totp", crypto.generate_key(), self._wrapping_master(tx)
                    )
            return TOTP_KEY_ID, self._get_key(TOTP_KEY_ID, "totp")

    def audit_key(self) -> tuple[str, bytes]:
        """The key of the audit trail's HMAC chain and checkpoints: (key id, key).

        A random key wrapped by the master key like the blind-index key, so a master key rotation re-wraps
        it and never changes it: entries keyed before a rotation verify after it. A key store made before
        the audit trail was keyed gets its key on first use. Kept in memory once unwrapped (every audit
        append needs it); `close()` forgets it.
        """
        if self._audit_key is None:
            try:
                key = self._get_key(AUDIT_KEY_ID, "audit")
            except VaultKeyMissing:
                with self._lock, self._backend.transaction(write=True) as tx:
                    # Two processes may both find it missing: the lock on meta lets only one create it.
                    self._backend.lock_meta(tx, exclusive=True)
                    found = tx.execute(
                        "SELECT 1 FROM wrapped_keys WHERE key_id = ?", (AUDIT_KEY_ID,)
                    ).fetchone()
                    if found is None:
                        self._insert_key(
                            tx, AUDIT_KEY_ID, "audit", crypto.generate_key(), self._wrapping_master(tx)
                        )
                key = self._get_key(AUDIT_KEY_ID, "audit")
            self._audit_key = key
        return AUDIT_KEY_ID, self._audit_key

    def destroy_data_key(self, key_id: str, *, reason_code: str, actor_id: str, case_code: str) -> bool:
        """Crypto-shred one person's data: delete the wrapped key and append to the erasure ledger.

        Returns True when the key was destroyed now, False when the ledger shows it was destroyed before
        (so an interrupted erasure job can be re-run). Raises `VaultKeyMissing` for a key never created.
        """
        for name, value in (("reason_code", reason_code), ("actor_id", actor_id), ("case_code", case_code)):
            _check_code(name, value)
        with self._lock:
            with self._backend.transaction(write=True) as tx:
                cursor = tx.execute("DELETE FROM wrapped_keys WHERE key_id = ? AND kind = 'data'", (key_id,))
                if cursor.rowcount == 0:
                    seen = tx.execute("SELECT 1 FROM erasures WHERE key_id = ?", (key_id,)).fetchone()
                    if seen is None:
                        raise VaultKeyMissing(f"data key {key_id} does not exist, so it cannot be destroyed")
                    return False
                tx.execute(
                    "INSERT INTO erasures (key_id, case_code, erased_at, actor_id, reason_code)"
                    " VALUES (?, ?, ?, ?, ?)",
                    (key_id, case_code, self._clock().isoformat(), actor_id, reason_code),
                )
            self._backend.scrub()
        return True

    def data_keys_created_before(self, moment: datetime) -> list[str]:
        """Ids of the data keys created before `moment` (candidates for `haven keys gc`)."""
        with self._lock, self._backend.transaction(write=False) as tx:
            rows = tx.execute("SELECT key_id, created_at FROM wrapped_keys WHERE kind = 'data'").fetchall()
        return [key_id for key_id, created in rows if datetime.fromisoformat(created) < moment]

    def discard_data_keys(self, key_ids: Sequence[str], *, batch_size: int = 500) -> int:
        """Delete data keys that never protected any stored data (an interrupted import's, a refused first
        contact's). Unlike `destroy_data_key` this writes no erasure-ledger entry: no person was erased.
        The caller must know that nothing refers to them. Returns how many were deleted."""
        ids = list(dict.fromkeys(key_ids))
        deleted = 0
        with self._lock:
            for start in range(0, len(ids), batch_size):
                chunk = ids[start : start + batch_size]
                marks = ", ".join("?" for _ in chunk)
                with self._backend.transaction(write=True) as tx:
                    cursor = tx.execute(
                        f"DELETE FROM wrapped_keys WHERE kind = 'data' AND key_id IN ({marks})",  # noqa: S608
                        chunk,
                    )
                    deleted += max(cursor.rowcount, 0)
            if ids:
                self._backend.scrub()
        return deleted

    def list_erasures(self) -> list[ErasureRecord]:
        """The erasure ledger, oldest first."""
        with self._lock, self._backend.transaction(write=False) as tx:
            rows = tx.execute(
                "SELECT seq, key_id, case_code, erased_at, actor_id, reason_code FROM erasures ORDER BY seq"
            ).fetchall()
        return [
            ErasureRecord(
                seq=r[0],
                key_id=r[1],
                case_code=r[2],
                erased_at=datetime.fromisoformat(r[3]),
                actor_id=r[4],
                reason_code=r[5],
            )
            for r in rows
        ]

    def reapply_erasures(self, ledger: Sequence[ErasureRecord], *, actor_id: str) -> int:
        """After restoring an older key store, destroy every key a newer ledger says was erased.

        Returns how many keys were destroyed again.
        """
        destroyed = 0
        for record in ledger:
            try:
                destroyed += self.destroy_data_key(
                    record.key_id,
                    reason_code=record.reason_code,
                    actor_id=actor_id,
                    case_code=record.case_code,
                )
            except VaultKeyMissing:
                continue
        return destroyed

    def destroy_all(self, *, reason_code: str, actor_id: str) -> list[str]:
        """Emergency lock: make every encrypted value unreadable at once.

        Destroys the data dir's master key files first (the fastest step that makes everything unreadable),
        then deletes every wrapped key and records the lock. A master key given through the environment
        cannot be destroyed from here: the wraps are still deleted, and the operator must remove the secret.
        Other worker processes must be stopped too, since they may hold keys in memory. Returns what was
        destroyed, for the operator's report.
        """
        _check_code("reason_code", reason_code)
        _check_code("actor_id", actor_id)
        done: list[str] = []
        with self._lock:
            if self._key_dir is not None:
                for name in (MASTER_KEY_FILE, NEW_MASTER_KEY_FILE, OLD_MASTER_KEY_FILE):
                    if destroy_key_file(self._key_dir / name):
                        done.append(str(self._key_dir / name))
            self._masters.clear()
            self._audit_key = None
            with self._backend.transaction(write=True) as tx:
                count = tx.execute("DELETE FROM wrapped_keys").rowcount
                now = self._clock().isoformat()
                tx.execute(
                    "INSERT INTO erasures (key_id, case_code, erased_at, actor_id, reason_code)"
                    " VALUES (?, ?, ?, ?, ?)",
                    ("*", "*", now, actor_id, reason_code),
                )
                tx.execute("INSERT INTO meta (name, value) VALUES (?, ?)", ("locked_at", now))
            self._backend.scrub()
            done.append(f"{count} wrapped keys")
        return done

    # -- rotation support (used by rotation.py) -------------------------------------------------------

    def add_master(self, master: MasterKey) -> None:
        """Make another master key available for unwrapping (the new key during a rotation)."""
        with self._lock:
            self._masters.setdefault(master.key_id, master)

    def meta(self) -> dict[str, str]:
        """The key store's bookkeeping values (master key ids, rotation state)."""
        with self._lock, self._backend.transaction(write=False) as tx:
            return dict(tx.execute("SELECT name, value FROM meta").fetchall())

    def begin_rotation(self, new: MasterKey) -> None:
        """Record that wraps are moving to `new`; from now on new keys are wrapped by it."""
        self.add_master(new)
        with self._lock, self._backend.transaction(write=True) as tx:
            meta = dict(tx.execute("SELECT name, value FROM meta").fetchall())
            current = meta.get("rotating_to")
            if current == new.key_id:
                return
            if current is not None:
                raise VaultKeyError(
                    f"a rotation to master key {current} is already under way; "
                    "finish it before starting another"
                )
            tx.execute("INSERT INTO meta (name, value) VALUES (?, ?)", ("rotating_to", new.key_id))

    def rewrap_batch(self, new_id: str, limit: int) -> int:
        """Re-wrap up to `limit` keys not yet under master `new_id`; returns how many were re-wrapped."""
        new = self.master(new_id)
        with self._lock, self._backend.transaction(write=True) as tx:
            rows = tx.execute(
                "SELECT key_id, wrapped, master_key_id FROM wrapped_keys WHERE master_key_id <> ? LIMIT ?",
                (new_id, limit),
            ).fetchall()
            for key_id, wrapped, old_id in rows:
                key = crypto.unwrap_key(self.master(old_id).key, bytes(wrapped), key_id=key_id)
                tx.execute(
                    "UPDATE wrapped_keys SET wrapped = ?, master_key_id = ?"
                    " WHERE key_id = ? AND master_key_id = ?",
                    (crypto.wrap_key(new.key, key, key_id=key_id), new_id, key_id, old_id),
                )
        return len(rows)

    def finish_rotation(self, new_id: str) -> bool:
        """Make `new_id` the active master if no key is left under another; False if some still are."""
        with self._lock:
            with self._backend.transaction(write=True) as tx:
                # The lock on meta keeps a concurrent create_data_key from slipping in under the old key.
                self._backend.lock_meta(tx, exclusive=True)
                left = tx.execute(
                    "SELECT COUNT(*) FROM wrapped_keys WHERE master_key_id <> ?", (new_id,)
                ).fetchone()[0]
                if left:
                    return False
                tx.execute("UPDATE meta SET value = ? WHERE name = 'active_master_id'", (new_id,))
                tx.execute("DELETE FROM meta WHERE name = 'rotating_to'")
            self._backend.scrub()
        return True

    # -- backup keys -----------------------------------------------------------------------------------

    def create_backup_key(self, backup_id: str) -> bytes:
        """A fresh key for one database backup, kept here wrapped like a data key (see docs/crypto.md).

        Rotation re-wraps it with the rest; destroying it (`destroy_backup_key`) makes that backup unreadable.
        """
        _check_code("backup_id", backup_id)
        key = crypto.generate_key()
        with self._lock, self._backend.transaction(write=True) as tx:
            self._insert_key(tx, f"{BACKUP_KEY_PREFIX}{backup_id}", "backup", key, self._wrapping_master(tx))
        return key

    def get_backup_key(self, backup_id: str) -> bytes:
        """The key of one backup; `VaultKeyMissing` if it was destroyed or belongs to another key store."""
        _check_code("backup_id", backup_id)
        return self._get_key(f"{BACKUP_KEY_PREFIX}{backup_id}", "backup")

    def destroy_backup_key(self, backup_id: str) -> bool:
        """Make one backup unreadable for good (retention of backups); False if there was no such key."""
        _check_code("backup_id", backup_id)
        with self._lock:
            with self._backend.transaction(write=True) as tx:
                cursor = tx.execute(
                    "DELETE FROM wrapped_keys WHERE key_id = ? AND kind = 'backup'",
                    (f"{BACKUP_KEY_PREFIX}{backup_id}",),
                )
            self._backend.scrub()
        return bool(cursor.rowcount)

    def count_by_kind(self) -> dict[str, int]:
        """How many wrapped keys of each kind (data, blind_index, audit, backup) the store holds."""
        with self._lock, self._backend.transaction(write=False) as tx:
            rows = tx.execute("SELECT kind, COUNT(*) FROM wrapped_keys GROUP BY kind").fetchall()
        return {r[0]: r[1] for r in rows}

    def snapshot(self, dest: Path) -> None:
        """Write a consistent copy of a SQLite key store to `dest` (SQLite's online backup API)."""
        if not isinstance(self._backend, _SqliteBackend):
            raise VaultKeyError(
                "a key store in PostgreSQL is backed up with pg_dump --schema=haven_keys, "
                "not with haven backup"
            )
        with self._lock:
            target = sqlite3.connect(dest)
            try:
                self._backend.conn.backup(target)
            finally:
                target.close()

    def count_by_master(self) -> dict[str, int]:
        """How many wrapped keys each master key id wraps."""
        with self._lock, self._backend.transaction(write=False) as tx:
            rows = tx.execute(
                "SELECT master_key_id, COUNT(*) FROM wrapped_keys GROUP BY master_key_id"
            ).fetchall()
        return {r[0]: r[1] for r in rows}

    def storage_files(self) -> list[Path]:
        """Files holding the key store (SQLite file and its WAL), for erasure checks and backups."""
        return self._backend.files()

    def close(self) -> None:
        """Close the database connection and forget the loaded master keys (and the audit key)."""
        with self._lock:
            self._masters.clear()
            self._audit_key = None
            self._backend.close()

    def __enter__(self) -> KeyStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


__all__ = [
    "ENV_FILE_VAR",
    "ENV_VAR",
    "ErasureRecord",
    "KeyStore",
    "MasterKey",
    "load_master_key",
    "parse_master_key",
    "read_master_key_file",
]
