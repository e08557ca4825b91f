"""Readable dates in pages, each inside a <time> element that carries the ISO 8601 value for machines:
`{{ task.due_on|day }}` → <time datetime="2026-03-09">9 March 2026</time> ("9 mars 2026" in French);
`|day:"short"` → 09/03/2026; `{{ note.created_at|moment }}` → 9 March 2026, 14:05 (`|moment:"short"` →
09/03/2026 14:05, `|moment:"seconds"` → 09/03/2026 14:05:09)."""

from __future__ import annotations

from datetime import date, datetime

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString

from haven.core import dates

register = template.Library()


def _iso(value: date | datetime) -> str:
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds")
    return value.isoformat()


@register.filter
def day(value: date | datetime | str | None, arg: str = "") -> SafeString | str:
    """A date in words in the reader's language, "short" for the numeric form; "" for no date. ISO 8601
    text (a moment kept as text) is read as its date or moment."""
    if isinstance(value, str):
        text = value
        try:
            value = datetime.fromisoformat(text) if "T" in text else date.fromisoformat(text)
        except ValueError:
            return text
    if not isinstance(value, date):
        return ""
    return format_html('<time datetime="{}">{}</time>', _iso(value), dates.day(value, short=arg == "short"))


@register.filter
def moment(value: datetime | None, arg: str = "") -> SafeString | str:
    """A date and time in the reader's language, "short" for the numeric form, "seconds" for the numeric form
    to the second; "" for no moment."""
    if not isinstance(value, datetime):
        return ""
    readable = dates.moment(value, short=arg == "short", seconds=arg == "seconds")
    return format_html('<time datetime="{}">{}</time>', _iso(value), readable)


@register.filter
def readable(value: object) -> object:
    """A value kept as ISO 8601 text for machines, for a person: a whole ISO date in words, a whole moment
    with its time; anything else as it is."""
    return dates.readable(value)
