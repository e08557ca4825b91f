"""The case summary, built around the work: who the person is, where the case stands, consent per purpose and
recipient, the next task and review, open referrals, the last notes, and the two or three next things the
reader may do.

Apps above this one add what they keep on a case without the cases app importing them (the same pattern as
`selectors.register_export_section`), from their AppConfig.ready:
- `register_review_source(source)`: dates a case must be reviewed by (follow-up: end of the reflection
  period; assessment: risk, safety and support plan reviews);
- `register_panel(provider)`: a panel of their own (referrals: open referrals), or None for a reader whose
  role may not see it.
Each source and panel runs a fixed number of queries, whatever the size of the case.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from haven.accounts.models import User
from haven.accounts.permissions import Perm
from haven.cases import vocab
from haven.cases.consent import consent_in_force, recipient_names
from haven.cases.links import CaseLinks
from haven.cases.models import Case, Consent, Note, Task
from haven.cases.sealing import Opened, PersonOpener


@dataclass(frozen=True)
class Due:
    """A date something on the case must be looked at again by: `label` says what."""

    label: str | Promise
    due_on: date


@dataclass(frozen=True)
class PanelLine:
    """One line of a panel: words, an optional date, and a `state` for styling and tests (never shown)."""

    text: str | Promise
    when: date | None = None
    state: str = ""


@dataclass(frozen=True)
class Panel:
    """A block of the summary another app provides: a title, its lines (or `empty` when none), and the page
    with the rest, one tap away."""

    key: str
    title: str | Promise
    lines: list[PanelLine]
    empty: str | Promise
    href: str = ""
    href_label: str | Promise = ""


# Case.risk_level, set by the latest risk assessment (haven.assessment): how the summary names it.
RISK_LEVELS: vocab.Choices = [
    ("high", _("High risk")),
    ("medium", _("Medium risk")),
    ("low", _("Low risk")),
    ("", _("Risk not assessed yet")),
]


def risk_label(level: str) -> str:
    """The words for a case's risk level."""
    return vocab.label(RISK_LEVELS, level)


ReviewSource = Callable[[Case], list[Due]]
PanelProvider = Callable[[Case, User], "Panel | None"]
_REVIEW_SOURCES: list[ReviewSource] = []
_PANELS: list[PanelProvider] = []


def register_review_source(source: ReviewSource) -> None:
    """Add a source of review dates for one case (called once, from an AppConfig.ready)."""
    if source not in _REVIEW_SOURCES:
        _REVIEW_SOURCES.append(source)


def register_panel(provider: PanelProvider) -> None:
    """Add a panel to the case summary (called once, from an AppConfig.ready)."""
    if provider not in _PANELS:
        _PANELS.append(provider)


def works_on_case(user: User) -> bool:
    """The roles the work panels (consent, tasks, reviews, referrals) are for: those who change cases.
    A volunteer hands a first contact over and sees no more than that; the DPO sees consent only."""
    return user.has(Perm.CASE_EDIT)


# -- consent ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ConsentLine:
    """Where consent stands for one purpose (and recipient): the latest record decides."""

    purpose: str
    purpose_label: str
    recipient: str
    status: str  # given, refused, withdrawn, expired
    status_label: str
    since: date
    expires_on: date | None


def consent_status(case: Case) -> list[ConsentLine]:
    """The latest consent per purpose and recipient, in the order of the purposes (two queries at most)."""
    latest: dict[tuple[str, str], Consent] = {}
    for consent in Consent.objects.filter(case=case).order_by("recorded_at", "pk"):
        latest[(consent.purpose, consent.recipient)] = consent
    names = recipient_names({recipient for _purpose, recipient in latest if recipient})
    order = [code for code, _label in vocab.CONSENT_PURPOSES]
    lines = []
    for (purpose, recipient), consent in sorted(
        latest.items(), key=lambda item: (order.index(item[0][0]) if item[0][0] in order else 99, item[0][1])
    ):
        status = consent.status
        if status == "given" and not consent_in_force(consent):
            status = "expired"
        since = consent.withdrawn_at.date() if consent.withdrawn_at else consent.given_on
        lines.append(
            ConsentLine(
                purpose=purpose,
                purpose_label=vocab.label(vocab.CONSENT_PURPOSES, purpose),
                recipient=names.get(recipient, recipient),
                status=status,
                status_label=vocab.label(vocab.CONSENT_STATUSES, status),
                since=since,
                expires_on=consent.expires_on,
            )
        )
    return lines


def consent_reviews(lines: list[ConsentLine]) -> list[Due]:
    """The expiry dates of consents in force: each needs renewing by then."""
    return [
        Due(_("Consent expires"), line.expires_on)
        for line in lines
        if line.status == "given" and line.expires_on
    ]


# -- tasks, reviews, notes ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class NextTask:
    """The open task due soonest, its title opened, and how many tasks are open in all."""

    task: Task
    title: Opened
    kind_label: str
    overdue: bool
    open_count: int


def next_task(case: Case, opener: PersonOpener) -> NextTask | None:
    """The open task due soonest (one query: open tasks are few, and counted from the same rows)."""
    tasks = list(Task.objects.filter(case=case, done_at=None, closed_at=None).order_by("due_on", "pk"))
    if not tasks:
        return None
    first = tasks[0]
    return NextTask(
        task=first,
        title=opener.open(first, "title"),
        kind_label=vocab.label(vocab.TASK_KINDS, first.kind) if first.kind else "",
        overdue=first.due_on < timezone.localdate(),
        open_count=len(tasks),
    )


def next_review(case: Case, consents: list[ConsentLine]) -> Due | None:
    """The review due soonest among consent expiries and every registered source."""
    dues = consent_reviews(consents)
    for source in _REVIEW_SOURCES:
        dues.extend(source(case))
    return min(dues, key=lambda due: due.due_on, default=None)


@dataclass(frozen=True)
class NoteLine:
    note: Note
    section_label: str
    body: Opened


def last_notes(case: Case, sections: list[str], opener: PersonOpener, count: int = 3) -> list[NoteLine]:
    """The newest `count` notes in `sections` (those the reader may read), opened (one query)."""
    notes = (
        Note.objects.filter(case=case, section__in=sections)
        .select_related("author")
        .order_by("-created_at", "-pk")[:count]
    )
    return [NoteLine(n, vocab.label(vocab.NOTE_SECTIONS, n.section), opener.open(n, "body")) for n in notes]


def panels(case: Case, user: User) -> list[Panel]:
    """The panels other apps registered that `user` may see for this case."""
    found = (provider(case, user) for provider in _PANELS)
    return [panel for panel in found if panel is not None]


# -- next actions ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class NextAction:
    """Something the reader may do next: a link, or a button that posts (`post`) to `href`."""

    key: str
    label: str | Promise
    href: str
    post: bool = False


@dataclass
class Situation:
    """What the next actions depend on, already read for the summary."""

    has_overdue_task: bool = False
    has_open_task: bool = False
    consents: list[ConsentLine] = field(default_factory=list)


def next_actions(case: Case, user: User, situation: Situation, limit: int = 3) -> list[NextAction]:
    """The two or three things `user` may do next on the case, most pressing first; only actions the role
    may take (each candidate names its permission), so no link leads to "Not allowed"."""
    links = CaseLinks(case.code)
    code = case.code
    if case.person.erased_at is not None:
        return []
    if case.stage == "closed":
        if user.has(Perm.CASE_CLOSE):
            return [NextAction("reopen", _("Reopen the case"), reverse("followup:reopen", args=[code]))]
        return []
    candidates: list[tuple[bool, NextAction]] = [
        (
            # The contact person takes a first contact on directly; others hand it over to them.
            case.stage == "first_contact"
            and not case.handed_over
            and user.has(Perm.CASE_FIRST_CONTACT)
            and not user.has(Perm.CASE_ASSIGN),
            NextAction("handover", _("Hand over to the contact person"), links["handover"], post=True),
        ),
        (
            case.stage == "first_contact" and user.has(Perm.CASE_ASSIGN),
            NextAction("open-case", _("Take on this case (start screening)"), links["open"], post=True),
        ),
        (
            situation.has_overdue_task and user.has(Perm.CASE_EDIT),
            NextAction("overdue-task", _("Do the overdue task"), links["tasks"]),
        ),
        (
            case.stage in ("screening", "assessment", "support")
            and user.has(Perm.CASE_EDIT)
            and user.has(Perm.CASE_VIEW_IDENTIFYING),
            NextAction(
                "work-with-person",
                _("Needs, risk and support plan"),
                reverse("assessment:overview", args=[code]),
            ),
        ),
        (
            case.stage != "first_contact"
            and user.has(Perm.CONSENT_RECORD)
            and not any(line.status == "given" for line in situation.consents),
            NextAction("record-consent", _("Record consent"), links["consent"]),
        ),
        (
            case.stage != "first_contact" and user.has(Perm.CASE_EDIT),
            NextAction("add-note", _("Add a note"), links["notes"]),
        ),
        (
            case.stage != "first_contact" and not situation.has_open_task and user.has(Perm.CASE_EDIT),
            NextAction("add-task", _("Plan a task"), links["tasks"]),
        ),
        (
            case.stage == "follow_up" and user.has(Perm.CASE_CLOSE),
            NextAction("close", _("Close the case"), reverse("followup:close", args=[code])),
        ),
    ]
    return [action for applies, action in candidates if applies][:limit]


# -- the whole summary -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CaseSummary:
    """Everything the summary page shows beyond the person's fields, already limited to what the reader's
    role may see; `sections_read` names the case sections it opened (for the audit trail)."""

    works: bool
    risk: str
    consents: list[ConsentLine]
    next_task: NextTask | None
    next_review: Due | None
    last_notes: list[NoteLine]
    panels: list[Panel]
    next_actions: list[NextAction]
    sections_read: list[str]


def _note_sections(user: User) -> list[str]:
    sensitive = user.has(Perm.CASE_VIEW_SENSITIVE)
    return [code for code, _l in vocab.NOTE_SECTIONS if sensitive or code not in vocab.SENSITIVE_SECTIONS]


def case_summary(case: Case, user: User) -> CaseSummary:
    """The summary of `case` (fetched through `access.case_for_user`) as `user` may see it."""
    erased = case.person.erased_at is not None
    opener = PersonOpener(case.person.key_id)
    works = works_on_case(user)
    consents = consent_status(case) if works or user.has(Perm.CONSENT_SIGN_OFF) else []
    task = next_task(case, opener) if works and not erased else None
    notes = [] if erased else last_notes(case, _note_sections(user), opener)
    sections = ["notes"] if notes else []
    sections += sorted({n.note.section for n in notes if n.note.section in vocab.SENSITIVE_SECTIONS})
    situation = Situation(
        has_overdue_task=bool(task and task.overdue), has_open_task=task is not None, consents=consents
    )
    return CaseSummary(
        works=works,
        risk=risk_label(case.risk_level),
        consents=consents,
        next_task=task,
        next_review=next_review(case, consents) if works and not erased else None,
        last_notes=notes,
        panels=panels(case, user) if not erased else [],
        next_actions=next_actions(case, user, situation),
        sections_read=sections,
    )
