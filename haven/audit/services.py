"""The one write path into the audit trail."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import UTC
from typing import Any

from django.db import transaction
from django.utils import timezone

from haven.audit import chain
from haven.audit.models import AuditEvent, AuditHead

# Values allowed in `detail`: identifiers, codes and counts. Strings are capped so that free text
# (which could carry personal data) has no room to slip in.
_MAX_DETAIL_STRING = 64


def _check_detail(detail: Mapping[str, Any]) -> dict[str, Any]:
    clean: dict[str, Any] = {}
    for key, value in detail.items():
        if isinstance(value, str) and len(value) > _MAX_DETAIL_STRING:
            raise ValueError(f"audit detail {key!r} is longer than {_MAX_DETAIL_STRING} characters")
        if not isinstance(value, str | int | bool | type(None) | list):
            raise ValueError(f"audit detail {key!r} must be a code, number, flag or list")
        clean[key] = value
    return clean


def audit_record(
    *,
    actor_id: int | None,
    action: str,
    object_type: str = "",
    object_id: str | int = "",
    detail: Mapping[str, Any] | None = None,
) -> AuditEvent:
    """Append one entry to the chain, inside the caller's transaction.

    Callers record identifiers and codes only (a case code, a user id, a section name), never names,
    notes or any other personal data.
    """
    with transaction.atomic():
        head, _ = AuditHead.objects.select_for_update().get_or_create(pk=1)
        at = timezone.now().astimezone(UTC)
        fields: dict[str, Any] = {
            "seq": head.seq + 1,
            "at": at.isoformat(timespec="microseconds"),
            "actor_id": actor_id,
            "action": action,
            "object_type": object_type,
            "object_id": str(object_id),
            "detail": _check_detail(detail or {}),
            "prev_hash": head.hash,
        }
        digest = chain.entry_hash(**fields)
        event = AuditEvent.objects.create(
            seq=fields["seq"],
            at=at,
            actor_id=actor_id,
            action=action,
            object_type=object_type,
            object_id=fields["object_id"],
            detail=fields["detail"],
            prev_hash=head.hash,
            hash=digest,
        )
        head.seq = fields["seq"]
        head.hash = digest
        head.save(update_fields=["seq", "hash"])
        return event


def _entries() -> Iterator[chain.Entry]:
    for row in (
        AuditEvent.objects.order_by("pk")
        .values_list(
            "pk", "seq", "at", "actor_id", "action", "object_type", "object_id", "detail", "prev_hash", "hash"
        )
        .iterator(chunk_size=2000)
    ):
        pk, seq, at, actor_id, action, object_type, object_id, detail, prev_hash, digest = row
        yield chain.Entry(
            pk,
            seq,
            at.astimezone(UTC).isoformat(timespec="microseconds"),
            actor_id,
            action,
            object_type,
            object_id,
            detail,
            prev_hash,
            digest,
        )


def audit_verify() -> chain.Verdict:
    """Verify the whole chain against the head row.

    The head row stays locked during the walk: an entry appended meanwhile would otherwise look like one
    inserted behind Haven's back. Writers wait for the walk to finish.
    """
    with transaction.atomic():
        head = AuditHead.objects.select_for_update().filter(pk=1).first()
        return chain.verify(_entries(), head.seq if head else 0, head.hash if head else chain.GENESIS)


def audit_head() -> tuple[int, str]:
    """The latest sequence number and hash, for anchoring outside Haven."""
    head = AuditHead.objects.filter(pk=1).first()
    return (head.seq, head.hash) if head else (0, chain.GENESIS)
