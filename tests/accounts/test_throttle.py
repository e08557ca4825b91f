"""Sign-in throttling: failures slow further attempts down per account, per client address and per
recognised browser; nothing ever locks an account, and nothing tells a known address from an unknown one."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.conf import settings
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from haven.accounts import services
from haven.accounts.models import LoginThrottle, User
from haven.audit.models import AuditEvent
from tests.accounts.conftest import Clock
from tests.accounts.test_mfa import code_for
from tests.conftest import PASSWORD, current_code, sign_in_fully

WRONG = "this is not the password"
GENERIC = "The e-mail or password is not right."
ATTACKER = "203.0.113.7"
HOLDER = "198.51.100.20"


def post_login(client: Client, email: str, password: str, address: str = ATTACKER):  # type: ignore[no-untyped-def]
    return client.post("/accounts/login/", {"email": email, "password": password}, REMOTE_ADDR=address)


def fail_password(email: str, times: int, address: str = ATTACKER) -> None:
    for _ in range(times):
        response = post_login(Client(), email, WRONG, address)
        assert response.status_code == 400
        assert GENERIC in response.content.decode()


def signed_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def checked_attempts() -> int:
    """Password and code checks actually made and failed (attempts refused during a wait are not checks)."""
    return AuditEvent.objects.filter(action="auth.login_failed").count()


def holder_browser(user: User) -> Client:
    """The account holder's own browser: it signed in once (password and code), then signed out."""
    browser = Client(REMOTE_ADDR=HOLDER)
    sign_in_fully(browser, user)
    browser.post("/accounts/logout/")
    return browser


def sign_in_with_next_code(browser: Client, user: User) -> None:
    """Password and the authenticator's next code (the current one was used already)."""
    response = browser.post("/accounts/login/", {"email": user.email, "password": PASSWORD})
    assert response.status_code == 302, response.content.decode()[:300]
    device = TOTPDevice.objects.get(user=user, confirmed=True)
    response = browser.post("/accounts/mfa/", {"code": code_for(device, steps_ahead=1)})
    assert response.status_code == 302
    assert browser.get("/").status_code == 200


def test_the_limit_is_five_and_the_longest_wait_a_quarter_of_an_hour(db: None) -> None:
    assert settings.LOGIN_FAILURE_LIMIT == 5
    assert settings.LOGIN_MAX_DELAY_MINUTES == 15


def test_four_failures_do_not_slow_the_next_attempt(bob: User, clock: Clock) -> None:
    fail_password(bob.email, 4)
    response = post_login(Client(), bob.email, PASSWORD)
    assert response.status_code == 302


def test_after_five_failures_the_next_attempt_waits_even_with_the_right_password(
    bob: User, clock: Clock
) -> None:
    fail_password(bob.email, 5)
    client = Client()
    response = post_login(client, bob.email, PASSWORD)
    assert response.status_code == 400
    assert GENERIC in response.content.decode()
    assert not signed_in(client)
    assert checked_attempts() == 5
    assert AuditEvent.objects.filter(action="auth.login_throttled", object_id=str(bob.pk)).count() == 1


def test_the_waits_grow_two_four_eight_seconds(bob: User, clock: Clock) -> None:
    fail_password(bob.email, 5)
    for wait in (2, 4, 8, 16):
        clock.advance(wait - 0.5)
        fail_password(bob.email, 1)
        assert checked_attempts() == 5 + (2, 4, 8, 16).index(wait), "an attempt during the wait was checked"
        clock.advance(0.5)
        fail_password(bob.email, 1)
    clock.advance(31)
    assert post_login(Client(), bob.email, PASSWORD).status_code == 400
    clock.advance(1)
    assert post_login(Client(), bob.email, PASSWORD).status_code == 302


def test_attempts_during_a_wait_are_not_checked_and_do_not_lengthen_it(bob: User, clock: Clock) -> None:
    fail_password(bob.email, 5)
    fail_password(bob.email, 30)
    assert checked_attempts() == 5
    clock.advance(2)
    assert post_login(Client(), bob.email, PASSWORD).status_code == 302


def test_the_waits_stop_growing_at_a_quarter_of_an_hour(bob: User, clock: Clock) -> None:
    fail_password(bob.email, 5)
    for _ in range(20):
        clock.advance(settings.LOGIN_MAX_DELAY_MINUTES * 60)
        fail_password(bob.email, 1)
    assert checked_attempts() == 25
    clock.advance(settings.LOGIN_MAX_DELAY_MINUTES * 60)
    assert post_login(Client(), bob.email, PASSWORD).status_code == 302


def test_failures_are_forgotten_a_day_after_the_last(bob: User, clock: Clock) -> None:
    fail_password(bob.email, 5)
    clock.advance(24 * 3600 + 1)
    fail_password(bob.email, 4)
    assert post_login(Client(), bob.email, PASSWORD).status_code == 302


def test_a_right_password_does_not_reset_the_count(bob: User, clock: Clock) -> None:
    # Otherwise whoever has the password could guess codes for ever, five at a time.
    fail_password(bob.email, 4)
    assert post_login(Client(), bob.email, PASSWORD).status_code == 302
    fail_password(bob.email, 1)
    assert post_login(Client(), bob.email, PASSWORD).status_code == 400


def test_wrong_codes_count_towards_the_same_throttle(bob: User, clock: Clock) -> None:
    client = Client()
    assert post_login(client, bob.email, PASSWORD).status_code == 302
    for attempt in range(5):
        response = client.post("/accounts/mfa/", {"code": "000000" if attempt % 2 else "999999"})
        assert response.status_code == 400
    # During the wait even the right code is refused unchecked, with the usual answer.
    response = client.post("/accounts/mfa/", {"code": current_code(bob)})
    assert response.status_code == 400
    assert "That code did not work" in response.content.decode()
    assert client.get("/").status_code == 302
    # The password step waits too.
    assert post_login(Client(), bob.email, PASSWORD).status_code == 400
    failures = AuditEvent.objects.filter(action="auth.login_failed", object_id=str(bob.pk))
    assert [event.detail["factor"] for event in failures] == ["totp"] * 5
    clock.advance(2)
    assert client.post("/accounts/mfa/", {"code": current_code(bob)}).status_code == 302
    assert client.get("/").status_code == 200


def test_password_and_code_failures_add_up(bob: User, clock: Clock) -> None:
    fail_password(bob.email, 3)
    client = Client()
    assert post_login(client, bob.email, PASSWORD).status_code == 302
    for _ in range(2):
        client.post("/accounts/mfa/", {"code": "123456"}, REMOTE_ADDR=ATTACKER)
    assert post_login(Client(), bob.email, PASSWORD).status_code == 400


def test_one_address_spraying_many_accounts_is_slowed(make_user: Callable[..., User], clock: Clock) -> None:
    accounts = [make_user("caseworker") for _ in range(8)]
    for account in accounts:
        fail_password(account.email, 1)
    # Five failures in all from the address: every account waits for it, even one it never tried.
    fresh = make_user("caseworker")
    assert post_login(Client(), fresh.email, PASSWORD).status_code == 400
    assert checked_attempts() == 5
    # From another address the accounts are untouched (one failure each).
    assert post_login(Client(), fresh.email, PASSWORD, address="192.0.2.99").status_code == 302


def test_failures_from_elsewhere_never_keep_the_holder_out_of_their_own_browser(
    bob: User, clock: Clock
) -> None:
    browser = holder_browser(bob)
    for _minute in range(10):
        fail_password(bob.email, 20)
        clock.advance(60)
    # The same failures from the holder's own address (a shared office connection) change nothing either.
    fail_password(bob.email, 40, address=HOLDER)
    assert post_login(Client(), bob.email, PASSWORD).status_code == 400
    sign_in_with_next_code(browser, bob)


def test_a_brute_force_from_many_addresses_gets_a_few_checks_a_minute(bob: User, clock: Clock) -> None:
    browser = holder_browser(bob)
    checks_per_minute = []
    for minute in range(10):
        before = checked_attempts()
        for second in range(60):
            address = f"10.{minute}.{second}.1"
            assert post_login(Client(), bob.email, f"guess {minute}-{second}", address).status_code == 400
            clock.advance(1)
        checks_per_minute.append(checked_attempts() - before)
        # All along, the holder's browser gets through.
        assert post_login(browser, bob.email, PASSWORD, HOLDER).status_code == 302
        browser.post("/accounts/logout/")
    # 600 guesses offered: 5 free ones, then one after 2, 4, 8, ... seconds.
    assert checks_per_minute == [9, 1, 1, 0, 1, 0, 0, 0, 1, 0]
    assert sum(checks_per_minute) <= 14
    sign_in_with_next_code(browser, bob)


def test_an_administrator_can_clear_the_accounts_count(
    bob: User, make_user: Callable[..., User], clock: Clock
) -> None:
    fail_password(bob.email, 5)
    admin = make_user("admin", None)
    services.user_throttle_reset(actor=admin, user=bob)
    assert post_login(Client(), bob.email, PASSWORD, address="192.0.2.99").status_code == 302
    assert AuditEvent.objects.filter(action="account.throttle_reset", actor_id=admin.pk).exists()


@pytest.mark.parametrize("email", ["BOB@example.test", " bob@example.test "])
def test_the_count_follows_the_account_whatever_the_case_of_the_address(
    bob: User, email: str, clock: Clock
) -> None:
    for address in range(5):
        post_login(Client(), email, WRONG, address=f"192.0.2.{address}")
    assert post_login(Client(), bob.email, PASSWORD, address="192.0.2.99").status_code == 400


def test_the_throttle_stores_no_address_and_no_account_id(bob: User, clock: Clock) -> None:
    fail_password(bob.email, 3)
    fail_password("nobody@example.test", 3)
    stored = " ".join(LoginThrottle.objects.values_list("key", flat=True))
    for clear in (bob.email, "bob", "nobody", ATTACKER, "203.0.113"):
        assert clear not in stored
    assert LoginThrottle.objects.count() == 3  # two addresses as typed, one client address


def test_each_failure_and_each_refusal_is_audited_with_ids_only(bob: User, clock: Clock) -> None:
    fail_password(bob.email, 6)
    fail_password("nobody@example.test", 1)
    failed = AuditEvent.objects.filter(action="auth.login_failed").order_by("seq")
    assert [event.detail for event in failed[:5]] == [
        {"known_account": True, "factor": "password", "count": n} for n in range(1, 6)
    ]
    throttled = AuditEvent.objects.filter(action="auth.login_throttled").order_by("seq")
    assert [(event.object_id, event.detail) for event in throttled] == [
        (str(bob.pk), {"known_account": True, "factor": "password"}),
        ("", {"known_account": False}),
    ]


def test_the_holder_is_told_of_failed_attempts_at_their_next_sign_in(bob: User, clock: Clock) -> None:
    fail_password(bob.email, 3)
    half_way = Client()
    assert post_login(half_way, bob.email, PASSWORD).status_code == 302
    half_way.post("/accounts/mfa/", {"code": "000000"})
    browser = Client(REMOTE_ADDR=HOLDER)
    sign_in_fully(browser, bob)
    page = browser.get("/").content.decode()
    assert "4 failed sign-in attempts since your last sign-in" in page
    assert AuditEvent.objects.filter(
        action="auth.mfa_verified", actor_id=bob.pk, detail={"failed_attempts_since_last": 4}
    ).exists()
    # Told once: the next sign-in starts from zero.
    browser.post("/accounts/logout/")
    sign_in_with_next_code(browser, bob)
    assert "since your last sign-in" not in browser.get("/").content.decode()


def test_one_failed_attempt_is_told_in_the_singular_and_in_french(bob: User, clock: Clock) -> None:
    fail_password(bob.email, 1)
    browser = Client(HTTP_ACCEPT_LANGUAGE="fr")
    sign_in_fully(browser, bob)
    page = browser.get("/").content.decode()
    assert "1 tentative de connexion échouée depuis votre dernière connexion" in page
