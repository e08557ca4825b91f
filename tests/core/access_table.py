"""Building blocks for the URL × role permission table (see tests/core/test_url_permissions.py).

Each app describes its URLs in `tests/<app>/url_access.py` as a dict named `URL_ACCESS`, mapping the
URL's name (with its namespace, as `reverse()` takes it: "cases:detail") to an `Access`:

    from tests.core.access_table import Access, page, api, Setup

    URL_ACCESS = {
        "cases:list": page(Perm.CASE_VIEW),  # 200 for roles with the permission, 403 for others
        "cases:detail": page(Perm.CASE_VIEW, kwargs=lambda users: {"code": make_case(users).code},
                             override={Role.CASEWORKER: NOT_FOUND}),  # per-role exceptions
        "cases:api-list": api(),                                   # token: 200 for every role; none: 401
    }

Who is tried: `anonymous` (no session; for the API: no token), `no_mfa` (password given but no second
factor; for the API: a fully signed-in browser session without a token) and every role, fully signed in
(for the API: with a token of that role). All role accounts are in team North (admin: no team).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from haven.accounts.models import User
from haven.accounts.permissions import Perm, Role, role_has

# Expected outcomes ("status classes").
OK = "ok"  # 2xx
LOGIN = "login"  # redirect to the sign-in page
MFA = "mfa"  # redirect to the second step
REDIRECT = "redirect"  # any other redirect
FORBIDDEN = "forbidden"  # 403
NOT_FOUND = "not_found"  # 404 (also what a forbidden case answers)
UNAUTHORISED = "unauthorised"  # 401 (API without a valid token)
BAD_REQUEST = "bad_request"  # 400
NOT_ALLOWED = "not_allowed"  # 405

ANONYMOUS = "anonymous"
NO_MFA = "no_mfa"
SUBJECTS: tuple[str, ...] = (ANONYMOUS, NO_MFA, *(role.value for role in Role))

# Given the account of each role (and the role-less "no_mfa" account under "no_mfa"), return a value.
Setup = Callable[[Mapping[str, User]], Any]


@dataclass(frozen=True)
class Access:
    """How one URL answers each subject."""

    expect: Mapping[str, str]
    method: str = "GET"
    kwargs: Mapping[str, Any] | Setup = field(default_factory=dict)
    data: Mapping[str, Any] | Setup | None = None
    json: bool = False

    def __post_init__(self) -> None:
        missing = set(SUBJECTS) - set(self.expect)
        if missing:
            raise ValueError(f"Access.expect lacks {sorted(missing)}")


def _behind(
    gate: dict[str, str],
    perm: Perm | None,
    allowed: str,
    denied: str,
    override: Mapping[Role | str, str] | None,
) -> dict[str, str]:
    """`gate` for those not through sign-in, `allowed` for roles with `perm` (or all, if None), `denied` for
    the others; then the overrides."""
    expect = dict(gate)
    expect.update({role.value: allowed if perm is None or role_has(role, perm) else denied for role in Role})
    for who, outcome in (override or {}).items():
        expect[str(who)] = outcome
    return expect


def page(
    perm: Perm | None = None,
    *,
    method: str = "GET",
    kwargs: Mapping[str, Any] | Setup | None = None,
    data: Mapping[str, Any] | Setup | None = None,
    allowed: str = OK,
    denied: str = FORBIDDEN,
    override: Mapping[Role | str, str] | None = None,
) -> Access:
    """A page behind sign-in and the second factor; roles with `perm` (or all, if None) get `allowed`."""
    expect = _behind({ANONYMOUS: LOGIN, NO_MFA: MFA}, perm, allowed, denied, override)
    return Access(expect=expect, method=method, kwargs=kwargs or {}, data=data)


def public(outcome: str = OK, *, method: str = "GET", data: Mapping[str, Any] | None = None) -> Access:
    """Open to everyone, signed in or not."""
    return Access(expect={who: outcome for who in SUBJECTS}, method=method, data=data)


def api(
    perm: Perm | None = None,
    *,
    method: str = "GET",
    kwargs: Mapping[str, Any] | Setup | None = None,
    data: Mapping[str, Any] | Setup | None = None,
    allowed: str = OK,
    denied: str = FORBIDDEN,
    override: Mapping[Role | str, str] | None = None,
) -> Access:
    """An API endpoint: 401 without a token, `allowed` for roles with `perm` (or all, if None)."""
    expect = _behind({ANONYMOUS: UNAUTHORISED, NO_MFA: UNAUTHORISED}, perm, allowed, denied, override)
    return Access(expect=expect, method=method, kwargs=kwargs or {}, data=data, json=True)
