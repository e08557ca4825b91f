"""Shared helpers for the case tests."""

from __future__ import annotations

import re
import time
from typing import Any

from django.http import HttpResponse
from django.test import Client

from haven.accounts.middleware import REAUTH_AT
from haven.accounts.models import User
from haven.api.services import token_create
from haven.cases import services
from haven.cases.access import case_for_purpose
from haven.cases.models import Case

MISSING_CODE = "HV-2000-99999"
_CSRF = re.compile(rb'name="csrfmiddlewaretoken" value="[^"]+"')
_REQUEST_ID = re.compile(rb"request[-_ ]id[^<]{0,80}", re.I)


def normalised(body: bytes, code: str) -> bytes:
    """The page without its per-request CSRF token and with the asked-for code (echoed in the language
    form's return path) blanked, so the answers for two codes can be compared byte for byte."""
    return _REQUEST_ID.sub(b"", _CSRF.sub(b"", body)).replace(code.encode(), b"<code>")


def recently_authenticated(client: Client) -> Client:
    """Mark the session as re-authenticated just now (export and erasure ask for it)."""
    session = client.session
    session[REAUTH_AT] = time.time()
    session.save()
    return client


class ApiClient:
    """Calls /api/v1 as `user` with a personal access token of theirs, like any API client would."""

    def __init__(self, user: User) -> None:
        _token, raw = token_create(actor=user, user=user)
        self.auth = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
        self.client = Client()

    def get(self, path: str) -> HttpResponse:
        return self.client.get(f"/api/v1{path}", **self.auth)  # type: ignore[return-value]

    def post(self, path: str, body: dict[str, Any] | None = None) -> HttpResponse:
        return self.client.post(  # type: ignore[return-value]
            f"/api/v1{path}", body or {}, content_type="application/json", **self.auth
        )


def with_purpose(dpo: User, case: Case, purpose: str = "erasure") -> Case:
    """The DPO records a purpose for `case` (as on the purpose page), so that it opens to them."""
    services.dpo_purpose_record(
        actor=dpo, case=case_for_purpose(dpo, case.code), purpose=purpose, reason="Test request 1"
    )
    return case
