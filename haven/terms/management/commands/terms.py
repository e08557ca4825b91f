"""haven terms check FILE… [--json] [--lang en|fr]: the terminology checker on files.

The contract (stable):
    exit 0  no finding in any file
    exit 1  at least one finding (each printed with its line, why, and what to say instead)
    exit 2  a file cannot be read (missing, a directory, binary, not UTF-8, a damaged .docx); the other
            files are still checked and reported
With --json the output is one object: {"files": [{"path", "findings": [...], "error"}], "findings": N}.
Nothing is written and no account is needed: the checker reads only the files it is given.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from haven.terms.checker import LANGUAGES, check
from haven.terms.documents import MAX_BYTES, DocumentUnreadable, read_document


def read_file(path_text: str) -> str:
    """The text of a file; DocumentUnreadable naming the problem otherwise."""
    path = Path(path_text)
    try:
        if path.stat().st_size > MAX_BYTES:
            raise DocumentUnreadable(f"it is larger than {MAX_BYTES} bytes")
        raw = path.read_bytes()
    except FileNotFoundError:
        raise DocumentUnreadable("it does not exist") from None
    except IsADirectoryError:
        raise DocumentUnreadable("it is a directory, not a file") from None
    except OSError as exc:
        raise DocumentUnreadable(f"it cannot be read: {exc.strerror}") from None
    return read_document(path.name, raw)


class Command(BaseCommand):
    help = (
        "Terminology checker: 'check FILE…' reports words the terminology guide asks us to avoid, with what "
        "to say instead (.txt, .md, .docx). Exit 1 on findings, 2 on a file that cannot be read."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, metavar="{check}")
        checker = sub.add_parser("check", help="check files for words to avoid")
        checker.add_argument("files", nargs="+", metavar="FILE", help="text, Markdown or Word (.docx) files")
        checker.add_argument("--json", action="store_true", help="print JSON (the stable contract)")
        checker.add_argument(
            "--lang", choices=LANGUAGES, action="append", help="only the rules for this language (repeatable)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        reports: list[dict[str, Any]] = []
        unreadable = False
        total = 0
        for path_text in options["files"]:
            try:
                text = read_file(path_text)
            except DocumentUnreadable as exc:
                unreadable = True
                reports.append({"path": path_text, "findings": [], "error": str(exc)})
                if not options["json"]:
                    self.stderr.write(f"{path_text}: cannot be checked: {exc}")
                continue
            findings = check(text, options["lang"])
            total += len(findings)
            reports.append({"path": path_text, "findings": [f.as_dict() for f in findings], "error": None})
            if not options["json"]:
                for finding in findings:
                    rule = finding.rule
                    self.stdout.write(
                        f"{path_text}:{finding.line}:{finding.column}: {finding.text!r} ({rule.id}):"
                        f" {rule.why}"
                    )
                    self.stdout.write(f"    instead: {'; '.join(rule.instead)}")
                    if rule.context:
                        self.stdout.write(f"    note: {rule.context}")
        if options["json"]:
            self.stdout.write(json.dumps({"files": reports, "findings": total}, ensure_ascii=False, indent=2))
        elif total == 0 and not unreadable:
            self.stdout.write("No words to avoid found.")
        else:
            self.stdout.write(f"{total} finding(s) in {len(reports)} file(s).")
        if unreadable:
            sys.exit(2)
        if total:
            sys.exit(1)
