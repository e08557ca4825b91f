"""haven directory import FILE | export FILE [--actor EMAIL] | demo: the service directory as CSV or XLSX, or
the demo organisation's synthetic directory (and the needs its demo cases were linked for).

An import writes all rows or none: a wrong cell is named by line and column (never its content), exit 2.
Exit codes: 0 done, 2 usage or input error (also a refused account).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError, CommandParser

from haven.accounts.models import User
from haven.accounts.services import record_command_refusal
from haven.referrals.demo import demo_directory_create
from haven.referrals.importer import DirectoryFileError, directory_export, directory_import


class Command(BaseCommand):
    help = "Import or export the service directory (CSV or XLSX, by the file's extension)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("verb", choices=["import", "export", "demo"])
        parser.add_argument("file", nargs="?", default="", help="a .csv or .xlsx file (import, export)")
        parser.add_argument("--actor", default="", help="e-mail of the account acting (a programme manager)")

    def handle(self, *args: Any, **options: Any) -> None:
        actor = None
        if options["actor"]:
            actor = User.objects.active_by_email(options["actor"])
            if actor is None:
                raise CommandError(f"no active account with the e-mail {options['actor']}", returncode=2)
        if options["verb"] == "demo":
            try:
                entries, links = demo_directory_create()
            except ValueError as exc:
                raise CommandError(str(exc), returncode=2) from None
            self.stdout.write(f"demo directory: {entries} new entries, {links} new links")
            return
        if not options["file"]:
            raise CommandError("give the file", returncode=2)
        path = Path(options["file"])
        try:
            if options["verb"] == "import":
                if not path.is_file():
                    raise CommandError(f"no file {path}", returncode=2)
                count = directory_import(actor=actor, path=path)
                self.stdout.write(f"imported {count} organisation(s)")
            else:
                count = directory_export(actor=actor, path=path)
                self.stdout.write(f"exported {count} organisation(s) to {path}")
        except DirectoryFileError as exc:
            raise CommandError(f"nothing imported: {exc}", returncode=2) from None
        except PermissionDenied as exc:
            if actor is not None:
                record_command_refusal(actor=actor, command="directory", refusal=exc)
            raise CommandError(
                "refused: this account's role may not manage the directory", returncode=2
            ) from None
