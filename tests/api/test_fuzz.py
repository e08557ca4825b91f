"""Fuzz the API against its own OpenAPI document (schemathesis): whatever a client sends, the answer is
never a 5xx. Runs in-process through WSGI with a valid token for every generated request."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error

from haven.accounts.models import User
from haven.api.services import token_create

# Loading the document needs no database: the OpenAPI view is public and reads nothing.
schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application())


@pytest.fixture(autouse=True)
def keep_the_test_connection_open() -> Iterator[None]:
    # Called through raw WSGI (not Django's test client), each request's start and end would close the
    # database connection and with it the test's transaction (PostgreSQL). Django's test client does the same.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.mark.slow
@schema.parametrize()
@settings(
    max_examples=30,
    deadline=None,
    derandomize=True,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
    ],
)
def test_the_api_never_answers_with_a_server_error(case: schemathesis.Case, bob: User) -> None:
    # A fresh token per request: the revoke endpoint would otherwise leave the rest of the run at 401.
    _, raw = token_create(actor=bob, user=bob)
    response = case.call(headers={"Authorization": f"Bearer {raw}"})
    case.validate_response(response, checks=[not_a_server_error])


@pytest.mark.slow
@schema.parametrize()
@settings(
    max_examples=10,
    deadline=None,
    derandomize=True,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
    ],
)
def test_the_api_never_answers_with_a_server_error_without_a_token(case: schemathesis.Case, db: None) -> None:
    response = case.call()
    case.validate_response(response, checks=[not_a_server_error])
    if response.status_code >= 400:
        body = response.json()
        assert set(body) == {"error"} and {"code", "message"} <= set(body["error"])
