"""The printable case summary (PDF, fpdf2 as for the evidence brief): minimised by default, the sections
chosen each time, in the person's language where Haven has the strings."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from pathlib import Path

from django.conf import settings
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from fpdf import FPDF

from haven.accounts.models import User
from haven.accounts.permissions import Perm
from haven.cases.models import Case, CaseClosure, Consent, Task
from haven.cases.selectors import person_fields
from haven.core import dates
from haven.followup.models import FormalIdentification

_FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")

# The sections one may choose, in print order; none is chosen unless asked for.
SECTIONS: dict[str, str | Promise] = {
    "identity": gettext_lazy("Name and how to contact safely"),
    "tasks": gettext_lazy("Open tasks and follow-up dates"),
    "consents": gettext_lazy("Consents"),
    "identification": gettext_lazy("Formal identification, reflection period and permit"),
    "closure": gettext_lazy("Closures and reopenings"),
}
# What a section needs beyond printing at all.
_SECTION_PERMS = {"identity": Perm.CASE_VIEW_IDENTIFYING}


def sections_allowed(user: User) -> list[str]:
    """The sections `user`'s role may print."""
    return [name for name in SECTIONS if name not in _SECTION_PERMS or user.has(_SECTION_PERMS[name])]


def summary_language(case: Case) -> str:
    """The person's information language when Haven has its strings, else the site's default."""
    wanted = case.person.information_language
    available = {code for code, _name in settings.LANGUAGES}
    return wanted if wanted in available else settings.LANGUAGE_CODE.split("-")[0]


class _Summary(FPDF):
    unicode = False

    def setup(self) -> None:
        regular, bold = _FONT_DIR / "DejaVuSans.ttf", _FONT_DIR / "DejaVuSans-Bold.ttf"
        if regular.is_file() and bold.is_file():
            self.add_font("Body", "", str(regular))
            self.add_font("Body", "B", str(bold))
            self.unicode = True
        self.set_auto_page_break(auto=True, margin=18)
        self.set_title("Case summary")
        self.set_author("Haven")
        self.set_creator("Haven")

    def font(self, size: float, bold: bool = False) -> None:
        self.set_font("Body" if self.unicode else "Helvetica", "B" if bold else "", size)

    def clean(self, text: str) -> str:
        if self.unicode:
            return text
        return text.replace("·", "-").replace("–", "-").encode("latin-1", "replace").decode("latin-1")

    def heading(self, text: str, size: float = 13) -> None:
        self.ln(2)
        self.font(size, bold=True)
        self.multi_cell(0, size * 0.5, self.clean(text), new_x="LMARGIN", new_y="NEXT")
        self.ln(1)

    def line(self, text: str) -> None:  # type: ignore[override]
        self.font(10)
        self.multi_cell(0, 5, self.clean(text), new_x="LMARGIN", new_y="NEXT")


def _day(value: object) -> str:
    """A date in words in the active language ("3 December 2026", "3 décembre 2026")."""
    return dates.day(value) if isinstance(value, date) else "—"


def _pair(label: str, value: object) -> str:
    """ "Label: value", with the active language's typography (a space before the colon in French)."""
    return _("%(label)s: %(value)s") % {"label": label, "value": value}


def summary_lines(case: Case, sections: Sequence[str], language: str, *, user: User) -> list[tuple[str, str]]:
    """The summary as (kind, text) lines, kind "title", "heading" or "line": the header, then each chosen
    section, in `language`."""
    out: list[tuple[str, str]] = []
    with translation.override(language):
        out.append(("title", _("Case summary %(code)s") % {"code": case.code}))
        out.append(
            (
                "line",
                _(
                    "Printed on %(day)s. Confidential: keep it safe, and destroy it when it is no longer "
                    "needed."
                )
                % {"day": _day(timezone.localdate())},
            )
        )
        out.append(
            (
                "line",
                _pair(_("Stage"), case.get_stage_display())
                + " · "
                + _pair(_("Status"), case.get_status_display()),
            )
        )
        manager = case.case_manager
        out.append(
            ("line", _pair(_("Case manager"), (manager.display_name or manager.email) if manager else "—"))
        )
        if "identity" in sections:
            out.append(("heading", str(SECTIONS["identity"])))
            opened = person_fields(case, user, ("name", "safe_contact"))
            name = opened["name"].value if "name" in opened else None
            safe = opened["safe_contact"].value if "safe_contact" in opened else None
            out.append(("line", _pair(_("Name"), name or "—")))
            out.append(("line", _pair(_("How to contact safely"), safe or "—")))
        if "tasks" in sections:
            out.append(("heading", str(SECTIONS["tasks"])))
            tasks = list(
                Task.objects.filter(case=case, done_at=None, closed_at=None).order_by("due_on", "pk")
            )
            out += [("line", f"{_day(t.due_on)} · {t.get_kind_display() or _('Task')}") for t in tasks]
            if not tasks:
                out.append(("line", _("No open task.")))
        if "consents" in sections:
            out.append(("heading", str(SECTIONS["consents"])))
            consents = list(Consent.objects.filter(case=case).order_by("-recorded_at", "-pk"))
            for consent in consents:
                until = _("until")
                expiry = f" · {until} {_day(consent.expires_on)}" if consent.expires_on else ""
                out.append(
                    (
                        "line",
                        _pair(consent.get_purpose_display(), consent.get_status_display())
                        + f" ({_day(consent.given_on)}){expiry}",
                    )
                )
            if not consents:
                out.append(("line", _("No consent recorded.")))
        if "identification" in sections:
            out.append(("heading", str(SECTIONS["identification"])))
            out += [("line", text) for text in _identification_lines(case)]
        if "closure" in sections:
            out.append(("heading", str(SECTIONS["closure"])))
            closures = list(CaseClosure.objects.filter(case=case).order_by("closed_at", "pk"))
            for closure in closures:
                text = _pair(_day(closure.closed_at.date()), closure.get_outcome_display())
                if closure.reopened_at:
                    reopened = _("reopened")
                    text += f" · {reopened} {_day(closure.reopened_at.date())}"
                out.append(("line", text))
            if not closures:
                out.append(("line", _("Never closed.")))
    return out


def _identification_lines(case: Case) -> list[str]:
    record = FormalIdentification.objects.filter(case=case).first()
    if record is None:
        return [_("Nothing recorded.")]
    lines = [_pair(_("Choice"), f"{record.get_choice_display()} ({_day(record.choice_on)})")]
    if record.decision_status:
        lines.append(
            _pair(
                _("Decision received"),
                f"{record.get_decision_status_display()} · {record.get_decision_org_display()} "
                f"({_day(record.decided_on)})",
            )
        )
    if record.reflection_start:
        lines.append(
            _pair(
                _("Recovery and reflection period"),
                f"{_day(record.reflection_start)} – {_day(record.reflection_end)}",
            )
        )
    if record.permit_from:
        lines.append(
            _pair(_("Residence permit"), f"{_day(record.permit_from)} – {_day(record.permit_until)}")
        )
    return lines


def render_summary(case: Case, sections: Sequence[str], language: str, *, user: User) -> bytes:
    """The summary of `case` as PDF bytes (see `summary_lines`)."""
    pdf = _Summary(format="A4")
    pdf.setup()
    pdf.add_page()
    for kind, text in summary_lines(case, sections, language, user=user):
        if kind == "title":
            pdf.heading(text, size=16)
        elif kind == "heading":
            pdf.heading(text)
        else:
            pdf.line(text)
    return bytes(pdf.output())
