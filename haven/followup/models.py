"""Formal identification and the reflection period: the person's own choice, and what the authorities
decided as facts received. Codes and dates only: nothing here is free text."""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone

from haven.followup import vocab


def _choices(items: vocab.Choices) -> list[tuple[str, Any]]:
    # The labels stay lazy: each is translated when shown, in the reader's language.
    return list(items)


class FormalIdentification(models.Model):
    """Where a case stands on formal identification (one row per case); each step is also an
    `IdentificationStep` row with who recorded it and when."""

    case = models.OneToOneField("cases.Case", on_delete=models.CASCADE, related_name="formal_identification")
    informed_on = models.DateField(null=True, blank=True)
    choice = models.CharField(
        max_length=16, choices=_choices(vocab.IDENTIFICATION_CHOICES), default="undecided"
    )
    choice_on = models.DateField(null=True, blank=True)
    decision_status = models.CharField(max_length=32, choices=_choices(vocab.DECISION_STATUSES), blank=True)
    decision_org = models.CharField(max_length=40, choices=_choices(vocab.DECISION_ORGS), blank=True)
    decided_on = models.DateField(null=True, blank=True)
    reflection_start = models.DateField(null=True, blank=True)
    reflection_end = models.DateField(null=True, blank=True)
    permit_from = models.DateField(null=True, blank=True)
    permit_until = models.DateField(null=True, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"formal identification {self.pk}"


class IdentificationStep(models.Model):
    """One recorded step (codes and dates only), with who recorded it and when: the history."""

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="identification_steps")
    step = models.CharField(max_length=16, choices=_choices(vocab.STEPS))
    values = models.JSONField(default=dict)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"identification step {self.pk}"
