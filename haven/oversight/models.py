"""What the oversight tools keep: audit-chain verifications, and the register of data requests."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditVerification(models.Model):
    """One run of the audit chain's verification (`haven audit verify`, or the viewer's button)."""

    at = models.DateTimeField(db_index=True)
    actor_id = models.BigIntegerField(null=True, blank=True)  # None: the operator on the command line
    ok = models.BooleanField()
    checked = models.BigIntegerField()
    head_hash = models.CharField(max_length=64)
    problem = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"verification {self.pk}"


class DataRequest(models.Model):
    """A request from a person about their data (GDPR Art. 15, 16, 18): when it came, by when it is due.

    Codes and dates only: who the person is stays in their case record, reached by the case code.
    """

    class Kind(models.TextChoices):
        ACCESS = "access", _("Access (a copy of everything held)")
        RECTIFICATION = "rectification", _("Rectification (correct what is wrong)")
        RESTRICTION = "restriction", _("Restriction (hold, use no further)")

    kind = models.CharField(max_length=16, choices=Kind.choices)
    case_code = models.CharField(max_length=32, db_index=True)
    received_on = models.DateField()
    # One month from receipt (Art. 12(3)); a reminder shows from REMINDER_DAYS before.
    due_on = models.DateField()
    registered_by_id = models.BigIntegerField(null=True, blank=True)
    registered_at = models.DateTimeField()
    answered_at = models.DateTimeField(null=True, blank=True)
    answered_by_id = models.BigIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["answered_at", "due_on", "pk"]

    def __str__(self) -> str:
        return f"request {self.pk}"


class RetentionExtension(models.Model):
    """A person's decision to keep a case past its retention period, until a date, for a coded reason."""

    class Reason(models.TextChoices):
        ONGOING_SUPPORT = "ongoing_support", _("Support is still going on")
        PERSON_ASKED = "person_asked", _("The person asked us to keep it")
        PENDING_REQUEST = "pending_request", _("A request of the person is being answered")
        LEGAL_OBLIGATION = "legal_obligation", _("A legal obligation to keep it")

    case_code = models.CharField(max_length=32, db_index=True)
    until = models.DateField()
    reason = models.CharField(max_length=32, choices=Reason.choices)
    decided_by_id = models.BigIntegerField(null=True, blank=True)
    decided_at = models.DateTimeField()

    class Meta:
        ordering = ["-until", "-pk"]

    def __str__(self) -> str:
        return f"retention extension {self.pk}"
