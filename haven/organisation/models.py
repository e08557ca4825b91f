"""What the organisation app stores: the readiness self-assessment year by year, awareness activities with
their risk assessment, national law and referral mechanisms, and the advocacy log.

Nothing here is about a person assisted: these are the Society's own plans and records.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

NOT_STARTED, IN_PROGRESS, IN_PLACE, NOT_APPLICABLE = (
    "not_started",
    "in_progress",
    "in_place",
    "not_applicable",
)
STATUSES = [
    (NOT_STARTED, _("Not started")),
    (IN_PROGRESS, _("In progress")),
    (IN_PLACE, _("In place")),
    (NOT_APPLICABLE, _("Not applicable")),
]
CHECKLISTS = [("referral", _("Referral procedures")), ("follow_up", _("Follow-up activities"))]

AUDIENCES = [
    ("children", _("Children")),
    ("indigenous", _("Indigenous people")),
    ("refugees", _("Refugees and asylum seekers")),
    ("labour_migration", _("People considering labour migration")),
    ("migrant_workers", _("Migrant workers")),
    ("undocumented", _("Undocumented migrants")),
    ("front_line", _("Front-line responders")),
    ("public", _("The general public")),
    ("staff", _("Our staff and volunteers")),
    ("other", _("Other")),
]
PLANNED, HELD, CANCELLED = "planned", "held", "cancelled"
ACTIVITY_STATUSES = [(PLANNED, _("Planned")), (HELD, _("Held")), (CANCELLED, _("Cancelled"))]

REFERENCE_KINDS = [
    ("law", _("National law")),
    ("referral_mechanism", _("National referral mechanism")),
    ("institution", _("Institution or service")),
]
ASK_STATUSES = [
    ("planned", _("Planned")),
    ("raised", _("Raised")),
    ("partly_met", _("Partly met")),
    ("met", _("Met")),
    ("not_met", _("Not met")),
]


def _by() -> Any:
    return models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )


class ReadinessAssessment(models.Model):
    """One year's self-assessment. A new year starts from the previous answers; old years stay as is."""

    year = models.PositiveSmallIntegerField(unique=True)
    started_at = models.DateTimeField(default=timezone.now)
    started_by = _by()

    class Meta:
        ordering = ["-year"]

    def __str__(self) -> str:
        return f"readiness {self.year}"


class ReadinessOwnItem(models.Model):
    """An item the Society added to a checklist, in its own words (its key is ``own.<id>``)."""

    checklist = models.CharField(max_length=16, choices=CHECKLISTS)
    text = models.CharField(max_length=500)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = _by()

    def __str__(self) -> str:
        return f"own item {self.pk}"

    @property
    def key(self) -> str:
        return f"own.{self.pk}"


class ReadinessAnswer(models.Model):
    """Where one item stands in one year's assessment."""

    assessment = models.ForeignKey(ReadinessAssessment, on_delete=models.CASCADE, related_name="answers")
    item_key = models.CharField(max_length=64)
    status = models.CharField(max_length=16, choices=STATUSES, default=NOT_STARTED)
    evidence = models.CharField(max_length=1000, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    review_on = models.DateField(null=True, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)
    updated_by = _by()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["assessment", "item_key"], name="readiness_answer_unique")
        ]

    def __str__(self) -> str:
        return f"answer {self.pk}"


class AwarenessActivity(models.Model):
    """An awareness-raising activity, with the risk assessment that must come before it is held."""

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    title = models.CharField(max_length=200)
    held_on = models.DateField()
    audience = models.CharField(max_length=24, choices=AUDIENCES)
    place = models.CharField(max_length=200, blank=True)
    languages = models.CharField(max_length=200, blank=True)
    messages = models.TextField(max_length=2000, blank=True)
    partners = models.CharField(max_length=500, blank=True)
    reach = models.PositiveIntegerField(null=True, blank=True)
    status = models.CharField(max_length=16, choices=ACTIVITY_STATUSES, default=PLANNED)
    security_risks = models.TextField(max_length=2000, blank=True)
    perception_risks = models.TextField(max_length=2000, blank=True)
    mitigation = models.TextField(max_length=2000, blank=True)
    risk_assessed_on = models.DateField(null=True, blank=True)
    risk_assessed_by = _by()
    created_at = models.DateTimeField(default=timezone.now)
    created_by = _by()

    class Meta:
        ordering = ["-held_on", "-pk"]

    def __str__(self) -> str:
        return f"awareness activity {self.pk}"


class NationalReference(models.Model):
    """A national law, referral mechanism or institution the Society recorded beside the international."""

    kind = models.CharField(max_length=24, choices=REFERENCE_KINDS)
    title = models.CharField(max_length=300)
    description = models.TextField(max_length=2000, blank=True)
    link = models.URLField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = _by()

    class Meta:
        ordering = ["kind", "title", "pk"]

    def __str__(self) -> str:
        return f"reference {self.pk}"


class AdvocacyAsk(models.Model):
    """An ask to the authorities (humanitarian diplomacy), and where it stands."""

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    template = models.CharField(max_length=64, blank=True)
    text = models.TextField(max_length=2000)
    authority = models.CharField(max_length=200)
    status = models.CharField(max_length=16, choices=ASK_STATUSES, default="planned")
    release = models.ForeignKey(
        "evidence.DpRelease", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    created_by = _by()

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"ask {self.pk}"


class AdvocacyMeeting(models.Model):
    """A meeting or exchange about an ask, and its outcome."""

    ask = models.ForeignKey(AdvocacyAsk, on_delete=models.CASCADE, related_name="meetings")
    met_on = models.DateField()
    with_whom = models.CharField(max_length=200)
    outcome = models.TextField(max_length=2000, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = _by()

    class Meta:
        ordering = ["-met_on", "-pk"]

    def __str__(self) -> str:
        return f"meeting {self.pk}"
