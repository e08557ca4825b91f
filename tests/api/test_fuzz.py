"""Fuzz the API against its own OpenAPI document (schemathesis): whatever a client sends, the answer is
never a 5xx. Runs in-process through WSGI with a valid token for every generated request.

The token belongs to a case manager with a few synthetic cases (made through the services, as the web
makes them), consents, notes and tasks, and half of the generated requests for a case ask for one of
hers, so the fuzzing reaches the code behind the access check, not only its 404.
"""

from __future__ import annotations

import zlib
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
from haven.cases import services
from haven.cases.models import Case
from tests.cases.conftest import ADULT

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


@pytest.fixture
def her_cases(alice: User) -> list[Case]:
    """Three synthetic cases of alice's, with a consent, a note and a task each."""
    made = []
    for n in range(3):
        values = {**ADULT, "name": f"Test Person Fuzz {n}"}
        case = services.first_contact_create(actor=alice, values=values, confirm_new_person=True)
        case = services.case_open(actor=alice, case=case)
        services.consent_record(
            actor=alice,
            case=case,
            purpose="statistics",
            status="given",
            given_on=case.created_at.date(),
            language="en",
            explained_by=alice,
            interpreter=False,
            information_sheet_version="v1",
        )
        services.note_add(actor=alice, case=case, section="general", body="Synthetic test note")
        services.task_add(actor=alice, case=case, due_on=case.created_at.date(), kind="", title="Test task")
        made.append(case)
    return made


def _aim_at_her_cases(case: schemathesis.Case, cases: list[Case]) -> None:
    """Half of the requests about a case ask for one of hers, the other half keep the generated code."""
    code = case.path_parameters.get("code") if case.path_parameters else None
    if code is None:
        return
    picked = zlib.crc32(str(code).encode()) % (2 * len(cases))
    if picked < len(cases):
        case.path_parameters["code"] = cases[picked].code


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
def test_the_api_never_answers_with_a_server_error(
    case: schemathesis.Case, alice: User, her_cases: list[Case]
) -> None:
    # A fresh token per request: the revoke endpoint would otherwise leave the rest of the run at 401.
    _, raw = token_create(actor=alice, user=alice)
    _aim_at_her_cases(case, her_cases)
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
