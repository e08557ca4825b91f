"""k-anonymous CTDC microdata exports, verified by the independent checker pycanon."""

from __future__ import annotations

import math

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pycanon import anonymity

from haven.accounts.models import User
from haven.audit.models import AuditEvent
from haven.evidence import ctdc
from haven.evidence.services import EvidenceInputError, export_create, export_table
from tests.evidence.conftest import MARKER_COUNTRY, CaseMaker
from tests.evidence.test_ctdc import facts_strategy


def pycanon_k(columns: dict[str, list[str]], qi: list[str]) -> int:
    return int(anonymity.k_anonymity(pd.DataFrame(columns).reset_index(drop=True), qi))


DEMO = [
    # gender, citizenship, age, adult, exploitation, country of exploitation
    ("Feminine", "RO", 24, True, ["SexualExploitation"], "IT"),
    ("Feminine", "NG", 19, True, ["SexualExploitation"], "IT"),
    ("Masculine", "UA", 35, True, ["ForcedLabour"], "PL"),
    ("Masculine", "RO", 41, True, ["ForcedLabour"], "DE"),
    ("Feminine", "PH", 29, True, ["Servitude"], "DE"),
    ("Masculine", "MD", 16, False, ["ForcedBegging"], "RO"),
    ("NonConforming", "VN", 22, True, ["ForcedCriminality"], "GB"),
]


@pytest.mark.django_db
@pytest.mark.parametrize("k", [2, 5, 11])
def test_export_of_demo_cases_is_k_anonymous_by_pycanon(
    make_stats_case: CaseMaker, programme_manager: User, k: int
) -> None:
    for i in range(42):
        gender, country, age, adult, exploitation, where = DEMO[i % len(DEMO)]
        make_stats_case(
            "given",
            gender=gender,
            citizenship=[country],
            stated_age=age,
            age_established_adult=adult,
            exploitation=exploitation,
            exploitation_country=where,
        )
    export, result = export_create(actor=programme_manager, k=k, recent_auth=True)

    assert result.rows_in == 42
    assert result.rows_out + result.suppressed == 42
    assert result.suppressed <= 0.05 * 42
    assert pycanon_k(result.columns, list(ctdc.EXPORT_COLUMNS)) >= k
    assert result.fieldnames == list(ctdc.EXPORT_COLUMNS)
    assert (export.k, export.rows_out, export.suppressed) == (k, result.rows_out, result.suppressed)
    assert 0.0 <= export.gcp <= 1.0
    assert AuditEvent.objects.filter(action="stats.export", object_id=str(export.pk)).exists()


@pytest.mark.django_db
def test_cases_without_statistics_consent_never_appear_in_an_export(
    make_stats_case: CaseMaker, programme_manager: User
) -> None:
    for _ in range(12):
        make_stats_case("given", citizenship=["RO"], exploitation_country="IT")
    # The marker country is the only Oceanian one: not even its sub-region or region may show.
    for statistics in (None, "refused", "withdrawn", "expired"):
        for _ in range(3):
            make_stats_case(statistics, citizenship=[MARKER_COUNTRY], exploitation_country=MARKER_COUNTRY)

    export, result = export_create(actor=programme_manager, k=2, max_suppression=0.0, recent_auth=True)

    released = {value for column in result.columns.values() for value in column}
    assert released.isdisjoint({MARKER_COUNTRY, "Polynesia", "Oceania"})
    assert export.records_in_scope == 12
    assert sum(export.left_out.values()) == 12
    assert result.rows_in == 12


@pytest.mark.django_db
def test_an_export_with_fewer_records_than_k_releases_nothing(
    make_stats_case: CaseMaker, programme_manager: User
) -> None:
    for _ in range(4):
        make_stats_case("given")
    export, result = export_create(actor=programme_manager, k=11, recent_auth=True)
    assert result.rows_out == 0
    assert export.suppressed == 4
    assert export.gcp == 1.0


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"k": 1}, "at least 2"),
        ({"k": 11, "columns": ["gender", "shoeSize"]}, "unknown column 'shoeSize'"),
        ({"k": 11, "max_suppression": 1.5}, "share from 0"),
    ],
)
def test_bad_export_parameters_are_refused(programme_manager: User, kwargs: dict, message: str) -> None:
    with pytest.raises(EvidenceInputError, match=message):
        export_create(actor=programme_manager, recent_auth=True, **kwargs)


@pytest.mark.filterwarnings("ignore:In a future version, the keys of `groups`")
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    facts=st.lists(facts_strategy, min_size=0, max_size=250),
    k=st.integers(2, 15),
    max_suppression=st.sampled_from([0.0, 0.02, 0.05, 0.2]),
    columns=st.lists(st.sampled_from(ctdc.COLUMNS), min_size=1, max_size=7, unique=True),
)
def test_every_export_of_random_case_data_is_k_anonymous_by_pycanon(
    facts: list[ctdc.CaseFacts], k: int, max_suppression: float, columns: list[str]
) -> None:
    result = export_table(facts, k=k, columns=columns, max_suppression=max_suppression)
    assert result.rows_out + result.suppressed == len(facts)
    if len(facts) >= k:
        assert result.suppressed <= math.floor(max_suppression * len(facts) + 1e-9)
    if result.rows_out:
        assert pycanon_k(result.columns, columns) >= k
