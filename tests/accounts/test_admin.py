"""The administrator's account actions, on the web and the command line: each rule holds in both."""

from __future__ import annotations

import hashlib
import io
import json
import re
from collections.abc import Callable
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from haven.accounts import services
from haven.accounts.models import Invitation, RecoveryCode, Team, User
from haven.accounts.permissions import Role
from haven.api.models import ApiToken
from haven.api.services import token_create
from haven.audit.models import AuditEvent
from haven.cases import services as cases
from tests.conftest import PASSWORD, current_code


@pytest.fixture
def admin(make_user: Callable[..., User]) -> User:
    return make_user(Role.ADMIN, None, "admin@example.test")


def user_cli(*args: str) -> str:
    out = io.StringIO()
    call_command("user", *args, stdout=out)
    return out.getvalue()


def test_a_disabled_accounts_session_and_token_stop_at_its_next_request(
    admin: User, bob: User, signed_in: Callable[[User], Client]
) -> None:
    browser = signed_in(bob)
    _token, raw = token_create(actor=bob, user=bob)
    api = Client()
    assert browser.get("/").status_code == 200
    assert api.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 200

    response = signed_in(admin).post(f"/manage/accounts/{bob.pk}/disable/", {"confirm": "yes"})
    assert response.status_code == 302

    # The very next request of each is refused: the session is gone, the token no longer authenticates.
    after = browser.get("/")
    assert after.status_code == 302 and after["Location"].startswith("/accounts/login/")
    assert api.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 401
    assert AuditEvent.objects.filter(
        action="account.disabled", actor_id=admin.pk, object_id=str(bob.pk)
    ).exists()


def test_the_same_holds_when_disabled_on_the_command_line(admin: User, bob: User, signed_in) -> None:
    browser = signed_in(bob)
    assert browser.get("/").status_code == 200
    user_cli("disable", bob.email, "--actor", admin.email)
    assert browser.get("/").status_code == 302
    user_cli("enable", bob.email)
    bob.refresh_from_db()
    assert bob.is_active


def test_the_last_administrator_cannot_be_disabled_on_any_channel(admin: User, signed_in) -> None:
    with pytest.raises(ValidationError):
        services.user_disable(actor=None, user=admin)
    with pytest.raises(CommandError) as caught:
        user_cli("disable", admin.email)
    assert caught.value.returncode == 2
    admin.refresh_from_db()
    assert admin.is_active


def test_an_administrator_cannot_disable_themselves_nor_change_their_own_role(
    admin: User, make_user: Callable[..., User], signed_in
) -> None:
    make_user(Role.ADMIN, None, "second-admin@example.test")
    with pytest.raises(PermissionDenied):
        services.user_disable(actor=admin, user=admin)
    with pytest.raises(PermissionDenied):
        services.user_set_role(actor=admin, user=admin, role=Role.DPO)
    web = signed_in(admin)
    assert (
        web.post(f"/manage/accounts/{admin.pk}/role/", {"role": "data_protection_officer"}).status_code == 403
    )
    with pytest.raises(CommandError) as caught:
        user_cli("set-role", admin.email, "data_protection_officer", "--actor", admin.email)
    assert caught.value.returncode == 2
    admin.refresh_from_db()
    assert admin.role == Role.ADMIN and admin.is_active
    # Each refusal is in the trail once, whichever channel.
    assert AuditEvent.objects.filter(action="access.denied", actor_id=admin.pk).count() == 4


def test_the_last_administrator_keeps_the_role(admin: User, make_user: Callable[..., User]) -> None:
    other = make_user(Role.ADMIN, None, "other-admin@example.test")
    services.user_disable(actor=admin, user=other)
    with pytest.raises(ValidationError):
        services.user_set_role(actor=None, user=admin, role=Role.CASEWORKER)


def test_only_the_administrator_manages_accounts(users_by_role: dict[Role, User], bob: User) -> None:
    for role, user in users_by_role.items():
        if role == Role.ADMIN:
            continue
        with pytest.raises(PermissionDenied):
            services.user_disable(actor=user, user=bob)
        with pytest.raises(CommandError) as caught:
            user_cli("list", "--actor", user.email)
        assert caught.value.returncode == 2


def test_an_administrator_opening_a_case_gets_the_same_answer_as_a_missing_case(
    admin: User, alice: User, signed_in
) -> None:
    case = cases.first_contact_create(actor=alice, values={"stated_age": 30}, confirm_new_person=True)
    web = signed_in(admin)
    real = web.get(f"/cases/{case.code}/")
    missing = web.get("/cases/HV-2001-99999/")
    # Refused alike, before any lookup: the answer says nothing of whether the case exists.
    assert real.status_code == missing.status_code == 403

    # The same page but for the path itself (the language switch sends you back to it).
    def page(response: object) -> str:
        text = response.content.decode().replace(case.code, "HV-2001-99999")  # type: ignore[attr-defined]
        return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", text)

    assert page(real) == page(missing)
    assert not AuditEvent.objects.filter(action="case.viewed", actor_id=admin.pk).exists()


def test_user_list_filters_and_speaks_json(admin: User, bob: User, charlie: User) -> None:
    rows = json.loads(user_cli("list", "--team", "South", "--json"))
    assert [row["email"] for row in rows] == [charlie.email]
    assert rows[0] == {
        "email": charlie.email,
        "role": "caseworker",
        "team": "South",
        "status": "active",
        "last_sign_in": None,
        "second_factor": True,
        "recovery_codes_left": 0,
        "waiting_after_failures": False,
    }
    admins = json.loads(user_cli("list", "--role", "admin", "--json"))
    assert [row["email"] for row in admins] == [admin.email]


@pytest.mark.parametrize(
    "args",
    [
        ("disable", "nobody@example.test"),
        ("set-role", "bob@example.test", "superuser"),
        ("set-team", "bob@example.test", "Atlantis"),
        ("list", "--role", "superuser"),
    ],
)
def test_an_unknown_account_role_or_team_exits_with_two(bob: User, args: tuple[str, ...]) -> None:
    with pytest.raises(CommandError) as caught:
        user_cli(*args)
    assert caught.value.returncode == 2


def test_role_and_team_changes_apply_at_once_and_are_audited(
    admin: User, bob: User, south: Team, signed_in
) -> None:
    browser = signed_in(bob)
    web = signed_in(admin)
    assert web.post(f"/manage/accounts/{bob.pk}/team/", {"team": str(south.pk)}).status_code == 302
    assert browser.get("/").status_code == 302  # signed out: the new team applies from the next sign-in
    user_cli("set-role", bob.email, "case_manager", "--actor", admin.email)
    bob.refresh_from_db()
    assert bob.team == south and bob.role == Role.CASE_MANAGER
    changed = AuditEvent.objects.get(action="account.role_changed")
    assert changed.detail == {"before": "caseworker", "after": "case_manager"}


def test_a_second_factor_reset_records_the_identity_check(admin: User, bob: User, signed_in) -> None:
    web = signed_in(admin)
    assert web.post(f"/manage/accounts/{bob.pk}/second-factor/", {"identity_check": ""}).status_code == 400
    assert TOTPDevice.objects.filter(user=bob).exists()
    response = web.post(f"/manage/accounts/{bob.pk}/second-factor/", {"identity_check": "video_call"})
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=bob).exists()
    entry = AuditEvent.objects.get(action="account.mfa_reset")
    assert entry.detail == {"identity_check": "video_call"} and entry.actor_id == admin.pk


def test_the_administrator_revokes_an_accounts_token(admin: User, bob: User, signed_in) -> None:
    token, raw = token_create(actor=bob, user=bob)
    web = signed_in(admin)
    page = web.get(f"/manage/accounts/{bob.pk}/").content.decode()
    assert token.prefix in page and raw not in page
    assert (
        web.post(f"/manage/accounts/{bob.pk}/tokens/{token.pk}/revoke/", {"confirm": "yes"}).status_code
        == 302
    )
    assert ApiToken.objects.get(pk=token.pk).revoked_at is not None
    assert Client().get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 401


def test_an_unlock_forgets_the_failed_sign_ins(admin: User, bob: User) -> None:
    client = Client()
    for _ in range(6):
        client.post("/accounts/login/", {"email": bob.email, "password": "wrong password here"})
    assert json.loads(user_cli("list", "--json", "--role", "caseworker"))[0]["waiting_after_failures"]
    user_cli("unlock", bob.email, "--actor", admin.email)
    assert not json.loads(user_cli("list", "--json", "--role", "caseworker"))[0]["waiting_after_failures"]


# -- invitations -----------------------------------------------------------------------------------------


def test_an_invitation_link_works_once_and_no_password_is_ever_sent(
    admin: User, north: Team, signed_in
) -> None:
    web = signed_in(admin)
    response = web.post(
        "/manage/accounts/invite/",
        {"email": "new-person@example.test", "role": "volunteer", "team": north.pk},
    )
    assert response.status_code == 200
    page = response.content.decode()
    link = page.split("data-invitation-link>")[1].split("<")[0]
    token = link.rstrip("/").rsplit("/", 1)[1]
    user = User.objects.get(email="new-person@example.test")
    assert not user.has_usable_password()
    # Only the hash of the link's secret is kept.
    assert Invitation.objects.get(user=user).digest == hashlib.sha256(token.encode()).hexdigest()

    holder = Client()
    assert holder.get(f"/accounts/invitation/{token}/").status_code == 200
    choose = {"password": PASSWORD, "again": PASSWORD}
    response = holder.post(f"/accounts/invitation/{token}/", choose)
    assert response.status_code == 302 and response["Location"] == "/accounts/mfa/enrol/"
    # Spent: a second use finds nothing.
    assert Client().get(f"/accounts/invitation/{token}/").status_code == 404
    assert Client().post(f"/accounts/invitation/{token}/", choose).status_code == 404


def test_an_invitation_link_expires(admin: User, north: Team) -> None:
    user, raw = services.user_invite(actor=admin, email="late@example.test", role=Role.VOLUNTEER, team=north)
    Invitation.objects.filter(user=user).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert Client().get(f"/accounts/invitation/{raw}/").status_code == 404
    assert services.invitation_accept(raw=raw, password=PASSWORD) is None


def test_only_an_administrator_may_make_an_administrator(admin: User, north: Team) -> None:
    services.user_invite(actor=admin, email="admin-two@example.test", role=Role.ADMIN, team=None)
    with pytest.raises(ValidationError):
        services.user_invite(actor=admin, email="nobody-team@example.test", role=Role.VOLUNTEER, team=None)


# -- recovery codes ---------------------------------------------------------------------------------------


def _enrol(client: Client, user: User) -> list[str]:
    client.get("/accounts/mfa/enrol/")
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    from django_otp.oath import totp

    code = f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"
    page = client.post("/accounts/mfa/enrol/", {"code": code}).content.decode()
    return [part.split("</code>")[0] for part in page.split("<li><code>")[1:]]


def test_ten_recovery_codes_are_shown_once_each_works_once_and_only_hashes_are_kept(north: Team) -> None:
    user = services.user_create(
        actor=None, email="codes@example.test", password=PASSWORD, role=Role.CASEWORKER, team=north
    )
    client = Client()
    client.post("/accounts/login/", {"email": user.email, "password": PASSWORD})
    codes = _enrol(client, user)
    assert len(codes) == 10 and len(set(codes)) == 10
    stored = " ".join(str(v) for row in RecoveryCode.objects.filter(user=user).values_list() for v in row)
    for code in codes:
        plain = code.replace("-", "")
        assert code not in stored and plain not in stored
        assert hashlib.sha256(plain.encode()).hexdigest() in stored

    def second_step_with(code: str) -> int:
        other = Client()
        other.post("/accounts/login/", {"email": user.email, "password": PASSWORD})
        return other.post("/accounts/mfa/recovery/", {"code": code}).status_code

    assert second_step_with(codes[0]) == 302
    assert second_step_with(codes[0]) == 400  # used: refused
    assert second_step_with(codes[1].upper()) == 302  # typed in capitals: still the code
    assert RecoveryCode.objects.filter(user=user, used_at=None).count() == 8
    assert AuditEvent.objects.filter(action="auth.recovery_code_used", actor_id=user.pk).count() == 2


def test_a_second_factor_reset_voids_the_recovery_codes(admin: User, bob: User) -> None:
    codes = services.recovery_codes_issue(user=bob)
    services.user_mfa_reset(actor=admin, user=bob, identity_check="in_person")
    client = Client()
    client.post("/accounts/login/", {"email": bob.email, "password": PASSWORD})
    assert client.post("/accounts/mfa/recovery/", {"code": codes[0]}).status_code == 400


def test_the_administrators_home_offers_accounts_teams_and_the_audit_trail_not_cases(
    admin: User, signed_in
) -> None:
    page = signed_in(admin).get("/").content.decode()
    assert 'href="/manage/accounts/"' in page and 'href="/manage/teams/"' in page
    assert 'href="/oversight/audit/"' in page
    assert 'href="/cases/"' not in page


def test_a_recovery_code_step_counts_wrong_codes_like_wrong_totp_codes(bob: User) -> None:
    client = Client()
    client.post("/accounts/login/", {"email": bob.email, "password": PASSWORD})
    assert client.post("/accounts/mfa/recovery/", {"code": "aaaa-bbbb-cccc-dddd"}).status_code == 400
    assert AuditEvent.objects.filter(action="auth.login_failed", actor_id=bob.pk).exists()
    # The ordinary code still works afterwards.
    assert client.post("/accounts/mfa/", {"code": current_code(bob)}).status_code == 302
