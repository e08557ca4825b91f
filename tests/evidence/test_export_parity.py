"""One way in for the record-level statistics export: every channel needs a fresh second factor, because
`export_create` refuses without one. The web asks for the re-authentication page; the API asks the token's
holder to confirm password and code through the token (POST /api/v1/tokens/confirm) shortly before; the
command line runs on the server itself. The expected decisions are written out by hand."""

from __future__ import annotations

import io
import json
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from haven.accounts.models import User
from haven.api.models import ApiToken
from haven.api.services import token_create
from haven.audit.models import AuditEvent
from haven.evidence.models import Export
from tests.conftest import PASSWORD, current_code
from tests.evidence.conftest import CaseMaker
from tests.evidence.test_dashboard import recently_authenticated

EXPORTED = "exported"
ASKED = "asked to confirm first"

# By hand: what each channel answers, with and without a fresh second factor.
EXPORT: dict[tuple[str, str], str] = {
    ("web", "signed in earlier"): ASKED,
    ("web", "re-authenticated just now"): EXPORTED,
    ("api", "token never confirmed"): ASKED,
    ("api", "token confirmed just now"): EXPORTED,
    ("api", "token confirmed six minutes ago"): ASKED,
    ("api", "wrong code given to confirm"): ASKED,
    ("cli", "on the server"): EXPORTED,
}


@pytest.fixture
def cases(make_stats_case: CaseMaker) -> None:
    for i in range(12):
        make_stats_case("given", gender=("Feminine", "Masculine")[i % 2])


def _web(user: User, state: str, signed_in) -> str:  # type: ignore[no-untyped-def]
    client: Client = signed_in(user)
    if state == "re-authenticated just now":
        recently_authenticated(client)
    response = client.post("/evidence/exports/new/", {"k": "2"})
    if response.status_code == 302:
        assert "/accounts/reauth" in response["Location"]
        return ASKED
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    return EXPORTED


def _api(user: User, state: str) -> str:
    _token, raw = token_create(actor=user, user=user)
    client = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
    if state != "token never confirmed":
        code = current_code(user)
        if state == "wrong code given to confirm":
            code = f"{(int(code) + 5) % 1_000_000:06d}"
        confirmed = client.post(
            "/api/v1/tokens/confirm", json.dumps({"password": PASSWORD, "code": code}), "application/json"
        )
        assert confirmed.status_code == (403 if state == "wrong code given to confirm" else 200)
    if state == "token confirmed six minutes ago":
        ApiToken.objects.filter(user=user).update(confirmed_at=timezone.now() - timedelta(minutes=6))
    response = client.post("/api/v1/stats/exports", json.dumps({"k": 2}), "application/json")
    if response.status_code == 403:
        error = response.json()["error"]
        assert error["code"] == "recent_auth_required" and "/api/v1/tokens/confirm" in error["message"]
        return ASKED
    assert response.status_code == 200, response.content
    return EXPORTED


def _cli(user: User, tmp_path: Path) -> str:
    out = tmp_path / "export.csv"
    call_command(
        "stats", "export", "--k", "2", "--user", user.email, "--out", str(out), "--json", stdout=io.StringIO()
    )
    return EXPORTED if out.exists() else ASKED


@pytest.mark.parametrize(("channel", "state"), list(EXPORT))
def test_the_export_needs_a_fresh_second_factor_in_every_channel(
    channel: str, state: str, cases: None, programme_manager: User, signed_in, tmp_path: Path
) -> None:
    if channel == "web":
        answer = _web(programme_manager, state, signed_in)
    elif channel == "api":
        answer = _api(programme_manager, state)
    else:
        answer = _cli(programme_manager, tmp_path)
    assert answer == EXPORT[(channel, state)]
    assert Export.objects.count() == (1 if answer == EXPORTED else 0)


def test_an_api_export_without_confirmation_is_an_audited_refusal(
    cases: None, programme_manager: User
) -> None:
    assert _api(programme_manager, "token never confirmed") == ASKED
    entry = AuditEvent.objects.filter(action="access.denied").order_by("-seq").first()
    assert entry is not None and (entry.actor_id, entry.detail) == (
        programme_manager.pk,
        {"what": "auth.recent"},
    )


def test_confirming_a_token_is_audited_and_a_wrong_password_counts_towards_the_lockout(
    programme_manager: User,
) -> None:
    _token, raw = token_create(actor=programme_manager, user=programme_manager)
    client = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
    wrong = client.post(
        "/api/v1/tokens/confirm",
        json.dumps({"password": "not the password", "code": current_code(programme_manager)}),
        "application/json",
    )
    assert wrong.status_code == 403 and wrong.json()["error"]["code"] == "not_confirmed"
    programme_manager.refresh_from_db()
    assert programme_manager.failed_logins == 1
    right = client.post(
        "/api/v1/tokens/confirm",
        json.dumps({"password": PASSWORD, "code": current_code(programme_manager)}),
        "application/json",
    )
    assert right.status_code == 200 and "confirmed_until" in right.json()
    assert AuditEvent.objects.filter(action="api.token_confirmed", actor_id=programme_manager.pk).exists()
