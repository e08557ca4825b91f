"""Dates as people read them, in the reader's language and Haven's formats (haven/formats): "9 March 2026",
"9 mars 2026". Machine-readable dates (attributes, CSV, JSON, the API, the audit trail) stay ISO 8601."""

from __future__ import annotations

import re
from datetime import date, datetime

from django.utils import formats, timezone


def _local(value: date | datetime) -> date | datetime:
    if isinstance(value, datetime) and timezone.is_aware(value):
        return timezone.localtime(value)
    return value


def day(value: date | datetime | None, *, short: bool = False) -> str:
    """The day of a date or moment, in words ("9 March 2026") or short ("09/03/2026"); "" for no date."""
    if value is None:
        return ""
    return formats.date_format(_local(value), "SHORT_DATE_FORMAT" if short else "DATE_FORMAT")


def moment(value: datetime | None, *, short: bool = False, seconds: bool = False) -> str:
    """A moment with its time ("9 March 2026, 14:05", short "09/03/2026 14:05", to the second
    "09/03/2026 14:05:09" for the audit trail); "" for no moment."""
    if value is None:
        return ""
    if seconds:
        return formats.date_format(_local(value), f"{formats.get_format('SHORT_DATE_FORMAT')} H:i:s")
    return formats.date_format(_local(value), "SHORT_DATETIME_FORMAT" if short else "DATETIME_FORMAT")


_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
_ISO_MOMENT = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?")


def readable(value: object) -> object:
    """A value kept as ISO 8601 text for machines (a document's JSON form), for a person: a whole ISO date in
    words, a whole ISO moment with its time; anything else as it is."""
    if isinstance(value, str):
        text = value.strip()
        try:
            if _ISO_DAY.fullmatch(text):
                return day(date.fromisoformat(text))
            if _ISO_MOMENT.fullmatch(text):
                return moment(datetime.fromisoformat(text))
        except ValueError:
            return value
    return value
