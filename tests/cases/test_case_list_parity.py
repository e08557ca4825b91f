"""The web case list and `GET /api/v1/cases` are one selector: for every role they list the same cases in
the same order, page after page, and the API's count is bounded and says so."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from haven.accounts.permissions import Role
from haven.api.services import token_create
from haven.cases import selectors, services
from haven.cases.models import Case

CODE = re.compile(r"HV-\d{4}-\d{5}")


@pytest.fixture
def spread_cases(alice, bob, make_user, make_case):
    """Cases every way a role can meet them: managed by Alice (North), one with Bob as caseworker, one
    closed, unassigned North cases, a child's case, and South cases none of North's people work on."""
    south_manager = make_user(Role.CASE_MANAGER, "South")
    own = [make_case(alice) for _ in range(5)]
    services.case_assign(actor=alice, case=own[0], caseworkers=[bob])
    services.case_close(actor=alice, case=own[1], reason="integrated_locally", note="Test: support ended.")
    unassigned = [make_case(alice, open_case=False) for _ in range(3)]
    child = make_case(alice, age_established_adult=False, date_of_birth="2012-05-06", age_method="document")
    south = [make_case(south_manager) for _ in range(4)]
    # Two high-risk cases, one in each team (the assessment service is the level's one writer).
    Case.objects.filter(pk__in=[own[2].pk, south[0].pk]).update(risk_level="high")
    return [*own, *unassigned, child, *south]


def web_codes(client: Client, **query: str) -> list[str]:
    codes: list[str] = []
    page = 1
    while True:
        response = client.get("/cases/", {**query, "page": page})
        if response.status_code != 200:
            return [f"status {response.status_code}"]
        html = response.content.decode()
        found = list(dict.fromkeys(CODE.findall(html)))
        codes += found
        if f"page={page + 1}" not in html:
            return codes
        page += 1


def api_codes(token: str, **query: str) -> list[str]:
    client = Client()
    codes: list[str] = []
    page = 1
    while True:
        response = client.get("/api/v1/cases", {**query, "page": page}, HTTP_AUTHORIZATION=f"Bearer {token}")
        if response.status_code != 200:
            return [f"status {response.status_code}"]
        results = response.json()["results"]
        if not results:
            return codes
        codes += [row["code"] for row in results]
        page += 1


@pytest.mark.parametrize("role", list(Role))
@pytest.mark.parametrize(
    "query", [{}, {"stage": "first_contact"}, {"child": "yes"}, {"risk": "high"}, {"mine": "on"}]
)
def test_the_web_and_the_api_list_the_same_cases_for_each_role(
    role, query, alice, bob, spread_cases, make_user, signed_in
):
    user = {Role.CASE_MANAGER: alice, Role.CASEWORKER: bob}.get(role) or make_user(
        role, None if role == Role.ADMIN else "North"
    )
    _t, token = token_create(actor=user, user=user)

    on_the_web = web_codes(signed_in(user), **query)
    through_the_api = api_codes(token, **query)

    if on_the_web in (["status 403"], ["status 404"]):
        # A role without the list is refused on both doors.
        assert through_the_api in (["status 403"], ["status 404"])
    else:
        assert on_the_web == through_the_api


def test_the_case_manager_sees_the_north_cases_and_not_the_south_ones(alice, spread_cases, signed_in):
    # Hand-counted from the fixture: 5 own + 3 unassigned North + 1 child, none of the 4 South cases.
    assert len(web_codes(signed_in(alice))) == 9


def test_the_api_count_is_bounded_and_says_so(alice, spread_cases, monkeypatch):
    _t, token = token_create(actor=alice, user=alice)
    client = Client()

    exact = client.get("/api/v1/cases", HTTP_AUTHORIZATION=f"Bearer {token}").json()
    monkeypatch.setattr(selectors, "LIST_COUNT_AHEAD", 4)
    capped = client.get("/api/v1/cases", HTTP_AUTHORIZATION=f"Bearer {token}").json()

    assert (exact["count"], exact["count_capped"]) == (9, False)
    assert (capped["count"], capped["count_capped"]) == (4, True)
    assert len(capped["results"]) == 9  # the count is bounded, the page is not cut


def test_an_api_page_past_the_end_is_empty_and_keeps_its_number(alice, spread_cases):
    _t, token = token_create(actor=alice, user=alice)
    answer = Client().get("/api/v1/cases", {"page": 7}, HTTP_AUTHORIZATION=f"Bearer {token}").json()
    assert (answer["page"], answer["results"]) == (7, [])
