"""When Haven cannot write: a read-only or full data directory (or database).

Two halves. `storage_failure` recognises, in an exception raised while serving a request, that the cause is
storage that refuses writes (SQLite's "readonly database" and "database or disk is full", PostgreSQL's
read-only transaction and disk full, the operating system's EROFS, ENOSPC, EDQUOT), so that the error pages
answer 503 with a clear explanation instead of a generic 500, and bookkeeping writes that a read does not
need (a session's last-seen time, a token's last use) can be skipped while reads go on. `storage_problems`
is what `haven check` reports: each directory Haven writes to, tried with a real write, and its free space.
"""

from __future__ import annotations

import errno
import os
import shutil
import sqlite3
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Literal

StorageFailure = Literal["read_only", "full"]

# Below this much free space a write of an attachment, an import or a backup may fail half-way.
MIN_FREE_BYTES = 64 * 1024 * 1024

_READ_ONLY_ERRNOS = {errno.EROFS}
_FULL_ERRNOS = {errno.ENOSPC, errno.EDQUOT}
# SQLSTATE codes of PostgreSQL: read_only_sql_transaction, disk_full.
_PG_READ_ONLY = {"25006"}
_PG_FULL = {"53100"}


def _one(exc: BaseException) -> StorageFailure | None:
    if isinstance(exc, OSError) and not isinstance(exc, sqlite3.Error):
        if exc.errno in _READ_ONLY_ERRNOS:
            return "read_only"
        if exc.errno in _FULL_ERRNOS:
            return "full"
        return None
    if isinstance(exc, sqlite3.Error):
        code = getattr(exc, "sqlite_errorcode", None)
        text = str(exc).lower()
        if code is not None:
            primary = code & 0xFF
            if primary == sqlite3.SQLITE_READONLY:
                return "read_only"
            if primary == sqlite3.SQLITE_FULL:
                return "full"
        if "readonly database" in text or "read-only" in text:
            return "read_only"
        if "database or disk is full" in text:
            return "full"
        return None
    sqlstate = getattr(exc, "sqlstate", None) or getattr(exc, "pgcode", None)
    if sqlstate in _PG_READ_ONLY:
        return "read_only"
    if sqlstate in _PG_FULL:
        return "full"
    return None


def storage_failure(exc: BaseException | None) -> StorageFailure | None:
    """ "read_only" or "full" when `exc` (or an exception it was raised from) says storage refused a write."""
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        found = _one(exc)
        if found is not None:
            return found
        exc = exc.__cause__ or exc.__context__
    return None


def _try_write(directory: Path) -> StorageFailure | None:
    """Write, flush and remove a small file in `directory`: what the directory answers to a real write."""
    try:
        handle, name = tempfile.mkstemp(prefix=".haven-write-check-", dir=directory)
    except OSError as exc:
        return _write_refusal(exc)
    try:
        os.write(handle, b"haven")
        os.fsync(handle)
    except OSError as exc:
        return _write_refusal(exc)
    finally:
        os.close(handle)
        os.unlink(name)
    return None


def _write_refusal(exc: OSError) -> StorageFailure | None:
    if exc.errno in _FULL_ERRNOS:
        return "full"
    if exc.errno in _READ_ONLY_ERRNOS | {errno.EACCES, errno.EPERM}:
        return "read_only"
    raise exc


def storage_problems(directories: Iterable[Path], files: Iterable[Path] = ()) -> list[str]:
    """What keeps Haven from writing: each of `directories` read-only or full, or one of `files` (the
    SQLite database) not writable; in words an operator can act on. Writes a small file and removes it."""
    problems = []
    for directory in dict.fromkeys(Path(d) for d in directories):
        if not directory.is_dir():
            continue
        refused = _try_write(directory)
        if refused == "read_only":
            problems.append(
                f"storage: {directory} is read-only: Haven can show what it holds but saves nothing. Fix: "
                "remount it read-write, or give the service account write access to it"
            )
            continue
        free = shutil.disk_usage(directory).free
        megabytes, needed = free // (1024 * 1024), MIN_FREE_BYTES // (1024 * 1024)
        if refused == "full":
            problems.append(
                f"storage: {directory} is full ({megabytes} MB free): Haven can show what it holds but saves "
                "nothing. Fix: free space on that file system (old backups, logs) or enlarge it"
            )
        elif free < MIN_FREE_BYTES:
            problems.append(
                f"storage: {directory} is almost full ({megabytes} MB free, Haven needs at least {needed} "
                "MB): saving may fail at any moment. Fix: free space on that file system (old backups, logs) "
                "or enlarge it"
            )
    for path in dict.fromkeys(Path(f) for f in files):
        if path.exists() and not os.access(path, os.W_OK):
            problems.append(
                f"storage: {path} is read-only: Haven can show what it holds but saves nothing. Fix: give "
                "the service account write access to it (chmod 600, owned by the service account)"
            )
    return problems
