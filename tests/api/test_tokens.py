"""Personal access tokens: created by `haven token create` and shown once, stored hashed, revocable,
refused once the account is disabled."""

from __future__ import annotations

import hashlib
import io
import json
from collections.abc import Callable
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.utils import timezone

from haven.accounts import services
from haven.accounts.models import User
from haven.accounts.permissions import Role
from haven.api.models import SCOPES, ApiToken
from haven.api.services import TOKEN_PREFIX, BadTokenRequest, token_create
from haven.audit.models import AuditEvent


def create_token(email: str) -> str:
    out = io.StringIO()
    call_command("token", "create", "--user", email, *(f"--scope={s}" for s in SCOPES), stdout=out)
    lines = out.getvalue().split()
    assert len(lines) == 1
    return lines[0]


def bearer(token: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def test_token_create_prints_a_new_token_once(bob: User) -> None:
    raw = create_token(bob.email)
    assert raw.startswith(TOKEN_PREFIX)
    assert len(raw) >= 40
    token = ApiToken.objects.get(user=bob)
    # Only the hash is kept: the secret cannot be shown again.
    assert token.digest == hashlib.sha256(raw.encode()).hexdigest()
    stored = " ".join(str(value) for value in ApiToken.objects.values_list().get())
    assert raw not in stored and raw[12:] not in stored


def test_each_token_is_different(bob: User) -> None:
    assert create_token(bob.email) != create_token(bob.email)


def test_the_token_authenticates_me_with_ids_only(bob: User) -> None:
    response = Client().get("/api/v1/me", **bearer(create_token(bob.email)))
    assert response.status_code == 200
    assert response.json() == {"id": bob.pk, "role": "caseworker", "team": "North"}
    assert bob.email not in response.content.decode()


def test_an_unknown_address_is_a_clear_error_with_exit_code_two(db: None) -> None:
    with pytest.raises(CommandError, match="no active account") as caught:
        call_command(
            "token", "create", "--user", "nobody@example.test", "--scope", "cases.read", stdout=io.StringIO()
        )
    assert caught.value.returncode == 2


def test_a_disabled_account_gets_no_new_token(bob: User) -> None:
    services.user_disable(actor=None, user=bob)
    with pytest.raises(CommandError):
        call_command("token", "create", "--user", bob.email, "--scope", "cases.read", stdout=io.StringIO())


def test_a_revoked_token_is_refused(bob: User) -> None:
    raw = create_token(bob.email)
    client = Client()
    response = client.post(
        "/api/v1/tokens/revoke",
        {"reason": "no_longer_needed"},
        content_type="application/json",
        **bearer(raw),
    )
    assert response.status_code == 200
    assert response.json() == {"revoked": ApiToken.objects.get(user=bob).pk}
    refused = client.get("/api/v1/me", **bearer(raw))
    assert refused.status_code == 401
    assert refused.json()["error"]["code"] == "unauthenticated"


def test_revoking_one_token_leaves_the_others_working(bob: User) -> None:
    first, second = create_token(bob.email), create_token(bob.email)
    Client().post(
        "/api/v1/tokens/revoke", {"reason": "lost"}, content_type="application/json", **bearer(first)
    )
    assert Client().get("/api/v1/me", **bearer(second)).status_code == 200


def test_a_disabled_accounts_token_is_refused_at_once(bob: User) -> None:
    raw = create_token(bob.email)
    assert Client().get("/api/v1/me", **bearer(raw)).status_code == 200
    services.user_disable(actor=None, user=bob)
    response = Client().get("/api/v1/me", **bearer(raw))
    assert response.status_code == 401
    assert set(response.json()["error"]) == {"code", "message"}


@pytest.mark.parametrize(
    "header",
    [
        "",
        "Bearer",
        "Bearer ",
        "Bearer hvn_",
        "Bearer hvn_not-a-real-token-at-all-0000000000000000",
        "Basic Ym9iOnBhc3N3b3Jk",
        "Bearer " + "hvn_" + "x" * 5000,
        "Bearer hvn_ünïcödé",
        "Token hvn_abc",
    ],
)
def test_a_missing_or_made_up_token_is_a_401(bob: User, header: str) -> None:
    response = Client().get("/api/v1/me", HTTP_AUTHORIZATION=header)
    assert response.status_code == 401
    assert response.json() == {
        "error": {"code": "unauthenticated", "message": "A valid API token is required."}
    }


def test_a_signed_in_browser_session_does_not_open_the_api(
    bob: User, signed_in: Callable[[User], Client]
) -> None:
    # Tokens only: a session cookie sent by a browser (or a forged cross-site request) is not enough.
    assert signed_in(bob).get("/api/v1/me").status_code == 401


@pytest.mark.parametrize("role", list(Role))
def test_every_role_may_hold_a_token_scoped_to_that_role(make_user: Callable[..., User], role: Role) -> None:
    user = make_user(role, None if role == Role.ADMIN else "North")
    response = Client().get("/api/v1/me", **bearer(create_token(user.email)))
    assert response.json()["role"] == role.value


def test_using_a_token_records_when_it_was_last_used(bob: User) -> None:
    raw = create_token(bob.email)
    assert ApiToken.objects.get(user=bob).last_used_at is None
    Client().get("/api/v1/me", **bearer(raw))
    assert ApiToken.objects.get(user=bob).last_used_at is not None


def test_the_last_used_time_is_written_at_most_once_a_minute(bob: User) -> None:
    raw = create_token(bob.email)
    Client().get("/api/v1/me", **bearer(raw))
    first = ApiToken.objects.get(user=bob).last_used_at
    assert first is not None
    Client().get("/api/v1/me", **bearer(raw))
    assert ApiToken.objects.get(user=bob).last_used_at == first  # a second call in the minute writes nothing
    ApiToken.objects.filter(user=bob).update(last_used_at=first - timedelta(seconds=61))
    Client().get("/api/v1/me", **bearer(raw))
    assert ApiToken.objects.get(user=bob).last_used_at > first


def scoped_token(user: User, *scopes: str, days: int | None = None) -> str:
    _token, raw = token_create(actor=user, user=user, scopes=scopes, days=days)
    return raw


def test_a_token_without_the_read_cases_scope_gets_403_and_the_refusal_is_audited(bob: User) -> None:
    raw = scoped_token(bob, "statistics")
    response = Client().get("/api/v1/cases", **bearer(raw))
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "scope_missing"
    refusal = AuditEvent.objects.filter(action="access.denied", actor_id=bob.pk).last()
    assert refusal is not None and refusal.detail["what"] == "scope.cases.read"


def test_a_read_only_token_reads_cases_but_may_not_write_them(bob: User) -> None:
    raw = scoped_token(bob, "cases.read")
    assert Client().get("/api/v1/cases", **bearer(raw)).status_code == 200
    written = Client().post("/api/v1/cases", data={}, content_type="application/json", **bearer(raw))
    assert written.status_code == 403
    assert written.json()["error"]["code"] == "scope_missing"


def test_calls_about_the_token_itself_need_no_scope(bob: User) -> None:
    raw = scoped_token(bob, "statistics")
    assert Client().get("/api/v1/me", **bearer(raw)).status_code == 200


def test_an_expired_token_is_refused(bob: User) -> None:
    raw = scoped_token(bob, "cases.read", days=1)
    ApiToken.objects.filter(user=bob).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert Client().get("/api/v1/me", **bearer(raw)).status_code == 401


def test_a_token_lives_ninety_days_by_default_and_never_beyond_the_maximum(bob: User) -> None:
    token, _raw = token_create(actor=bob, user=bob, scopes=["cases.read"])
    assert token.expires_at is not None
    assert timedelta(days=89, hours=23) < token.expires_at - timezone.now() <= timedelta(days=90)
    with pytest.raises(BadTokenRequest):
        token_create(actor=bob, user=bob, scopes=["cases.read"], days=366)
    with pytest.raises(CommandError) as refused:
        call_command("token", "create", "--user", bob.email, "--scope", "cases.read", "--days", "400")
    assert refused.value.returncode == 2


def test_unknown_or_no_scopes_are_refused(bob: User) -> None:
    with pytest.raises(BadTokenRequest):
        token_create(actor=bob, user=bob, scopes=["everything"])
    with pytest.raises(BadTokenRequest):
        token_create(actor=bob, user=bob, scopes=[])
    with pytest.raises(CommandError):
        call_command("token", "create", "--user", bob.email, stdout=io.StringIO(), stderr=io.StringIO())


def test_each_user_lists_their_own_tokens_with_scopes_and_expiry_never_the_secret(
    bob: User, make_user: Callable[..., User]
) -> None:
    raw = scoped_token(bob, "cases.read", "cases.write")
    other = make_user(Role.CASEWORKER, "North")
    scoped_token(other, "statistics")
    listed = Client().get("/api/v1/tokens", **bearer(raw)).json()
    assert [t["scopes"] for t in listed] == [["cases.read", "cases.write"]]
    assert listed[0]["active"] is True and listed[0]["expires_at"]
    assert raw not in json.dumps(listed)
    out = io.StringIO()
    call_command("token", "list", "--user", bob.email, "--json", stdout=out)
    rows = json.loads(out.getvalue())
    assert [r["scopes"] for r in rows] == [["cases.read", "cases.write"]]
    assert raw not in out.getvalue()
