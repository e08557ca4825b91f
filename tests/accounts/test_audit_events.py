"""Every sign-in, sign-out, failure, second-factor event, refusal and account change leaves an audit entry,
written by the service in the same transaction, holding ids and codes only."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from django.test import Client

from haven.accounts import services
from haven.accounts.models import Team, User
from haven.accounts.permissions import Role
from haven.api.services import token_create, token_revoke
from haven.audit.models import AuditEvent
from tests.conftest import PASSWORD, current_code, sign_in_fully


def last(action: str) -> AuditEvent:
    event = AuditEvent.objects.filter(action=action).order_by("-seq").first()
    assert event is not None, f"no audit entry {action!r}"
    return event


def test_a_sign_in_writes_login_and_second_factor_entries(bob: User) -> None:
    sign_in_fully(Client(), bob)
    assert last("auth.login").object_id == str(bob.pk)
    assert last("auth.mfa_verified").actor_id == bob.pk


def test_a_sign_out_is_audited(bob: User) -> None:
    client = sign_in_fully(Client(), bob)
    client.post("/accounts/logout/")
    assert last("auth.logout").actor_id == bob.pk


def test_a_failed_password_is_audited_with_the_account_id_only(bob: User) -> None:
    Client().post("/accounts/login/", {"email": bob.email, "password": "wrong-password-marker"})
    event = last("auth.login_failed")
    assert event.object_id == str(bob.pk)
    assert event.detail == {"known_account": True, "factor": "password", "count": 1}


def test_a_failed_code_is_audited(bob: User) -> None:
    client = Client()
    client.post("/accounts/login/", {"email": bob.email, "password": PASSWORD})
    wrong = f"{(int(current_code(bob)) + 5) % 1_000_000:06d}"
    client.post("/accounts/mfa/", {"code": wrong})
    assert last("auth.login_failed").detail["factor"] == "totp"


@pytest.mark.urls("tests.accounts.urls")
def test_a_permission_denial_is_audited_naming_the_permission(bob: User) -> None:
    client = sign_in_fully(Client(), bob)
    assert client.get("/test/audit-only/").status_code == 403
    event = last("access.denied")
    assert (event.actor_id, event.detail) == (bob.pk, {"what": "audit.view"})


@pytest.mark.urls("tests.accounts.urls")
def test_a_permitted_role_passes_without_a_denial(users_by_role: dict[Role, User], signed_in) -> None:  # type: ignore[no-untyped-def]
    assert signed_in(users_by_role[Role.DPO]).get("/test/audit-only/").status_code == 200
    assert not AuditEvent.objects.filter(action="access.denied").exists()


def test_account_changes_are_audited_with_the_actor(north: Team, make_user: Callable[..., User]) -> None:
    admin = make_user(Role.ADMIN, None)
    user = services.user_create(
        actor=admin, email="changes@example.test", password=PASSWORD, role=Role.VOLUNTEER, team=north
    )
    created = last("account.created")
    assert (created.actor_id, created.object_id, created.detail) == (
        admin.pk,
        str(user.pk),
        {"role": "volunteer"},
    )
    services.user_throttle_reset(actor=admin, user=user)
    assert last("account.throttle_reset").actor_id == admin.pk
    services.user_disable(actor=admin, user=user)
    assert last("account.disabled").object_id == str(user.pk)


def test_organisation_creation_is_audited(db: None) -> None:
    organisation = services.organisation_create(actor=None, name="Audit Test Society", team_names=["East"])
    event = last("organisation.created")
    assert (event.object_id, event.detail) == (str(organisation.pk), {"teams": 1})


def test_token_creation_and_revocation_are_audited(bob: User) -> None:
    token, _raw = token_create(actor=bob, user=bob, scopes=["cases.read"], days=30)
    assert last("api.token_created").detail == {"token": token.pk, "scopes": ["cases.read"], "days": 30}
    token_revoke(actor=bob, token=token, reason="lost")
    assert last("api.token_revoked").detail == {"token": token.pk, "reason": "lost"}


def test_a_refused_account_creation_leaves_no_entry(north: Team) -> None:
    before = AuditEvent.objects.count()
    with pytest.raises(Exception):  # noqa: B017 (the password validator's error; the point is no entry)
        services.user_create(
            actor=None, email="short@example.test", password="short", role=Role.VOLUNTEER, team=north
        )
    assert AuditEvent.objects.count() == before


def test_audit_entries_never_hold_addresses_or_passwords(bob: User) -> None:
    sign_in_fully(Client(), bob).post("/accounts/logout/")
    Client().post("/accounts/login/", {"email": bob.email, "password": "wrong-password-marker"})
    Client().post("/accounts/login/", {"email": "stranger-marker@example.test", "password": "x" * 20})
    dump = json.dumps(
        list(AuditEvent.objects.values("action", "object_type", "object_id", "detail")), default=str
    )
    for secret in (bob.email, "bob@", PASSWORD, "wrong-password-marker", "stranger-marker"):
        assert secret not in dump
