"""The second factor: enrolment with a locally rendered QR code, verification, replay, and that no page
behind sign-in opens without it."""

from __future__ import annotations

import re
import time
from collections.abc import Callable

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from haven.accounts import services
from haven.accounts.models import Team, User
from haven.accounts.permissions import Role
from haven.audit.models import AuditEvent
from tests.conftest import PASSWORD, current_code, sign_in_fully


def code_for(device: TOTPDevice, steps_ahead: int = 0) -> str:
    """The device's code for the current time step, or one a few steps later (as a phone would show)."""
    totp = TOTP(device.bin_key, step=device.step, t0=device.t0, digits=device.digits)
    totp.time = time.time() + steps_ahead * device.step
    return f"{totp.token():0{device.digits}d}"


def new_account(north: Team) -> User:
    """An account as `haven createuser` makes it: no authenticator yet."""
    return services.user_create(
        actor=None, email="newcomer@example.test", password=PASSWORD, role=Role.CASEWORKER, team=north
    )


def password_step(client: Client, user: User) -> None:
    response = client.post("/accounts/login/", {"email": user.email, "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/mfa/")


def test_after_the_password_every_page_asks_for_the_code(bob: User) -> None:
    client = Client()
    password_step(client, bob)
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/mfa/"


def test_the_right_code_opens_the_start_page(bob: User) -> None:
    client = Client()
    password_step(client, bob)
    response = client.post("/accounts/mfa/", {"code": current_code(bob)})
    assert response.status_code == 302
    assert client.get("/").status_code == 200
    assert AuditEvent.objects.filter(action="auth.mfa_verified", actor_id=bob.pk).count() == 1


def test_a_wrong_code_is_refused_with_a_clear_message(bob: User) -> None:
    client = Client()
    password_step(client, bob)
    right = current_code(bob)
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"
    response = client.post("/accounts/mfa/", {"code": wrong})
    assert response.status_code == 400
    assert "That code did not work" in response.content.decode()
    assert client.get("/").status_code == 302


def test_a_code_that_is_not_six_digits_is_refused(bob: User) -> None:
    client = Client()
    password_step(client, bob)
    for code in ["12345", "1234567", "abcdef", "", "１２３４５６"]:
        response = client.post("/accounts/mfa/", {"code": code})
        assert response.status_code == 400, code
    assert client.get("/").status_code == 302


def test_a_code_cannot_be_used_twice(bob: User) -> None:
    code = current_code(bob)
    first = Client()
    password_step(first, bob)
    assert first.post("/accounts/mfa/", {"code": code}).status_code == 302
    second = Client()
    password_step(second, bob)
    assert second.post("/accounts/mfa/", {"code": code}).status_code == 400


def test_enrolment_shows_a_qr_code_drawn_on_the_server_as_inline_svg(north: Team) -> None:
    user = new_account(north)
    client = Client()
    password_step(client, user)
    response = client.get("/accounts/mfa/", follow=True)
    assert response.redirect_chain[-1][0] == "/accounts/mfa/enrol/"
    html = response.content.decode()
    assert re.search(r"<svg[^>]*>.*<path", html, re.S), "no inline SVG QR code"
    assert "<img" not in html.split('class="qr"')[1].split("</div>")[0]
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    # The key a person can type instead of scanning is the device's key.
    import base64

    assert base64.b32encode(device.bin_key).decode() in html


def test_enrolment_is_confirmed_with_a_real_code_and_then_signs_in(north: Team) -> None:
    user = new_account(north)
    client = Client()
    password_step(client, user)
    client.get("/accounts/mfa/enrol/")
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    response = client.post("/accounts/mfa/enrol/", {"code": code_for(device)})
    # Confirmed: the answer shows the recovery codes, once.
    assert response.status_code == 200 and "data-recovery-codes" in response.content.decode()
    device.refresh_from_db()
    assert device.confirmed
    assert client.get("/").status_code == 200
    actions = list(AuditEvent.objects.filter(actor_id=user.pk).values_list("action", flat=True))
    assert "auth.mfa_enrol_started" in actions and "auth.mfa_enrolled" in actions


def test_enrolment_refuses_a_wrong_code(north: Team) -> None:
    user = new_account(north)
    client = Client()
    password_step(client, user)
    client.get("/accounts/mfa/enrol/")
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    wrong = f"{(int(code_for(device)) + 1) % 1_000_000:06d}"
    response = client.post("/accounts/mfa/enrol/", {"code": wrong})
    assert response.status_code == 400
    device.refresh_from_db()
    assert not device.confirmed
    assert client.get("/").status_code == 302
    assert AuditEvent.objects.filter(action="auth.mfa_enrol_failed", actor_id=user.pk).exists()


def test_reloading_enrolment_keeps_the_same_key(north: Team) -> None:
    user = new_account(north)
    client = Client()
    password_step(client, user)
    client.get("/accounts/mfa/enrol/")
    client.get("/accounts/mfa/enrol/")
    assert TOTPDevice.objects.filter(user=user).count() == 1


def test_a_stolen_password_cannot_replace_a_working_authenticator(bob: User) -> None:
    client = Client()
    password_step(client, bob)
    response = client.get("/accounts/mfa/enrol/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/mfa/"
    assert not TOTPDevice.objects.filter(user=bob, confirmed=False).exists()
    # Even a forged unconfirmed device cannot be confirmed over the working one.
    rogue = TOTPDevice.objects.create(user=bob, name="rogue", confirmed=False)
    assert services.mfa_enrol_confirm(user=bob, token=code_for(rogue)) is None
    assert TOTPDevice.objects.filter(user=bob, confirmed=True).count() == 1
    assert AuditEvent.objects.filter(action="auth.mfa_enrol_refused", actor_id=bob.pk).exists()


def test_a_signed_in_person_is_sent_on_from_the_code_page(bob: User) -> None:
    client = sign_in_fully(Client(), bob)
    response = client.get("/accounts/mfa/")
    assert response.status_code == 302
    assert response["Location"] == "/"


def test_the_code_page_returns_to_the_page_asked_for_but_never_to_another_site(bob: User) -> None:
    client = Client()
    client.post(
        "/accounts/login/?next=/health", {"email": bob.email, "password": PASSWORD, "next": "/health"}
    )
    response = client.post("/accounts/mfa/", {"code": current_code(bob), "next": "/health"})
    assert response["Location"] == "/health"
    other = Client()
    other.post("/accounts/login/", {"email": bob.email, "password": PASSWORD})
    code = TOTP(TOTPDevice.objects.get(user=bob).bin_key)
    code.time = time.time() + 30
    response = other.post("/accounts/mfa/", {"code": f"{code.token():06d}", "next": "https://evil.example/"})
    assert response.status_code == 302
    assert response["Location"] == "/"


def test_a_re_enabled_account_cannot_set_up_an_authenticator_with_the_password_alone(
    bob: User, make_user: Callable[..., User]
) -> None:
    admin = make_user(Role.ADMIN, None)
    services.user_disable(actor=admin, user=bob)
    services.user_enable(actor=admin, user=bob)
    client = Client()
    password_step(client, bob)
    for path in ("/accounts/mfa/", "/accounts/mfa/enrol/"):
        response = client.get(path)
        assert response.status_code == 302
        assert response["Location"] == "/accounts/login/?reset=1"
        password_step(client, bob)
    assert "set up again" in client.get("/accounts/login/?reset=1").content.decode()
    old = TOTPDevice.objects.get(user=bob)
    assert services.mfa_enrol_confirm(user=bob, token=code_for(old)) is None
    assert not TOTPDevice.objects.filter(user=bob, confirmed=True).exists()
    assert client.get("/").status_code == 302
    assert AuditEvent.objects.filter(action="auth.mfa_enrol_refused", actor_id=bob.pk).exists()


def test_an_account_re_enabled_by_hand_cannot_either(bob: User) -> None:
    services.user_disable(actor=None, user=bob)
    User.objects.filter(pk=bob.pk).update(is_active=True)
    client = Client()
    password_step(client, bob)
    response = client.get("/accounts/mfa/enrol/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?reset=1"
    assert "<svg" not in response.content.decode()


def test_after_an_administrators_reset_the_holder_sets_up_a_new_authenticator(
    bob: User, make_user: Callable[..., User]
) -> None:
    admin = make_user(Role.ADMIN, None)
    old_key = TOTPDevice.objects.get(user=bob).key
    services.user_disable(actor=admin, user=bob)
    services.user_enable(actor=admin, user=bob)
    services.user_mfa_reset(actor=admin, user=bob, identity_check="in_person")
    client = Client()
    password_step(client, bob)
    client.get("/accounts/mfa/enrol/")
    device = TOTPDevice.objects.get(user=bob, confirmed=False)
    assert device.key != old_key
    assert client.post("/accounts/mfa/enrol/", {"code": code_for(device)}).status_code == 200
    assert client.get("/").status_code == 200
    # Enrolment closes behind it: losing the device later needs another reset.
    bob.refresh_from_db()
    assert not bob.mfa_enrolment_open
    actions = list(AuditEvent.objects.filter(object_id=str(bob.pk)).values_list("action", flat=True))
    assert "account.enabled" in actions and "account.mfa_reset" in actions


def test_only_an_account_manager_can_re_enable_or_reset(
    bob: User, alice: User, make_user: Callable[..., User]
) -> None:
    services.user_disable(actor=None, user=bob)
    with pytest.raises(PermissionDenied):
        services.user_enable(actor=alice, user=bob)
    with pytest.raises(PermissionDenied):
        services.user_mfa_reset(actor=alice, user=bob)
    bob.refresh_from_db()
    assert not bob.is_active and not bob.mfa_enrolment_open
    assert AuditEvent.objects.filter(action="access.denied", actor_id=alice.pk).count() == 2
