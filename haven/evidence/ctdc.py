"""The CTDC layout: Haven's coded case facts mapped to the Counter Trafficking Data Collaborative codebook.

Pure Python (no Django): `dataset.py` reads the case tables and hands `CaseFacts` here. Field names and
codings follow the CTDC codebook v6: booleans 0/1, missing -99; `ageBroad` bands 0–8, 9–17, 18–20, 21–23,
24–26, 27–29, 30–38, 39–47, 48+; `majorityStatus` Minor / Adult / Unknown; `gender` Female / Male /
Transgender/NonConforming / Unknown; `citizenship` ISO 3166 alpha-2 with ZZ for unknown.

Every column has a fixed domain that does not depend on the data: a differentially private release counts
every cell of the domain, so which cells exist reveals nothing. Generalisation hierarchies for the
k-anonymous export (age → band group → minor/adult; citizenship → UN M49 sub-region → region; year → period)
are built from the same domains.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from haven.evidence.anonymise import Hierarchy, hierarchy_from_rows

MISSING = "-99"
UNKNOWN_COUNTRY = "ZZ"
FIRST_YEAR = 2000
LAST_YEAR = 2035

# -- age --------------------------------------------------------------------------------------------------

AGE_BANDS: tuple[tuple[str, int, int], ...] = (
    ("0-8", 0, 8),
    ("9-17", 9, 17),
    ("18-20", 18, 20),
    ("21-23", 21, 23),
    ("24-26", 24, 26),
    ("27-29", 27, 29),
    ("30-38", 30, 38),
    ("39-47", 39, 47),
    ("48+", 48, 200),
)
_AGE_GROUP = {
    "0-8": ("0-17", "Minor"),
    "9-17": ("0-17", "Minor"),
    "18-20": ("18-29", "Adult"),
    "21-23": ("18-29", "Adult"),
    "24-26": ("18-29", "Adult"),
    "27-29": ("18-29", "Adult"),
    "30-38": ("30-47", "Adult"),
    "39-47": ("30-47", "Adult"),
    "48+": ("48+", "Adult"),
    MISSING: ("Unknown", "Unknown"),
}


def age_broad(age: int | None) -> str:
    """The CTDC age band of an age in years, or -99 when the age is not known."""
    if age is None or age < 0:
        return MISSING
    for band, low, high in AGE_BANDS:
        if low <= age <= high:
            return band
    return MISSING


def majority_status(age: int | None, established_adult: bool) -> str:
    """Minor, Adult or Unknown: adult only when established (document, assessment or own statement)."""
    if established_adult:
        return "Adult"
    if age is not None and 0 <= age < 18:
        return "Minor"
    return "Unknown"


# -- gender -------------------------------------------------------------------------------------------------

GENDER_FROM_HTCDS = {
    "Feminine": "Female",
    "Masculine": "Male",
    "TransgenderFeminine": "Transgender/NonConforming",
    "TransgenderMasculine": "Transgender/NonConforming",
    "NonConforming": "Transgender/NonConforming",
    "NonSpecifiedUnknown": "Unknown",
}
GENDERS = ("Female", "Male", "Transgender/NonConforming", "Unknown")

# -- countries: ISO 3166 alpha-2 → UN M49 sub-region → region ----------------------------------------------

_M49: dict[str, dict[str, str]] = {
    "Africa": {
        "Northern Africa": "DZ EG LY MA SD TN EH",
        "Eastern Africa": "IO BI KM DJ ER ET TF KE MG MW MU YT MZ RE RW SC SO SS UG TZ ZM ZW",
        "Middle Africa": "AO CM CF TD CG CD GQ GA ST",
        "Southern Africa": "BW SZ LS NA ZA",
        "Western Africa": "BJ BF CV CI GM GH GN GW LR ML MR NE NG SH SN SL TG",
    },
    "Americas": {
        "Caribbean": "AI AG AW BS BB BQ VG KY CU CW DM DO GD GP HT JM MQ MS PR BL KN LC MF VC SX TT TC VI",
        "Central America": "BZ CR SV GT HN MX NI PA",
        "South America": "AR BO BV BR CL CO EC FK GF GY PY PE GS SR UY VE",
        "Northern America": "BM CA GL PM US",
    },
    "Asia": {
        "Central Asia": "KZ KG TJ TM UZ",
        "Eastern Asia": "CN HK MO KP JP MN KR TW",
        "South-eastern Asia": "BN KH ID LA MY MM PH SG TH TL VN",
        "Southern Asia": "AF BD BT IN IR MV NP PK LK",
        "Western Asia": "AM AZ BH CY GE IQ IL JO KW LB OM QA SA PS SY TR AE YE",
    },
    "Europe": {
        "Eastern Europe": "BY BG CZ HU PL MD RO RU SK UA",
        "Northern Europe": "AX DK EE FO FI GG IS IE IM JE LV LT NO SJ SE GB",
        "Southern Europe": "AL AD BA HR GI GR VA IT MT ME MK PT SM RS SI ES XK",
        "Western Europe": "AT BE FR DE LI LU MC NL CH",
    },
    "Oceania": {
        "Australia and New Zealand": "AU CX CC HM NZ NF",
        "Melanesia": "FJ NC PG SB VU",
        "Micronesia": "GU KI MH FM NR MP PW UM",
        "Polynesia": "AS CK PF NU PN WS TK TO TV WF",
    },
    "Other": {"Antarctica": "AQ"},
}
SUBREGION_OF: dict[str, str] = {}
REGION_OF_SUBREGION: dict[str, str] = {"Unknown": "Unknown"}
for _region, _subs in _M49.items():
    for _sub, _codes in _subs.items():
        REGION_OF_SUBREGION[_sub] = _region
        for _code in _codes.split():
            SUBREGION_OF[_code] = _sub
SUBREGION_OF[UNKNOWN_COUNTRY] = "Unknown"
COUNTRIES: tuple[str, ...] = tuple(sorted(SUBREGION_OF))
SUBREGIONS: tuple[str, ...] = tuple(sorted(REGION_OF_SUBREGION))
REGIONS: tuple[str, ...] = tuple(sorted(set(REGION_OF_SUBREGION.values())))


def country_code(code: str | None) -> str:
    """A known ISO alpha-2 code, or ZZ (unknown) for anything else."""
    return code if code in SUBREGION_OF else UNKNOWN_COUNTRY


# -- exploitation and means of control ---------------------------------------------------------------------

# CTDC flag → the HTCDS exploitation codes (plus forced criminality) that set it.
EXPLOITATION_FLAGS: dict[str, frozenset[str]] = {
    "isForcedLabour": frozenset({"ForcedLabour", "ChildLabour", "ForcedBegging"}),
    "isSexualExploit": frozenset({"SexualExploitation"}),
    "isOtherExploit": frozenset({"ForcedAdoption", "Surrogacy", "ForcedCriminality", "Other"}),
    "isForcedMarriage": frozenset({"ForcedMarriage"}),
    "isForcedMilitary": frozenset({"ForcedMilitaryByNonStateActors"}),
    "isOrganRemoval": frozenset({"OrganRemoval"}),
    "isSlaveryAndPractices": frozenset({"Servitude"}),
}

# HTCDS vic_MethodsOfControl → CTDC meansOfControl* suffix.
MEANS_FROM_HTCDS = {
    "PhysicalThreats": "Threats",
    "ThreatensChildrenFamily": "Threats",
    "ThreatsLawEnforcement": "ThreatOfLawEnforcement",
    "DebtBondage": "DebtBondage",
    "FalsePromises": "FalsePromises",
    "PhysicalAbuse": "PhysicalAbuse",
    "SexualAbuse": "SexualAbuse",
    "TakesEarnings": "TakesEarnings",
    "RestrictsFinancialAccess": "RestrictsFinancialAccess",
    "RestrictsMedicalCare": "RestrictsMedicalCare",
    "WithholdsNecessities": "WithholdsNecessities",
    "PsychologicalAbuse": "PsychologicalAbuse",
    "PsychoactiveSubstance": "PsychoactiveSubstances",
    "ExcessiveWorkingHours": "ExcessiveWorkingHours",
    "WithholdsDocuments": "WithholdsDocuments",
    "Other": "Other",
}
MEANS_FLAGS: tuple[str, ...] = tuple(
    "meansOfControl" + suffix for suffix in dict.fromkeys(MEANS_FROM_HTCDS.values())
) + ("meansOfControlNotSpecified",)

FLAG_VALUES = ("0", "1", MISSING)


@dataclass(frozen=True)
class CaseFacts:
    """The coded facts of one case that statistics may use (nothing identifying, nothing sealed)."""

    year: int
    gender: str
    age: int | None
    established_adult: bool
    citizenship: Sequence[str] = ()
    exploitation_types: Sequence[str] = ()
    means_of_control: Sequence[str] = ()
    exploitation_countries: Sequence[str] = ()


def _flag(present: bool, known: bool) -> str:
    if not known:
        return MISSING
    return "1" if present else "0"


def ctdc_record(facts: CaseFacts) -> dict[str, str]:
    """One CTDC-layout record (every value a string, as written to CSV)."""
    citizenship = country_code(facts.citizenship[0] if facts.citizenship else None)
    subregion = SUBREGION_OF[citizenship]
    band = age_broad(facts.age)
    exploitation = set(facts.exploitation_types)
    known_exploitation = bool(exploitation)
    record = {
        "yearOfRegistration": str(facts.year),
        "datasource": "Case management",
        "gender": GENDER_FROM_HTCDS.get(facts.gender, "Unknown"),
        "ageBroad": band,
        "majorityStatus": majority_status(facts.age, facts.established_adult),
        "citizenship": citizenship,
        "citizenshipSubregion": subregion,
        "citizenshipRegion": REGION_OF_SUBREGION[subregion],
        "CountryOfExploitation": (
            country_code(facts.exploitation_countries[0]) if facts.exploitation_countries else MISSING
        ),
    }
    for name, codes in EXPLOITATION_FLAGS.items():
        record[name] = _flag(bool(exploitation & codes), known_exploitation)
    sexual = bool(exploitation & EXPLOITATION_FLAGS["isSexualExploit"])
    labour = bool(exploitation & EXPLOITATION_FLAGS["isForcedLabour"])
    record["isSexAndLabour"] = _flag(sexual and labour, known_exploitation)
    means = {MEANS_FROM_HTCDS[m] for m in facts.means_of_control if m in MEANS_FROM_HTCDS}
    for name in MEANS_FLAGS:
        if name == "meansOfControlNotSpecified":
            record[name] = "0" if means else "1"
        else:
            record[name] = _flag(name.removeprefix("meansOfControl") in means, bool(means))
    return record


YEARS: tuple[str, ...] = tuple(str(y) for y in range(FIRST_YEAR, LAST_YEAR + 1))

# Every CTDC column Haven fills, with its fixed domain.
DOMAINS: dict[str, tuple[str, ...]] = {
    "yearOfRegistration": YEARS,
    "datasource": ("Case management",),
    "gender": GENDERS,
    "ageBroad": tuple(band for band, _low, _high in AGE_BANDS) + (MISSING,),
    "majorityStatus": ("Minor", "Adult", "Unknown"),
    "citizenship": COUNTRIES,
    "citizenshipSubregion": SUBREGIONS,
    "citizenshipRegion": REGIONS,
    "CountryOfExploitation": (*COUNTRIES, MISSING),
    **{name: FLAG_VALUES for name in (*EXPLOITATION_FLAGS, "isSexAndLabour")},
    **{name: FLAG_VALUES for name in MEANS_FLAGS},
}
COLUMNS: tuple[str, ...] = tuple(DOMAINS)

# The columns of the default k-anonymous export: every one of them is a quasi-identifier.
EXPORT_COLUMNS: tuple[str, ...] = (
    "yearOfRegistration",
    "gender",
    "ageBroad",
    "majorityStatus",
    "citizenship",
    "CountryOfExploitation",
    "isForcedLabour",
    "isSexualExploit",
    "isOtherExploit",
)


def unknown_columns(columns: Iterable[str]) -> list[str]:
    """The names that are not CTDC columns Haven fills."""
    return [c for c in columns if c not in DOMAINS]


def _year_rows() -> list[list[str]]:
    rows = []
    for year in range(FIRST_YEAR, LAST_YEAR + 1):
        five = year - year % 5
        ten = year - year % 10
        rows.append([str(year), f"{five}-{five + 4}", f"{ten}-{ten + 9}"])
    return rows


def _country_rows(missing: bool) -> list[list[str]]:
    rows = [[c, SUBREGION_OF[c], REGION_OF_SUBREGION[SUBREGION_OF[c]]] for c in COUNTRIES]
    if missing:
        rows.append([MISSING, "Unknown", "Unknown"])
    return rows


def hierarchy_rows(column: str) -> list[list[str]]:
    """Generalisation rows (value, then coarser labels) for a CTDC column, in the ARX layout."""
    if column == "yearOfRegistration":
        return _year_rows()
    if column == "ageBroad":
        return [[band, *_AGE_GROUP[band]] for band in DOMAINS["ageBroad"]]
    if column == "citizenship":
        return _country_rows(missing=False)
    if column == "CountryOfExploitation":
        return _country_rows(missing=True)
    if column == "citizenshipSubregion":
        return [[s, REGION_OF_SUBREGION[s]] for s in SUBREGIONS]
    if column not in DOMAINS:
        raise KeyError(column)
    return [[value] for value in DOMAINS[column]]


def hierarchies(columns: Iterable[str]) -> dict[str, Hierarchy]:
    """Compiled hierarchies for the given CTDC columns."""
    return {column: hierarchy_from_rows(column, hierarchy_rows(column)) for column in columns}


_LABELS = {
    "yearOfRegistration": "Year of registration",
    "datasource": "Data source",
    "gender": "Gender",
    "ageBroad": "Age band",
    "majorityStatus": "Minor or adult",
    "citizenship": "Citizenship (country)",
    "citizenshipSubregion": "Citizenship (sub-region)",
    "citizenshipRegion": "Citizenship (region)",
    "CountryOfExploitation": "Country of exploitation",
    "isForcedLabour": "Forced labour",
    "isSexualExploit": "Sexual exploitation",
    "isOtherExploit": "Other exploitation",
    "isForcedMarriage": "Forced marriage",
    "isForcedMilitary": "Forced military service",
    "isOrganRemoval": "Organ removal",
    "isSlaveryAndPractices": "Servitude and slavery-like practices",
    "isSexAndLabour": "Both sexual exploitation and forced labour",
}


def column_label(column: str) -> str:
    """Words for a CTDC column name, for forms, charts and the brief."""
    if column in _LABELS:
        return _LABELS[column]
    if column.startswith("meansOfControl"):
        words = re.sub(r"(?<!^)(?=[A-Z])", " ", column.removeprefix("meansOfControl")).lower()
        return f"Means of control: {words}"
    return column
