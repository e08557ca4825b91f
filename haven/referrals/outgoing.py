"""Everything that produces case data for an organisation: the referral payload, the referral letter (text
and PDF) and a compelled disclosure. Each producer takes the guard's `Clearance` first and refuses to run
without one for that case, organisation and kind of output (see `neutrality.py`).

`PRODUCERS` lists them; the path-walk test checks that nothing else in Haven builds outgoing case data and
that every caller obtains its clearance from `guard_outgoing`.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from django.utils import translation
from django.utils.translation import gettext as _

from haven.cases import vocab as case_vocab
from haven.cases.sealing import open_value
from haven.core import dates
from haven.referrals import vocab
from haven.referrals.models import AuthorityRequest, Referral
from haven.referrals.neutrality import Clearance

_FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
LETTER_LANGUAGES = ("en", "fr")


def _value(referral: Referral, name: str) -> Any:
    case = referral.case
    person = case.person
    if name == "case_code":
        return case.code
    if name == "needs":
        return [referral.need_domain]
    if name == "language":
        return person.information_language or (person.languages[0] if person.languages else "")
    if name == "safe_contact_method":
        return referral.safe_contact_method
    if name in vocab.IDENTITY_FIELDS:
        return open_value(person.key_id, person, name)
    raise ValueError(f"not a shareable field: {name}")


def referral_payload(clearance: Clearance, referral: Referral) -> dict[str, Any]:
    """The referral as the partner receives it: exactly the fields the minimisation step chose."""
    clearance.require(case=referral.case, organisation=referral.organisation, what=("referral", "payload"))
    return {
        "referral": str(referral.uid),
        "organisation": referral.organisation.code,
        "fields": {name: _value(referral, name) for name in referral.fields},
    }


def _day(value: Any) -> str:
    """A date of birth (stored as ISO text) in words in the active language: "17 May 1990", "17 mai 1990"."""
    try:
        return dates.day(date.fromisoformat(str(value)))
    except ValueError:
        return str(value)


def _letter_lines(referral: Referral) -> list[str]:
    organisation = referral.organisation
    language = referral.language if referral.language in LETTER_LANGUAGES else "en"
    with translation.override(language):
        lines = [
            _("Referral to %(organisation)s") % {"organisation": organisation.name},
            _("From the Red Cross contact person, with the person's consent."),
            "",
        ]
        labels = {
            "case_code": _("Case reference"),
            "needs": _("Needs"),
            "language": _("Language"),
            "safe_contact_method": _("Safe way to make contact"),
            "name": _("Name"),
            "date_of_birth": _("Date of birth"),
            "phone": _("Phone"),
        }
        for name in referral.fields:
            value = _value(referral, name)
            if name == "needs":
                value = ", ".join(case_vocab.label(case_vocab.NEEDS_DOMAINS, v) for v in value)
            elif name == "safe_contact_method":
                value = case_vocab.label(vocab.SAFE_CONTACT_METHODS, value)
            elif name == "language" and value:
                value = case_vocab.language_name(value, language)  # "fr" → "French", "français"
            elif name == "date_of_birth" and value:
                value = _day(value)
            # "Label: value" in the letter's language (French puts a space before the colon).
            lines.append(_("%(label)s: %(value)s") % {"label": labels[name], "value": value or "-"})
        lines += [
            "",
            _("Please answer the Red Cross contact person only, and do not pass this letter on."),
        ]
    return lines


def letter_text(clearance: Clearance, referral: Referral) -> str:
    """The referral letter as plain text, in the recipient's language."""
    clearance.require(case=referral.case, organisation=referral.organisation, what=("letter",))
    return "\n".join(_letter_lines(referral)) + "\n"


def _letter_pdf_document() -> tuple[Any, bool]:
    """A new A4 PDF with the body font (DejaVu when installed, for every script), and whether it has it."""
    from fpdf import FPDF  # the PDF stack loads only when a letter is printed, not with every command

    pdf = FPDF(format="A4")
    regular = _FONT_DIR / "DejaVuSans.ttf"
    unicode = regular.is_file()
    if unicode:
        pdf.add_font("Body", "", str(regular))
    pdf.set_title("Referral")
    pdf.set_creator("Haven")
    return pdf, unicode


def letter_pdf(clearance: Clearance, referral: Referral) -> bytes:
    """The referral letter as a PDF, in the recipient's language."""
    clearance.require(case=referral.case, organisation=referral.organisation, what=("letter",))
    pdf, unicode = _letter_pdf_document()
    pdf.add_page()
    pdf.set_font("Body" if unicode else "Helvetica", "", 11)
    for line in _letter_lines(referral):
        text = line if unicode else line.encode("latin-1", "replace").decode("latin-1")
        pdf.multi_cell(0, 6, text or " ", new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def disclosure_document(clearance: Clearance, request: AuthorityRequest) -> dict[str, Any]:
    """What a compelled disclosure hands over: only the fields in the request's scope."""
    clearance.require(case=request.case, organisation=request.organisation, what=("disclosure",))
    person = request.case.person
    values: dict[str, Any] = {}
    for name in request.scope:
        if name == "case_code":
            values[name] = request.case.code
        elif name in vocab.IDENTITY_FIELDS:
            values[name] = open_value(person.key_id, person, name)
    return {"request": str(request.uid), "fields": values}


PRODUCERS = (referral_payload, letter_text, letter_pdf, disclosure_document)
