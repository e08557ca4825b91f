"""Every API error has one shape, `{"error": {"code", "message"}}`, and bad input is a 4xx."""

from __future__ import annotations

import pytest
from django.test import Client

from haven.accounts.models import User
from haven.api.services import token_create


@pytest.fixture
def auth(bob: User) -> dict[str, str]:
    _, raw = token_create(actor=bob, user=bob)
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def error_of(response) -> dict[str, str]:  # type: ignore[no-untyped-def]
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"error"}
    assert {"code", "message"} <= set(body["error"])
    assert body["error"]["message"]
    return body["error"]


def revoke(auth: dict[str, str], body: bytes | str, content_type: str = "application/json"):  # type: ignore[no-untyped-def]
    return Client(raise_request_exception=False).generic(
        "POST", "/api/v1/tokens/revoke", body, content_type, **auth
    )


def test_no_token_is_a_401_in_the_error_shape(db: None) -> None:
    response = Client().get("/api/v1/me")
    assert response.status_code == 401
    assert error_of(response)["code"] == "unauthenticated"


@pytest.mark.parametrize("path", ["/api/v1/nothing-here", "/api/v1/", "/api/v1/me/extra", "/api/v2/me"])
def test_an_unknown_api_path_is_a_404_in_the_error_shape(auth: dict[str, str], path: str) -> None:
    response = Client().get(path, **auth)
    assert response.status_code == 404
    assert error_of(response)["code"] == "not_found"


@pytest.mark.parametrize(
    "body",
    [b"{not json", b"", b"[]", b"null", b"\xff\xfe\x00", b'{"reason": "lost"', b'"lost"'],
    ids=["broken", "empty", "list", "null", "binary", "unterminated", "string"],
)
def test_a_malformed_json_body_is_a_400_in_the_error_shape(auth: dict[str, str], body: bytes) -> None:
    response = revoke(auth, body)
    assert response.status_code == 400, response.content
    assert error_of(response)["code"] in {"invalid_input", "bad_request"}


@pytest.mark.parametrize(
    "body",
    ['{"reason": "because"}', '{"reason": 5}', "{}", '{"reason": "lost", "user_id": 1}'],
    ids=["unknown-reason", "wrong-type", "missing", "extra-field"],
)
def test_a_body_that_does_not_match_the_schema_is_a_400_naming_the_field(
    auth: dict[str, str], body: str
) -> None:
    response = revoke(auth, body)
    assert response.status_code == 400
    error = error_of(response)
    assert error["code"] == "invalid_input"
    assert error["details"] and all("where" in d and "problem" in d for d in error["details"])


def test_a_rejected_body_revokes_nothing(auth: dict[str, str]) -> None:
    revoke(auth, "{not json")
    assert Client().get("/api/v1/me", **auth).status_code == 200


def test_a_form_encoded_body_is_a_400(auth: dict[str, str]) -> None:
    response = revoke(auth, "reason=lost", "application/x-www-form-urlencoded")
    assert response.status_code == 400
    error_of(response)


@pytest.mark.parametrize(("method", "path"), [("GET", "/api/v1/tokens/revoke"), ("POST", "/api/v1/me")])
def test_the_wrong_method_is_a_405_in_the_error_shape(auth: dict[str, str], method: str, path: str) -> None:
    response = Client().generic(method, path, **auth)
    assert response.status_code == 405
    assert error_of(response)["code"] == "method_not_allowed"
    assert response["Allow"]


def test_the_error_messages_do_not_echo_the_input(auth: dict[str, str]) -> None:
    response = revoke(auth, '{"reason": "echo-marker-91c2"}')
    assert "echo-marker-91c2" not in response.content.decode()


def test_the_openapi_document_describes_the_endpoints(db: None) -> None:
    response = Client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    schema = response.json()
    assert {"/api/v1/health", "/api/v1/me", "/api/v1/tokens/revoke"} <= set(schema["paths"])
    assert schema["components"]["securitySchemes"]


def test_health_needs_no_token(db: None) -> None:
    response = Client().get("/api/v1/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
