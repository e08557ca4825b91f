"""haven reminders [--json]: notify each case manager, inside Haven, of the reviews due on their cases.

Run it daily (cron or a systemd timer). Each review is notified once per case, kind and date; nothing is
sent by e-mail or SMS. Exit code 0.
"""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from haven.followup.services import reminders_send


class Command(BaseCommand):
    help = (
        "Notify each case manager in Haven of the reviews due on their cases (consent expiry, end of the "
        "reflection period or residence permit, plan reviews). Run daily; never sends e-mail or SMS."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--json", action="store_true", help="print the count as JSON")

    def handle(self, *args: Any, **options: Any) -> None:
        count = reminders_send()
        if options["json"]:
            self.stdout.write(json.dumps({"notifications": count}))
        else:
            self.stdout.write(f"{count} reminder(s) written")
