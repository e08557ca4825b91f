"""The printable evidence brief (PDF, fpdf2): stored releases with method notes in plain words.

Built only from stored, privacy-protected releases and export records; it reads no case data. The notes
say what k and ε mean, what was suppressed, and who was counted and who was left out. Written in the active
language (the reader's), with dates and numbers in its conventions.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from django.utils.translation import gettext as _
from fpdf import FPDF
from fpdf.fonts import FontFace

from haven.core.dates import day
from haven.evidence.dataset import LEFT_OUT_REASONS
from haven.evidence.labels import column_label, number, value_labels
from haven.evidence.models import DpRelease, Export
from haven.evidence.selectors import BudgetStatus, hidden_cells, release_cells

_FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
MAX_ROWS_PER_TABLE = 40


def _reason(code: str) -> str:
    return str(LEFT_OUT_REASONS.get(code, code))


class _Brief(FPDF):
    unicode = False

    def setup(self) -> None:
        regular, bold = _FONT_DIR / "DejaVuSans.ttf", _FONT_DIR / "DejaVuSans-Bold.ttf"
        if regular.is_file() and bold.is_file():
            self.add_font("Body", "", str(regular))
            self.add_font("Body", "B", str(bold))
            self.unicode = True
        self.set_auto_page_break(auto=True, margin=18)
        self.set_title(_("Evidence brief"))
        self.set_author("Haven")
        self.set_creator("Haven")

    def font(self, size: float, bold: bool = False) -> None:
        family = "Body" if self.unicode else "Helvetica"
        self.set_font(family, "B" if bold else "", size)

    def clean(self, text: str) -> str:
        if self.unicode:
            return text
        # Without a Unicode font, the core fonts know Latin-1 only.
        text = text.replace("ε", "epsilon").replace("≥", ">=").replace("·", "/").replace("–", "-")
        return text.encode("latin-1", "replace").decode("latin-1")

    def footer(self) -> None:
        self.set_y(-12)
        self.font(8)
        text = _("Haven evidence brief · page %(page)s/%(pages)s") % {"page": self.page_no(), "pages": "{nb}"}
        self.cell(0, 6, self.clean(text), align="C")

    def heading(self, text: str, size: float = 14) -> None:
        self.ln(2)
        self.font(size, bold=True)
        self.multi_cell(0, size * 0.5, self.clean(text), new_x="LMARGIN", new_y="NEXT")
        self.ln(1)

    def para(self, text: str, size: float = 10) -> None:
        self.font(size)
        self.multi_cell(0, 5, self.clean(text), new_x="LMARGIN", new_y="NEXT")
        self.ln(1.5)


def _release_section(pdf: _Brief, release: DpRelease) -> None:
    columns = [column_label(c) for c in release.by]
    pdf.heading(_("Count by %(columns)s") % {"columns": _(" and ").join(columns)}, size=12)
    left = sum(release.left_out.values())
    pdf.para(
        _(
            "Released %(date)s with ε = %(eps)s. %(n)s records were in scope and %(left)s were left out. "
            "Total shown: %(total)s. %(small)s of %(cells)s cells are below %(t)s and shown as "
            "'fewer than %(t)s'."
        )
        % {
            "date": day(release.created_at),
            "eps": number(release.epsilon),
            "n": release.records_in_scope,
            "left": left,
            "total": release.total,
            "small": len(release.suppressed),
            "cells": len(release.counts),
            "t": release.threshold,
        },
        size=9,
    )
    cells = release_cells(release)
    rows = cells[:MAX_ROWS_PER_TABLE]
    pdf.font(9)
    with pdf.table(
        headings_style=FontFace(emphasis="BOLD"),
        col_widths=(*([3] * len(release.by)), 2),
        text_align=(*(["LEFT"] * len(release.by)), "RIGHT"),
        line_height=5,
    ) as table:
        header = table.row()
        for column in columns:
            header.cell(pdf.clean(column))
        header.cell(_("Count"))
        fewer = _("fewer than %(t)d") % {"t": release.threshold}
        for cell in rows:
            row = table.row()
            for label in value_labels(release.by, cell.labels):
                row.cell(pdf.clean(label))
            row.cell(fewer if cell.suppressed else str(cell.count))
    more = len(cells) - len(rows) + hidden_cells(release)
    if more:
        pdf.para(
            _("%(n)s further cells are empty or below %(t)s and are not listed.")
            % {"n": more, "t": release.threshold},
            size=8,
        )


def evidence_brief(
    *,
    releases: Sequence[DpRelease],
    exports: Sequence[Export],
    budget: BudgetStatus,
    generated_at: datetime,
) -> bytes:
    """The evidence brief as PDF bytes."""
    pdf = _Brief(format="A4")
    pdf.setup()
    pdf.alias_nb_pages()
    pdf.add_page()
    pdf.heading(_("Evidence brief: anonymised statistics"), size=18)
    pdf.para(
        _(
            "Prepared by Haven on %(date)s. These figures describe the work of the Society with people who "
            "have experienced trafficking. They are built so that no one can be recognised from them."
        )
        % {"date": day(generated_at)}
    )

    pdf.heading(_("Who is counted"))
    text = _(
        "Only people whose consent covers anonymised statistics are counted, and each person only once. "
        "Everyone else is left out."
    )
    if releases:
        latest = releases[0]
        reasons = sorted(latest.left_out.items())
        if reasons:
            because = "; ".join(
                _("%(n)s because %(reason)s") % {"n": n, "reason": _reason(code)} for code, n in reasons
            )
            text += " " + _("In the latest table, %(n)s records were in scope; left out: %(reasons)s.") % {
                "n": latest.records_in_scope,
                "reasons": because,
            }
        else:
            text += " " + _("In the latest table, %(n)s records were in scope.") % {
                "n": latest.records_in_scope
            }
    pdf.para(text)

    pdf.heading(_("How privacy is protected"))
    pdf.para(
        _(
            "Differential privacy (ε, epsilon). Before a table is published, random noise is added to every "
            "count. The noise is large enough that the table looks almost the same whether or not any one "
            "person is in the data, so no table can tell whether a particular person was assisted. ε "
            "measures how much a table may reveal about any one person: the smaller ε, the stronger the "
            "protection and the larger the noise. Each table spends some ε; all tables together may not "
            "spend more than the budget. So far ε = %(spent)s of a budget of %(total)s has been spent."
        )
        % {"spent": number(budget.spent), "total": number(budget.total)}
    )
    pdf.para(
        _(
            "After the noise, counts are rounded to whole numbers and never negative, and every count below "
            "the threshold (usually 5) is shown as 'fewer than 5' rather than as a number, because such "
            "small numbers are mostly noise. Totals are the sum of the published cells, so tables add up; "
            "they can differ slightly from the true totals."
        )
    )
    pdf.para(
        _(
            "k-anonymity (k). Record-level exports follow the CTDC layout. In them, every combination of the "
            "released characteristics describes at least k people (k = 11 by default, as in the global CTDC "
            "dataset). Values are made coarser where needed (an age band becomes 'minor' or 'adult', a "
            "country its region, a year a period), and records that would still stand out are left out "
            "entirely (suppressed). The information loss measure (GCP) goes from 0 (nothing coarsened) to 1 "
            "(nothing left); each suppressed record counts as fully lost."
        )
    )

    pdf.heading(_("Tables"))
    if not releases:
        pdf.para(_("No table has been released yet."))
    for release in releases:
        _release_section(pdf, release)

    pdf.heading(_("Record-level exports"))
    if not exports:
        pdf.para(_("No record-level export has been made."))
    for export in exports:
        pdf.para(
            _(
                "%(date)s: k = %(k)s over %(columns)s; %(out)s of %(in)s records released, %(suppressed)s "
                "suppressed (%(rate)s); information loss (GCP) %(gcp)s."
            )
            % {
                "date": day(export.created_at),
                "k": export.k,
                "columns": ", ".join(column_label(c) for c in export.qi),
                "out": export.rows_out,
                "in": export.rows_in,
                "suppressed": export.suppressed,
                "rate": _("%(value)s%%") % {"value": number(export.suppression_rate * 100, ".1f")},
                "gcp": number(export.gcp, ".3f"),
            },
            size=9,
        )
    return bytes(pdf.output())
