"""What the oversight tools keep: the result of each audit-chain verification."""

from __future__ import annotations

from django.db import models


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
