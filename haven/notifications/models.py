"""A notification: which account, which kind (a code), which case (its pseudonymous code). Never free text."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from haven.notifications.kinds import KINDS


class Notification(models.Model):
    """Something one account should look at: a coded kind and a case code, shown in Haven only."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=24, choices=list(KINDS))  # lazy labels: shown in the reader's language
    case_code = models.CharField(max_length=16, blank=True)
    # What the notification is about, as a code (e.g. "reflection_end:2026-12-01"): the same thing is not
    # notified twice to the same account.
    ref = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["user", "read_at", "-created_at"], name="notification_user_idx")]

    def __str__(self) -> str:
        return f"notification {self.pk}"
