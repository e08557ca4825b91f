"""Haven's own sanity checks: data directory and keys. Used by `haven check` and before `haven serve`."""

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
