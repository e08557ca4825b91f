"""Logs and the audit trail hold no personal data: plant unique markers wherever a person could type
something (sign-in form, codes, API tokens and bodies, query strings, exception messages) and look for
them in the log file and the audit table."""

from __future__ import annotations

import json
import logging
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

from haven.accounts.models import User
from haven.api.services import token_create
from haven.audit.models import AuditEvent
from tests.conftest import PASSWORD


def log_file() -> Path:
    handler = settings.LOGGING["handlers"].get("file")
    assert handler, "tests/settings.py sets HAVEN_LOG_FILE, so the file handler must be configured"
    return Path(handler["filename"])


def flush_logs() -> None:
    for handler in logging.getLogger().handlers:
        handler.flush()


@pytest.mark.urls("tests.accounts.urls")
def test_planted_markers_reach_neither_the_logs_nor_the_audit_trail(bob: User) -> None:
    marker = f"pdmark{uuid.uuid4().hex[:12]}"
    email_marker = f"{marker}@example.test"
    request_ids: list[str] = []

    def keep(response):  # type: ignore[no-untyped-def]
        request_ids.append(response["X-Request-Id"])
        return response

    anonymous = Client(raise_request_exception=False)
    keep(anonymous.post("/accounts/login/", {"email": email_marker, "password": f"{marker}-password"}))
    keep(anonymous.post("/accounts/login/", {"email": bob.email, "password": f"{marker}-password"}))
    keep(anonymous.post(f"/accounts/login/?next=/{marker}&q={marker}", {"email": email_marker}))
    keep(anonymous.get(f"/accounts/login/?next=%2F{marker}"))
    keep(anonymous.generic("POST", "/accounts/login/", f"email={marker}\xff".encode("latin-1"), "text/plain"))

    half = Client()
    keep(half.post("/accounts/login/", {"email": bob.email, "password": PASSWORD}))
    keep(half.post("/accounts/mfa/", {"code": marker}))

    keep(anonymous.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer hvn_{marker}"))
    keep(anonymous.get(f"/api/v1/me?name={marker}", HTTP_AUTHORIZATION=f"Bearer {marker}"))
    _, raw = token_create(actor=bob, user=bob)
    auth = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
    keep(anonymous.post("/api/v1/tokens/revoke", {"reason": marker}, content_type="application/json", **auth))
    keep(
        anonymous.post(
            "/api/v1/tokens/revoke",
            {"reason": "lost", "name": marker},
            content_type="application/json",
            **auth,
        )
    )
    keep(
        anonymous.generic(
            "POST", "/api/v1/tokens/revoke", f'{{"reason": "{marker}', "application/json", **auth
        )
    )
    keep(
        anonymous.get("/api/v1/me", HTTP_USER_AGENT=marker, HTTP_REFERER=f"https://{marker}.example/", **auth)
    )

    # An exception whose message quotes data: the log keeps its type only.
    from tests.accounts import urls as test_urls

    keep(anonymous.get(f"/test/crash/?q={marker}"))
    assert test_urls.CRASH_MARKER

    flush_logs()
    text = log_file().read_text(encoding="utf-8", errors="replace")
    # The scan means something only if our requests were logged at all.
    assert all(request_id in text for request_id in request_ids)
    assert '"exception": "RuntimeError"' in text
    assert marker not in text
    assert test_urls.CRASH_MARKER not in text
    assert raw not in text and raw[4:20] not in text

    audit_dump = json.dumps(list(AuditEvent.objects.values()), default=str)
    assert marker not in audit_dump
    assert bob.email not in audit_dump and bob.email not in text


def test_every_log_line_is_json_with_a_request_id(bob: User) -> None:
    response = Client().get("/accounts/login/")
    flush_logs()
    lines = [json.loads(line) for line in log_file().read_text(encoding="utf-8").splitlines() if line.strip()]
    ours = [line for line in lines if line.get("request_id") == response["X-Request-Id"]]
    assert ours and ours[-1]["path"] == "/accounts/login/" and ours[-1]["status"] == 200
    assert all({"at", "level", "logger", "request_id", "message"} <= set(line) for line in lines)
