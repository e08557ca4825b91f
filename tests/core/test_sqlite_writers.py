"""Haven's SQLite backend queues writers: a transaction holds the queue (against the other threads and the
other processes) until it commits, rolls back or its connection closes, and threads writing at once all land
without losing a row.

These run on a real database file of their own (WAL, as `haven init` makes it), whatever DATABASE_URL is.
"""

from __future__ import annotations

import multiprocessing
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.conf import settings

from haven.core.sqlite.base import DatabaseWrapper, writer_queue

SQLITE_OPTIONS = {
    "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    "transaction_mode": "IMMEDIATE",
    "timeout": 20,
}


@pytest.fixture
def database(tmp_path: Path, django_db_blocker) -> Iterator[Callable[[], DatabaseWrapper]]:
    """A factory of Haven SQLite connections to one new database file with a table `t`."""
    made: list[DatabaseWrapper] = []
    template = {
        **settings.DATABASES["default"],
        "ENGINE": "haven.core.sqlite",
        "NAME": str(tmp_path / "writers.sqlite3"),
        "OPTIONS": SQLITE_OPTIONS,
        "TEST": {},
    }

    def connect() -> DatabaseWrapper:
        wrapper = DatabaseWrapper(dict(template), alias=f"writers-{len(made)}")
        made.append(wrapper)
        return wrapper

    with django_db_blocker.unblock():  # not the test database: a file of this test's own
        with connect().cursor() as cursor:
            cursor.execute("CREATE TABLE t (writer INTEGER, n INTEGER)")
        yield connect
        for wrapper in made:
            if wrapper._thread_ident == threading.get_ident():  # the others closed their own
                wrapper.close()


def _begin(wrapper: DatabaseWrapper) -> None:
    # What `transaction.atomic()` does first on SQLite, on a connection of our own.
    wrapper.ensure_connection()
    wrapper._start_transaction_under_autocommit()


def _queue_is_free(name: str) -> bool:
    """Whether another thread could take the writer queue right now (asked from a fresh thread)."""
    answer: list[bool] = []

    def probe() -> None:
        lock = writer_queue(name).threads
        taken = lock.acquire(blocking=False)
        if taken:
            lock.release()
        answer.append(taken)

    thread = threading.Thread(target=probe)
    thread.start()
    thread.join()
    return answer[0]


@pytest.mark.parametrize("end", ["commit", "rollback", "close"])
def test_a_transaction_holds_the_writer_queue_until_it_ends(database, end):
    wrapper = database()
    name = wrapper.settings_dict["NAME"]
    assert _queue_is_free(name)
    _begin(wrapper)
    with wrapper.cursor() as cursor:
        cursor.execute("INSERT INTO t VALUES (0, 1)")
    assert not _queue_is_free(name)
    getattr(wrapper, f"_{end}")()
    assert _queue_is_free(name)
    with database().cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM t")
        assert cursor.fetchone()[0] == (1 if end == "commit" else 0)


def test_a_failed_begin_leaves_the_queue_free(database):
    wrapper = database()
    name = wrapper.settings_dict["NAME"]
    wrapper.ensure_connection()
    _begin(wrapper)
    # A second BEGIN inside an open transaction is an error in SQLite.
    with pytest.raises(Exception, match="within a transaction"):
        wrapper._start_transaction_under_autocommit()
    wrapper._rollback()
    assert _queue_is_free(name)


def test_threads_writing_at_once_all_commit_and_lose_nothing(database):
    writers, rounds = 8, 25
    failures: list[BaseException] = []
    start = threading.Barrier(writers)

    def write(writer: int) -> None:
        wrapper = database()
        try:
            start.wait()
            for n in range(rounds):
                _begin(wrapper)
                with wrapper.cursor() as cursor:
                    cursor.execute("SELECT COUNT(*) FROM t")
                    cursor.execute("INSERT INTO t VALUES (%s, %s)", [writer, n])
                wrapper._commit()
        except BaseException as exc:  # noqa: BLE001 (reported by the main thread)
            failures.append(exc)
        finally:
            wrapper.close()

    threads = [threading.Thread(target=write, args=(w,)) for w in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    with database().cursor() as cursor:
        cursor.execute("SELECT writer, COUNT(*) FROM t GROUP BY writer ORDER BY writer")
        assert cursor.fetchall() == [(w, rounds) for w in range(writers)]


def test_another_process_waits_for_the_queue_until_the_transaction_ends(database):
    name = database().settings_dict["NAME"]
    context = multiprocessing.get_context("fork")
    held, finish = context.Event(), context.Event()

    def hold() -> None:  # a forked process: it opens the queue's lock file anew
        queue = writer_queue(name)
        assert queue.acquire(timeout=5)
        held.set()
        finish.wait(30)
        queue.release()

    child = context.Process(target=hold)
    child.start()
    try:
        assert held.wait(30)
        queue = writer_queue(name)
        assert not queue.acquire(timeout=0.2)  # the other process is in its transaction
        finish.set()
        assert queue.acquire(timeout=10)
        queue.release()
    finally:
        finish.set()
        child.join(30)
    assert child.exitcode == 0
    assert Path(f"{name}-writers.lock").stat().st_mode & 0o077 == 0
