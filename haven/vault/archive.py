"""Encrypted, integrity-checked backup archives: the database and attachments (`haven backup FILE`), and,
separately, the key store (`haven backup --keys FILE`).

Archive format, version 1::

    b"HVNB" | 0x01 | header length (4 bytes, big-endian) | header (UTF-8 JSON) | backup.encrypt_stream(...)

The header says what the archive holds and which key opens it; it is not secret but it is authenticated:
the magic, version, length and header bytes are the associated data of every chunk of the encrypted stream,
so a changed header fails like a changed chunk. The payload is an uncompressed tar file:

* database backup (`kind` "data"): `database.sqlite3` (SQLite online backup API: a consistent snapshot while
  Haven runs) or `database.pgdump` (`pg_dump -Fc`, without the key store's schema), plus `attachments/*`.
  Its key is a fresh random key per backup, kept in the key store wrapped by the master key (kind
  'backup'). Without the key store the archive cannot be opened; the key store is needed to read any person's
  data anyway. Rotation re-wraps backup keys with the others; destroying one retires that backup for good.
* key-store backup (`kind` "keys"): `keystore.sqlite3`. Its fresh random key is wrapped by the master key and
  written in the header (`wrapped_key`), since a lost key store is exactly when this archive is needed. It
  holds the wrapped keys of people erased after it was taken: keep it short-lived (see docs/operations.md).

Restoring verifies the whole archive before anything is touched, writes the restore marker
(`RESTORE_MARKER`, which makes every page answer 503), replaces the data, re-applies the erasure
ledger and only then removes the marker. A restore interrupted half-way leaves the marker: run it again.
"""

from __future__ import annotations

import base64
import json
import logging
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from haven.vault import backup as streams
from haven.vault import crypto
from haven.vault.errors import VaultError, VaultIntegrityError, VaultKeyError, VaultKeyMissing
from haven.vault.keystore import KEYS_DIR, SQLITE_FILE, KeyStore, fsync_dir, load_master_key

log = logging.getLogger("haven.vault")

MAGIC = b"HVNB"
FORMAT = 1
MAX_HEADER_BYTES = 64 * 1024
DB_SQLITE = "database.sqlite3"
DB_PGDUMP = "database.pgdump"
ATTACHMENTS = "attachments"
KEYSTORE_MEMBER = "keystore.sqlite3"
KEYS_BACKUP_PREFIX = "keys-backup."
PG_KEYS_SCHEMA = "haven_keys"
# Written by `haven restore` before it touches anything and removed when it has finished, erasures
# re-applied: while it exists Haven serves no page (see integration.health), so a half-restored database is
# never shown.
RESTORE_MARKER = "RESTORE_IN_PROGRESS"


class ArchiveError(VaultError):
    """The archive cannot be used: not an archive, damaged, wrong kind, or its key is not available.

    Raised before anything on disk was changed, unless the message says otherwise. `returncode` is the CLI
    exit code: 1 when the archive failed its integrity check, 2 for any other bad input.
    """

    def __init__(self, message: str, *, returncode: int = 2) -> None:
        super().__init__(message)
        self.returncode = returncode


@dataclass(frozen=True)
class Database:
    """Where the main database lives: a SQLite file, or a PostgreSQL URL (for pg_dump / pg_restore)."""

    vendor: str  # "sqlite" or "postgresql"
    sqlite_path: Path | None = None
    url: str = ""


@dataclass
class Summary:
    """What a backup or restore did, for the command's report (counts and ids only)."""

    backup_id: str
    kind: str
    database: str
    attachments: int = 0
    bytes_written: int = 0
    erasures_reapplied: int = 0
    rows_erased_again: int = 0
    notes: list[str] = field(default_factory=list)


def restore_marker(data_dir: Path) -> Path:
    """The file whose presence says a restore is under way (or was interrupted)."""
    return Path(data_dir) / RESTORE_MARKER


# -- format -------------------------------------------------------------------------------------------------


def _header_bytes(header: Mapping[str, Any]) -> bytes:
    body = json.dumps(header, sort_keys=True, separators=(",", ":")).encode("utf-8")
    return MAGIC + bytes([FORMAT]) + len(body).to_bytes(4, "big") + body


def read_header(path: Path) -> tuple[dict[str, Any], bytes]:
    """The archive's header and its raw bytes (the associated data of the payload)."""
    try:
        with open(path, "rb") as handle:
            start = handle.read(9)
            if len(start) < 9 or start[:4] != MAGIC:
                raise ArchiveError(f"{path} is not a Haven backup archive (bad or missing header)")
            if start[4] != FORMAT:
                raise ArchiveError(f"{path} uses archive format {start[4]}; this Haven reads format {FORMAT}")
            size = int.from_bytes(start[5:9], "big")
            if not 2 <= size <= MAX_HEADER_BYTES:
                raise ArchiveError(f"{path} is damaged: impossible header length {size}")
            body = handle.read(size)
    except FileNotFoundError:
        raise ArchiveError(f"{path} does not exist") from None
    except IsADirectoryError:
        raise ArchiveError(f"{path} is a directory, not a backup archive") from None
    if len(body) != size:
        raise ArchiveError(f"{path} is damaged: it ends inside its header")
    try:
        header = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise ArchiveError(f"{path} is damaged: its header is not readable") from None
    if not isinstance(header, dict) or header.get("kind") not in {"data", "keys"}:
        raise ArchiveError(f"{path} is damaged: its header names no known kind of backup")
    return header, start + body


def _write_archive(dest: Path, header: Mapping[str, Any], key: bytes, payload: Path) -> int:
    """Write header + encrypted payload to `dest` atomically (temporary file, fsync, rename), mode 0600."""
    aad = _header_bytes(header)
    dest = dest.resolve()
    tmp = dest.with_name(f".{dest.name}.{os.getpid()}.partial")
    try:
        with (
            open(payload, "rb") as src,
            open(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "wb") as dst,
        ):
            dst.write(aad)
            streams.encrypt_stream(key, src, dst, aad, chunk_size=1024 * 1024)
            dst.flush()
            os.fsync(dst.fileno())
        os.replace(tmp, dest)
        fsync_dir(dest.parent)
    finally:
        tmp.unlink(missing_ok=True)
    return dest.stat().st_size


def _decrypt_payload(path: Path, key: bytes, aad: bytes, dest: Path) -> None:
    """Decrypt and verify the whole payload into `dest`; on any failure `dest` is removed."""
    try:
        with open(path, "rb") as src, open(os.open(dest, os.O_WRONLY | os.O_CREAT, 0o600), "wb") as dst:
            src.seek(len(aad))
            streams.decrypt_stream(key, src, dst, aad)
    except VaultIntegrityError as exc:
        dest.unlink(missing_ok=True)
        raise ArchiveError(
            f"{path} failed its integrity check ({exc}); nothing was changed", returncode=1
        ) from None
    except BaseException:
        dest.unlink(missing_ok=True)
        raise


@contextmanager
def _staging(data_dir: Path, prefix: str) -> Iterator[Path]:
    """A private scratch directory inside the data dir (same file system: renames are atomic)."""
    data_dir.mkdir(parents=True, exist_ok=True)
    path = Path(tempfile.mkdtemp(prefix=prefix, dir=data_dir))
    os.chmod(path, 0o700)
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


# -- database snapshots -------------------------------------------------------------------------------------


def sqlite_snapshot(source: Path, dest: Path) -> None:
    """Consistent copy of a live SQLite database (online backup API; writers keep working meanwhile)."""
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    dst = sqlite3.connect(dest)
    try:
        src.backup(dst)
    finally:
        dst.close()
        src.close()


def _pg_tool(name: str) -> str:
    tool = shutil.which(name)
    if tool is None:
        raise ArchiveError(
            f"the database is PostgreSQL and {name} is not on PATH: install the PostgreSQL client tools "
            f"(Debian: apt-get install postgresql-client) of the server's major version, then retry"
        )
    return tool


def _pg_dump(url: str, dest: Path) -> None:
    # The key store must never travel with the data it protects.
    result = subprocess.run(  # noqa: S603 - fixed argument list, no shell
        [_pg_tool("pg_dump"), "-Fc", f"--exclude-schema={PG_KEYS_SCHEMA}", "-f", str(dest), "--dbname", url],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise ArchiveError(f"pg_dump failed (exit {result.returncode}): {result.stderr.strip()[:500]}")


def _pg_restore(url: str, dump: Path) -> None:
    result = subprocess.run(  # noqa: S603 - fixed argument list, no shell
        [
            _pg_tool("pg_restore"),
            "--clean",
            "--if-exists",
            "--no-owner",
            "--single-transaction",
            "--dbname",
            url,
            str(dump),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise ArchiveError(
            f"pg_restore failed (exit {result.returncode}): {result.stderr.strip()[:500]}. The restore "
            "marker stays in place: fix the cause and run haven restore again"
        )


def _checkpoint(path: Path) -> None:
    conn = sqlite3.connect(path)
    try:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        conn.close()


# -- database backup and restore ----------------------------------------------------------------------------


def _add_tree(tar: tarfile.TarFile, root: Path, arcname: str) -> int:
    count = 0
    tar.add(root, arcname=arcname, recursive=False)
    if root.is_dir():
        for path in sorted(root.iterdir()):
            # Only regular files: a symlink could pull something from outside the data dir into a backup.
            if path.is_file() and not path.is_symlink():
                try:
                    tar.add(path, arcname=f"{arcname}/{path.name}", recursive=False)
                except FileNotFoundError:
                    continue  # erased after the directory listing: correctly left out
                count += 1
    return count


def create_backup(
    store: KeyStore, *, data_dir: Path, database: Database, attachments_dir: Path, dest: Path
) -> Summary:
    """Write one encrypted archive of the database and attachments to `dest` (see the module docstring).

    The database snapshot is taken first, then the attachment files are copied: a file erased in between is
    left out (as it should be), a file added in between is an orphan the restored database does not list.
    """
    backup_id = str(uuid.uuid4())
    with _staging(data_dir, ".backup-") as staging:
        if database.vendor == "sqlite":
            assert database.sqlite_path is not None
            if not database.sqlite_path.exists():
                raise ArchiveError(f"the database {database.sqlite_path} does not exist: run 'haven init'")
            member, snapshot = DB_SQLITE, staging / DB_SQLITE
            sqlite_snapshot(database.sqlite_path, snapshot)
        elif database.vendor == "postgresql":
            member, snapshot = DB_PGDUMP, staging / DB_PGDUMP
            _pg_dump(database.url, snapshot)
        else:
            raise ArchiveError(f"backups of a {database.vendor} database are not supported")
        payload = staging / "payload.tar"
        with tarfile.open(payload, "w", format=tarfile.PAX_FORMAT) as tar:
            tar.add(snapshot, arcname=member)
            attachments = _add_tree(tar, attachments_dir, ATTACHMENTS)
        key = store.create_backup_key(backup_id)
        header = {
            "kind": "data",
            "backup_id": backup_id,
            "created_at": _now(),
            "database": database.vendor,
            "master_key_id": store.primary_master_id,
        }
        size = _write_archive(dest, header, key, payload)
    return Summary(backup_id, "data", database.vendor, attachments=attachments, bytes_written=size)


def _safe_members(tar: tarfile.TarFile, allowed_db: set[str]) -> list[tarfile.TarInfo]:
    members = tar.getmembers()
    for member in members:
        name = member.name
        ok = (
            (name in allowed_db and member.isfile())
            or (name == ATTACHMENTS and member.isdir())
            or (
                name.startswith(f"{ATTACHMENTS}/")
                and "/" not in name[len(ATTACHMENTS) + 1 :]
                and name not in {f"{ATTACHMENTS}/.", f"{ATTACHMENTS}/.."}
                and member.isfile()
            )
        )
        if not ok:
            raise ArchiveError(f"the archive holds an unexpected entry {name!r}; nothing was changed")
    return members


def _replace_dir(new: Path, live: Path, trash: Path) -> None:
    if live.exists():
        os.replace(live, trash)
    os.replace(new, live)
    os.chmod(live, 0o700)
    fsync_dir(live.parent)
    shutil.rmtree(trash, ignore_errors=True)


ReapplyHook = Callable[..., Any]


def restore_backup(
    store: KeyStore,
    archive: Path,
    *,
    data_dir: Path,
    database: Database,
    attachments_dir: Path,
    before_replace: Callable[[], None] = lambda: None,
    reapply: Callable[[KeyStore], tuple[int, int, list[str]]],
) -> Summary:
    """Verify `archive` completely, then replace the database and attachments and re-apply erasures.

    `before_replace` runs once the archive is verified, just before the first byte is replaced (the caller
    closes its database connections there). `reapply(store)` re-applies the erasure ledger to the restored
    data and returns (keys destroyed again, rows erased again, notes).
    """
    header, aad = read_header(archive)
    if header["kind"] != "data":
        raise ArchiveError(f"{archive} is a key-store backup: restore it with 'haven restore --keys FILE'")
    backup_id = str(header.get("backup_id", ""))
    try:
        key = store.get_backup_key(backup_id)
    except (VaultKeyMissing, ValueError):
        raise ArchiveError(
            f"the key of backup {backup_id} is not in this key store: the backup was retired (its key "
            "destroyed), or it was made by another installation. Nothing was changed"
        ) from None
    summary = Summary(backup_id, "data", database.vendor)
    with _staging(data_dir, ".restore-") as staging:
        payload = staging / "payload.tar"
        _decrypt_payload(archive, key, aad, payload)
        # Only now is the header known to be authentic.
        if header.get("database") != database.vendor:
            raise ArchiveError(
                f"{archive} holds a {header.get('database')} database but Haven is configured for "
                f"{database.vendor}; nothing was changed"
            )
        extract = staging / "extract"
        extract.mkdir(mode=0o700)
        try:
            with tarfile.open(payload, "r") as tar:
                members = _safe_members(tar, {DB_SQLITE, DB_PGDUMP})
                tar.extractall(extract, members=members, filter="data")
        except tarfile.TarError as exc:
            raise ArchiveError(
                f"{archive} holds no readable tar payload ({exc}); nothing was changed"
            ) from None
        payload.unlink()
        member = DB_SQLITE if database.vendor == "sqlite" else DB_PGDUMP
        if not (extract / member).is_file():
            raise ArchiveError(f"{archive} holds no {member}; nothing was changed")
        if database.vendor == "sqlite":
            _check_sqlite(extract / member, archive)
        new_attachments = extract / ATTACHMENTS
        new_attachments.mkdir(mode=0o700, exist_ok=True)
        summary.attachments = sum(1 for p in new_attachments.iterdir() if p.is_file())

        # Verified: from here on the live data changes, under the marker that keeps every page closed.
        marker = restore_marker(data_dir)
        marker.write_text(f"backup {backup_id} started {_now()}\n", encoding="utf-8")
        before_replace()
        if database.vendor == "sqlite":
            assert database.sqlite_path is not None
            _sqlite_restore(extract / member, database.sqlite_path)
        else:
            _pg_restore(database.url, extract / member)
        _replace_dir(new_attachments, attachments_dir, staging / "old-attachments")
    summary.erasures_reapplied, summary.rows_erased_again, summary.notes = reapply(store)
    if database.vendor == "sqlite":
        assert database.sqlite_path is not None
        _checkpoint(database.sqlite_path)
    restore_marker(data_dir).unlink(missing_ok=True)
    return summary


def _check_sqlite(path: Path, archive: Path) -> None:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        verdict = conn.execute("PRAGMA integrity_check").fetchone()[0]
    except sqlite3.DatabaseError as exc:
        raise ArchiveError(
            f"{archive} holds a damaged database ({exc}); nothing was changed", returncode=1
        ) from None
    finally:
        conn.close()
    if verdict != "ok":
        raise ArchiveError(
            f"{archive} holds a damaged database ({verdict}); nothing was changed", returncode=1
        )


def _sqlite_restore(snapshot: Path, live: Path) -> None:
    """Copy the snapshot over the live database through SQLite itself, so its WAL stays coherent."""
    live.parent.mkdir(parents=True, exist_ok=True)
    src = sqlite3.connect(f"file:{snapshot}?mode=ro", uri=True)
    dst = sqlite3.connect(live, timeout=30)
    try:
        dst.execute("PRAGMA secure_delete=ON")
        src.backup(dst)
        dst.execute("PRAGMA journal_mode=WAL")
    finally:
        dst.close()
        src.close()


# -- key-store backup and restore ---------------------------------------------------------------------------


def create_keys_backup(
    store: KeyStore, *, data_dir: Path, dest: Path, environ: Mapping[str, str] | None = None
) -> Summary:
    """Write an encrypted copy of the (SQLite) key store, its key wrapped by the master key in the header."""
    backup_id = str(uuid.uuid4())
    master = load_master_key(data_dir, environ)
    with _staging(data_dir, ".backup-") as staging:
        snapshot = staging / KEYSTORE_MEMBER
        store.snapshot(snapshot)
        payload = staging / "payload.tar"
        with tarfile.open(payload, "w", format=tarfile.PAX_FORMAT) as tar:
            tar.add(snapshot, arcname=KEYSTORE_MEMBER)
        key = crypto.generate_key()
        wrapped = crypto.wrap_key(master.key, key, key_id=f"{KEYS_BACKUP_PREFIX}{backup_id}")
        header = {
            "kind": "keys",
            "backup_id": backup_id,
            "created_at": _now(),
            "database": "keystore",
            "master_key_id": master.key_id,
            "wrapped_key": base64.b64encode(wrapped).decode("ascii"),
        }
        size = _write_archive(dest, header, key, payload)
    return Summary(backup_id, "keys", "keystore", bytes_written=size)


def restore_keys(
    archive: Path, *, data_dir: Path, environ: Mapping[str, str] | None = None
) -> tuple[Summary, list[Any]]:
    """Verify a key-store backup, then put it in place of the data dir's key store.

    Returns the summary and the erasure ledger of the key store it replaced (empty when that one could not
    be read): the caller re-applies that ledger and the database's own erasure marks to the restored store.
    """
    header, aad = read_header(archive)
    if header["kind"] != "keys":
        raise ArchiveError(f"{archive} is a database backup: restore it with 'haven restore FILE'")
    backup_id = str(header.get("backup_id", ""))
    master = load_master_key(data_dir, environ)
    if header.get("master_key_id") != master.key_id:
        raise ArchiveError(
            f"{archive} was made under master key {header.get('master_key_id')}, but the configured master "
            f"key is {master.key_id} (the old key was rotated away or this is another installation). "
            "Nothing was changed"
        )
    try:
        wrapped = base64.b64decode(str(header.get("wrapped_key", "")), validate=True)
        key = crypto.unwrap_key(master.key, wrapped, key_id=f"{KEYS_BACKUP_PREFIX}{backup_id}")
    except (ValueError, VaultKeyError):
        raise ArchiveError(f"{archive} is damaged: its key does not open; nothing was changed") from None
    key_dir = data_dir / KEYS_DIR
    live = key_dir / SQLITE_FILE
    previous: list[Any] = []
    try:
        with KeyStore.open(data_dir, environ=environ) as current:
            previous = current.list_erasures()
    except (VaultError, sqlite3.Error, OSError) as exc:
        log.warning("the key store being replaced could not be read; its erasure ledger is lost: %s", exc)
    with _staging(data_dir, ".restore-") as staging:
        payload = staging / "payload.tar"
        _decrypt_payload(archive, key, aad, payload)
        try:
            with tarfile.open(payload, "r") as tar:
                members = tar.getmembers()
                if [m.name for m in members] != [KEYSTORE_MEMBER] or not members[0].isfile():
                    raise ArchiveError(f"{archive} holds unexpected entries; nothing was changed")
                tar.extractall(staging, members=members, filter="data")
        except tarfile.TarError as exc:
            raise ArchiveError(
                f"{archive} holds no readable tar payload ({exc}); nothing was changed"
            ) from None
        _check_sqlite(staging / KEYSTORE_MEMBER, archive)
        marker = restore_marker(data_dir)
        marker.write_text(f"key backup {backup_id} started {_now()}\n", encoding="utf-8")
        key_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        for suffix in ("-wal", "-shm"):
            live.with_name(live.name + suffix).unlink(missing_ok=True)
        staged = staging / KEYSTORE_MEMBER
        os.chmod(staged, 0o600)
        os.replace(staged, live)
        fsync_dir(key_dir)
    return Summary(backup_id, "keys", "keystore"), previous
