"""The audit trail: an append-only, hash-chained log of security events and of every access to case data.

Entries hold identifiers and codes only, never personal data, so they survive a person's erasure.
"""

from __future__ import annotations

from django.db import models


class AuditEvent(models.Model):
    """One entry in the chain. `hash` covers every other field and the previous entry's hash.

    `key_id` names the audit key whose HMAC `hash` is; empty for entries made before the chain was keyed,
    whose `hash` is a plain SHA-256 (see `haven.audit.chain`).
    """

    seq = models.BigIntegerField(unique=True)
    at = models.DateTimeField()
    actor_id = models.BigIntegerField(null=True, blank=True)
    action = models.CharField(max_length=64)
    object_type = models.CharField(max_length=64, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    detail = models.JSONField(default=dict, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)
    # The database default keeps rows inserted by hand (outside Haven) unkeyed, hence detectable.
    key_id = models.CharField(max_length=32, blank=True, default="", db_default="")

    class Meta:
        ordering = ["seq"]
        indexes = [
            models.Index(fields=["object_type", "object_id"]),
            models.Index(fields=["actor_id"]),
            # The audit viewer pages newest first through a filter (keyset on seq): each filter column
            # with seq, so that a page reads its rows from an index instead of the whole trail.
            models.Index(fields=["action", "seq"], name="audit_action_seq"),
            models.Index(fields=["actor_id", "seq"], name="audit_actor_seq"),
            models.Index(fields=["object_type", "object_id", "seq"], name="audit_object_seq"),
            models.Index(fields=["at", "seq"], name="audit_at_seq"),
        ]

    def __str__(self) -> str:
        return f"#{self.seq} {self.action} {self.object_type}:{self.object_id}"


class AuditHead(models.Model):
    """A single row holding the chain's latest sequence number and hash.

    Appending locks this row, which serialises writers on every database, and comparing it with the
    last entry detects entries cut off the end of the chain. `checkpoints` is the number of the last
    checkpoint written to the checkpoint file: a file shorter than that was truncated.
    """

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    seq = models.BigIntegerField(default=0)
    hash = models.CharField(max_length=64, default="0" * 64)
    checkpoints = models.BigIntegerField(default=0, db_default=0)

    def __str__(self) -> str:
        return f"head #{self.seq}"
