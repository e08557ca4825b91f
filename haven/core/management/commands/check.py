"""haven check: Django's system checks plus Haven's configuration and key sanity checks."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.commands.check import Command as DjangoCheck

from haven.core.checks import haven_problems, storage_check_problems


class Command(DjangoCheck):
    help = (
        "Check the configuration: Django's system checks (add --deploy for the production ones) and Haven's "
        "own checks of the data directory (permissions, read-only, full) and the vault keys. Exits 1 naming "
        "each problem and how to fix it."
    )

    def handle(self, *app_labels: Any, **options: Any) -> None:
        storage = storage_check_problems() if Path(settings.DATA_DIR).is_dir() else []
        problems = [*storage, *haven_problems()]
        if storage and len(problems) > len(storage):
            # SQLite cannot even open a database in WAL mode on a read-only file system, so the key store
            # then looks damaged: restoring it would not help, and could not be done there anyway.
            problems.append(
                "the storage problems above may be the cause of the others: fix them first, then run "
                "'haven check' again"
            )
        for problem in problems:
            self.stderr.write(f"problem: {problem}")
        super().handle(*app_labels, **options)
        if problems:
            sys.exit(1)
        self.stdout.write("Haven's data directory, storage and keys are in order.")
