"""Template filters of the evidence pages."""

from __future__ import annotations

from django import template

from haven.evidence.labels import number

register = template.Library()


@register.filter
def eps(value: float | int | None) -> str:
    """A privacy-loss value with up to three significant digits: 0.5, 2.5, 3 (not 2.500), with the
    reader's decimal separator (0,5 in French)."""
    if value is None:
        return ""
    return number(float(value))


@register.filter
def eps_code(value: float | int | None) -> str:
    """The same value for a machine (a data attribute): always with a decimal point."""
    if value is None:
        return ""
    return f"{float(value):.3g}"
