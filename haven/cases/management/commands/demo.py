"""haven demo --cases N --seed S [--if-empty]: synthetic cases for the demo organisation, made through the
real services (haven init --demo runs it with --if-empty on a first run)."""

from __future__ import annotations

import json
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from haven.cases.demo import demo_cases_create
from haven.cases.models import Case


class Command(BaseCommand):
    help = (
        "Make synthetic cases for the demo organisation (after haven init --demo): screenings, hand-overs, "
        "consents, notes and tasks, all through Haven's services. Synthetic data only."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--cases", type=int, default=200, help="how many screenings to run (default 200)")
        parser.add_argument("--seed", type=int, default=1, help="the same seed gives the same mix")
        parser.add_argument("--json", action="store_true", help='print {"cases": N} as JSON')
        parser.add_argument("--if-empty", action="store_true", help="only when there is no case yet")

    def handle(self, *args: Any, **options: Any) -> None:
        count = options["cases"]
        if count < 0 or count > 1_000_000:
            raise CommandError("--cases must be from 0 to 1000000", returncode=2)
        if options["if_empty"] and Case.objects.exists():
            return
        shown = {"last": -1}

        def progress(done: int, total: int) -> None:
            percent = done * 100 // total
            if percent // 10 != shown["last"] and not options["json"]:
                shown["last"] = percent // 10
                sys.stderr.write(f"\rdemo cases: {percent:3d}%")
                sys.stderr.flush()

        try:
            made = demo_cases_create(count, options["seed"], progress)
        except ValueError as exc:
            raise CommandError(str(exc), returncode=2) from None
        if not options["json"]:
            sys.stderr.write("\n")
            self.stdout.write(f"made {made} synthetic cases for the demo organisation")
        else:
            self.stdout.write(json.dumps({"cases": made}))
