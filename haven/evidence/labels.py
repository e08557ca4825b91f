"""Words for the CTDC columns and their values, in the reader's language, for the pages, charts and brief.

The stored releases keep the CTDC codes ("Female", "-99", "RO", "Eastern Europe"), so that a table can be
compared with the global dataset; people read names. `ctdc.py` stays free of Django; this module is where
the codes meet the translation catalogue (and Babel's CLDR names for countries).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.utils.formats import get_format
from django.utils.functional import lazy
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from haven.cases import vocab
from haven.evidence import ctdc

_COLUMNS: dict[str, Any] = {
    "yearOfRegistration": _("Year of registration"),
    "datasource": _("Data source"),
    "gender": _("Gender"),
    "ageBroad": _("Age band"),
    "majorityStatus": _("Minor or adult"),
    "citizenship": _("Citizenship (country)"),
    "citizenshipSubregion": _("Citizenship (sub-region)"),
    "citizenshipRegion": _("Citizenship (region)"),
    "CountryOfExploitation": _("Country of exploitation"),
    "isForcedLabour": _("Forced labour"),
    "isSexualExploit": _("Sexual exploitation"),
    "isOtherExploit": _("Other exploitation"),
    "isForcedMarriage": _("Forced marriage"),
    "isForcedMilitary": _("Forced military service"),
    "isOrganRemoval": _("Organ removal"),
    "isSlaveryAndPractices": _("Servitude and slavery-like practices"),
    "isSexAndLabour": _("Both sexual exploitation and forced labour"),
    "meansOfControlThreats": _("Means of control: threats"),
    "meansOfControlThreatOfLawEnforcement": _("Means of control: threat of law enforcement"),
    "meansOfControlDebtBondage": _("Means of control: debt bondage"),
    "meansOfControlFalsePromises": _("Means of control: false promises"),
    "meansOfControlPhysicalAbuse": _("Means of control: physical abuse"),
    "meansOfControlSexualAbuse": _("Means of control: sexual abuse"),
    "meansOfControlTakesEarnings": _("Means of control: takes earnings"),
    "meansOfControlRestrictsFinancialAccess": _("Means of control: restricts financial access"),
    "meansOfControlRestrictsMedicalCare": _("Means of control: restricts medical care"),
    "meansOfControlWithholdsNecessities": _("Means of control: withholds necessities"),
    "meansOfControlPsychologicalAbuse": _("Means of control: psychological abuse"),
    "meansOfControlPsychoactiveSubstances": _("Means of control: psychoactive substances"),
    "meansOfControlExcessiveWorkingHours": _("Means of control: excessive working hours"),
    "meansOfControlWithholdsDocuments": _("Means of control: withholds documents"),
    "meansOfControlOther": _("Means of control: other"),
    "meansOfControlNotSpecified": _("Means of control: not specified"),
}

_UNKNOWN = _("Unknown")
_GENDERS: dict[str, Any] = {
    "Female": _("Female"),
    "Male": _("Male"),
    "Transgender/NonConforming": _("Transgender or gender non-conforming"),
    "Unknown": _UNKNOWN,
}
_DATA_SOURCES: dict[str, Any] = {"Case management": _("Case management")}
_MAJORITY: dict[str, Any] = {"Minor": _("Minor"), "Adult": _("Adult"), "Unknown": _UNKNOWN}
_FLAGS: dict[str, Any] = {"1": _("Yes"), "0": _("No"), ctdc.MISSING: _UNKNOWN}
# UN M49 regions and sub-regions, as the CTDC layout names them.
_PLACES: dict[str, Any] = {
    "Africa": _("Africa"),
    "Americas": _("Americas"),
    "Asia": _("Asia"),
    "Europe": _("Europe"),
    "Oceania": _("Oceania"),
    "Other": _("Other"),
    "Unknown": _UNKNOWN,
    "Northern Africa": _("Northern Africa"),
    "Eastern Africa": _("Eastern Africa"),
    "Middle Africa": _("Middle Africa"),
    "Southern Africa": _("Southern Africa"),
    "Western Africa": _("Western Africa"),
    "Caribbean": _("Caribbean"),
    "Central America": _("Central America"),
    "South America": _("South America"),
    "Northern America": _("Northern America"),
    "Central Asia": _("Central Asia"),
    "Eastern Asia": _("Eastern Asia"),
    "South-eastern Asia": _("South-eastern Asia"),
    "Southern Asia": _("Southern Asia"),
    "Western Asia": _("Western Asia"),
    "Eastern Europe": _("Eastern Europe"),
    "Northern Europe": _("Northern Europe"),
    "Southern Europe": _("Southern Europe"),
    "Western Europe": _("Western Europe"),
    "Australia and New Zealand": _("Australia and New Zealand"),
    "Melanesia": _("Melanesia"),
    "Micronesia": _("Micronesia"),
    "Polynesia": _("Polynesia"),
    "Antarctica": _("Antarctica"),
}


def _column_label(column: str) -> str:
    return str(_COLUMNS.get(column, column))


# Lazy, for form choices made at import: translated when shown.
column_label_lazy = lazy(_column_label, str)


def column_label(column: str) -> str:
    """Words for a CTDC column name in the active language ("gender" → "Gender", "Genre")."""
    return _column_label(column)


def value_label(column: str, value: str) -> str:
    """Words for one CTDC value of a column in the active language; a value with no words (an age band,
    a year) is shown as it is."""
    if column == "gender":
        return str(_GENDERS.get(value, value))
    if column == "datasource":
        return str(_DATA_SOURCES.get(value, value))
    if column == "majorityStatus":
        return str(_MAJORITY.get(value, value))
    if column in ("citizenship", "CountryOfExploitation"):
        if value == ctdc.MISSING:
            return str(_UNKNOWN)
        return vocab.country_name(value, get_language())
    if column in ("citizenshipSubregion", "citizenshipRegion"):
        return str(_PLACES.get(value, value))
    if column.startswith(("is", "meansOfControl")):
        return str(_FLAGS.get(value, value))
    if value == ctdc.MISSING:
        return str(_UNKNOWN)
    return value


def value_labels(columns: Sequence[str], values: Sequence[str]) -> tuple[str, ...]:
    """`value_label` for each column of a table cell."""
    return tuple(value_label(column, value) for column, value in zip(columns, values, strict=True))


def number(value: float, spec: str = ".3g") -> str:
    """A number formatted by `spec` with the reader's decimal separator (0.5 → "0,5" in French)."""
    text = format(value, spec)
    separator = str(get_format("DECIMAL_SEPARATOR"))
    return text.replace(".", separator) if separator != "." else text
