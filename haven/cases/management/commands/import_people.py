"""haven import_people FILE.csv --team NAME --actor EMAIL [--dry-run] [--json] [--sep X]: bulk import.

One new case per row (stage first contact, with the importing case manager), all or nothing: every row is
checked first and any problem stops the import with nothing written. Exit codes: 0 imported (or, with
--dry-run, every row valid), 1 the vault refused (nothing written), 2 bad input or usage, with one line per
problem on stderr naming the row and column (never the value).
"""

from __future__ import annotations

import csv
import json
import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError, CommandParser

from haven.accounts.models import Team, User
from haven.accounts.services import record_command_refusal
from haven.cases.access import WrongTeam
from haven.cases.importer import ImportReport, people_import
from haven.cases.services import PERSON_FIELDS
from haven.vault import integration
from haven.vault.errors import VaultError


def _fail(message: str, code: int = 2) -> CommandError:
    return CommandError(message, returncode=code)


@contextmanager
def _stopped_by_sigterm_as_by_ctrl_c() -> Iterator[None]:
    """A SIGTERM (systemd stopping the service, `kill`) interrupts the import like Ctrl-C, so it rolls back
    and deletes the keys it created instead of dying with them left in the key store."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _separator(header: str, given: str | None) -> str:
    if given is not None:
        if given == "\\t":
            return "\t"
        if len(given) != 1 or given in ('"', "\r", "\n"):
            raise _fail(f"--sep must be one character (e.g. ';' or ','), got {given!r}")
        return given
    # Sniffed from the header line alone: it holds column names only, while free text in the rows below
    # (addresses, notes) is full of commas and semicolons that can mislead the sniffer.
    try:
        return csv.Sniffer().sniff(header, delimiters=";,\t").delimiter
    except csv.Error:
        return ";"  # a single column: any separator reads it


class Command(BaseCommand):
    help = (
        "Import people from a CSV file (UTF-8, ';' or ',' separated, detected unless --sep is given), one "
        "new case each, for the Society's contact person. The header row names person fields: "
        + ", ".join(sorted(PERSON_FIELDS))
        + ". Lists (languages, citizenship) are codes separated by spaces or '|'; dates are YYYY-MM-DD; "
        "age_in_doubt (and its older form age_established_adult) is yes or no; a person who gives an adult "
        "age is an adult unless doubt is recorded. Every row is checked first; any problem stops the import "
        "with nothing written and lists the row and column of each problem (exit code 2)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="the CSV file to import")
        parser.add_argument("--team", required=True, help="name of the team the cases belong to")
        parser.add_argument(
            "--actor", required=True, help="e-mail of the importing case manager, a member of --team"
        )
        parser.add_argument("--dry-run", action="store_true", help="check every row, write nothing")
        parser.add_argument("--json", action="store_true", help="print the summary as JSON")
        parser.add_argument("--sep", default=None, help="the separator, when detection is not wanted")

    def handle(self, *args: Any, **options: Any) -> None:
        actor = User.objects.active_by_email(options["actor"])
        if actor is None:
            raise _fail(f"no active account with the e-mail {options['actor']}")
        teams = Team.objects.filter(name=options["team"])
        if actor.team is not None:
            teams = teams.filter(organisation_id=actor.team.organisation_id)
        found = list(teams[:2])
        if len(found) != 1:
            raise _fail(f"no single team named {options['team']!r} in this account's organisation")
        path = Path(options["file"])
        if not path.is_file():
            raise _fail(f"{path} is not a file")
        started = time.perf_counter()
        try:
            with _stopped_by_sigterm_as_by_ctrl_c():
                report = self._run(path, actor, found[0], options)
        except UnicodeDecodeError:
            raise _fail(f"{path} is not UTF-8 text; save it as 'CSV UTF-8' and try again") from None
        except WrongTeam:
            record_command_refusal(actor=actor, command="import_people", refusal="case.own_team")
            raise _fail(
                f"nothing imported: the account {options['actor']} is not a member of team "
                f"{options['team']!r}; only a case manager of that team may import its cases"
            ) from None
        except PermissionDenied as exc:
            record_command_refusal(actor=actor, command="import_people", refusal=exc)
            raise _fail("nothing imported: this account's role may not import cases") from None
        except VaultError as exc:
            raise _fail(f"nothing imported, the vault refused: {exc}", code=1) from None
        finally:
            integration.reset()
        seconds = round(time.perf_counter() - started, 3)
        if not report.ok:
            self._problems(report, options["json"], seconds)
        if options["json"]:
            summary = {
                "rows": report.rows,
                "created": report.created,
                "seconds": seconds,
                "first_code": report.first_code,
                "last_code": report.last_code,
                "dry_run": report.dry_run,
            }
            self.stdout.write(json.dumps(summary))
        elif report.dry_run:
            self.stdout.write(f"checked {report.rows} rows: all valid; nothing written (dry run)")
        else:
            self.stdout.write(
                f"imported {report.created} people from {report.rows} rows in {seconds} s: "
                f"cases {report.first_code} to {report.last_code}"
            )

    def _run(self, path: Path, actor: User, team: Team, options: dict[str, Any]) -> ImportReport:
        # utf-8-sig: spreadsheets save a byte-order mark that would otherwise stick to the first column name.
        with path.open(encoding="utf-8-sig", newline="") as handle:
            sep = _separator(handle.readline(), options["sep"])
            handle.seek(0)
            reader = csv.DictReader(handle, delimiter=sep, strict=True)
            try:
                return people_import(
                    actor=actor,
                    team=team,
                    rows=reader,
                    columns=reader.fieldnames or [],
                    dry_run=options["dry_run"],
                )
            except csv.Error as exc:
                # The csv module's messages name the problem (a stray quote, a NUL byte), never a value.
                raise _fail(
                    f"{path} is not a readable CSV file near line {reader.reader.line_num} ({exc}); "
                    "nothing imported"
                ) from None

    def _problems(self, report: ImportReport, as_json: bool, seconds: float) -> None:
        if as_json:
            self.stdout.write(
                json.dumps(
                    {
                        "rows": report.rows,
                        "created": 0,
                        "seconds": seconds,
                        "problems": [
                            {"row": p.row, "column": p.column, "problem": p.problem} for p in report.problems
                        ],
                    }
                )
            )
        else:
            for problem in report.problems:
                self.stderr.write(str(problem))
        rows = len({p.row for p in report.problems})
        raise _fail(
            f"nothing imported: {len(report.problems)} problem(s) in {rows} row(s) of {report.rows}; "
            "correct the file and run the import again"
        )
