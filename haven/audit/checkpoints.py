"""Signed checkpoints of the audit chain, kept outside the database.

Each checkpoint is one JSON line (`chain.Checkpoint`: line number, entry count, head hash, time, key id,
the previous line's signature, and an HMAC-SHA256 signature under the audit key) appended to
`settings.AUDIT_CHECKPOINT_FILE` (default `DATA_DIR/audit-checkpoints.jsonl`, mode 0600, append only) and,
when `HAVEN_AUDIT_WITNESS` names one, to a witness: a second file (another disk or mount, a share of
another machine) or the system log (`syslog`), where a database writer cannot reach it.

When: after the commit of an audit append when this process wrote none for
`HAVEN_AUDIT_CHECKPOINT_SECONDS` (default 60; the check is one clock read, so appends stay three
statements), after every successful `haven audit verify`, and after a restore (kind "restore").
A checkpoint is written only for what is committed, so a rolled-back append never leaves one behind
(and the process's next checkpoint then waits for the next interval).
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import stat
import syslog
import threading
import time
from collections.abc import Iterator
from pathlib import Path

from django.conf import settings

from haven.audit import chain

log = logging.getLogger("haven.audit")

SYSLOG = "syslog"
_TAIL_BYTES = 8192

_schedule_lock = threading.Lock()
_next_due = 0.0
# The schedule's clock: monotonic, so a wall-clock change neither floods nor starves the file.
clock = time.monotonic


def checkpoint_file() -> Path:
    """The main checkpoint file."""
    return Path(settings.AUDIT_CHECKPOINT_FILE)


def witness() -> str:
    """HAVEN_AUDIT_WITNESS: "" (none), "syslog", or the absolute path of a second file."""
    return str(settings.AUDIT_WITNESS or "")


def witness_file() -> Path | None:
    """The witness file, when the witness is a file."""
    name = witness()
    return Path(name) if name and name != SYSLOG else None


def due() -> bool:
    """Whether this process should write a checkpoint now (at most one per interval; one clock read)."""
    global _next_due
    now = clock()
    if now < _next_due:
        return False
    with _schedule_lock:
        if now < _next_due:
            return False
        _next_due = now + float(settings.AUDIT_CHECKPOINT_SECONDS)
        return True


def reset_schedule() -> None:
    """Make the next append write a checkpoint (a new process starts this way; tests use it too)."""
    global _next_due
    with _schedule_lock:
        _next_due = 0.0


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[int]:
    """The file opened for appending, created owner-only, under an exclusive lock across processes."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC, 0o600)
    try:
        if stat.S_IMODE(os.fstat(fd).st_mode) & 0o077:
            os.fchmod(fd, 0o600)
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield fd
    finally:
        os.close(fd)  # also releases the lock


def _ends_line(fd: int) -> bool:
    size = os.fstat(fd).st_size
    return size == 0 or os.pread(fd, 1, size - 1) == b"\n"


def _last(fd: int) -> tuple[int, str]:
    """(number, signature) of the file's last well-formed line; (0, GENESIS) for an empty file."""
    size = os.fstat(fd).st_size
    start = max(0, size - _TAIL_BYTES)
    lines = os.pread(fd, size - start, start).decode("utf-8", "replace").splitlines()
    if start and len(lines) <= 1:
        # Too long for the tail read (a damaged file): read it all.
        lines = os.pread(fd, size, 0).decode("utf-8", "replace").splitlines()
    for line in reversed(lines):
        try:
            record = chain.checkpoint_parse(line)
        except ValueError:
            continue
        return record.n, record.mac
    return 0, chain.GENESIS


def _write_line(fd: int, line: str) -> None:
    # After a damaged, unfinished last line the new checkpoint still starts a line of its own (and
    # `haven audit verify` names the damaged one).
    prefix = "" if _ends_line(fd) else "\n"
    os.write(fd, (prefix + line + "\n").encode("ascii"))
    os.fsync(fd)


def append(*, kind: str, seq: int, hash: str, at: str, key_id: str, key: bytes) -> int:
    """Sign and append one checkpoint to the file and the witness; returns its number.

    The main file must take it (an `OSError` propagates). A witness that fails is logged as an error,
    without data: the checkpoint is in the main file, and `haven audit verify` compares the two.
    """
    path = checkpoint_file()
    with _locked(path) as fd:
        last_n, last_mac = _last(fd)
        record = chain.checkpoint_make(
            key, n=last_n + 1, kind=kind, seq=seq, hash=hash, at=at, key_id=key_id, prev=last_mac
        )
        line = chain.checkpoint_line(record)
        _write_line(fd, line)
    target = witness()
    try:
        if target == SYSLOG:
            syslog.openlog("haven-audit", syslog.LOG_PID, syslog.LOG_AUTH)
            syslog.syslog(syslog.LOG_NOTICE, f"haven audit checkpoint {line}")
        elif target:
            with _locked(Path(target)) as witness_fd:
                _write_line(witness_fd, line)
    except OSError as exc:
        log.error("audit checkpoint not written to the witness", extra={"error": type(exc).__name__})
    return record.n


def read(path: Path) -> list[str] | None:
    """The lines of a checkpoint file, or None when it does not exist."""
    try:
        with path.open("r", encoding="utf-8", errors="replace", newline="") as handle:
            return handle.read().splitlines()
    except FileNotFoundError:
        return None
