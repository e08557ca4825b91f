"""No bulk extraction: reads of many different people through one API token or one web session in a short
time are refused, and the first refusal in a window raises an alert entry in the audit trail.

The channel says who reads (`reading_as`: the API's token authentication, the web's middleware for a
session); the one access function, `haven.cases.access.case_for_user`, calls `person_read` for each case it
opens. Reading the same person again never counts twice, and a person already read in the window stays
readable. More than READ_LIMIT_PEOPLE different people within READ_LIMIT_SECONDS raises `ReadLimited` (the
web and the API answer 429 with a clear message). Commands run by an operator on the server are not counted.
"""

from __future__ import annotations

import contextvars
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.crypto import salted_hmac

from haven.accounts.models import PersonRead
from haven.audit.models import AuditEvent
from haven.audit.services import audit_record

ALERT_ACTION = "access.read_limit_alert"
_reader: contextvars.ContextVar[tuple[str, int | None] | None] = contextvars.ContextVar(
    "haven_reader", default=None
)


class ReadLimited(Exception):
    """Too many different people read in a short time through this token or session (answered 429)."""

    def __init__(self, limit: int, seconds: int) -> None:
        super().__init__(f"more than {limit} different people within {seconds} seconds")
        self.limit = limit
        self.seconds = seconds


def reader_key(kind: str, value: str) -> str:
    """The stored key of a reader: a keyed hash of the token id or session key, never the value itself."""
    return (
        kind
        + ":"
        + salted_hmac("haven.accounts.reads", f"{kind}:{value}", algorithm="sha256").hexdigest()[:40]
    )


def set_reader(kind: str, value: str, user_id: int | None) -> None:
    """Count this request's reads under `kind`/`value` (`token`/id or `session`/key) for the rest of it."""
    _reader.set((reader_key(kind, value), user_id))


@contextmanager
def request_reads() -> Iterator[None]:
    """One request's scope: whoever it set as its reader is forgotten when it ends."""
    token = _reader.set(None)
    try:
        yield
    finally:
        _reader.reset(token)


def person_read(person_id: int) -> None:
    """Count a read of `person_id` by the current reader; raises ReadLimited past the limit."""
    current = _reader.get()
    if current is None:
        return
    key, user_id = current
    now = timezone.now()
    limit, seconds = settings.READ_LIMIT_PEOPLE, settings.READ_LIMIT_SECONDS
    since = now - timedelta(seconds=seconds)
    recent = PersonRead.objects.filter(reader=key, read_at__gte=since)
    people = set(recent.values_list("person_id", flat=True))
    if person_id in people:
        return  # already counted in this window: one query
    if len(people) >= limit:
        with transaction.atomic():
            _alert(key, user_id, limit, seconds, since)
        raise ReadLimited(limit, seconds)
    if not people:  # a new window: this reader's older rows are no longer needed
        PersonRead.objects.filter(reader=key, read_at__lt=since).delete()
    PersonRead.objects.create(reader=key, person_id=person_id, read_at=now)


def _alert(key: str, user_id: int | None, limit: int, seconds: int, since: datetime) -> None:
    # Once per window and reader, so that a script hammering on does not flood the trail.
    already = AuditEvent.objects.filter(action=ALERT_ACTION, object_id=key, at__gte=since)
    if already.exists():
        return
    audit_record(
        actor_id=user_id,
        action=ALERT_ACTION,
        object_type="reader",
        object_id=key,
        detail={"alert": True, "channel": key.split(":")[0], "limit": limit, "seconds": seconds},
    )
