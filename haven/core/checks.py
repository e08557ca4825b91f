"""Haven's own sanity checks: data directory and keys, used by `haven check` and before `haven serve`; and
whether Haven can write (`haven check` only: a read-only or full disk still lets Haven show pages)."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings


def haven_problems() -> list[str]:
    from haven.core.setup import data_dir_problems
    from haven.vault.integration import key_problems

    data_dir = Path(settings.DATA_DIR)
    problems = data_dir_problems(data_dir)
    if not problems:
        problems += key_problems(data_dir)
    return problems


def storage_check_problems() -> list[str]:
    """The data directory, the key directory, the attachments and the SQLite database: read-only or full."""
    from django.db import connections

    from haven.core.storage import storage_problems

    data_dir = Path(settings.DATA_DIR)
    directories = [data_dir, data_dir / "keys", Path(settings.ATTACHMENTS_DIR)]
    files: list[Path] = []
    name = str(settings.DATABASES["default"]["NAME"])
    if connections["default"].vendor == "sqlite" and name != ":memory:" and not name.startswith("file:"):
        database = Path(name)
        directories.append(database.parent)
        files.append(database)
    return storage_problems(directories, files)
