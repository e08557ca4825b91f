"""The person's values are declared once, in the model's field groups (`Person.SEALED_FIELDS`,
`Person.CODED_FIELDS`, `Person.FIELDS`); the services, the API schema and answer, the web form and the
access-request document carry every field of the groups and nothing else, save the derivations named here."""

from __future__ import annotations

import pytest

from haven.cases import selectors, services
from haven.cases.api import PersonValues
from haven.cases.forms import FirstContactForm, HandoverForm, PersonForm
from haven.cases.models import Person

# Derivations, by hand: the age rule's answer is computed from the age the form asks for (the API still
# takes it, as an older way to say age_in_doubt); the access-request document adds that answer in words.
COMPUTED_FROM_THE_FORM = {"age_established_adult"}
ADDED_TO_THE_DOCUMENT = {"treated_as_child"}
# Fields of the edit form that are not the person's values.
FORM_CONTROLS = {"version"}

GROUPS = set(Person.FIELDS)


def test_the_groups_partition_the_fields() -> None:
    assert len(Person.FIELDS) == len(GROUPS)
    assert set(Person.SEALED_FIELDS) == set(Person.IDENTIFYING_FIELDS) | set(Person.SENSITIVE_FIELDS)
    assert not set(Person.SEALED_FIELDS) & set(Person.CODED_FIELDS)
    # Every field in the groups is a column of the model, and every value column of the person is grouped.
    columns = {f.name for f in Person._meta.concrete_fields}
    assert columns >= GROUPS
    bookkeeping = {
        "id",
        "uid",
        "key_id",
        "name_dob_bi",
        "name_bi",
        "name_year_bi",
        "document_bi",
        "phone_bi",
        "version",
    }
    bookkeeping |= {"erased_at", "created_at", "updated_at"}
    assert columns - GROUPS == bookkeeping


def test_the_services_take_exactly_the_groups() -> None:
    assert services.PERSON_FIELDS == GROUPS


def test_the_api_schema_takes_exactly_the_groups() -> None:
    assert set(PersonValues.model_fields) == GROUPS


def test_the_edit_form_asks_for_the_groups_and_nothing_else(alice) -> None:
    # The widest form: a child's record (guardian, schooling), for a role that sees the sensitive sections.
    form = PersonForm(user=alice, is_child=True)
    assert set(form.fields) - FORM_CONTROLS == GROUPS - COMPUTED_FROM_THE_FORM


def test_the_first_contact_and_hand_over_forms_ask_only_for_fields_of_the_groups() -> None:
    for form in (FirstContactForm(), HandoverForm()):
        assert set(form.fields) & GROUPS
        assert set(form.fields) - GROUPS <= {"note", "hand_over", "create_anyway", "basis", "reason"}


@pytest.mark.django_db
def test_the_access_request_document_holds_the_groups_and_nothing_else(alice, make_case) -> None:
    case = make_case(alice, name="Test Person Fields")
    document = selectors.subject_access_document(case)
    assert set(document["person"]) == GROUPS | ADDED_TO_THE_DOCUMENT


@pytest.mark.django_db
def test_the_api_answer_holds_the_groups_for_a_role_that_sees_everything(alice, make_case) -> None:
    from django.test import Client

    from haven.api.services import token_create

    case = make_case(alice, name="Test Person Fields")
    _t, token = token_create(actor=alice, user=alice)
    answer = Client().get(f"/api/v1/cases/{case.code}/person", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert answer.status_code == 200, answer.content
    assert set(answer.json()["values"]) == GROUPS
