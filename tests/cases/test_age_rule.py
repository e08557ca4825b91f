"""One age rule for the screening, the first contact and the case record: a person who gives an adult age
is an adult unless doubt is recorded; in doubt, or with no age at all, a child."""

from __future__ import annotations

import pytest

from haven.accounts.permissions import Role
from haven.cases import services
from haven.cases.models import Case
from haven.screening.engine import is_treated_as_child

# Hand-written from the guidance ("when age is in doubt, treat the person as a child"): values -> child?
TABLE = [
    ({"stated_age": 34}, False),
    ({"stated_age": 34, "age_in_doubt": True}, True),  # looks younger than they say
    ({"stated_age": 17}, True),
    ({"stated_age": 18}, False),
    ({"date_of_birth": "1990-04-01"}, False),
    ({"date_of_birth": "1990-04-01", "stated_age": 16}, True),  # the youngest recorded age counts
    ({"estimated_age": 30, "age_method": "appearance"}, True),  # appearance alone never makes an adult
    ({}, True),  # no age at all: doubt
]


@pytest.mark.parametrize(("values", "child"), TABLE, ids=[str(v) for v, _ in TABLE])
def test_the_first_contact_records_the_age_answer_by_the_one_rule(make_user, values, child):
    volunteer = make_user(Role.VOLUNTEER)
    case = services.first_contact_create(actor=volunteer, values=values, confirm_new_person=True)
    assert Case.objects.get(pk=case.pk).person.is_child is child


@pytest.mark.parametrize(("age", "doubt"), [(34, False), (34, True), (15, False), (None, True)])
def test_a_case_from_a_screening_is_a_child_exactly_when_the_screening_treated_the_person_as_one(
    make_user, age, doubt
):
    from haven.screening import services as screening

    volunteer = make_user(Role.VOLUNTEER)
    run = screening.screening_start(
        actor=volunteer, kind="quick", age=age, age_in_doubt=doubt, information_language="en"
    )
    screening.screening_answer(actor=volunteer, screening=run, answers={"cd.threats": "yes"})
    run = screening.screening_complete(actor=volunteer, screening=run)
    case = services.handover_from_screening(
        actor=volunteer,
        screening=run,
        values={},
        basis="consent" if not is_treated_as_child(age, doubt) else "child_protection",
        reason="A child, or age in doubt: protection in the child's best interests.",
    )
    assert case.person.is_child is run.treated_as_child is is_treated_as_child(age, doubt)


def test_the_first_contact_page_records_an_adult_age_as_an_adult_without_any_box(make_user, signed_in):
    volunteer = make_user(Role.VOLUNTEER)
    client = signed_in(volunteer)
    response = client.post(
        "/cases/new/", {"stated_age": "34", "gender": "NonSpecifiedUnknown", "age_method": "statement"}
    )
    assert response.status_code == 302
    assert Case.objects.get().person.is_child is False
    client.post(
        "/cases/new/",
        {
            "stated_age": "34",
            "age_in_doubt": "on",
            "gender": "NonSpecifiedUnknown",
            "age_method": "statement",
        },
    )
    assert Case.objects.order_by("-pk").first().person.is_child is True


def test_changing_only_doubt_on_a_record_changes_the_outcome_of_the_rule(make_user):
    manager = make_user(Role.CASE_MANAGER)
    case = services.first_contact_create(actor=manager, values={"stated_age": 40}, confirm_new_person=True)
    assert case.person.is_child is False
    services.person_update(
        actor=manager, case=case, expected_version=case.person.version, values={"age_in_doubt": True}
    )
    assert Case.objects.get(pk=case.pk).person.is_child is True
