"""Which cases statistics may use: only those whose consent covers anonymised statistics."""

from __future__ import annotations

import pytest

from haven.evidence.dataset import statistics_scope
from tests.evidence.conftest import MARKER_COUNTRY, CaseMaker

pytestmark = pytest.mark.django_db


def test_only_cases_with_statistics_consent_in_force_are_in_scope(make_stats_case: CaseMaker) -> None:
    counted = [make_stats_case("given") for _ in range(3)]
    make_stats_case(None, citizenship=[MARKER_COUNTRY])
    make_stats_case("refused", citizenship=[MARKER_COUNTRY])
    make_stats_case("withdrawn", citizenship=[MARKER_COUNTRY])
    make_stats_case("expired", citizenship=[MARKER_COUNTRY])

    scope = statistics_scope()

    assert sorted(scope.case_ids) == sorted(case.pk for case in counted)
    assert all(MARKER_COUNTRY not in facts.citizenship for facts in scope.facts)
    assert scope.left_out == {
        "no_statistics_consent": 1,
        "statistics_consent_expired": 1,
        "statistics_consent_refused": 1,
        "statistics_consent_withdrawn": 1,
    }


def test_scope_reads_coded_facts_of_the_case(make_stats_case: CaseMaker) -> None:
    make_stats_case(
        "given",
        gender="Masculine",
        citizenship=["NG", "GH"],
        stated_age=16,
        age_established_adult=False,
        exploitation=["ForcedLabour"],
        means=["DebtBondage"],
        exploitation_country="IT",
    )
    (facts,) = statistics_scope().facts
    assert (facts.gender, facts.age, facts.established_adult) == ("Masculine", 16, False)
    assert list(facts.citizenship) == ["NG", "GH"]
    assert list(facts.exploitation_types) == ["ForcedLabour"]
    assert list(facts.exploitation_countries) == ["IT"]
