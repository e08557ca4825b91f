"""One way in: each rule of an action lives in its service, so the web pages, the API and the command line
give the same decision. Each test runs one action through every channel that offers it; the expected
decisions are written out by hand here, never derived from the permission code.

alice manages cases in North; bob is a caseworker in North; charlie is a caseworker in South.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from haven.accounts.models import User
from haven.accounts.permissions import Role
from haven.cases import services
from haven.cases.models import Case, Consent, Task
from tests.cases.helpers import ApiClient

ALLOWED = "allowed"
REFUSED = "refused"


def _api_error(response) -> dict:  # type: ignore[no-untyped-def]
    body = response.json()
    assert set(body) == {"error"}, body
    assert {"code", "message"} <= set(body["error"]), body
    return body["error"]


# -- 1. people from another team get no part in a case ------------------------------------------------------

# Who may be given each part in a North case, by hand: North's staff yes, South's staff never.
PARTS: dict[tuple[str, str], str] = {
    ("task_assignee", "bob"): ALLOWED,
    ("task_assignee", "charlie"): REFUSED,
    ("task_assignee", "south_manager"): REFUSED,
    ("consent_explainer", "bob"): ALLOWED,
    ("consent_explainer", "charlie"): REFUSED,
    ("consent_explainer", "south_manager"): REFUSED,
    ("caseworker", "bob"): ALLOWED,
    ("caseworker", "charlie"): REFUSED,
    ("case_manager", "south_manager"): REFUSED,
}


@pytest.fixture
def people(alice: User, bob: User, charlie: User, make_user: Callable[..., User]) -> dict[str, User]:
    return {
        "alice": alice,
        "bob": bob,
        "charlie": charlie,
        "south_manager": make_user(Role.CASE_MANAGER, "South", "south-manager@example.test"),
    }


def _consent_form(explained_by: User) -> dict[str, str]:
    return {
        "purpose": "assistance",
        "status": "given",
        "given_on": date.today().isoformat(),
        "language": "en",
        "explained_by": str(explained_by.pk),
        "information_sheet_version": "v1",
    }


@pytest.mark.parametrize(("part", "who"), [key for key in PARTS if key[0] == "task_assignee"])
def test_a_task_assignee_gets_the_same_decision_on_web_and_api(
    part: str, who: str, people: dict[str, User], make_case, signed_in
) -> None:
    alice, assignee = people["alice"], people[who]
    case = make_case(alice)
    expected = PARTS[(part, who)]

    web = signed_in(alice).post(
        f"/cases/{case.code}/tasks/", {"title": "Test call", "due_on": "2030-01-01", "assignee": assignee.pk}
    )
    assert web.status_code == (302 if expected == ALLOWED else 400)

    api = ApiClient(alice).post(
        f"/cases/{case.code}/tasks", {"title": "Test call", "due_on": "2030-01-01", "assignee": assignee.pk}
    )
    assert api.status_code == (201 if expected == ALLOWED else 400), api.content
    if expected == REFUSED:
        assert _api_error(api)["code"] == "invalid_input"
    assert Task.objects.filter(case=case, assignee=assignee).count() == (2 if expected == ALLOWED else 0)


@pytest.mark.parametrize(("part", "who"), [key for key in PARTS if key[0] == "consent_explainer"])
def test_who_explained_a_consent_gets_the_same_decision_on_web_and_api(
    part: str, who: str, people: dict[str, User], make_case, signed_in
) -> None:
    alice, explainer = people["alice"], people[who]
    case = make_case(alice)
    expected = PARTS[(part, who)]

    web = signed_in(alice).post(f"/cases/{case.code}/consent/", _consent_form(explainer))
    assert web.status_code == (302 if expected == ALLOWED else 400)

    body = {**_consent_form(explainer), "explained_by": explainer.pk}
    api = ApiClient(alice).post(f"/cases/{case.code}/consents", body)
    assert api.status_code == (201 if expected == ALLOWED else 400), api.content
    if expected == REFUSED:
        assert _api_error(api)["code"] == "invalid_input"
    assert Consent.objects.filter(case=case, explained_by=explainer).count() == (
        2 if expected == ALLOWED else 0
    )


@pytest.mark.parametrize(("part", "who"), [key for key in PARTS if key[0] in ("caseworker", "case_manager")])
def test_an_assignment_gets_the_same_decision_on_the_web_and_in_the_service(
    part: str, who: str, people: dict[str, User], make_case, signed_in
) -> None:
    alice, person = people["alice"], people[who]
    case = make_case(alice)
    expected = PARTS[(part, who)]
    form = {"caseworkers": [person.pk]} if part == "caseworker" else {"case_manager": person.pk}

    web = signed_in(alice).post(f"/cases/{case.code}/assign/", form)
    assert web.status_code == (302 if expected == ALLOWED else 400)

    # No API or command assigns cases; the service is the one way in and decides the same.
    kwargs = {"caseworkers": [person]} if part == "caseworker" else {"case_manager": person}
    if expected == ALLOWED:
        services.case_assign(actor=alice, case=case, **kwargs)
    else:
        with pytest.raises(ValidationError):
            services.case_assign(actor=alice, case=case, **kwargs)
    case = Case.objects.get(pk=case.pk)
    assigned = case.caseworkers.filter(pk=person.pk).exists() or case.case_manager_id == person.pk
    assert assigned is (expected == ALLOWED)


def test_the_assign_form_lists_only_people_of_the_cases_team(
    people: dict[str, User], make_case, signed_in
) -> None:
    case = make_case(people["alice"])
    page = signed_in(people["alice"]).get(f"/cases/{case.code}/assign/")
    assert page.status_code == 200
    listed = page.content.decode()
    assert people["bob"].email in listed
    for outsider in ("charlie", "south_manager"):
        assert people[outsider].email not in listed


def test_the_task_and_consent_forms_list_only_people_of_the_cases_team(
    people: dict[str, User], make_case, signed_in
) -> None:
    case = make_case(people["alice"])
    client: Client = signed_in(people["alice"])
    for page in ("tasks", "consent"):
        listed = client.get(f"/cases/{case.code}/{page}/").content.decode()
        assert people["bob"].email in listed, page
        assert people["charlie"].email not in listed, page


# -- 2. a possible existing person is flagged in every channel --------------------------------------------

SAME_PERSON = {"name": "Test Person Kappa", "date_of_birth": "1993-07-08"}

# What a second first contact with the same name and birth date gets, by hand: a warning and nothing
# created unless confirmed, for a role that may search by name; a volunteer is never told of records.
DUPLICATE: dict[tuple[str, bool], str] = {
    ("case_manager", False): "warned",
    ("case_manager", True): "created",
    ("volunteer", False): "created",
    ("volunteer", True): "created",
}


def _web_first_contact(confirm: bool) -> dict[str, str]:
    form = {**SAME_PERSON, "age_method": "unknown", "gender": "NonSpecifiedUnknown"}
    return {**form, "create_anyway": "on"} if confirm else form


@pytest.mark.parametrize(("role", "confirm"), list(DUPLICATE))
def test_a_possible_existing_person_gets_the_same_decision_on_web_and_api(
    role: str, confirm: bool, alice: User, make_user: Callable[..., User], make_case, signed_in
) -> None:
    existing = make_case(alice, **SAME_PERSON)
    actor = alice if role == "case_manager" else make_user(Role.VOLUNTEER, "North")
    expected = DUPLICATE[(role, confirm)]
    before = Case.objects.count()

    web = signed_in(actor).post("/cases/new/", _web_first_contact(confirm))
    if expected == "warned":
        assert web.status_code == 409
        assert b'data-warning="possible-existing"' in web.content and existing.code.encode() in web.content
    else:
        assert web.status_code == 302

    body = {"person": dict(SAME_PERSON), **({"confirm_new_person": True} if confirm else {})}
    api = ApiClient(actor).post("/cases", body)
    if expected == "warned":
        assert api.status_code == 409, api.content
        error = _api_error(api)
        assert error["code"] == "possible_duplicate" and error["cases"] == [existing.code]
    else:
        assert api.status_code == 201, api.content

    assert Case.objects.count() == before + (0 if expected == "warned" else 2)


def test_the_warning_is_a_service_rule(alice: User, make_case) -> None:
    existing = make_case(alice, **SAME_PERSON)
    with pytest.raises(services.PossibleDuplicate) as caught:
        services.first_contact_create(actor=alice, values=dict(SAME_PERSON))
    assert caught.value.codes == [existing.code]
    created = services.first_contact_create(actor=alice, values=dict(SAME_PERSON), confirm_new_person=True)
    assert created.code != existing.code


def test_the_api_documents_the_duplicate_answer(db: None) -> None:
    document = Client().get("/api/v1/openapi.json").json()
    create = document["paths"]["/api/v1/cases"]["post"]
    assert "409" in create["responses"]
    assert "confirm_new_person" in create["description"]
