"""/api/v1/screenings: the same evaluation as the CLI, 4xx with the uniform error for bad input."""

from __future__ import annotations

import json

import pytest

from haven.accounts.permissions import MATRIX, Perm, Role
from haven.api.services import token_create
from haven.audit.models import AuditEvent
from haven.screening.engine import evaluate, parse_request
from haven.screening.library import default_library

pytestmark = pytest.mark.django_db

LIBRARY = default_library()
RUNNERS = [role for role in Role if Perm.SCREENING_RUN in MATRIX[role]]
NON_RUNNERS = [role for role in Role if Perm.SCREENING_RUN not in MATRIX[role]]


@pytest.fixture
def auth(make_user):
    def make(role: Role = Role.CASEWORKER) -> dict[str, str]:
        user = make_user(role, None if role == Role.ADMIN else "North")
        _token, raw = token_create(actor=user, user=user)
        return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}

    return make


def post(client, headers, body: object | str):
    payload = body if isinstance(body, str) else json.dumps(body)
    return client.post("/api/v1/screenings", payload, content_type="application/json", **headers)


def assert_uniform_error(response, status: int, code: str) -> str:
    assert response.status_code == status
    body = response.json()
    assert set(body) == {"error"}
    assert body["error"]["code"] == code
    return body["error"]["message"]


@pytest.mark.parametrize("role", RUNNERS, ids=str)
def test_front_line_roles_can_evaluate_and_get_the_engine_result(role, client, auth):
    data = {"age": 31, "answers": {"dr.job_nature": "yes", "ec.excessive_hours": "yes", "cd.threats": "yes"}}
    response = post(client, auth(role), data)
    assert response.status_code == 200
    body = response.json()
    expected = evaluate(LIBRARY, parse_request(LIBRARY, data))
    assert body["outcome"] == expected.outcome.value
    assert body["groups_present"] == list(expected.groups_present)
    assert body["library_version"] == LIBRARY.version
    assert [step["code"] for step in body["next_steps"]] == [step.code for step in expected.next_steps]
    event = AuditEvent.objects.get(action="screening.evaluated")
    assert event.detail["outcome"] == expected.outcome.value
    assert "dr.job_nature" not in json.dumps(event.detail)


@pytest.mark.parametrize("role", NON_RUNNERS, ids=str)
def test_other_roles_get_a_uniform_403(role, client, auth):
    headers = auth(role)
    assert_uniform_error(post(client, headers, {"answers": {}}), 403, "forbidden")
    assert_uniform_error(client.get("/api/v1/screenings/questions", **headers), 403, "forbidden")


def test_without_a_token_the_answer_is_401(client):
    assert_uniform_error(post(client, {}, {"answers": {}}), 401, "unauthenticated")


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"answers": {"xx.unknown": "yes"}}, "unknown indicator id 'xx.unknown'"),
        ({"answers": {"cd.threats": "maybe"}}, "answer for 'cd.threats' must be one of"),
        ({"age": 300, "answers": {}}, "age must be an integer from 0 to 120"),
        ({"age": 30}, "answers is required"),
        ({"answers": {}, "name": "Test Person Alpha"}, "unknown field(s) name"),
        ('{"answers": ', "not valid JSON"),
        ("[]", "must be a JSON object"),
    ],
    ids=["unknown-id", "bad-value", "bad-age", "no-answers", "unknown-field", "malformed", "array"],
)
def test_bad_input_gets_400_naming_the_problem(client, auth, body, message):
    text = assert_uniform_error(post(client, auth(), body), 400, "invalid_input")
    assert message in text
    assert not AuditEvent.objects.filter(action="screening.evaluated").exists()


def test_the_questions_endpoint_lists_the_library_in_the_language_asked(client, auth):
    headers = auth()
    response = client.get("/api/v1/screenings/questions?lang=fr", **headers)
    assert response.status_code == 200
    body = response.json()
    assert body["version"] == LIBRARY.version
    assert [item["id"] for item in body["indicators"]] == [ind.id for ind in LIBRARY.indicators]
    assert body["indicators"][0]["text"] == LIBRARY.indicators[0].text.fr
    assert set(body["indicators"][0]) == {
        "id",
        "text",
        "group",
        "element",
        "grades",
        "quick",
        "ages",
        "child_text",
        "observed",
    }
    assert_uniform_error(client.get("/api/v1/screenings/questions?lang=de", **headers), 400, "invalid_input")


@pytest.mark.parametrize(
    "body",
    [
        {"answers": {"cd.threats": "yes"}},
        {"age": None, "answers": {}},
        {"age": None, "age_in_doubt": False, "answers": {}},
    ],
    ids=["no-age", "null-age", "null-age-no-doubt"],
)
def test_without_an_age_answer_the_answer_is_422_saying_to_ask_it(client, auth, body):
    text = assert_uniform_error(post(client, auth(), body), 422, "age_required")
    assert "age is required" in text
    assert not AuditEvent.objects.filter(action="screening.evaluated").exists()


def test_not_sure_of_the_age_is_evaluated_as_a_child(client, auth):
    response = post(client, auth(), {"age": None, "age_in_doubt": True, "answers": {"cd.threats": "yes"}})
    assert response.status_code == 200
    assert response.json()["treated_as_child"] is True
    assert response.json()["outcome"] == "child_safeguarding"


@pytest.mark.parametrize("depth", [33, 100_000], ids=["past-the-limit", "past-the-recursion-limit"])
def test_a_deeply_nested_body_gets_400_naming_the_limit(client, auth, depth):
    body = '{"age": 30, "answers": ' + "[" * depth + "]" * depth + "}"
    text = assert_uniform_error(post(client, auth(), body), 400, "invalid_input")
    assert "more than 32 levels deep" in text
    assert not AuditEvent.objects.filter(action="screening.evaluated").exists()


def test_a_deeply_nested_body_to_a_schema_endpoint_gets_400(client, auth):
    body = "[" * 100_000 + "]" * 100_000
    response = client.post(
        "/api/v1/tokens/revoke", body, content_type="application/json", **auth(Role.CASEWORKER)
    )
    assert_uniform_error(response, 400, "bad_request")
