"""Template filters of the evidence pages."""

from __future__ import annotations

from django import template

register = template.Library()


@register.filter
def eps(value: float | int | None) -> str:
    """A privacy-loss value with up to three significant digits: 0.5, 2.5, 3 (not 2.500)."""
    if value is None:
        return ""
    return f"{float(value):.3g}"
