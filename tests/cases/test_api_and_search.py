"""The API follows the same services (create, consent, notes, tasks) and is described in OpenAPI; search by
code and by name through the blind index, with the "possible existing record" warning before creating."""

from __future__ import annotations

from datetime import date

import pytest
from django.test import Client

from haven.accounts.permissions import Role
from haven.api.services import token_create
from haven.cases.consent import may_share_with
from haven.cases.models import Case


@pytest.fixture
def api(alice):
    _t, raw = token_create(actor=alice, user=alice)
    client = Client()

    def call(method: str, url: str, body=None):
        kwargs = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
        if body is not None:
            kwargs["content_type"] = "application/json"
            return getattr(client, method)(url, body, **kwargs)
        return getattr(client, method)(url, **kwargs)

    return call


def test_api_walks_first_contact_consent_note_and_task(api, alice):
    created = api("post", "/api/v1/cases", {"person": {"name": "Test Person Delta", "estimated_age": 16}})
    assert created.status_code == 201, created.content
    code = created.json()["code"]
    assert created.json()["is_child"] is True
    consent = api(
        "post",
        f"/api/v1/cases/{code}/consents",
        {
            "purpose": "referral",
            "recipient": "ORG-LEGAL-2",
            "status": "given",
            "given_on": date.today().isoformat(),
            "language": "en",
            "explained_by": alice.pk,
            "information_sheet_version": "v1",
        },
    )
    assert consent.status_code == 201, consent.content
    case = Case.objects.get(code=code)
    assert may_share_with(case, "ORG-LEGAL-2")
    withdrawn = api(
        "post",
        f"/api/v1/cases/{code}/consents/{consent.json()['id']}/withdraw",
        {"reason": "changed_mind", "confirm_no_pressure": True},
    )
    assert withdrawn.status_code == 200 and withdrawn.json()["inform"] == ["ORG-LEGAL-2"]
    assert not may_share_with(case, "ORG-LEGAL-2")
    assert api("post", f"/api/v1/cases/{code}/notes", {"body": "Test API note"}).status_code == 201
    notes = api("get", f"/api/v1/cases/{code}/notes").json()
    assert notes[0]["body"] == "Test API note"
    task = api("post", f"/api/v1/cases/{code}/tasks", {"due_on": "2020-01-01", "title": "Test call"})
    assert task.status_code == 201 and task.json()["overdue"] is True
    done = api("post", f"/api/v1/cases/{code}/tasks/{task.json()['id']}/done")
    assert done.json()["done"] is True


def test_api_bad_input_is_a_400_with_details(api, make_case, alice):
    case = make_case(alice)
    response = api("post", f"/api/v1/cases/{case.code}/notes", {"section": "nonsense", "body": "x"})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_input"
    response = api("post", "/api/v1/cases", {"person": {"languages": ["not-a-language"]}})
    assert response.status_code == 400


def test_openapi_document_describes_the_case_endpoints(db):
    document = Client().get("/api/v1/openapi.json").json()
    paths = document["paths"]
    for path in (
        "/api/v1/cases",
        "/api/v1/cases/{code}",
        "/api/v1/cases/{code}/person",
        "/api/v1/cases/{code}/consents",
        "/api/v1/cases/{code}/notes",
        "/api/v1/cases/{code}/tasks",
    ):
        assert path in paths, path
    assert "409" in paths["/api/v1/cases/{code}/person"]["put"]["responses"]


def test_case_codes_are_sequential_and_never_derived_from_identity(alice, make_case):
    first = make_case(alice, name="Test Person Same")
    second = make_case(alice, name="Test Person Same")
    year = date.today().year
    a, b = int(first.code.rsplit("-", 1)[1]), int(second.code.rsplit("-", 1)[1])
    assert first.code.startswith(f"HV-{year}-") and b == a + 1


def test_name_search_finds_the_person_through_the_blind_index(alice, make_case, signed_in):
    case = make_case(alice, name="Test Person Epsilon", date_of_birth="1991-02-03")
    make_case(alice, name="Test Person Other", date_of_birth="1991-02-03")
    response = signed_in(alice).post(
        "/cases/search/", {"name": "epsilon  PERSON test", "date_of_birth": "1991-02-03"}
    )
    assert response.status_code == 200
    assert response.context["matches"] == [case.code]


def test_name_search_is_refused_to_roles_without_the_permission(bob, signed_in):
    response = signed_in(bob).post("/cases/search/", {"name": "Test", "date_of_birth": "1991-02-03"})
    assert response.status_code == 403


def test_first_contact_warns_of_a_possible_existing_record_before_creating(alice, make_case, signed_in):
    existing = make_case(alice, name="Test Person Eta", date_of_birth="1992-05-06")
    client = signed_in(alice)
    form = {
        "name": "Test Person Eta",
        "date_of_birth": "1992-05-06",
        "age_method": "unknown",
        "gender": "NonSpecifiedUnknown",
    }
    count = Case.objects.count()
    warned = client.post("/cases/new/", form)
    assert warned.status_code == 409
    assert b'data-warning="possible-existing"' in warned.content and existing.code.encode() in warned.content
    assert Case.objects.count() == count
    created = client.post("/cases/new/", {**form, "create_anyway": "on"})
    assert created.status_code == 302
    assert Case.objects.count() == count + 1


def test_search_by_code_of_a_forbidden_case_answers_like_a_missing_one(alice, make_case, charlie, signed_in):
    case = make_case(alice)
    client = signed_in(charlie)
    forbidden = client.post("/cases/search/", {"code": case.code})
    missing = client.post("/cases/search/", {"code": "HV-2000-99999"})
    assert forbidden.status_code == missing.status_code == 404


def test_volunteer_first_contact_records_minimal_data_and_hands_over(users_by_role, signed_in):
    volunteer = users_by_role[Role.VOLUNTEER]
    client = signed_in(volunteer)
    response = client.post(
        "/cases/new/",
        {
            "age_method": "unknown",
            "gender": "NonSpecifiedUnknown",
            "safe_contact": "Test: via the centre",
            "hand_over": "on",
        },
    )
    assert response.status_code == 302
    case = Case.objects.get(created_by=volunteer)
    assert case.handed_over and case.person.is_child
    assert client.get(f"/cases/{case.code}/").status_code == 404
