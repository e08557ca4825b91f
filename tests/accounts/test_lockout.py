"""Login throttling: five failures in a row (password or code) lock the account for a while."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from haven.accounts import services
from haven.accounts.models import User
from haven.audit.models import AuditEvent
from tests.conftest import PASSWORD, current_code, sign_in_fully

WRONG = "this is not the password"
LOCKED_TEXT = "Too many failed attempts"


def post_login(client: Client, email: str, password: str):  # type: ignore[no-untyped-def]
    return client.post("/accounts/login/", {"email": email, "password": password})


def fail_password(user: User, times: int) -> None:
    for _ in range(times):
        response = post_login(Client(), user.email, WRONG)
        assert response.status_code == 400


def actions_for(user: User) -> list[str]:
    return list(
        AuditEvent.objects.filter(object_id=str(user.pk)).order_by("seq").values_list("action", flat=True)
    )


def test_the_limit_is_five(db: None) -> None:
    assert settings.LOGIN_FAILURE_LIMIT == 5


def test_five_failed_logins_lock_the_account(bob: User) -> None:
    fail_password(bob, 5)
    bob.refresh_from_db()
    assert bob.locked_until is not None and bob.locked_until > timezone.now()
    response = post_login(Client(), bob.email, PASSWORD)
    assert response.status_code == 400
    assert LOCKED_TEXT in response.content.decode()
    assert "_auth_user_id" not in response.client.session


def test_four_failed_logins_do_not_lock_the_account(bob: User) -> None:
    fail_password(bob, 4)
    response = post_login(Client(), bob.email, PASSWORD)
    assert response.status_code == 302
    bob.refresh_from_db()
    assert bob.locked_until is None
    assert bob.failed_logins == 0


def test_a_success_resets_the_count_so_only_failures_in_a_row_lock(bob: User) -> None:
    fail_password(bob, 4)
    assert post_login(Client(), bob.email, PASSWORD).status_code == 302
    fail_password(bob, 4)
    bob.refresh_from_db()
    assert bob.locked_until is None


def test_the_lock_and_each_failure_are_audited(bob: User) -> None:
    fail_password(bob, 5)
    post_login(Client(), bob.email, PASSWORD)
    actions = actions_for(bob)
    assert actions.count("auth.login_failed") == 5
    assert actions.count("auth.locked") == 1
    assert actions[-1] == "auth.login_refused_locked"
    locked = AuditEvent.objects.get(action="auth.locked", object_id=str(bob.pk))
    assert locked.detail == {"minutes": settings.LOCKOUT_MINUTES}


def test_a_lock_ends_after_the_lockout_period(bob: User) -> None:
    fail_password(bob, 5)
    User.objects.filter(pk=bob.pk).update(locked_until=timezone.now() - timedelta(seconds=1))
    assert post_login(Client(), bob.email, PASSWORD).status_code == 302


def test_one_failure_after_an_expired_lock_does_not_lock_again(bob: User) -> None:
    fail_password(bob, 5)
    User.objects.filter(pk=bob.pk).update(locked_until=timezone.now() - timedelta(seconds=1))
    fail_password(bob, 1)
    bob.refresh_from_db()
    assert bob.locked_until is None
    assert bob.failed_logins == 1


def test_wrong_codes_count_towards_the_lockout(bob: User) -> None:
    client = Client()
    assert post_login(client, bob.email, PASSWORD).status_code == 302
    for attempt in range(5):
        response = client.post("/accounts/mfa/", {"code": "000000" if attempt % 2 else "999999"})
    # The fifth wrong code locks the account and ends the half-finished session.
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    bob.refresh_from_db()
    assert bob.locked_until is not None
    assert client.get("/").status_code == 302
    assert post_login(Client(), bob.email, PASSWORD).status_code == 400
    failures = AuditEvent.objects.filter(action="auth.login_failed", object_id=str(bob.pk))
    assert [event.detail["factor"] for event in failures] == ["totp"] * 5


def test_password_and_code_failures_add_up(bob: User) -> None:
    fail_password(bob, 3)
    client = Client()
    assert post_login(client, bob.email, PASSWORD).status_code == 302
    # A good password resets the count; only failures in a row lock.
    bob.refresh_from_db()
    assert bob.failed_logins == 0
    fail_password(bob, 3)
    for _ in range(2):
        client.post("/accounts/mfa/", {"code": "123456"})
    bob.refresh_from_db()
    assert bob.locked_until is not None


def test_a_locked_account_cannot_finish_the_second_step_either(bob: User) -> None:
    client = Client()
    assert post_login(client, bob.email, PASSWORD).status_code == 302
    fail_password(bob, 5)
    response = client.post("/accounts/mfa/", {"code": current_code(bob)})
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert client.get("/").status_code == 302
    assert "auth.mfa_refused_locked" in actions_for(bob)


def test_an_unknown_address_gets_the_same_answer_as_a_wrong_password(bob: User) -> None:
    unknown = post_login(Client(), "nobody@example.test", WRONG)
    wrong = post_login(Client(), bob.email, WRONG)
    assert unknown.status_code == wrong.status_code == 400
    strip = lambda html: html.replace("nobody@example.test", "").replace(bob.email, "")  # noqa: E731
    assert (
        strip(unknown.content.decode()).split("csrfmiddlewaretoken")[0]
        == strip(wrong.content.decode()).split("csrfmiddlewaretoken")[0]
    )
    unknown_event = AuditEvent.objects.filter(action="auth.login_failed").first()
    assert unknown_event is not None and unknown_event.detail == {"known_account": False}


def test_an_administrator_can_unlock_an_account(bob: User, make_user: Callable[..., User]) -> None:
    fail_password(bob, 5)
    admin = make_user("admin", None)
    services.user_unlock(actor=admin, user=bob)
    client = sign_in_fully(Client(), bob)
    assert client.get("/").status_code == 200
    assert AuditEvent.objects.filter(action="account.unlocked", actor_id=admin.pk).exists()


@pytest.mark.parametrize("email", ["BOB@example.test", " bob@example.test "])
def test_the_count_follows_the_account_whatever_the_case_of_the_address(bob: User, email: str) -> None:
    for _ in range(5):
        post_login(Client(), email, WRONG)
    bob.refresh_from_db()
    assert bob.locked_until is not None
