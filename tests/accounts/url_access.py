"""URL × role expectations for the sign-in extras and the administrator's pages (accounts and teams).

Only the administrator (accounts.manage) gets in; every other role is refused with 403. Destructive actions
get a fresh account each, made for that subject.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from haven.accounts import services
from haven.accounts.models import User
from haven.accounts.permissions import Role
from haven.api.services import token_create
from tests.conftest import PASSWORD
from tests.core.access_table import ADMIN, NO_MFA, NOT_FOUND, OK, REDIRECT, Access, page, public

_counter = {"n": 0}


def _someone(users: Mapping[str, User]) -> User:
    _counter["n"] += 1
    return services.user_create(
        actor=None,
        email=f"target-{_counter['n']}@example.test",
        password=PASSWORD,
        role=Role.CASEWORKER,
        team=users[Role.VOLUNTEER.value].team,
    )


def _target(users: Mapping[str, User]) -> dict[str, Any]:
    return {"user_id": _someone(users).pk}


def _token(users: Mapping[str, User]) -> dict[str, Any]:
    user = _someone(users)
    token, _raw = token_create(actor=user, user=user, name="test")
    return {"user_id": user.pk, "token_id": token.pk}


def _team(users: Mapping[str, User]) -> dict[str, Any]:
    team = users[Role.VOLUNTEER.value].team
    assert team is not None
    return {"team_id": team.pk}


# By hand: accounts and teams are the administrator's alone (PRODUCT.md).
ADMIN_ONLY = {ADMIN}

URL_ACCESS: dict[str, Access] = {
    # The recovery-code step, like the code step: half-way it asks; done, it sends you on.
    "accounts:mfa_recovery": page(allowed=REDIRECT, override={NO_MFA: OK}),
    # An enrolment link that was never made answers 404 to everyone.
    "accounts:invitation": Access(expect=public(NOT_FOUND).expect, kwargs={"token": "not-a-real-invitation"}),
    "manage:accounts": page(roles=ADMIN_ONLY),
    "manage:invite": page(roles=ADMIN_ONLY),
    "manage:account": page(roles=ADMIN_ONLY, kwargs=_target),
    "manage:account_role": page(
        roles=ADMIN_ONLY, method="POST", kwargs=_target, data={"role": "volunteer"}, allowed=REDIRECT
    ),
    "manage:account_team": page(
        roles=ADMIN_ONLY, method="POST", kwargs=_target, data={"team": ""}, allowed=REDIRECT
    ),
    "manage:account_disable": page(roles=ADMIN_ONLY, kwargs=_target),
    "manage:account_enable": page(
        roles=ADMIN_ONLY, method="POST", kwargs=_target, allowed=REDIRECT, data={"confirm": "yes"}
    ),
    "manage:account_unlock": page(roles=ADMIN_ONLY, method="POST", kwargs=_target, allowed=REDIRECT),
    "manage:account_mfa_reset": page(roles=ADMIN_ONLY, kwargs=_target),
    "manage:account_reinvite": page(roles=ADMIN_ONLY, method="POST", kwargs=_target, allowed=REDIRECT),
    "manage:token_revoke": page(
        roles=ADMIN_ONLY, method="POST", kwargs=_token, allowed=REDIRECT, data={"confirm": "yes"}
    ),
    "manage:teams": page(roles=ADMIN_ONLY),
    "manage:team": page(roles=ADMIN_ONLY, kwargs=_team),
}
