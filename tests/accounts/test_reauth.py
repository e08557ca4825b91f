"""`require_recent_auth`: password and a fresh code within five minutes before a sensitive action."""

from __future__ import annotations

import time

import pytest
from django.conf import settings
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from haven.accounts.middleware import REAUTH_AT
from haven.accounts.models import User
from haven.accounts.permissions import Role
from haven.audit.models import AuditEvent
from tests.accounts.conftest import Clock
from tests.accounts.test_mfa import code_for
from tests.conftest import PASSWORD, sign_in_fully

pytestmark = pytest.mark.urls("tests.accounts.urls")
SENSITIVE = "/test/sensitive/"


@pytest.fixture
def dpo(make_user) -> User:  # type: ignore[no-untyped-def]
    return make_user(Role.DPO, "North", "dpo@example.test")


def fresh_code(user: User) -> str:
    # The sign-in used the current step; a code is accepted once, so take the next one.
    return code_for(TOTPDevice.objects.get(user=user, confirmed=True), steps_ahead=1)


def test_a_sensitive_action_first_asks_to_confirm_it_is_you(dpo: User) -> None:
    client = sign_in_fully(Client(), dpo)
    response = client.get(SENSITIVE)
    assert response.status_code == 302
    assert response["Location"] == "/accounts/reauth/?next=%2Ftest%2Fsensitive%2F"


def test_password_and_a_fresh_code_let_the_action_run(dpo: User) -> None:
    client = sign_in_fully(Client(), dpo)
    response = client.post(
        "/accounts/reauth/", {"password": PASSWORD, "code": fresh_code(dpo), "next": SENSITIVE}
    )
    assert response.status_code == 302
    assert response["Location"] == SENSITIVE
    response = client.get(SENSITIVE)
    assert response.status_code == 200
    assert response.content == b"sensitive action ran"
    assert AuditEvent.objects.filter(action="auth.reauthenticated", actor_id=dpo.pk).count() == 1


def test_a_wrong_password_is_refused_and_counted(dpo: User) -> None:
    client = sign_in_fully(Client(), dpo)
    response = client.post(
        "/accounts/reauth/", {"password": "not my password!", "code": fresh_code(dpo), "next": SENSITIVE}
    )
    assert response.status_code == 400
    assert client.get(SENSITIVE).status_code == 302
    dpo.refresh_from_db()
    assert dpo.failed_logins == 1
    event = AuditEvent.objects.get(action="auth.login_failed", actor_id=dpo.pk)
    assert event.detail["factor"] == "reauth_password"


def test_a_reused_code_is_refused(dpo: User) -> None:
    client = sign_in_fully(Client(), dpo)
    device = TOTPDevice.objects.get(user=dpo, confirmed=True)
    already_used = code_for(device)
    response = client.post(
        "/accounts/reauth/", {"password": PASSWORD, "code": already_used, "next": SENSITIVE}
    )
    assert response.status_code == 400
    assert client.get(SENSITIVE).status_code == 302


def test_guessing_at_the_confirmation_is_throttled_and_ends_the_session(dpo: User, clock: Clock) -> None:
    client = sign_in_fully(Client(), dpo)
    for _ in range(settings.LOGIN_FAILURE_LIMIT):
        response = client.post("/accounts/reauth/", {"password": "guess guess guess", "code": "123456"})
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert client.get("/").status_code == 302
    # The same browser must wait before even the right password is checked again.
    response = client.post("/accounts/login/", {"email": dpo.email, "password": PASSWORD})
    assert response.status_code == 400
    assert AuditEvent.objects.filter(action="auth.login_throttled", object_id=str(dpo.pk)).exists()


def test_the_confirmation_lasts_five_minutes(dpo: User) -> None:
    assert settings.REAUTH_SECONDS == 5 * 60
    client = sign_in_fully(Client(), dpo)
    client.post("/accounts/reauth/", {"password": PASSWORD, "code": fresh_code(dpo)})
    assert client.get(SENSITIVE).status_code == 200
    session = client.session
    session[REAUTH_AT] = time.time() - 5 * 60 - 1
    session.save()
    response = client.get(SENSITIVE)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/reauth/")


def test_the_confirmation_page_needs_the_second_factor_first(dpo: User) -> None:
    client = Client()
    client.post("/accounts/login/", {"email": dpo.email, "password": PASSWORD})
    response = client.get("/accounts/reauth/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/mfa/")


def test_a_role_without_the_permission_is_refused_before_any_confirmation(bob: User) -> None:
    client = sign_in_fully(Client(), bob)
    assert client.get(SENSITIVE).status_code == 403
    assert AuditEvent.objects.filter(action="access.denied", actor_id=bob.pk).exists()
