"""haven init [--demo]: prepare the data directory, keys and database; optionally the demo organisation."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser

from haven.core import setup

# Screenings run for the demo on first run; most with signs become cases, and each case a life of its own
# (haven.demo.life): enough that every page and the evidence dashboard have content, in under a minute.
DEMO_CASES = 150


class Command(BaseCommand):
    help = (
        "Prepare Haven: create the data directory (HAVEN_DATA_DIR, default ./var), owner-only, "
        "the key files, the database schema and the compiled translations. Safe to run again: existing data "
        "and keys are kept. With --demo, also create a demo organisation with one account per role "
        "(synthetic data only) and print their passwords and TOTP secrets."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--demo", action="store_true", help="create and print the demo accounts")

    def handle(self, *args: Any, **options: Any) -> None:
        data_dir = Path(settings.DATA_DIR)
        setup.ensure_data_dir(data_dir)
        setup.ensure_keys(data_dir)
        setup.compile_translations()
        call_command("migrate", interactive=False, verbosity=0)
        setup.restrict_database_file()
        if not os.environ.get("HAVEN_SKIP_COLLECTSTATIC"):
            call_command("collectstatic", interactive=False, verbosity=0)
        setup.record_prepared(data_dir, settings.HAVEN_ENV)
        self.stdout.write(f"Haven is ready in {data_dir}")
        if options["demo"]:
            from haven.core.demo import demo_create

            accounts = demo_create()
            # A first run: enough synthetic life that every page and the dashboard have content.
            call_command("demo", "--cases", str(DEMO_CASES), "--if-empty", stdout=self.stdout)
            self.stdout.write("")
            self.stdout.write("DEMO ACCOUNTS — synthetic data only, never use them for real cases.")
            self.stdout.write("Sign in with the e-mail and password, then enter the six-digit code from any")
            self.stdout.write(
                "authenticator app set up with the TOTP secret (or: oathtool --totp -b SECRET)."
            )
            for account in accounts:
                self.stdout.write(
                    f"  {account['role']:<24} {account['email']:<40} password: {account['password']}"
                    f"  TOTP secret: {account['totp_secret']}"
                )
