"""The access-request answer as PDF (fpdf2, the evidence brief's library), with the standard fonts so that
the text stays selectable and searchable; the person's language throughout."""

from __future__ import annotations

from datetime import datetime

from django.utils import translation
from django.utils.translation import gettext
from fpdf import FPDF

from haven.core import dates
from haven.oversight.answer import Answer

# The standard fonts know Latin-1: French needs little more. Other characters are replaced.
_REPLACE = {
    "\u2019": "'",
    "\u2018": "'",
    "\u202f": "\u00a0",
    "\u2011": "-",
    "\u2013": "-",
    "\u2014": "-",
    "\u2026": "...",
    "\u0153": "oe",
    "\u0152": "OE",
    "\u201c": '"',
    "\u201d": '"',
}


def _clean(text: str) -> str:
    for old, new in _REPLACE.items():
        text = text.replace(old, new)
    return text.encode("latin-1", "replace").decode("latin-1")


class _Doc(FPDF):
    title_text = ""

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font("Helvetica", "", 8)
        self.cell(0, 6, _clean(f"{self.title_text} · {self.page_no()}/{{nb}}"), align="C")


def answer_pdf(answer: Answer) -> bytes:
    """The answer as a PDF document."""
    with translation.override(answer.language):
        pdf = _Doc()
        pdf.title_text = _clean(gettext("Your data held by Haven") + f" · {answer.case_code}")
        pdf.set_title(pdf.title_text)
        pdf.set_lang(answer.language)
        pdf.set_author("Haven")
        pdf.set_creator("Haven")
        pdf.set_auto_page_break(auto=True, margin=18)
        pdf.add_page()

        def heading(text: str, size: float = 13) -> None:
            pdf.ln(2)
            pdf.set_font("Helvetica", "B", size)
            pdf.multi_cell(0, size * 0.5, _clean(text), new_x="LMARGIN", new_y="NEXT")
            pdf.ln(1)

        def para(text: str, size: float = 10, bold: bool = False) -> None:
            pdf.set_font("Helvetica", "B" if bold else "", size)
            pdf.multi_cell(0, 5, _clean(text), new_x="LMARGIN", new_y="NEXT")

        heading(gettext("Your data held by Haven"), 16)
        para(gettext("Case code: %(code)s") % {"code": answer.case_code})
        para(gettext("Request received on %(date)s") % {"date": dates.day(answer.received_on)})
        para(gettext("Answer due by %(date)s") % {"date": dates.day(answer.due_on)})
        prepared = datetime.fromisoformat(answer.generated_at)
        para(gettext("Prepared on %(date)s") % {"date": dates.day(prepared)})
        for section in answer.sections:
            heading(section.title)
            if not section.entries:
                para(section.empty or "—")
            for entry in section.entries:
                for label, value in entry.fields:
                    para(f"{label}: {dates.readable(value)}")
                pdf.ln(2)
        if answer.files:
            para(
                gettext("The files themselves are in the archive given with this document, folder 'files'."),
                bold=True,
            )
        for title, text in answer.explanations:
            heading(title)
            para(text)
        return bytes(pdf.output())
