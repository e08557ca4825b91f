"""Accessible SVG charts rendered on the server (no JavaScript), each shown beside its data table.

Every chart is an `<svg role="img">` named by its `<title>` and described by its `<desc>`, which states what
the chart shows in words; the page also shows the same numbers as a table. Cells published as "fewer than
the threshold" are drawn as an outlined stub and labelled, never as a number.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

WIDTH = 640
LABEL_WIDTH = 220
ROW_HEIGHT = 26
BAR_HEIGHT = 18
VALUE_GAP = 6
STUB = 4


@dataclass(frozen=True)
class Bar:
    label: str
    value: int
    suppressed: bool = False


def _nice_max(value: int) -> int:
    if value <= 0:
        return 1
    magnitude = 10 ** (len(str(value)) - 1)
    for step in (1, 2, 5, 10):
        if value <= step * magnitude:
            return step * magnitude
    return value


def describe(bars: Sequence[Bar], threshold: int) -> str:
    """A sentence a screen reader reads instead of the picture: the largest bars and the suppressed ones."""
    shown = [b for b in bars if not b.suppressed]
    small = [b for b in bars if b.suppressed]
    parts = []
    if shown:
        top = sorted(shown, key=lambda b: -b.value)[:3]
        largest = "; ".join(f"{b.label} {b.value}" for b in top)
        parts.append(_("Largest: %(bars)s.") % {"bars": largest})
    if small:
        parts.append(
            ngettext("%(n)d bar shows fewer than %(t)d.", "%(n)d bars show fewer than %(t)d.", len(small))
            % {"n": len(small), "t": threshold}
        )
    return " ".join(parts) or _("No counts to show.")


def bar_chart(*, chart_id: str, title: str, bars: Sequence[Bar], threshold: int) -> SafeString:
    """A horizontal bar chart; bars in the given order (for a trend: the years in order)."""
    height = max(1, len(bars)) * ROW_HEIGHT + 10
    top = _nice_max(max((b.value for b in bars), default=0))
    span = WIDTH - LABEL_WIDTH - 70
    parts: list[str] = [
        format_html(
            '<svg class="chart" role="img" aria-labelledby="{0}-title {0}-desc" viewBox="0 0 {1} {2}" '
            'width="100%" preserveAspectRatio="xMinYMin meet" xmlns="http://www.w3.org/2000/svg">'
            '<title id="{0}-title">{3}</title><desc id="{0}-desc">{4}</desc>',
            chart_id,
            WIDTH,
            height,
            title,
            describe(bars, threshold),
        )
    ]
    for row, bar in enumerate(bars):
        y = 5 + row * ROW_HEIGHT
        text_y = y + BAR_HEIGHT - 5
        parts.append(
            format_html(
                '<text class="chart-label" x="{}" y="{}" text-anchor="end">{}</text>',
                LABEL_WIDTH - 8,
                text_y,
                bar.label,
            )
        )
        if bar.suppressed:
            parts.append(
                format_html(
                    '<rect class="chart-bar-suppressed" x="{}" y="{}" width="{}" height="{}"></rect>'
                    '<text class="chart-value" x="{}" y="{}">{}</text>',
                    LABEL_WIDTH,
                    y,
                    STUB,
                    BAR_HEIGHT,
                    LABEL_WIDTH + STUB + VALUE_GAP,
                    text_y,
                    _("fewer than %(t)d") % {"t": threshold},
                )
            )
            continue
        length = round(span * bar.value / top, 1)
        parts.append(
            format_html(
                '<rect class="chart-bar" x="{}" y="{}" width="{}" height="{}"></rect>'
                '<text class="chart-value" x="{}" y="{}">{}</text>',
                LABEL_WIDTH,
                y,
                length,
                BAR_HEIGHT,
                LABEL_WIDTH + length + VALUE_GAP,
                text_y,
                bar.value,
            )
        )
    parts.append("</svg>")
    # Every piece above went through format_html, which escapes each value.
    return mark_safe("".join(parts))  # noqa: S308
