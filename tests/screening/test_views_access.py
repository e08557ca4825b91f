"""Every screening URL × every role answers as tests/screening/url_access.py declares.

The global table test (tests/core/test_url_permissions.py) reads the same declarations; this runner keeps
the screening part checked on its own.
"""

from __future__ import annotations

import json

import pytest
from django.test import Client
from django.urls import reverse

from haven.accounts.permissions import Role
from haven.api.services import token_create
from tests.core.access_table import (
    ANONYMOUS,
    BAD_REQUEST,
    FORBIDDEN,
    LOGIN,
    MFA,
    NO_MFA,
    NOT_ALLOWED,
    NOT_FOUND,
    OK,
    REDIRECT,
    SUBJECTS,
    UNAUTHORISED,
)
from tests.screening.url_access import URL_ACCESS

pytestmark = pytest.mark.django_db


def classify(response) -> str:
    status = response.status_code
    if 200 <= status < 300:
        return OK
    if status in (301, 302, 303):
        location = response["Location"]
        if location.startswith("/accounts/login/"):
            return LOGIN
        if location.startswith("/accounts/mfa/"):
            return MFA
        return REDIRECT
    return {400: BAD_REQUEST, 401: UNAUTHORISED, 403: FORBIDDEN, 404: NOT_FOUND, 405: NOT_ALLOWED}.get(
        status, str(status)
    )


@pytest.mark.parametrize("name", sorted(URL_ACCESS), ids=str)
def test_each_screening_url_answers_each_subject_as_declared(name, users_by_role, make_user, signed_in):
    access = URL_ACCESS[name]
    half = make_user(Role.VOLUNTEER)
    users = {role.value: user for role, user in users_by_role.items()} | {NO_MFA: half}
    seen = {}
    for who in SUBJECTS:
        kwargs = access.kwargs(users) if callable(access.kwargs) else access.kwargs
        data = access.data(users) if callable(access.data) else access.data
        url = reverse(name, kwargs=kwargs)
        headers = {}
        if who == ANONYMOUS:
            client = Client()
        elif who == NO_MFA:
            client = Client()
            client.force_login(half)
            if access.json:
                client = signed_in(half)
        else:
            client = signed_in(users[who])
            if access.json:
                _token, raw = token_create(actor=users[who], user=users[who])
                headers = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
        if access.method == "POST":
            if access.json:
                response = client.post(
                    url, json.dumps(data or {}), content_type="application/json", **headers
                )
            else:
                response = client.post(url, data or {}, **headers)
        else:
            response = client.get(url, **headers)
        seen[who] = classify(response)
    assert seen == dict(access.expect)
