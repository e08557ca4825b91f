"""Personal access tokens: created by `haven token create` and shown once, stored hashed, revocable,
refused once the account is disabled."""

from __future__ import annotations

import hashlib
import io
from collections.abc import Callable

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from haven.accounts import services
from haven.accounts.models import User
from haven.accounts.permissions import Role
from haven.api.models import ApiToken
from haven.api.services import TOKEN_PREFIX


def create_token(email: str) -> str:
    out = io.StringIO()
    call_command("token", "create", "--user", email, stdout=out)
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
        call_command("token", "create", "--user", "nobody@example.test", stdout=io.StringIO())
    assert caught.value.returncode == 2


def test_a_disabled_account_gets_no_new_token(bob: User) -> None:
    services.user_disable(actor=None, user=bob)
    with pytest.raises(CommandError):
        call_command("token", "create", "--user", bob.email, stdout=io.StringIO())


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
