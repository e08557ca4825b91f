"""The answer to an access request (GDPR Art. 15) as a document the person can read: sections of what
Haven holds, then what it is for, who receives it, how long it is kept and the person's rights.

EXTENSION POINT: every app that holds data on the person registers a *section provider* here
(`register_section_provider`, typically from its AppConfig.ready), a function that takes the
`AnswerContext` and returns a `Section` (or None when it holds nothing). The answer, its HTML, PDF and
JSON forms, take every registered section in order. Today's sections (identity, case, consent history,
notes, tasks, best-interests decisions, screenings, files) are registered at the end of this module.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from typing import Any

from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from haven.cases.models import Case
from haven.cases.selectors import attachments_for, subject_access_document
from haven.screening.models import Screening

LANGUAGES = ("en", "fr")


@dataclass(frozen=True)
class Entry:
    """One item of a section (a note, a consent, a task…): labelled values, in order."""

    fields: list[tuple[str, str]]


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    entries: list[Entry]
    empty: str = ""


@dataclass
class AnswerContext:
    """What providers read: the case, its language, and the cases app's own document of it."""

    case: Case
    language: str
    given: dict[str, Any] | None = None

    @cached_property
    def document(self) -> dict[str, Any]:
        return self.given if self.given is not None else subject_access_document(self.case)


SectionProvider = Callable[[AnswerContext], Section | None]
_PROVIDERS: list[tuple[str, SectionProvider]] = []


def register_section_provider(key: str, provider: SectionProvider) -> None:
    """Add a section to every access-request answer (once per key; registering a key again replaces it)."""
    for index, (existing, _old) in enumerate(_PROVIDERS):
        if existing == key:
            _PROVIDERS[index] = (key, provider)
            return
    _PROVIDERS.append((key, provider))


def section_keys() -> list[str]:
    return [key for key, _provider in _PROVIDERS]


def language_of(case: Case) -> str:
    """The person's information language if Haven writes it, else English."""
    chosen = case.person.information_language
    return chosen if chosen in LANGUAGES else "en"


@dataclass(frozen=True)
class Answer:
    case_code: str
    language: str
    kind: str
    received_on: date
    due_on: date
    generated_at: str
    sections: list[Section]
    explanations: list[tuple[str, str]]
    files: list[dict[str, Any]] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        """The machine form (docs/access-request.schema.json)."""
        return {
            "schema": "haven-access-request/1",
            "case": self.case_code,
            "language": self.language,
            "request": {
                "kind": self.kind,
                "received_on": self.received_on.isoformat(),
                "due_on": self.due_on.isoformat(),
            },
            "generated_at": self.generated_at,
            "sections": [
                {
                    "key": s.key,
                    "title": s.title,
                    "entries": [
                        {"fields": [{"label": k, "value": v} for k, v in e.fields]} for e in s.entries
                    ],
                }
                for s in self.sections
            ],
            "explanations": [{"title": t, "text": x} for t, x in self.explanations],
            "files": self.files,
        }


def _text(value: Any) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return gettext("yes") if value else gettext("no")
    if isinstance(value, dict) and "label" in value:
        return str(value["label"])
    if isinstance(value, list):
        return ", ".join(_text(v) for v in value) or "—"
    return str(value)


def _entry(pairs: list[tuple[str | Promise, Any]]) -> Entry:
    return Entry([(str(label), _text(value)) for label, value in pairs])


EXPLANATIONS: list[tuple[str | Promise, str | Promise]] = [
    (
        _("Why we hold this"),
        _(
            "To assist you: to understand your situation, plan support with you, refer you to services you "
            "agree to, and keep you safe. Anonymised counts (never your name) help the Society improve its "
            "services."
        ),
    ),
    (
        _("Who receives it"),
        _(
            "Only the staff and volunteers of the Society who work on your case, and the services you agreed "
            "to be referred to (listed in the consent history above). Haven never shares case data with "
            "police, prosecution or courts."
        ),
    ),
    (
        _("How long we keep it"),
        _(
            "While your case is open, then for the Society's retention period after it is closed. Then a "
            "person reviews it: it is erased, or kept a little longer for a reason written down. Erasure "
            "makes everything unreadable for good."
        ),
    ),
    (
        _("Your rights"),
        _(
            "You may ask for a copy of this data (this document), for a correction of anything wrong, for "
            "its use to be restricted, or for its erasure, and you may withdraw a consent at any time. "
            "You may also complain to the data protection authority. Ask any staff member or the data "
            "protection officer."
        ),
    ),
]


def build_answer(
    case: Case, *, kind: str, received_on: date, due_on: date, document: dict[str, Any] | None = None
) -> Answer:
    """The answer in the person's information language, with every registered section."""
    language = language_of(case)
    context = AnswerContext(case=case, language=language, given=document)
    with translation.override(language):
        sections = [s for _key, provider in _PROVIDERS if (s := provider(context)) is not None]
        explanations = [(str(title), str(text)) for title, text in EXPLANATIONS]
        files = [
            {
                "name": a.filename.value or f"file-{a.attachment.pk}",
                "type": a.attachment.kind,
                "size": a.attachment.size,
                "archive_path": f"files/{index:02d}-{_safe_name(a.filename.value or '', a.attachment.kind)}",
            }
            for index, a in enumerate(_live_files(case), start=1)
        ]
        return Answer(
            case_code=case.code,
            language=language,
            kind=kind,
            received_on=received_on,
            due_on=due_on,
            generated_at=timezone.now().isoformat(timespec="seconds"),
            sections=sections,
            explanations=explanations,
            files=files,
        )


def _live_files(case: Case) -> list[Any]:
    return [a for a in attachments_for(case) if not a.attachment.file_deleted]


def _safe_name(name: str, kind: str) -> str:
    kept = "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in name)[:60].strip("._")
    return kept or f"file.{kind}"


# -- today's sections ------------------------------------------------------------------------------------


def _identity(ctx: AnswerContext) -> Section:
    p = ctx.document["person"]
    labels: dict[str, str | Promise] = {
        "name": _("Name"),
        "preferred_name": _("Preferred name"),
        "aliases": _("Other names"),
        "date_of_birth": _("Date of birth"),
        "phone": _("Phone"),
        "contact": _("Contact details"),
        "safe_contact": _("Safe way to contact you"),
        "document_number": _("Identity document"),
        "location": _("Where you stay"),
        "gender": _("Gender"),
        "languages": _("Languages"),
        "information_language": _("Language for information"),
        "citizenship": _("Citizenship"),
        "legal_status": _("Legal status"),
        "stated_age": _("Age you gave"),
        "estimated_age": _("Estimated age"),
        "age_method": _("How the age was established"),
        "treated_as_child": _("Treated as a child"),
        "schooling": _("Schooling"),
        "health": _("Health"),
        "perpetrator": _("About those who exploited you"),
    }
    pairs = [(label, p.get(key)) for key, label in labels.items() if key in p]
    return Section("identity", gettext("About you"), [_entry(pairs)])


def _case(ctx: AnswerContext) -> Section:
    c = ctx.document["case_record"]
    entries = [
        _entry(
            [
                (_("Case code"), ctx.case.code),
                (_("Opened"), c["opened"]),
                (_("Status"), c["status"]),
                (_("Stage"), c["stage"]),
                (_("Legal basis"), c["legal_basis"]),
                (_("Forms of exploitation"), c["exploitation_types"]),
                (_("Means of control"), c["means_of_control"]),
            ]
        )
    ]
    entries += [
        _entry([(_("Event"), e["type"]), (_("Country"), e["country"]), (_("Date"), e["date"])])
        for e in ctx.document.get("events", [])
    ]
    return Section("case", gettext("Your case"), entries)


def _consents(ctx: AnswerContext) -> Section:
    return Section(
        "consents",
        gettext("Consent history"),
        [
            _entry(
                [
                    (_("Purpose"), c["purpose"]),
                    (_("Recipient"), c["recipient"]),
                    (_("Status"), c["status"]),
                    (_("Given on"), c["given_on"]),
                    (_("Expires on"), c["expires_on"]),
                    (_("Withdrawn"), c["withdrawn_at"]),
                ]
            )
            for c in ctx.document["consents"]
        ],
        gettext("No consent recorded."),
    )


def _notes(ctx: AnswerContext) -> Section:
    return Section(
        "notes",
        gettext("Notes"),
        [
            _entry([(_("Written"), n["at"]), (_("Section"), n["section"]), (_("Text"), n["text"])])
            for n in ctx.document["notes"]
        ],
        gettext("No notes."),
    )


def _tasks(ctx: AnswerContext) -> Section:
    return Section(
        "tasks",
        gettext("Tasks"),
        [
            _entry([(_("Task"), t["title"]), (_("Due"), t["due_on"]), (_("Done"), t["done"])])
            for t in ctx.document["tasks"]
        ],
        gettext("No tasks."),
    )


def _best_interests(ctx: AnswerContext) -> Section | None:
    items = ctx.document.get("best_interests", [])
    if not items:
        return None
    return Section(
        "best_interests",
        gettext("Best-interests decisions"),
        [_entry([(_("Decided on"), b["decided_on"]), (_("Decision"), b["decision"])]) for b in items],
    )


def _screenings(ctx: AnswerContext) -> Section:
    rows = Screening.objects.filter(case_code=ctx.case.code).order_by("created_at", "pk")
    return Section(
        "screenings",
        gettext("Screenings"),
        [
            _entry(
                [
                    (_("Date"), s.created_at.date().isoformat()),
                    (_("Kind"), s.get_kind_display()),
                    (_("Status"), s.get_status_display()),
                    (_("Outcome"), s.outcome_text),
                    (_("Questions answered"), len(s.answers or {})),
                ]
            )
            for s in rows
        ],
        gettext("No screening."),
    )


def _files(ctx: AnswerContext) -> Section:
    return Section(
        "files",
        gettext("Files"),
        [
            _entry(
                [
                    (_("File"), a.filename.value or "—"),
                    (_("Type"), a.attachment.kind),
                    (_("Size (bytes)"), a.attachment.size),
                ]
            )
            for a in _live_files(ctx.case)
        ],
        gettext("No files."),
    )


for _key, _provider in (
    ("identity", _identity),
    ("case", _case),
    ("consents", _consents),
    ("notes", _notes),
    ("tasks", _tasks),
    ("best_interests", _best_interests),
    ("screenings", _screenings),
    ("files", _files),
):
    register_section_provider(_key, _provider)
