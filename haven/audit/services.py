"""The one write path into the audit trail, and its verification."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import UTC
from functools import cache
from typing import Any, NamedTuple

from django.db import connection, transaction
from django.db.models import Field
from django.utils import timezone

from haven.audit import chain
from haven.audit.keys import audit_key
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


_EVENT_FIELDS = (
    "seq",
    "at",
    "actor_id",
    "action",
    "object_type",
    "object_id",
    "detail",
    "prev_hash",
    "hash",
    "key_id",
)


class _Append(NamedTuple):
    """The three statements of an append for one database, and the fields that prepare its values."""

    read_head: str
    insert: str
    move_head: str
    fields: tuple[Field[Any, Any], ...]


def _event_field(name: str) -> Field[Any, Any]:
    field = AuditEvent._meta.get_field(name)
    assert isinstance(field, Field)
    return field


@cache
def _append_for(vendor: str) -> _Append:
    """Built once per database from the models' own names, quoted by the backend; values are parameters."""
    quote = connection.ops.quote_name
    fields = tuple(_event_field(name) for name in _EVENT_FIELDS)
    head = quote(AuditHead._meta.db_table)
    event = quote(AuditEvent._meta.db_table)
    lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
    columns = ", ".join(quote(field.column or field.name) for field in fields)
    return _Append(
        f"SELECT {quote('seq')}, {quote('hash')} FROM {head} WHERE {quote('id')} = 1{lock}",  # noqa: S608
        f"INSERT INTO {event} ({columns}) VALUES ({', '.join(['%s'] * len(fields))})",  # noqa: S608
        f"UPDATE {head} SET {quote('seq')} = %s, {quote('hash')} = %s WHERE {quote('id')} = 1",  # noqa: S608
        fields,
    )


def audit_record(
    *,
    actor_id: int | None,
    action: str,
    object_type: str = "",
    object_id: str | int = "",
    detail: Mapping[str, Any] | None = None,
) -> int:
    """Append one entry to the chain, inside the caller's transaction; returns its sequence number.

    Callers record identifiers and codes only (a case code, a user id, a section name), never names,
    notes or any other personal data.

    Every case read lands here, so an append is three plain statements (lock and read the head row,
    insert the entry, move the head) with each value prepared by its model field, as the ORM would.
    The hash is an HMAC under the audit key (kept with the vault's keys, not in the database).
    """
    append = _append_for(connection.vendor)
    key_id, key = audit_key()
    # No savepoint of its own: an append that fails must fail the caller's whole transaction.
    with transaction.atomic(savepoint=False):
        with connection.cursor() as cursor:
            cursor.execute(append.read_head)
            row = cursor.fetchone()
            if row is None:
                AuditHead.objects.get_or_create(pk=1)
                cursor.execute(append.read_head)
                row = cursor.fetchone()
            seq, prev_hash = int(row[0]) + 1, row[1]
            at = timezone.now().astimezone(UTC)
            values: dict[str, Any] = {
                "seq": seq,
                "at": at,
                "actor_id": actor_id,
                "action": action,
                "object_type": object_type,
                "object_id": str(object_id),
                "detail": _check_detail(detail or {}),
                "prev_hash": prev_hash,
            }
            values["hash"] = chain.keyed_entry_hash(
                key, key_id=key_id, **{**values, "at": at.isoformat(timespec="microseconds")}
            )
            values["key_id"] = key_id
            prepared = [field.get_db_prep_save(values[field.name], connection) for field in append.fields]
            cursor.execute(append.insert, prepared)
            cursor.execute(append.move_head, [seq, values["hash"]])
        return seq


def _entries() -> Iterator[chain.Entry]:
    for row in (
        AuditEvent.objects.order_by("pk")
        .values_list(
            "pk",
            "seq",
            "at",
            "actor_id",
            "action",
            "object_type",
            "object_id",
            "detail",
            "prev_hash",
            "hash",
            "key_id",
        )
        .iterator(chunk_size=2000)
    ):
        pk, seq, at, actor_id, action, object_type, object_id, detail, prev_hash, digest, key_id = row
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
            key_id,
        )


def audit_verify() -> chain.Verdict:
    """Verify the whole chain against the head row and the audit key.

    The head row stays locked during the walk: an entry appended meanwhile would otherwise look like one
    inserted behind Haven's back. Writers wait for the walk to finish.
    """
    key_id, key = audit_key()
    with transaction.atomic():
        head = AuditHead.objects.select_for_update().filter(pk=1).first()
        return chain.verify(
            _entries(), head.seq if head else 0, head.hash if head else chain.GENESIS, {key_id: key}
        )


def audit_head() -> tuple[int, str]:
    """The latest sequence number and hash, for anchoring outside Haven."""
    head = AuditHead.objects.filter(pk=1).first()
    return (head.seq, head.hash) if head else (0, chain.GENESIS)
