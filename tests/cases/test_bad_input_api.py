"""Inputs a red team sent to the case list and the first contact: each answers 4xx (or a page), never 500."""

from __future__ import annotations

import pytest

from haven.cases.models import Case
from haven.core.parsing import MAX_PAGE
from tests.cases.conftest import ADULT
from tests.cases.helpers import ApiClient

HUGE = "9" * 400


@pytest.fixture
def alices_cases(alice, make_case):
    return [make_case(alice) for _ in range(3)]


@pytest.mark.parametrize(
    "page", [HUGE, "9" * 20, str(MAX_PAGE + 1)], ids=["400-digits", "20-digits", "cap+1"]
)
def test_a_huge_page_number_on_the_api_is_refused_with_the_range(alice, alices_cases, page):
    response = ApiClient(alice).get(f"/cases?page={page}")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_input"
    assert f"{MAX_PAGE}" in str(response.json()["error"]["details"])


def test_the_last_allowed_page_on_the_api_is_empty(alice, alices_cases):
    response = ApiClient(alice).get(f"/cases?page={MAX_PAGE}")
    assert response.status_code == 200
    assert response.json()["results"] == []


@pytest.mark.parametrize(
    "page", [HUGE, "9" * 20, "1e400", "-7", "٣"], ids=["400", "20", "exp", "neg", "arabic"]
)
def test_a_huge_or_odd_page_number_on_the_list_page_shows_a_page(alice, alices_cases, signed_in, page):
    response = signed_in(alice).get(f"/cases/?page={page}")
    assert response.status_code == 200
    html = response.content.decode()
    assert all(case.code in html for case in alices_cases)


@pytest.mark.parametrize("value", [0, "0", 1_700_000_000, 12.5, "20200101", "2020-02-30"])
def test_a_date_of_birth_that_is_not_a_written_date_is_refused(alice, value):
    before = Case.objects.count()
    response = ApiClient(alice).post(
        "/cases", {"person": {**ADULT, "date_of_birth": value}, "confirm_new_person": True}
    )
    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert error["code"] == "invalid_input"
    assert "YYYY-MM-DD" in str(error["details"])
    assert Case.objects.count() == before


def test_a_written_date_of_birth_is_taken(alice):
    response = ApiClient(alice).post(
        "/cases", {"person": {**ADULT, "date_of_birth": "1990-04-01"}, "confirm_new_person": True}
    )
    assert response.status_code == 201
