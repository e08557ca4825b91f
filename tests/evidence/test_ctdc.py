"""The CTDC layout: codings as in the CTDC codebook, and hierarchies that cover every value."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from haven.cases import vocab
from haven.evidence import ctdc


def test_age_bands_follow_the_ctdc_codebook() -> None:
    expected = {
        0: "0-8", 8: "0-8", 9: "9-17", 17: "9-17", 18: "18-20", 20: "18-20", 21: "21-23", 23: "21-23",
        24: "24-26", 26: "24-26", 27: "27-29", 29: "27-29", 30: "30-38", 38: "30-38", 39: "39-47",
        47: "39-47", 48: "48+", 95: "48+",
    }  # fmt: skip
    assert {age: ctdc.age_broad(age) for age in expected} == expected
    assert ctdc.age_broad(None) == "-99"


def test_majority_status_is_adult_only_when_adulthood_was_established() -> None:
    assert ctdc.majority_status(30, established_adult=True) == "Adult"
    assert ctdc.majority_status(30, established_adult=False) == "Unknown"
    assert ctdc.majority_status(15, established_adult=False) == "Minor"
    assert ctdc.majority_status(None, established_adult=False) == "Unknown"


def test_every_country_haven_knows_has_a_subregion_and_a_region() -> None:
    for code in vocab.country_codes() - {"ZZ"}:
        subregion = ctdc.SUBREGION_OF[code]
        assert subregion != "Unknown", code
        assert ctdc.REGION_OF_SUBREGION[subregion] not in ("Unknown", ""), code
    assert ctdc.SUBREGION_OF["ZZ"] == "Unknown"


def test_gender_codes_map_to_the_ctdc_2017_values() -> None:
    for code in vocab.codes(vocab.GENDERS):
        assert ctdc.GENDER_FROM_HTCDS[code] in ("Female", "Male", "Transgender/NonConforming", "Unknown")
    assert ctdc.GENDER_FROM_HTCDS["TransgenderMasculine"] == "Transgender/NonConforming"


def test_flags_are_missing_when_no_exploitation_type_was_recorded() -> None:
    record = ctdc.ctdc_record(ctdc.CaseFacts(year=2024, gender="Feminine", age=None, established_adult=False))
    assert record["isForcedLabour"] == "-99"
    assert record["isSexualExploit"] == "-99"
    assert record["meansOfControlDebtBondage"] == "-99"
    assert record["meansOfControlNotSpecified"] == "1"
    assert record["CountryOfExploitation"] == "-99"
    assert record["citizenship"] == "ZZ"


def test_sex_and_labour_flag_needs_both() -> None:
    both = ctdc.CaseFacts(
        2024, "Feminine", 25, True, exploitation_types=["SexualExploitation", "ForcedLabour"]
    )
    one = ctdc.CaseFacts(2024, "Feminine", 25, True, exploitation_types=["SexualExploitation"])
    assert ctdc.ctdc_record(both)["isSexAndLabour"] == "1"
    assert ctdc.ctdc_record(one)["isSexAndLabour"] == "0"
    assert ctdc.ctdc_record(one)["isForcedLabour"] == "0"


def test_every_column_hierarchy_has_exactly_its_domain_as_leaves() -> None:
    for column, hierarchy in ctdc.hierarchies(ctdc.COLUMNS).items():
        assert sorted(hierarchy.leaves) == sorted(ctdc.DOMAINS[column]), column


def test_hierarchies_generalise_age_to_minor_or_adult_and_countries_to_regions() -> None:
    hierarchies = ctdc.hierarchies(["ageBroad", "citizenship", "yearOfRegistration"])
    age = hierarchies["ageBroad"]
    assert age.generalise("9-17", age.depth - 2) == "Minor"
    assert age.generalise("30-38", age.depth - 2) == "Adult"
    country = hierarchies["citizenship"]
    assert country.generalise("RO", country.depth - 1) == "Eastern Europe"
    assert country.generalise("RO", country.depth - 2) == "Europe"
    year = hierarchies["yearOfRegistration"]
    assert year.generalise("2023", year.depth - 1) == "2020-2024"


facts_strategy = st.builds(
    ctdc.CaseFacts,
    year=st.integers(ctdc.FIRST_YEAR, ctdc.LAST_YEAR),
    gender=st.sampled_from(sorted(vocab.codes(vocab.GENDERS))),
    age=st.none() | st.integers(0, 110),
    established_adult=st.booleans(),
    citizenship=st.lists(st.sampled_from(sorted(vocab.country_codes())), max_size=2),
    exploitation_types=st.lists(st.sampled_from(sorted(vocab.codes(vocab.EXPLOITATION_TYPES))), max_size=3),
    means_of_control=st.lists(st.sampled_from(sorted(vocab.codes(vocab.MEANS_OF_CONTROL))), max_size=3),
    exploitation_countries=st.lists(st.sampled_from(sorted(vocab.country_codes())), max_size=2),
)


@given(facts_strategy)
def test_every_record_value_lies_in_its_column_domain(facts: ctdc.CaseFacts) -> None:
    record = ctdc.ctdc_record(facts)
    assert set(record) == set(ctdc.COLUMNS)
    for column, value in record.items():
        assert value in ctdc.DOMAINS[column], (column, value)
