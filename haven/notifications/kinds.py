"""The kinds of notification. A notification's whole text is its kind's label and a case code: no name, no
note, no free text, so nothing about the person can reach a screen, a log or a mail server through it."""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

KINDS: list[tuple[str, str | Promise]] = [
    ("case_assigned", _("A case was assigned to you")),
    ("task_assigned", _("A task was assigned to you")),
    ("handover_waiting", _("A hand-over is waiting for the contact person")),
    ("consent_withdrawn", _("A consent was withdrawn on a case you work on")),
    ("review_due", _("A review is due soon")),
]
KIND_CODES = frozenset(code for code, _label in KINDS)
