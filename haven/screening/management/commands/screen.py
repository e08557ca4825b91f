"""haven screen questions|evaluate: the screening library and engine from the command line.

The contract (stable, documented in docs/screening.md):
    haven screen questions [--json] [--lang en|fr]
    haven screen evaluate --answers FILE.json [--json] [--lang en|fr]
Bad input (missing or unreadable file, malformed JSON, unknown id, bad value) exits with code 2 and a
message naming the problem. The active library version is used when the database has one, otherwise the
library bundled with Haven; nothing is written.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DatabaseError
from django.utils import translation
from django.utils.translation import gettext as _

from haven.core.parsing import InputRefused, load_json
from haven.screening.engine import ScreeningInputError, parse_request
from haven.screening.library import LANGUAGES, Library, to_public_json
from haven.screening.present import group_label, present_result
from haven.screening.selectors import current_library
from haven.screening.services import screening_evaluate

MAX_ANSWERS_BYTES = 1_000_000


def _fail(message: str) -> CommandError:
    return CommandError(message, returncode=2)


def read_answers(path_text: str) -> object:
    """The decoded JSON of the answers file; CommandError (exit 2) naming the problem otherwise."""
    path = Path(path_text)
    try:
        if path.stat().st_size > MAX_ANSWERS_BYTES:
            raise _fail(f"answers file {path_text} is larger than {MAX_ANSWERS_BYTES} bytes")
        raw = path.read_bytes()
    except FileNotFoundError:
        raise _fail(f"answers file {path_text} does not exist") from None
    except IsADirectoryError:
        raise _fail(f"answers file {path_text} is a directory, not a file") from None
    except OSError as exc:
        raise _fail(f"cannot read answers file {path_text}: {exc.strerror}") from None
    try:
        return load_json(raw)
    except InputRefused as exc:
        # The parser speaks of a request body; here the input is a file, named in the message.
        problem = str(exc).removeprefix("The request body ").rstrip(".")
        raise _fail(f"answers file {path_text} {problem}") from None


class Command(BaseCommand):
    help = (
        "Screening for signs of possible trafficking. 'questions' prints the indicator library; "
        "'evaluate --answers FILE.json' evaluates answers and prints the outcome, reasons and next steps. "
        "Exit code 2 on bad input."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, metavar="{questions,evaluate}")
        questions = sub.add_parser("questions", help="print the indicator library")
        questions.add_argument("--json", action="store_true", help="print JSON (the stable contract)")
        questions.add_argument("--lang", choices=LANGUAGES, default="en", help="language of the questions")
        ev = sub.add_parser("evaluate", help="evaluate answers from a JSON file")
        ev.add_argument("--answers", required=True, metavar="FILE.json", help="the screening input file")
        ev.add_argument("--json", action="store_true", help="print JSON (the stable contract)")
        ev.add_argument("--lang", choices=LANGUAGES, default="en", help="language of the readable summary")

    def handle(self, *args: Any, **options: Any) -> None:
        library = current_library()
        if options["action"] == "questions":
            self._questions(library, options["lang"], options["json"])
        else:
            self._evaluate(library, options["answers"], options["lang"], options["json"])

    def _questions(self, library: Library, lang: str, as_json: bool) -> None:
        data = to_public_json(library, lang)
        if as_json:
            self.stdout.write(json.dumps(data["indicators"], ensure_ascii=False, indent=2))
            return
        with translation.override(lang):
            heading = _("Indicator library version %(version)s: %(count)s questions; lists: %(lists)s") % {
                "version": library.version,
                "count": len(library.indicators),
                "lists": ", ".join(library.lists),
            }
            self.stdout.write(heading)
            group = ""
            for item in data["indicators"]:
                if item["group"] != group:
                    group = item["group"]
                    self.stdout.write(f"\n== {group_label(group)} ({group})")
                quick = " [quick]" if item["quick"] else ""
                grades = ", ".join(f"{name}: {grade}" for name, grade in item["grades"].items()) or "-"
                self.stdout.write(f"{item['id']}{quick} ({item['element']})")
                self.stdout.write(f"    {item['text']}")
                self.stdout.write(f"    grades: {grades}")

    def _evaluate(self, library: Library, path_text: str, lang: str, as_json: bool) -> None:
        data = read_answers(path_text)
        try:
            # The same service as the API: every evaluation is audited (outcome only).
            result_json = screening_evaluate(actor=None, data=data, via="cli")
            request = parse_request(library, data)
        except ScreeningInputError as exc:
            raise _fail(f"answers file {path_text}: {exc}") from None
        except DatabaseError:
            raise CommandError(
                "the database is not ready, so the evaluation cannot be audited: run haven init first",
                returncode=1,
            ) from None
        if as_json:
            self.stdout.write(json.dumps(result_json, ensure_ascii=False, indent=2))
            return
        with translation.override(lang):
            shown = present_result(result_json, library, dict(request.answers), lang)
            child = _("Treated as a child: yes") if shown["treated_as_child"] else _("Treated as a child: no")
            outcome_label = _("Outcome:")
            groups_label = _("Groups of signs present:")
            lines = [
                f"{outcome_label} {shown['outcome_text']} ({shown['outcome']})",
                child,
                f"{groups_label} {', '.join(shown['groups_present']) or '-'}",
                "",
                _("What to do now"),
                *(f"  - {step}" for step in shown["next_steps"]),
                "",
                _("Why"),
            ]
            for reason in shown["reasons"]:
                lines.append(f"  - {reason['text']}")
                lines.extend(f"      {a['id']}: {a['answer']}" for a in reason["answers"])
            confidence_label = _("Confidence:")
            version_label = _("Indicator library version")
            lines += [
                "",
                f"{confidence_label} {shown['confidence_text']}",
                f"{version_label} {shown['library_version']}",
                _("This is a screening, not an identification: nothing is concluded about the person."),
            ]
            self.stdout.write("\n".join(lines))
