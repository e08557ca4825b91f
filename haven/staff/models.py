"""The staff and volunteer register, their trainings, and their wellbeing entries.

Suitability notes and wellbeing notes are free text about a person: they are sealed by the vault under the
staff member's own data key (``StaffMember.key_id``), bound to table, column and row, like case notes.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

KINDS = [("staff", _("Staff")), ("volunteer", _("Volunteer"))]

SECURITY = "personal_security"
TRAININGS = [
    ("trafficking_awareness", _("Trafficking awareness")),
    (SECURITY, _("Personal security")),
    ("data_protection", _("Data protection")),
    ("psychosocial_first_aid", _("Psychosocial first aid")),
]

CHECK_IN, SUPPORT_REQUESTED, SUPPORT_OFFERED = "check_in", "support_requested", "support_offered"
ENTRY_KINDS = [
    (CHECK_IN, _("Check-in")),
    (SUPPORT_REQUESTED, _("Asked for support")),
    (SUPPORT_OFFERED, _("Support offered")),
]
FEELINGS = [
    ("well", _("Doing well")),
    ("coping", _("Coping")),
    ("strained", _("Under strain")),
    ("struggling", _("Struggling")),
]


class StaffMember(models.Model):
    """One staff member or volunteer of the Society, with or without a Haven account."""

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="staff_record",
    )
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=16, choices=KINDS, default="volunteer")
    role = models.CharField(max_length=120, blank=True)
    team = models.ForeignKey(
        "accounts.Team", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    key_id = models.CharField(max_length=64)
    suitability_notes = models.BinaryField(null=True, blank=True)
    supporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="supported"
    )
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["name", "pk"]

    def __str__(self) -> str:
        return f"staff member {self.pk}"


class Training(models.Model):
    """A training a staff member completed, and until when it counts."""

    member = models.ForeignKey(StaffMember, on_delete=models.CASCADE, related_name="trainings")
    kind = models.CharField(max_length=32, choices=TRAININGS)
    completed_on = models.DateField()
    expires_on = models.DateField(null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-completed_on", "-pk"]

    def __str__(self) -> str:
        return f"training {self.pk}"


class WellbeingEntry(models.Model):
    """A confidential check-in, a request for support, or an offer of support by the designated supporter.

    Only the person and their designated supporter ever see an entry; managers see counts only.
    """

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    member = models.ForeignKey(StaffMember, on_delete=models.CASCADE, related_name="wellbeing")
    kind = models.CharField(max_length=24, choices=ENTRY_KINDS)
    feeling = models.CharField(max_length=16, choices=FEELINGS, blank=True)
    note = models.BinaryField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"wellbeing entry {self.pk}"
