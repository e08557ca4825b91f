"""Screening data: the versions of the indicator library, and screenings.

A screening holds no identifying data: only the age facts, indicator ids with yes / no / unknown /
declined, and the engine's result (codes and the library's own English texts). It may be linked to a case
later, by case code, once consent is recorded.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from haven.screening.engine import OUTCOME_TEXT, Confidence, Outcome, is_treated_as_child
from haven.screening.library import Library, default_library, load_library

# Libraries are immutable once stored, so a parsed copy per row can be kept for the process's life. The key
# includes the creation time: a rolled-back transaction can hand the same primary key to another row.
_PARSED: dict[tuple[int, str, str], Library] = {}


class LibraryVersion(models.Model):
    """One version of the indicator library. Never changed after creation: an edit makes a new row."""

    version = models.CharField(max_length=32, unique=True)
    content = models.JSONField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    is_active = models.BooleanField(default=False)
    # The second person who reviewed and activated it (null for the bundled versions).
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_active"], condition=Q(is_active=True), name="one_active_library"
            )
        ]

    def __str__(self) -> str:
        return f"library v{self.version}"

    def is_outdated_bundled(self) -> bool:
        """True for a version that came with an older Haven (nobody edited it): today's bundled one replaces
        it for new screenings, while screenings made with it keep it."""
        return self.created_by_id is None and self.version != default_library().version

    def library(self) -> Library:
        """The parsed, validated library of this version."""
        if self.pk is None:
            return load_library(self.content)
        key = (self.pk, self.version, self.created_at.isoformat())
        parsed = _PARSED.get(key)
        if parsed is None:
            parsed = _PARSED[key] = load_library(self.content)
        return parsed


class LibraryDraft(models.Model):
    """A proposed change to the library: edited indicator by indicator, checked, and activated as a new
    version only when a second person with the approval permission approves it."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        APPROVED = "approved", _("Approved and active")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    base = models.ForeignKey(LibraryVersion, on_delete=models.PROTECT, related_name="drafts")
    content = models.JSONField()
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.DRAFT)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    # Everyone who changed it: none of them may approve it.
    editor_ids = models.JSONField(default=list)
    version = models.OneToOneField(
        LibraryVersion, null=True, blank=True, on_delete=models.PROTECT, related_name="from_draft"
    )

    class Meta:
        ordering = ["-updated_at", "-pk"]

    def __str__(self) -> str:
        return f"library draft {self.uid}"

    def library(self) -> Library:
        """The draft's content as a library (ValueError naming the problem when it is not valid)."""
        return load_library({**self.content, "version": "draft"})


class Screening(models.Model):
    """One screening of one person, quick or full; anonymous unless linked to a case with consent."""

    class Kind(models.TextChoices):
        QUICK = "quick", _("Quick screening")
        FULL = "full", _("Full screening")

    class Status(models.TextChoices):
        IN_PROGRESS = "in_progress", _("In progress")
        COMPLETE = "complete", _("Complete")

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    kind = models.CharField(max_length=8, choices=Kind.choices)
    library_version = models.ForeignKey(LibraryVersion, on_delete=models.PROTECT, related_name="screenings")
    # The age the person gives; null only when they are not sure, which is doubt (see the constraint).
    age = models.PositiveSmallIntegerField(null=True, blank=True)
    age_in_doubt = models.BooleanField(default=False)
    # The language the information for the person (what this is, voluntary, what is kept) was given in.
    information_language = models.CharField(max_length=8, blank=True, default="")
    list_name = models.CharField(max_length=32, blank=True, default="")
    answers = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.IN_PROGRESS)
    outcome = models.CharField(
        max_length=24, blank=True, default="", choices=[(o.value, o.value) for o in Outcome]
    )
    confidence = models.CharField(
        max_length=8, blank=True, default="", choices=[(c.value, c.value) for c in Confidence]
    )
    result = models.JSONField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    completed_at = models.DateTimeField(null=True, blank=True)
    # A case code rather than a foreign key: the cases app links to screenings, not the other way round.
    # Empty while the screening is anonymous.
    case_code = models.CharField(max_length=32, blank=True, default="")
    linked_with_consent = models.BooleanField(default=False)
    linked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-updated_at", "-pk"]
        indexes = [models.Index(fields=["created_by", "status"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(age__isnull=False) | Q(age_in_doubt=True), name="screening_age_answered"
            )
        ]

    def __str__(self) -> str:
        return f"screening {self.uid}"

    @property
    def is_complete(self) -> bool:
        return self.status == self.Status.COMPLETE

    @property
    def treated_as_child(self) -> bool:
        """Haven's one age rule (``engine.is_treated_as_child``) on this screening's age answer."""
        return is_treated_as_child(self.age, self.age_in_doubt)

    @property
    def outcome_text(self) -> str:
        """The outcome in the user's language, or "" while in progress."""
        return gettext(OUTCOME_TEXT[Outcome(self.outcome)]) if self.outcome else ""

    @property
    def age_band(self) -> str:
        """A coarse band for lists: "child" (under 18 or in doubt) or "adult"; never the age itself."""
        return "child" if self.treated_as_child else "adult"

    def library(self) -> Library:
        """The library version this screening uses, for good."""
        return self.library_version.library()
