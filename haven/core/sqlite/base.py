"""Django's SQLite backend, with one queue per database file for the threads of a process that write.

SQLite allows one writer at a time. A thread that finds the write lock taken is put to sleep by SQLite's
busy handler for 1, 2, 5, 10, ... up to 100 ms before it tries again, however soon the lock is freed; under
a dozen concurrent requests that each write (every case read writes its audit entry) those sleeps, not the
work, made most of the response time. Here the threads of one process wait for each other on a lock that
wakes the next one as soon as the current transaction ends; SQLite's busy handler is left to arbitrate only
between processes. Nothing about what is written, or when it is committed, changes.
"""

from __future__ import annotations

import threading
from typing import Any

from django.db.backends.sqlite3 import base

_LOCKS: dict[str, threading.RLock] = {}
_LOCKS_GUARD = threading.Lock()


def _writer_lock(name: str) -> threading.RLock:
    with _LOCKS_GUARD:
        return _LOCKS.setdefault(name, threading.RLock())


class DatabaseWrapper(base.DatabaseWrapper):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._writer_lock = _writer_lock(str(self.settings_dict["NAME"]))
        self._holds_writer_lock = False

    def _start_transaction_under_autocommit(self) -> None:
        # Bounded like SQLite's own wait: past it, SQLite's busy handler decides as it always did.
        timeout = float(self.settings_dict.get("OPTIONS", {}).get("timeout", 5))
        held = self._writer_lock.acquire(timeout=timeout)
        try:
            super()._start_transaction_under_autocommit()  # type: ignore[misc]  # private in django-stubs
        except BaseException:
            if held:
                self._writer_lock.release()
            raise
        self._holds_writer_lock = held

    def _release_writer_lock(self) -> None:
        if self._holds_writer_lock:
            self._holds_writer_lock = False
            self._writer_lock.release()

    def _commit(self) -> None:
        try:
            super()._commit()  # type: ignore[misc]
        finally:
            self._release_writer_lock()

    def _rollback(self) -> None:
        try:
            super()._rollback()  # type: ignore[misc]
        finally:
            self._release_writer_lock()

    def _close(self) -> None:
        try:
            super()._close()  # type: ignore[misc]
        finally:
            self._release_writer_lock()
