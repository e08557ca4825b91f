"""Django's SQLite backend, with a queue for the write lock instead of SQLite's sleeping busy handler.

SQLite allows one writer at a time. A connection that finds the write lock taken is put to sleep by SQLite's
busy handler for 1, 2, 5, 10, ... up to 100 ms before it tries again, however soon the lock is freed. Under a
dozen concurrent requests that each write (every case read writes its audit entry) those sleeps, not the
work, made most of the response time, and a writer of one server process could starve behind the other's.

Here a transaction first takes its place in a queue: the threads of a process wait on a lock that wakes the
next one as soon as the current transaction ends, and the processes (the server's workers, the command line)
take turns on an advisory lock on a file beside the database, retried every millisecond or two. SQLite's
own lock and busy handler still guard the data; nothing about what is written, or when, changes. Waiting in
the queue is bounded by the connection's timeout, after which SQLite decides as it always did.
"""

from __future__ import annotations

import fcntl
import os
import threading
import time
from typing import Any

from django.db.backends.sqlite3 import base

_SPIN_SECONDS = (0.0002, 0.0005, 0.001, 0.002)


class WriterQueue:
    """The writers of one database file: a lock for this process's threads, a file lock between processes."""

    def __init__(self, database: str) -> None:
        self.threads = threading.RLock()
        in_memory = database == ":memory:" or "mode=memory" in database
        self.lock_path = None if in_memory else f"{database}-writers.lock"
        self._fd = -1
        self._pid = 0
        self._depth = 0  # nested holds by the thread that holds `threads`

    def _file(self) -> int:
        if self._pid != os.getpid():  # opened anew in each process: forked workers must not share it
            self._fd = os.open(str(self.lock_path), os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
            self._pid = os.getpid()
        return self._fd

    def acquire(self, timeout: float) -> bool:
        """Take the queue (re-entrant in one thread); False when the wait passed `timeout` seconds."""
        deadline = time.monotonic() + timeout
        if not self.threads.acquire(timeout=timeout):
            return False
        if self._depth == 0 and self.lock_path is not None:
            fd = self._file()
            attempt = 0
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() >= deadline:
                        self.threads.release()
                        return False
                    time.sleep(_SPIN_SECONDS[min(attempt, len(_SPIN_SECONDS) - 1)])
                    attempt += 1
        self._depth += 1
        return True

    def release(self) -> None:
        self._depth -= 1
        if self._depth == 0 and self.lock_path is not None:
            fcntl.flock(self._file(), fcntl.LOCK_UN)
        self.threads.release()


_QUEUES: dict[str, WriterQueue] = {}
_QUEUES_GUARD = threading.Lock()


def writer_queue(database: str) -> WriterQueue:
    with _QUEUES_GUARD:
        if database not in _QUEUES:
            _QUEUES[database] = WriterQueue(database)
        return _QUEUES[database]


class DatabaseWrapper(base.DatabaseWrapper):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._writers = writer_queue(str(self.settings_dict["NAME"]))
        self._in_writer_queue = False

    def _start_transaction_under_autocommit(self) -> None:
        timeout = float(self.settings_dict.get("OPTIONS", {}).get("timeout", 5))
        queued = self._writers.acquire(timeout)
        try:
            super()._start_transaction_under_autocommit()  # type: ignore[misc]  # private in django-stubs
        except BaseException:
            if queued:
                self._writers.release()
            raise
        self._in_writer_queue = queued

    def _leave_writer_queue(self) -> None:
        if self._in_writer_queue:
            self._in_writer_queue = False
            self._writers.release()

    def _commit(self) -> None:
        try:
            super()._commit()  # type: ignore[misc]
        finally:
            self._leave_writer_queue()

    def _rollback(self) -> None:
        try:
            super()._rollback()  # type: ignore[misc]
        finally:
            self._leave_writer_queue()

    def _close(self) -> None:
        try:
            super()._close()  # type: ignore[misc]
        finally:
            self._leave_writer_queue()
