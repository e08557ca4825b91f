"""A person whose age is unknown but who "might be 16" is handled as a child everywhere."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import ValidationError

from haven.cases import services
from haven.cases.consent import may_share_with
from haven.cases.models import Case

MIGHT_BE_16 = {
    "name": "Test Person Gamma",
    "estimated_age": 16,
    "age_method": "appearance",
    "gender": "NonSpecifiedUnknown",
}


@pytest.fixture
def young(alice) -> Case:
    case = services.first_contact_create(actor=alice, values=MIGHT_BE_16)
    return services.case_open(actor=alice, case=case)


def test_age_in_doubt_makes_the_person_a_child(young):
    assert young.person.is_child


def test_an_adult_age_cannot_be_established_from_appearance(alice):
    with pytest.raises(ValidationError) as caught:
        services.first_contact_create(
            actor=alice, values={**MIGHT_BE_16, "estimated_age": 25, "age_established_adult": True}
        )
    assert "age_established_adult" in caught.value.error_dict


def test_an_adult_age_cannot_be_established_while_an_age_under_18_is_recorded(alice):
    values = {**MIGHT_BE_16, "age_method": "statement", "stated_age": 19, "age_established_adult": True}
    with pytest.raises(ValidationError):
        services.first_contact_create(actor=alice, values=values)


def test_child_flag_shows_on_list_detail_and_every_case_page(young, signed_in, alice):
    client = signed_in(alice)
    assert b'data-flag="child"' in client.get("/cases/?child=yes").content
    for page in ("", "consent/", "notes/", "tasks/", "timeline/", "identity/"):
        assert b'data-flag="child"' in client.get(f"/cases/{young.code}/{page}").content, page


def test_child_list_filter_keeps_adults_out(young, make_case, alice, signed_in):
    adult = make_case(alice)
    content = signed_in(alice).get("/cases/?child=yes").content
    assert young.code.encode() in content
    assert adult.code.encode() not in content


def test_child_edit_form_asks_for_guardian_and_schooling_but_an_adults_does_not(
    young, make_case, alice, signed_in
):
    client = signed_in(alice)
    child_form = client.get(f"/cases/{young.code}/person/edit/").content
    assert b'name="guardian"' in child_form and b'name="schooling"' in child_form
    adult = make_case(alice)
    adult_form = client.get(f"/cases/{adult.code}/person/edit/").content
    assert b'name="guardian"' not in adult_form


def test_child_case_asks_for_a_best_interests_decision(young, signed_in, alice):
    content = signed_in(alice).get(f"/cases/{young.code}/child/").content
    assert b"No best-interests decision is recorded yet" in content


def test_best_interests_basis_needs_a_recorded_decision(young, alice):
    with pytest.raises(ValidationError):
        services.case_legal_basis_set(actor=alice, case=young, basis="child_best_interests")
    services.best_interests_record(
        actor=alice,
        case=young,
        decision="Test decision: shelter place",
        decided_on=date.today(),
        recipients=["ORG-SHELTER-1"],
    )
    case = services.case_legal_basis_set(actor=alice, case=young, basis="child_best_interests")
    assert case.legal_basis == "child_best_interests"


def test_protection_for_a_child_may_go_ahead_on_the_best_interests_decision(young, alice):
    assert not may_share_with(young, "ORG-SHELTER-1")
    services.best_interests_record(
        actor=alice,
        case=young,
        decision="Test decision",
        decided_on=date.today(),
        recipients=["ORG-SHELTER-1"],
    )
    assert may_share_with(young, "ORG-SHELTER-1")
    assert not may_share_with(young, "ORG-OTHER")


def test_best_interests_are_refused_for_an_established_adult(make_case, alice):
    adult = make_case(alice)
    with pytest.raises(ValidationError):
        services.best_interests_record(actor=alice, case=adult, decision="x", decided_on=date.today())


def test_api_reports_the_age_in_doubt_as_a_child(young, alice):
    from django.test import Client

    from haven.api.services import token_create

    _t, raw = token_create(actor=alice, user=alice)
    body = Client().get(f"/api/v1/cases/{young.code}", HTTP_AUTHORIZATION=f"Bearer {raw}").json()
    assert body["is_child"] is True
