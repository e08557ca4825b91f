"""Synthetic, obviously fake case-shaped data for tests and benchmarks of the anonymisation engine.

The columns follow the CTDC codebook (yearOfRegistration, gender, ageBroad, citizenship,
typeOfExploitation, recruiterRelation) with made-up, skewed distributions. No row describes anyone.
"""

from __future__ import annotations

import numpy as np

from haven.evidence.anonymise.hierarchy import Hierarchy, hierarchy_from_rows

CASE_QI = [
    "yearOfRegistration",
    "gender",
    "ageBroad",
    "citizenship",
    "typeOfExploitation",
    "recruiterRelation",
]

GENDER_ROWS = [[g, "*"] for g in ("Female", "Male", "Transgender/NonConforming", "Unknown")]

AGE_ROWS = [
    ["0-8", "0-17", "Minor", "*"],
    ["9-17", "0-17", "Minor", "*"],
    ["18-20", "18-29", "Adult", "*"],
    ["21-23", "18-29", "Adult", "*"],
    ["24-26", "18-29", "Adult", "*"],
    ["27-29", "18-29", "Adult", "*"],
    ["30-38", "30-47", "Adult", "*"],
    ["39-47", "30-47", "Adult", "*"],
    ["48+", "48+", "Adult", "*"],
    ["Unknown", "Unknown", "Unknown", "*"],
]

EXPLOITATION_ROWS = [
    ["ForcedLabour", "Labour", "*"],
    ["ChildLabour", "Labour", "*"],
    ["Servitude", "Labour", "*"],
    ["ForcedBegging", "Labour", "*"],
    ["ForcedCriminality", "Labour", "*"],
    ["SexualExploitation", "Sexual", "*"],
    ["ForcedMarriage", "Other", "*"],
    ["OrganRemoval", "Other", "*"],
    ["Other", "Other", "*"],
]

RECRUITER_ROWS = [
    ["IntimatePartner", "Known to the person", "*"],
    ["Friend", "Known to the person", "*"],
    ["Family", "Known to the person", "*"],
    ["Other", "Other or unknown", "*"],
    ["Unknown", "Other or unknown", "*"],
]

# ISO 3166 alpha-2 -> UN M49 sub-region -> region (a sample of countries, enough for realistic skew).
_COUNTRIES: dict[str, tuple[str, ...]] = {
    "Africa": ("Eastern Africa", "Western Africa", "Northern Africa", "Middle Africa", "Southern Africa"),
    "Asia": ("South-eastern Asia", "Southern Asia", "Eastern Asia", "Central Asia", "Western Asia"),
    "Europe": ("Eastern Europe", "Southern Europe", "Western Europe", "Northern Europe"),
    "Americas": ("South America", "Central America", "Caribbean", "Northern America"),
    "Oceania": ("Melanesia", "Australia and New Zealand"),
}
_SUBREGION_MEMBERS: dict[str, tuple[str, ...]] = {
    "Eastern Africa": ("ET", "KE", "UG", "TZ", "ER", "SO", "MW", "MZ"),
    "Western Africa": ("NG", "GH", "SN", "ML", "BF", "CI", "NE", "GN"),
    "Northern Africa": ("EG", "MA", "DZ", "SD", "LY", "TN"),
    "Middle Africa": ("CD", "CM", "TD", "CF"),
    "Southern Africa": ("ZA", "LS", "BW", "NA"),
    "South-eastern Asia": ("PH", "ID", "KH", "MM", "VN", "TH", "LA", "MY"),
    "Southern Asia": ("BD", "IN", "NP", "PK", "LK", "AF"),
    "Eastern Asia": ("CN", "MN", "KP"),
    "Central Asia": ("UZ", "KG", "KZ", "TJ", "TM"),
    "Western Asia": ("SY", "IQ", "YE", "TR", "GE", "AM"),
    "Eastern Europe": ("UA", "MD", "RO", "BG", "BY", "RU", "PL"),
    "Southern Europe": ("AL", "RS", "BA", "MK", "IT", "ES"),
    "Western Europe": ("FR", "DE", "NL", "BE"),
    "Northern Europe": ("GB", "LT", "LV", "IE"),
    "South America": ("CO", "VE", "PE", "BO", "PY", "BR"),
    "Central America": ("HN", "GT", "SV", "MX", "NI"),
    "Caribbean": ("HT", "DO", "CU", "JM"),
    "Northern America": ("US", "CA"),
    "Melanesia": ("PG", "FJ"),
    "Australia and New Zealand": ("AU", "NZ"),
}
CITIZENSHIP_ROWS = [
    [country, subregion, region, "*"]
    for region, subregions in _COUNTRIES.items()
    for subregion in subregions
    for country in _SUBREGION_MEMBERS[subregion]
] + [["ZZ", "Unknown", "Unknown", "*"]]

HIERARCHY_ROWS: dict[str, list[list[str]]] = {
    "gender": GENDER_ROWS,
    "ageBroad": AGE_ROWS,
    "citizenship": CITIZENSHIP_ROWS,
    "typeOfExploitation": EXPLOITATION_ROWS,
    "recruiterRelation": RECRUITER_ROWS,
}


def case_hierarchies() -> dict[str, Hierarchy]:
    """Hierarchies for the synthetic case columns (yearOfRegistration has none: it is released as ranges)."""
    return {column: hierarchy_from_rows(column, rows) for column, rows in HIERARCHY_ROWS.items()}


def _zipf_weights(n: int, s: float) -> np.ndarray:
    weights = 1.0 / np.arange(1, n + 1) ** s
    return weights / weights.sum()


def synthetic_cases(n: int, seed: int = 0) -> dict[str, list[str]]:
    """`n` fake case rows as columns; values are drawn from skewed, partly dependent distributions."""
    rng = np.random.default_rng(seed)
    years = np.arange(2002, 2024)
    year = rng.choice(years, size=n, p=_zipf_weights(len(years), 0.6)[::-1])

    exploit_labels = np.array([row[0] for row in EXPLOITATION_ROWS])
    exploit = rng.choice(
        len(exploit_labels), size=n, p=[0.38, 0.06, 0.04, 0.05, 0.04, 0.33, 0.05, 0.005, 0.045]
    )
    sexual = exploit_labels[exploit] == "SexualExploitation"
    gender_labels = np.array([row[0] for row in GENDER_ROWS])
    gender = np.where(
        sexual,
        rng.choice(4, size=n, p=[0.9, 0.07, 0.02, 0.01]),
        rng.choice(4, size=n, p=[0.35, 0.6, 0.01, 0.04]),
    )
    age_labels = np.array([row[0] for row in AGE_ROWS])
    age = rng.choice(len(age_labels), size=n, p=[0.03, 0.12, 0.1, 0.12, 0.12, 0.1, 0.18, 0.1, 0.05, 0.08])

    country_labels = np.array([row[0] for row in CITIZENSHIP_ROWS])
    order = rng.permutation(len(country_labels))
    country = order[rng.choice(len(country_labels), size=n, p=_zipf_weights(len(country_labels), 1.1))]

    recruiter_labels = np.array([row[0] for row in RECRUITER_ROWS])
    recruiter = rng.choice(len(recruiter_labels), size=n, p=[0.12, 0.2, 0.13, 0.25, 0.3])

    control = np.array(
        ["DebtBondage", "TakesEarnings", "FalsePromises", "PsychologicalAbuse", "NotSpecified"]
    )
    return {
        "caseId": [f"SYN-{i:07d}" for i in range(n)],
        "yearOfRegistration": year.astype(str).tolist(),
        "gender": gender_labels[gender].tolist(),
        "ageBroad": age_labels[age].tolist(),
        "citizenship": country_labels[country].tolist(),
        "typeOfExploitation": exploit_labels[exploit].tolist(),
        "recruiterRelation": recruiter_labels[recruiter].tolist(),
        "meansOfControl": control[rng.integers(0, len(control), size=n)].tolist(),
    }
