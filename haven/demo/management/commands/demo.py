"""haven demo --cases N --seed S [--if-empty]: the demo organisation's synthetic life across every capability,
made through the real services (haven init --demo runs it with --if-empty on a first run)."""

from __future__ import annotations

import json
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from haven.cases.models import Case
from haven.demo.life import demo_fill


class Command(BaseCommand):
    help = (
        "Make synthetic life for the demo organisation (after haven init --demo): screenings, hand-overs, "
        "consents, notes, tasks, needs and risk assessments, safety and support plans, referrals and the "
        "service directory, formal identification, closures, the staff register and trainings, the "
        "readiness checklist, all through Haven's services. Synthetic data only."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--cases", type=int, default=200, help="how many screenings to run (default 200)")
        parser.add_argument("--seed", type=int, default=1, help="the same seed gives the same mix")
        parser.add_argument(
            "--json", action="store_true", help='print what was made as JSON ({"cases": N, …})'
        )
        parser.add_argument("--if-empty", action="store_true", help="only when there is no case yet")

    def handle(self, *args: Any, **options: Any) -> None:
        count = options["cases"]
        if count < 0 or count > 1_000_000:
            raise CommandError("--cases must be from 0 to 1000000", returncode=2)
        if options["if_empty"] and Case.objects.exists():
            return
        quiet = options["json"] or options["verbosity"] == 0
        shown: dict[str, int] = {}

        def progress(step: str, done: int, total: int) -> None:
            # A bar per step, redrawn every tenth: cheap for a million cases, still moving for a hundred.
            tenth = done * 10 // total if total else 10
            if quiet or shown.get(step) == tenth:
                return
            if shown and step not in shown:
                sys.stderr.write("\n")
            shown[step] = tenth
            sys.stderr.write(f"\rdemo {step:<10} [{'#' * tenth:<10}] {done * 100 // max(total, 1):3d}%")
            sys.stderr.flush()

        try:
            made = demo_fill(count, options["seed"], progress)
        except ValueError as exc:
            raise CommandError(str(exc), returncode=2) from None
        if options["json"]:
            self.stdout.write(json.dumps(dict(made), sort_keys=True))
            return
        if shown:
            sys.stderr.write("\n")
        self.stdout.write(f"made {made['cases']} synthetic cases for the demo organisation")
        others = ", ".join(f"{number} {kind}" for kind, number in sorted(made.items()) if kind != "cases")
        if others:
            self.stdout.write(f"and {others}")
