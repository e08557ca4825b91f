"""`haven check` names a data directory that is read-only or full, and exits 1.

The operating system's answers are stood in for at its boundary (the probe write, the free-space query):
the tests run as any user, and root writes even where the permissions say no.
"""

from __future__ import annotations

import errno
import io
import shutil
import tempfile
from collections import namedtuple
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

from haven.core import storage

Usage = namedtuple("Usage", "total used free")


def run_check() -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("check", stdout=out, stderr=err)
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    return code, out.getvalue(), err.getvalue()


def refuse_writes_in(monkeypatch: pytest.MonkeyPatch, directory: Path, code: int) -> None:
    real = tempfile.mkstemp

    def mkstemp(*args, **kwargs):
        if Path(kwargs.get("dir", "")) == directory:
            raise OSError(code, "refused")
        return real(*args, **kwargs)

    monkeypatch.setattr(storage.tempfile, "mkstemp", mkstemp)


def test_check_passes_when_the_data_directory_takes_writes(db: None) -> None:
    code, out, err = run_check()
    assert code == 0, err
    assert "storage" in out and "problem" not in err


def test_check_names_a_read_only_data_directory_and_exits_1(
    db: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    data_dir = Path(settings.DATA_DIR)
    refuse_writes_in(monkeypatch, data_dir, errno.EROFS)
    code, _out, err = run_check()
    assert code == 1
    assert f"storage: {data_dir} is read-only" in err


def test_storage_problems_come_first_and_are_named_as_the_likely_cause(
    db: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    from haven.core.management.commands import check

    data_dir = Path(settings.DATA_DIR)
    refuse_writes_in(monkeypatch, data_dir, errno.EROFS)
    # What SQLite answers when it cannot open the key store on a read-only file system.
    opening_fails = ["vault: key store is damaged (unable to open database file)"]
    monkeypatch.setattr(check, "haven_problems", lambda: opening_fails)
    code, _out, err = run_check()
    lines = [line for line in err.splitlines() if line.startswith("problem:")]
    assert code == 1
    assert lines[0].startswith(f"problem: storage: {data_dir} is read-only")
    assert "may be the cause of the others: fix them first" in lines[-1]


def test_check_names_a_key_directory_that_refuses_writes(db: None, monkeypatch: pytest.MonkeyPatch) -> None:
    keys = Path(settings.DATA_DIR) / "keys"
    refuse_writes_in(monkeypatch, keys, errno.EACCES)
    code, _out, err = run_check()
    assert code == 1
    assert f"storage: {keys} is read-only" in err


def test_check_names_a_full_data_directory_and_exits_1(db: None, monkeypatch: pytest.MonkeyPatch) -> None:
    data_dir = Path(settings.DATA_DIR)
    refuse_writes_in(monkeypatch, data_dir, errno.ENOSPC)
    code, _out, err = run_check()
    assert code == 1
    assert f"storage: {data_dir} is full" in err


def test_check_names_a_data_directory_with_almost_no_space_left(
    db: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(storage.shutil, "disk_usage", lambda path: Usage(10**9, 10**9 - 10**6, 10**6))
    code, _out, err = run_check()
    assert code == 1
    assert f"storage: {Path(settings.DATA_DIR)} is almost full (0 MB free" in err


def test_the_write_probe_leaves_nothing_behind(tmp_path: Path) -> None:
    assert (
        storage.storage_problems([tmp_path]) == []
        or shutil.disk_usage(tmp_path).free < storage.MIN_FREE_BYTES
    )
    assert list(tmp_path.iterdir()) == []


class PgError(Exception):
    def __init__(self, sqlstate: str) -> None:
        self.sqlstate = sqlstate


def _wrapped(inner: BaseException) -> BaseException:
    try:
        try:
            raise inner
        except BaseException as exc:
            raise RuntimeError("wrapper") from exc
    except RuntimeError as outer:
        return outer


@pytest.mark.parametrize(
    ("exc", "expected"),
    [
        (OSError(errno.EROFS, "Read-only file system"), "read_only"),
        (OSError(errno.ENOSPC, "No space left on device"), "full"),
        (OSError(errno.EDQUOT, "Disk quota exceeded"), "full"),
        (PgError("25006"), "read_only"),
        (PgError("53100"), "full"),
        (_wrapped(OSError(errno.ENOSPC, "No space left on device")), "full"),
        (OSError(errno.ENOENT, "No such file"), None),
        (PgError("23505"), None),
        (ValueError("anything else"), None),
    ],
    ids=[
        "erofs",
        "enospc",
        "edquot",
        "pg-read-only",
        "pg-disk-full",
        "chained",
        "enoent",
        "pg-other",
        "other",
    ],
)
def test_storage_failures_are_told_from_other_errors(exc: BaseException, expected: str | None) -> None:
    assert storage.storage_failure(exc) == expected
