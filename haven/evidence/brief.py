"""The printable evidence brief (PDF, fpdf2): stored releases with method notes in plain words.

Built only from stored, privacy-protected releases and export records; it reads no case data. The notes
say what k and ε mean, what was suppressed, and who was counted and who was left out.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from fpdf import FPDF
from fpdf.fonts import FontFace

from haven.evidence.dataset import LEFT_OUT_REASONS
from haven.evidence.models import DpRelease, Export
from haven.evidence.selectors import BudgetStatus, hidden_cells, release_cells

_FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
MAX_ROWS_PER_TABLE = 40


def _reason(code: str) -> str:
    return LEFT_OUT_REASONS.get(code, code)


class _Brief(FPDF):
    unicode = False

    def setup(self) -> None:
        regular, bold = _FONT_DIR / "DejaVuSans.ttf", _FONT_DIR / "DejaVuSans-Bold.ttf"
        if regular.is_file() and bold.is_file():
            self.add_font("Body", "", str(regular))
            self.add_font("Body", "B", str(bold))
            self.unicode = True
        self.set_auto_page_break(auto=True, margin=18)
        self.set_title("Evidence brief")
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
        self.cell(0, 6, self.clean(f"Haven evidence brief · page {self.page_no()}/{{nb}}"), align="C")

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
    pdf.heading(f"Count by {', '.join(release.by)}", size=12)
    left = sum(release.left_out.values())
    pdf.para(
        f"Released {release.created_at:%d %B %Y} with ε = {release.epsilon:.3g}. "
        f"{release.records_in_scope} records were in scope and {left} were left out. Total shown: "
        f"{release.total}. {len(release.suppressed)} of {len(release.counts)} cells are below "
        f"{release.threshold} and shown as 'fewer than {release.threshold}'.",
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
        for column in release.by:
            header.cell(pdf.clean(column))
        header.cell("Count")
        for cell in rows:
            row = table.row()
            for label in cell.labels:
                row.cell(pdf.clean(label))
            row.cell(f"fewer than {release.threshold}" if cell.suppressed else str(cell.count))
    more = len(cells) - len(rows) + hidden_cells(release)
    if more:
        pdf.para(f"{more} further cells are empty or below {release.threshold} and are not listed.", size=8)


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
    pdf.heading("Evidence brief: anonymised statistics", size=18)
    pdf.para(
        f"Prepared by Haven on {generated_at:%d %B %Y}. These figures describe the work of the Society with "
        "people who have experienced trafficking. They are built so that no one can be recognised from them."
    )

    pdf.heading("Who is counted")
    text = (
        "Only people whose consent covers anonymised statistics are counted, and each person only once. "
        "Everyone else is left out."
    )
    if releases:
        latest = releases[0]
        text += f" In the latest table, {latest.records_in_scope} records were in scope"
        reasons = sorted(latest.left_out.items())
        if reasons:
            text += "; left out: " + "; ".join(f"{n} because {_reason(code)}" for code, n in reasons)
        text += "."
    pdf.para(text)

    pdf.heading("How privacy is protected")
    pdf.para(
        "Differential privacy (ε, epsilon). Before a table is published, random noise is added to every "
        "count. The noise is large enough that the table looks almost the same whether or not any one "
        "person is in the data, so no table can tell whether a particular person was assisted. ε measures "
        "how much a table may reveal about any one person: the smaller ε, the stronger the protection and "
        "the larger the noise. Each table spends some ε; all tables together may not spend more than the "
        f"budget. So far ε = {budget.spent:.3g} of a budget of {budget.total:.3g} has been spent."
    )
    pdf.para(
        "After the noise, counts are rounded to whole numbers and never negative, and every count below "
        "the threshold (usually 5) is shown as 'fewer than 5' rather than as a number, because such small "
        "numbers are mostly noise. Totals are the sum of the published cells, so tables add up; they can "
        "differ slightly from the true totals."
    )
    pdf.para(
        "k-anonymity (k). Record-level exports follow the CTDC layout. In them, every combination of the "
        "released characteristics describes at least k people (k = 11 by default, as in the global CTDC "
        "dataset). Values are made coarser where needed (an age band becomes 'minor' or 'adult', a country "
        "its region, a year a period), and records that would still stand out are left out entirely "
        "(suppressed). The information loss measure (GCP) goes from 0 (nothing coarsened) to 1 (nothing "
        "left); each suppressed record counts as fully lost."
    )

    pdf.heading("Tables")
    if not releases:
        pdf.para("No table has been released yet.")
    for release in releases:
        _release_section(pdf, release)

    pdf.heading("Record-level exports")
    if not exports:
        pdf.para("No record-level export has been made.")
    for export in exports:
        pdf.para(
            f"{export.created_at:%d %B %Y}: k = {export.k} over {', '.join(export.qi)}; "
            f"{export.rows_out} of {export.rows_in} records released, {export.suppressed} suppressed "
            f"({export.suppression_rate:.1%}); information loss (GCP) {export.gcp:.3f}.",
            size=9,
        )
    return bytes(pdf.output())
