"""The case timeline: what happened on a case, one plain sentence per event in the reader's language, with
who did it and when. Nothing is decrypted: the sentences are made of coded values (stages, consent purposes,
task kinds) turned into words, and of organisation names from the service directory.

Other apps add their own events (a referral sent, a risk assessment) through `register_timeline_source`,
from their AppConfig.ready, so this app does not import them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from haven.accounts.models import User
from haven.cases import vocab
from haven.cases.consent import recipient_names
from haven.cases.models import Attachment, BestInterests, Case, Consent, Note, StageChange, Task


@dataclass(frozen=True)
class TimelineItem:
    """One event: when, a stable `kind` (for styling and tests, never shown), the sentence, and who."""

    at: datetime
    kind: str
    text: str
    who: str = ""


Source = Callable[[Case, User], list[TimelineItem]]
_SOURCES: list[Source] = []


def register_timeline_source(source: Source) -> None:
    """Add the events another app keeps on a case (called once, from an AppConfig.ready)."""
    if source not in _SOURCES:
        _SOURCES.append(source)


def who(user: User | None) -> str:
    """The name a colleague is shown by: their display name, else their work e-mail."""
    if user is None:
        return ""
    return user.display_name or user.email


def _lower_first(text: str) -> str:
    # A label used inside a sentence ("Task done: follow-up contact"); labels never start with an acronym.
    return text[:1].lower() + text[1:]


def _consent_subject(consent: Consent, names: dict[str, str]) -> str:
    """What the consent is for, as the end of "Consent for …" (with its article in French)."""
    if consent.purpose == "referral":
        if consent.recipient:
            organisation = names.get(consent.recipient, consent.recipient)
            return _("referral to %(organisation)s") % {"organisation": organisation}
        return _("referral to an organisation")
    subjects = {
        "contact_person": _("passing details to the contact person"),
        "assistance": _("assistance and services"),
        "data_storage": _("storing personal data"),
        "family_links": _("restoring family links"),
        "statistics": _("anonymised statistics"),
        "authority_dialogue": _("a confidential dialogue with authorities"),
    }
    return subjects.get(consent.purpose) or _lower_first(vocab.label(vocab.CONSENT_PURPOSES, consent.purpose))


def _consent_items(case: Case) -> list[TimelineItem]:
    consents = list(
        Consent.objects.filter(case=case).select_related("recorded_by", "withdrawn_by").order_by("pk")
    )
    names = recipient_names({c.recipient for c in consents if c.recipient})
    items = []
    for consent in consents:
        subject = _consent_subject(consent, names)
        # One record per decision: a withdrawal (or expiry) changes the status of the record that was given,
        # so what was recorded then is "given" unless it was a refusal.
        if consent.status == "refused":
            text = _("Consent for %(subject)s refused") % {"subject": subject}
        else:
            text = _("Consent for %(subject)s given") % {"subject": subject}
        items.append(TimelineItem(consent.recorded_at, "consent", text, who(consent.recorded_by)))
        if consent.withdrawn_at:
            text = _("Consent for %(subject)s withdrawn") % {"subject": subject}
            items.append(
                TimelineItem(consent.withdrawn_at, "consent_withdrawn", text, who(consent.withdrawn_by))
            )
    return items


def _stage_items(case: Case) -> list[TimelineItem]:
    items = []
    changes = list(StageChange.objects.filter(case=case).select_related("changed_by").order_by("pk"))
    taken_on_at = None
    for change in changes:
        stage = vocab.label(vocab.STAGES, change.to_stage)
        if not change.from_stage:
            text = _("First contact recorded")
            kind = "first_contact"
        elif change.from_stage == "first_contact":
            text = _("Taken on by the contact person (stage: %(stage)s)") % {"stage": stage}
            kind = "taken_on"
            taken_on_at = taken_on_at or change.changed_at
        elif change.to_stage == "closed":
            text, kind = _("Case closed"), "closed"
        elif change.from_stage == "closed":
            text = _("Case reopened (stage: %(stage)s)") % {"stage": stage}
            kind = "reopened"
        else:
            text = _("Stage changed to %(stage)s") % {"stage": stage}
            kind = "stage"
        items.append(TimelineItem(change.changed_at, kind, text, who(change.changed_by)))
    # A hand-over is its own event when the volunteer (who created the case) made it; when the contact person
    # took on a case nobody had handed over, taking it on handed it over in the same step: one event.
    handed = case.handed_over_at
    if handed and not (taken_on_at and abs(handed - taken_on_at) < timedelta(seconds=2)):
        items.append(
            TimelineItem(handed, "handed_over", _("Handed over to the contact person"), who(case.created_by))
        )
    return items


def _task_items(case: Case) -> list[TimelineItem]:
    items = []
    tasks = Task.objects.filter(case=case).select_related("created_by", "done_by", "closed_by").order_by("pk")
    for task in tasks:
        kind = _lower_first(vocab.label(vocab.TASK_KINDS, task.kind)) if task.kind else ""
        added = _("Task added: %(kind)s") % {"kind": kind} if kind else _("Task added")
        items.append(TimelineItem(task.created_at, "task", added, who(task.created_by)))
        if task.done_at:
            done = _("Task done: %(kind)s") % {"kind": kind} if kind else _("Task done")
            items.append(TimelineItem(task.done_at, "task_done", done, who(task.done_by)))
        elif task.closed_at:
            reason = vocab.label(vocab.TASK_CLOSE_REASONS, task.closed_reason)
            closed = (
                _("Task closed: %(kind)s (%(reason)s)") % {"kind": kind, "reason": _lower_first(reason)}
                if kind
                else _("Task closed (%(reason)s)") % {"reason": _lower_first(reason)}
            )
            items.append(TimelineItem(task.closed_at, "task_closed", closed, who(task.closed_by)))
    return items


def _note_items(case: Case, sections: list[str]) -> list[TimelineItem]:
    notes = Note.objects.filter(case=case, section__in=sections).select_related("author").order_by("pk")
    return [
        TimelineItem(
            note.created_at,
            "note",
            _("Note added (%(section)s)") % {"section": vocab.label(vocab.NOTE_SECTIONS, note.section)},
            who(note.author),
        )
        for note in notes
    ]


FILE_KINDS = {"pdf": "PDF", "png": "PNG", "jpeg": "JPEG", "txt": gettext_lazy("text")}


def _other_items(case: Case) -> list[TimelineItem]:
    items = []
    for attachment in Attachment.objects.filter(case=case).select_related("uploaded_by").order_by("pk"):
        text = _("File added (%(type)s)") % {"type": FILE_KINDS.get(attachment.kind, attachment.kind)}
        items.append(TimelineItem(attachment.uploaded_at, "attachment", text, who(attachment.uploaded_by)))
    for record in BestInterests.objects.filter(case=case).select_related("decided_by").order_by("pk"):
        items.append(
            TimelineItem(
                record.created_at,
                "best_interests",
                _("Best-interests decision recorded"),
                who(record.decided_by),
            )
        )
    return items


def timeline_for(case: Case, user: User, note_sections: list[str]) -> list[TimelineItem]:
    """What happened on the case, newest first, one item per event, in the active language. Notes count
    only in `note_sections` (those the reader may read); nothing is decrypted."""
    items = [
        *_stage_items(case),
        *_consent_items(case),
        *_task_items(case),
        *_note_items(case, note_sections),
        *_other_items(case),
    ]
    for source in _SOURCES:
        items.extend(source(case, user))
    items.sort(key=lambda item: item.at, reverse=True)
    return items
