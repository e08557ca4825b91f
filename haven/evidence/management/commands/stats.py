"""haven stats anonymise | export | dp | budget: anonymised statistics from the command line.

- `anonymise` is a general de-identification tool for any CSV a Society holds (no database needed);
- `export` writes k-anonymous CTDC-layout microdata from the cases whose consent covers statistics;
- `dp` makes a differentially private release (spends privacy budget) and writes its table;
- `budget` shows (or, with --set, changes) a dataset's privacy budget.

Bad parameters exit with code 2 and a message that says what to change.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError, CommandParser

from haven.accounts.models import User
from haven.evidence import ctdc, selectors
from haven.evidence.anonymise import AnonymisationInputError, load_hierarchies, write_csv
from haven.evidence.services import (
    MAX_EPSILON,
    MIN_EPSILON,
    EvidenceInputError,
    PrivacyBudgetExceeded,
    dp_release,
    export_create,
    ledger_set_budget,
)


def _fail(message: str) -> CommandError:
    return CommandError(message, returncode=2)


def _parse_columns(text: str, what: str) -> list[str]:
    columns = [c.strip() for c in text.split(",")]
    if not text.strip() or any(not c for c in columns):
        raise _fail(f"{what}: give a comma-separated list of column names, e.g. gender,ageBroad")
    if len(set(columns)) != len(columns):
        raise _fail(f"{what}: a column is listed twice")
    return columns


def _check_out(path_text: str) -> Path:
    out = Path(path_text)
    if not out.parent.is_dir():
        raise _fail(f"the folder for --out ({out.parent}) does not exist")
    if out.is_dir():
        raise _fail(f"--out {out} is a folder; give a file name")
    return out


def _separator(text: str) -> str:
    if text == "\\t":
        return "\t"
    if len(text) != 1 or text in ('"', "\r", "\n"):
        raise _fail(f"--sep must be one character (e.g. ';' or ','), got {text!r}")
    return text


class Command(BaseCommand):
    help = (
        "Anonymised statistics. 'anonymise' de-identifies any CSV (k-anonymity with hierarchies); "
        "'export' writes k-anonymous microdata in the CTDC layout from cases whose consent covers "
        "statistics; 'dp' makes a differentially private release and spends privacy budget; 'budget' "
        "shows the privacy budget. Exit code 2 means a parameter was wrong."
    )
    # `anonymise` must run on a machine with no database: checks would try to reach one.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)

        anon = sub.add_parser("anonymise", help="k-anonymise a CSV file through ARX-layout hierarchies")
        anon.add_argument("--input", required=True, help="the CSV file to de-identify")
        anon.add_argument("--sep", default=";", help="the CSV separator (default ';'; '\\t' for tab)")
        anon.add_argument("--qi", required=True, help="quasi-identifiers, comma-separated")
        anon.add_argument(
            "--hierarchies",
            help="folder with one <prefix>_hierarchy_<column>.csv per quasi-identifier (ARX layout); "
            "numeric columns without one are released as ranges",
        )
        anon.add_argument("--prefix", help="hierarchy file prefix, when the folder holds several sets")
        anon.add_argument("--k", required=True, type=int, help="every released combination covers ≥ k rows")
        anon.add_argument(
            "--max-suppression",
            type=float,
            default=0.05,
            help="share of rows that may be left out entirely, 0 to 1 (default 0.05)",
        )
        anon.add_argument("--out", required=True, help="where to write the de-identified CSV")
        anon.add_argument("--json", action="store_true", help="print the report as JSON")

        self._add_case_actions(sub)

    def _add_case_actions(self, sub: Any) -> None:
        """Subcommands that read the case database."""
        export = sub.add_parser("export", help="k-anonymous CTDC-layout microdata of the cases in scope")
        export.add_argument("--k", type=int, default=11, help="smallest group size (default 11, as CTDC)")
        export.add_argument(
            "--columns",
            default=",".join(ctdc.EXPORT_COLUMNS),
            help="CTDC columns to export, comma-separated; every one is a quasi-identifier",
        )
        export.add_argument("--max-suppression", type=float, default=0.05, help="share of rows that may go")
        export.add_argument("--out", required=True, help="where to write the CSV")
        export.add_argument("--sep", default=";", help="the CSV separator (default ';')")
        export.add_argument("--user", help="e-mail of the account to record as the author")
        export.add_argument("--json", action="store_true", help="print the report as JSON")

        release = sub.add_parser("dp", help="a differentially private table (spends privacy budget)")
        release.add_argument(
            "--epsilon",
            required=True,
            type=float,
            help=f"privacy loss ε to spend, from {MIN_EPSILON:g} to {MAX_EPSILON:g}",
        )
        release.add_argument("--by", required=True, help="CTDC columns to count by, e.g. gender,ageBroad")
        release.add_argument("--threshold", type=int, default=5, help="cells below it are suppressed")
        release.add_argument("--out", required=True, help="where to write the CSV")
        release.add_argument("--sep", default=";", help="the CSV separator (default ';')")
        release.add_argument("--user", help="e-mail of the account to record as the author")
        release.add_argument("--json", action="store_true", help="print the release's figures as JSON")

        budget = sub.add_parser("budget", help="show the privacy budget (or set it, as the DPO)")
        budget.add_argument("--dataset", default="cases")
        budget.add_argument("--set", type=float, dest="total", help="new total ε (needs --user of the DPO)")
        budget.add_argument("--user", help="e-mail of the account to record as the author")
        budget.add_argument("--json", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "anonymise":
            self._anonymise(options)
            return
        try:
            if action == "export":
                self._export(options)
            elif action == "dp":
                self._dp(options)
            elif action == "budget":
                self._budget(options)
            else:
                raise _fail(f"unknown action {action!r}")
        except EvidenceInputError as exc:
            raise _fail(str(exc)) from None
        except PrivacyBudgetExceeded as exc:
            raise CommandError(str(exc), returncode=3) from None
        except PermissionDenied:
            raise _fail("that account's role does not allow this") from None

    def _actor(self, options: dict[str, Any]) -> User | None:
        email = options.get("user")
        if not email:
            return None
        user = User.objects.active_by_email(email)
        if user is None:
            raise _fail("no active account with that e-mail")
        return user

    def _export(self, options: dict[str, Any]) -> None:
        if options["k"] < 2:
            raise _fail(f"--k must be at least 2, got {options['k']}")
        columns = _parse_columns(options["columns"], "--columns")
        sep = _separator(options["sep"])
        out = _check_out(options["out"])
        actor = self._actor(options)
        export, result = export_create(
            actor=actor,
            k=options["k"],
            columns=columns,
            max_suppression=options["max_suppression"],
            source="cli",
            # The command runs on the server, beside the database and the keys: whoever can run it can
            # read everything already, so a second factor here would protect nothing.
            recent_auth=True,
        )
        write_csv(out, result, sep=sep)
        report = {
            "export": export.pk,
            "k": export.k,
            "qi": export.qi,
            "records_in_scope": export.records_in_scope,
            "left_out": export.left_out,
            "rows_in": export.rows_in,
            "rows_out": export.rows_out,
            "suppressed": export.suppressed,
            "suppression_rate": round(export.suppression_rate, 6),
            "gcp": round(export.gcp, 6),
        }
        if options["json"]:
            self.stdout.write(json.dumps(report))
        else:
            left = sum(export.left_out.values())
            self.stdout.write(
                f"export {export.pk}: {export.rows_out} of {export.rows_in} records released with k = "
                f"{export.k}; {export.suppressed} suppressed ({export.suppression_rate:.1%}); information "
                f"loss (GCP) {export.gcp:.3f}; {left} cases left out of scope"
            )

    def _dp(self, options: dict[str, Any]) -> None:
        if not MIN_EPSILON <= options["epsilon"] <= MAX_EPSILON:
            given = options["epsilon"]
            raise _fail(f"--epsilon must be from {MIN_EPSILON:g} to {MAX_EPSILON:g}, got {given:g}")
        by = _parse_columns(options["by"], "--by")
        unknown = ctdc.unknown_columns(by)
        if unknown:
            raise _fail(f"unknown column {unknown[0]!r} in --by; the columns are: {', '.join(ctdc.COLUMNS)}")
        sep = _separator(options["sep"])
        out = _check_out(options["out"])
        actor = self._actor(options)
        release = dp_release(
            actor=actor, by=by, epsilon=options["epsilon"], threshold=options["threshold"], source="cli"
        )
        write_csv(out, selectors.release_rows(release), sep=sep)
        threshold_note = f"fewer than {release.threshold}"
        budget = selectors.budget_status()
        report = {
            "release": release.pk,
            "by": release.by,
            "epsilon": release.epsilon,
            "cells": len(release.counts),
            "suppressed_cells": len(release.suppressed),
            "total": release.total,
            "records_in_scope": release.records_in_scope,
            "left_out": release.left_out,
            "budget_remaining": budget.remaining,
        }
        if options["json"]:
            self.stdout.write(json.dumps(report))
        else:
            self.stdout.write(
                f"release {release.pk}: {len(release.counts)} cells by {', '.join(release.by)}, ε = "
                f"{release.epsilon:g} spent, ε = {budget.remaining:g} left; {len(release.suppressed)} cells "
                f"{threshold_note}; {release.records_in_scope} records in scope"
            )

    def _budget(self, options: dict[str, Any]) -> None:
        if options["total"] is not None:
            actor = self._actor(options)
            if actor is None:
                raise _fail("setting the budget needs --user with the data protection officer's e-mail")
            ledger_set_budget(actor=actor, total=options["total"], dataset=options["dataset"])
        status = selectors.budget_status(options["dataset"])
        if options["json"]:
            self.stdout.write(
                json.dumps(
                    {
                        "dataset": status.dataset,
                        "total": status.total,
                        "spent": status.spent,
                        "remaining": status.remaining,
                    }
                )
            )
        else:
            self.stdout.write(
                f"dataset {status.dataset}: ε = {status.spent:g} spent of {status.total:g}; "
                f"{status.remaining:g} left"
            )

    def _anonymise(self, options: dict[str, Any]) -> None:
        source = Path(options["input"])
        if not source.is_file():
            raise _fail(f"input file {source} does not exist")
        k = options["k"]
        if k < 2:
            raise _fail(f"--k must be at least 2, got {k}")
        max_suppression = options["max_suppression"]
        if not 0.0 <= max_suppression < 1.0:
            raise _fail(f"--max-suppression must be a share from 0 to less than 1, got {max_suppression:g}")
        sep = _separator(options["sep"])
        qi = _parse_columns(options["qi"], "--qi")
        out = _check_out(options["out"])
        if out.resolve() == source.resolve():
            raise _fail("--out would overwrite --input; write the release to another file")
        # The columnar path (pyarrow) is imported here only: no other command pays for loading it.
        from haven.evidence.anonymise.columnar import anonymise_table, read_table, write_table_csv

        started = time.perf_counter()
        try:
            data = read_table(source, sep=sep)
            if data is None:
                raise _fail(f"input file {source} is empty")
            unknown = [c for c in qi if c not in data.column_names]
            if unknown:
                raise _fail(
                    f"unknown column {unknown[0]!r} in --qi; the file has: {', '.join(data.column_names)}"
                )
            hierarchies = {}
            if options["hierarchies"]:
                hierarchies = load_hierarchies(options["hierarchies"], qi, prefix=options["prefix"])
            result = anonymise_table(
                data, qi=qi, hierarchies=hierarchies, k=k, max_suppression=max_suppression
            )
        except AnonymisationInputError as exc:
            raise _fail(str(exc)) from None
        except UnicodeDecodeError:
            raise _fail(f"input file {source} is not UTF-8 text") from None
        write_table_csv(out, result, sep=sep)
        seconds = time.perf_counter() - started
        report = {
            "k": result.k,
            "rows_in": result.rows_in,
            "rows_out": result.rows_out,
            "suppressed": result.suppressed,
            "gcp": round(result.gcp, 6),
            "seconds": round(seconds, 3),
        }
        if options["json"]:
            self.stdout.write(json.dumps(report))
        else:
            self.stdout.write(
                f"{result.rows_out} of {result.rows_in} rows released with k = {result.k} over "
                f"{', '.join(qi)}; {result.suppressed} suppressed "
                f"({result.suppressed / max(result.rows_in, 1):.1%}); information loss (GCP) "
                f"{result.gcp:.3f}; {seconds:.2f} s"
            )
