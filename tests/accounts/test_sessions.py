"""Session rules: idle and absolute timeouts, a new session key at sign-in, disabled accounts out at once."""

from __future__ import annotations

import time

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from haven.accounts import services
from haven.accounts.middleware import LAST_SEEN, LOGIN_AT
from haven.accounts.models import Team, User
from haven.audit.models import AuditEvent
from tests.accounts.test_mfa import code_for, new_account
from tests.conftest import PASSWORD, current_code, sign_in_fully


def age_session(client: Client, *, idle: float = 0, since_login: float = 0) -> None:
    """Move the session's clock back instead of sleeping."""
    session = client.session
    now = time.time()
    session[LAST_SEEN] = now - idle
    session[LOGIN_AT] = now - since_login
    session.save()


def test_the_timeouts_are_thirty_minutes_idle_and_twelve_hours_in_all(db: None) -> None:
    assert settings.SESSION_IDLE_SECONDS == 30 * 60
    assert settings.SESSION_ABSOLUTE_SECONDS == 12 * 3600


def test_a_session_idle_for_more_than_thirty_minutes_ends(bob: User) -> None:
    client = sign_in_fully(Client(), bob)
    age_session(client, idle=30 * 60 + 5, since_login=30 * 60 + 5)
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    # The session is gone for good, not only for this request.
    assert client.get("/").status_code == 302
    expired = AuditEvent.objects.get(action="auth.session_expired")
    assert (expired.actor_id, expired.detail) == (bob.pk, {"kind": "idle"})


def test_a_session_used_within_thirty_minutes_continues(bob: User) -> None:
    client = sign_in_fully(Client(), bob)
    age_session(client, idle=29 * 60, since_login=5 * 3600)
    assert client.get("/").status_code == 200
    # Each request pushes the idle deadline forward.
    assert time.time() - client.session[LAST_SEEN] < 5


def test_a_session_older_than_twelve_hours_ends_even_when_in_use(bob: User) -> None:
    client = sign_in_fully(Client(), bob)
    age_session(client, idle=60, since_login=12 * 3600 + 5)
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert client.get("/").status_code == 302
    expired = AuditEvent.objects.get(action="auth.session_expired")
    assert expired.detail == {"kind": "absolute"}


def test_an_expired_session_cannot_use_the_api_either(bob: User) -> None:
    client = sign_in_fully(Client(), bob)
    age_session(client, idle=31 * 60, since_login=31 * 60)
    response = client.get("/api/v1/me")
    assert response.status_code == 401


def test_signing_in_rotates_the_session_key(bob: User) -> None:
    client = Client()
    before = client.session  # an anonymous session planted before sign-in (session fixation)
    before["planted"] = "x"
    before.save()
    old_key = before.session_key
    client.cookies[settings.SESSION_COOKIE_NAME] = old_key
    response = client.post("/accounts/login/", {"email": bob.email, "password": PASSWORD})
    assert response.status_code == 302
    new_key = client.cookies[settings.SESSION_COOKIE_NAME].value
    assert new_key != old_key
    assert not Session.objects.filter(session_key=old_key).exists()
    client.post("/accounts/mfa/", {"code": current_code(bob)})
    assert client.get("/").status_code == 200
    # Someone holding the old key is not signed in.
    other = Client()
    other.cookies[settings.SESSION_COOKIE_NAME] = old_key
    assert other.get("/").status_code == 302


@pytest.mark.parametrize("step", ["code", "enrolment"])
def test_the_session_key_changes_again_when_the_code_is_accepted(bob: User, north: Team, step: str) -> None:
    user = bob if step == "code" else new_account(north)
    client = Client()
    assert client.post("/accounts/login/", {"email": user.email, "password": PASSWORD}).status_code == 302
    between = client.cookies[settings.SESSION_COOKIE_NAME].value
    if step == "code":
        response = client.post("/accounts/mfa/", {"code": current_code(user)})
    else:
        client.get("/accounts/mfa/enrol/")
        device = TOTPDevice.objects.get(user=user, confirmed=False)
        response = client.post("/accounts/mfa/enrol/", {"code": code_for(device)})
    assert response.status_code in (200, 302)  # enrolment answers with the recovery codes
    signed_in = client.cookies[settings.SESSION_COOKIE_NAME].value
    assert signed_in != between
    assert not Session.objects.filter(session_key=between).exists()
    assert client.get("/").status_code == 200
    # Whoever saw the session id between the two steps holds nothing.
    other = Client()
    other.cookies[settings.SESSION_COOKIE_NAME] = between
    assert other.get("/").status_code == 302


def test_a_disabled_account_loses_its_session_at_once(bob: User, make_user) -> None:  # type: ignore[no-untyped-def]
    client = sign_in_fully(Client(), bob)
    assert client.get("/").status_code == 200
    admin = make_user("admin", None)
    services.user_disable(actor=admin, user=bob)
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert AuditEvent.objects.filter(
        action="account.disabled", object_id=str(bob.pk), actor_id=admin.pk
    ).exists()


def test_a_disabled_account_cannot_sign_in_again(bob: User) -> None:
    services.user_disable(actor=None, user=bob)
    response = Client().post("/accounts/login/", {"email": bob.email, "password": PASSWORD})
    assert response.status_code == 400


def test_disabling_one_account_leaves_other_sessions_alone(bob: User, charlie: User) -> None:
    bobs = sign_in_fully(Client(), bob)
    charlies = sign_in_fully(Client(), charlie)
    services.user_disable(actor=None, user=bob)
    assert bobs.get("/").status_code == 302
    assert charlies.get("/").status_code == 200


@pytest.mark.parametrize("path", ["/", "/accounts/reauth/"])
def test_signing_out_ends_the_session(bob: User, path: str) -> None:
    client = sign_in_fully(Client(), bob)
    key = client.cookies[settings.SESSION_COOKIE_NAME].value
    response = client.post("/accounts/logout/")
    assert response.status_code == 302
    assert client.get(path).status_code == 302
    assert not Session.objects.filter(session_key=key).exists()


def test_signing_out_needs_a_post(bob: User) -> None:
    client = sign_in_fully(Client(), bob)
    assert client.get("/accounts/logout/").status_code == 405
    assert client.get("/").status_code == 200


def test_session_cookies_are_http_only_and_same_site(bob: User) -> None:
    client = Client()
    client.post("/accounts/login/", {"email": bob.email, "password": PASSWORD})
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie["httponly"]
    assert cookie["samesite"] == "Lax"


def test_the_sign_in_page_says_why_after_a_timeout(bob: User) -> None:
    client = sign_in_fully(Client(), bob)
    age_session(client, idle=31 * 60, since_login=31 * 60)
    response = client.get("/", follow=True)
    assert response.status_code == 200
    assert "Your session has ended" in response.content.decode()
