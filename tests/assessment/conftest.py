"""Fixtures for the assessment tests: a North case opened by alice (case manager) with bob (caseworker)
assigned, for an adult and for a child; synthetic values only."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest

from haven.accounts.models import User
from haven.assessment import services
from haven.assessment.rules import RiskFactors
from haven.cases import services as cases
from haven.cases.models import Case

ADULT = {"stated_age": 30, "age_method": "statement", "gender": "Feminine"}
CHILD = {"stated_age": 15, "age_method": "statement", "gender": "Masculine"}
IN_A_MONTH = date.today() + timedelta(days=30)


@pytest.fixture
def new_case(alice: User, bob: User) -> Callable[..., Case]:
    def make(**values: Any) -> Case:
        case = cases.first_contact_create(actor=alice, values=values or ADULT, confirm_new_person=True)
        case = cases.case_open(actor=alice, case=case)
        return cases.case_assign(actor=alice, case=case, caseworkers=[bob])

    return make


@pytest.fixture
def adult_case(new_case: Callable[..., Case]) -> Case:
    return new_case(**ADULT)


@pytest.fixture
def child_case(new_case: Callable[..., Case]) -> Case:
    return new_case(**CHILD)


def record_risk(actor: User, case: Case, family: str = "none", **factors: Any) -> Any:
    """A risk assessment with the given factors (none by default) and family involvement."""
    return services.risk_assessment_record(
        actor=actor,
        case=case,
        factors=RiskFactors(**factors),
        family_involvement=family,
        review_on=IN_A_MONTH,
    )
