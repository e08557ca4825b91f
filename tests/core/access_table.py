"""Building blocks for the URL × role permission table (see tests/core/test_url_permissions.py).

Each app describes its URLs in `tests/<app>/url_access.py` as a dict named `URL_ACCESS`, mapping the
URL's name (with its namespace, as `reverse()` takes it: "cases:detail") to an `Access`:

    from tests.core.access_table import Access, page, api, Setup

    URL_ACCESS = {
        # 200 for the roles named, by hand, from the product brief; 403 for the others
        "cases:list": page(roles={VOLUNTEER, CASEWORKER, CASE_MANAGER, PROGRAMME_MANAGER, DPO}),
        "cases:detail": page(roles={CASE_MANAGER, DPO}, kwargs=lambda users: {"code": make_case(users).code},
                             override={CASEWORKER: NOT_FOUND}),  # per-role exceptions
        "cases:api-list": api(),                                   # token: 200 for every role; none: 401
    }

The expectations are hand-written role sets, never derived from the permission code under test. The older
form `page(Perm.X)` (roles derived from `role_has`) still works, so that a branch written before this change
merges, but such an entry is marked `derived_from` and tests/core/test_url_table_by_hand.py lists it (and
fails for the apps already converted): write `roles=` instead.

Who is tried: `anonymous` (no session; for the API: no token), `no_mfa` (password given but no second
factor; for the API: a fully signed-in browser session without a token) and every role, fully signed in
(for the API: with a token of that role). All role accounts are in team North (admin: no team).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
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

# The roles, by name, for the hand-written role sets of the tables.
VOLUNTEER = Role.VOLUNTEER
CASEWORKER = Role.CASEWORKER
CASE_MANAGER = Role.CASE_MANAGER
PROGRAMME_MANAGER = Role.PROGRAMME_MANAGER
DPO = Role.DPO
ADMIN = Role.ADMIN
EVERY_ROLE = frozenset(Role)

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
    # Set when the roles were derived from the permission matrix (`page(Perm.X)`), not written by hand.
    derived_from: Perm | None = None

    def __post_init__(self) -> None:
        missing = set(SUBJECTS) - set(self.expect)
        if missing:
            raise ValueError(f"Access.expect lacks {sorted(missing)}")


def _behind(
    gate: dict[str, str],
    roles: Collection[Role],
    allowed: str,
    denied: str,
    override: Mapping[Role | str, str] | None,
) -> dict[str, str]:
    """`gate` for those not through sign-in, `allowed` for the `roles` named, `denied` for the others; then
    the overrides."""
    expect = dict(gate)
    expect.update({role.value: allowed if role in roles else denied for role in Role})
    for who, outcome in (override or {}).items():
        expect[str(who)] = outcome
    return expect


def _roles(perm: Perm | None, roles: Collection[Role] | None) -> Collection[Role]:
    if roles is not None:
        if perm is not None:
            raise ValueError("give the roles by hand (roles=) or the permission (the older form), not both")
        return frozenset(roles)
    if perm is None:
        return EVERY_ROLE
    # The older form: derived from the code under test. Kept so that other branches' tables still load.
    return frozenset(role for role in Role if role_has(role, perm))


def page(
    perm: Perm | None = None,
    *,
    roles: Collection[Role] | None = None,
    method: str = "GET",
    kwargs: Mapping[str, Any] | Setup | None = None,
    data: Mapping[str, Any] | Setup | None = None,
    allowed: str = OK,
    denied: str = FORBIDDEN,
    override: Mapping[Role | str, str] | None = None,
) -> Access:
    """A page behind sign-in and the second factor; the `roles` named (every role when none is given) get
    `allowed`, the others `denied`. `page(Perm.X)` is the older, derived form (see the module docstring)."""
    expect = _behind({ANONYMOUS: LOGIN, NO_MFA: MFA}, _roles(perm, roles), allowed, denied, override)
    derived = perm if roles is None else None
    return Access(expect=expect, method=method, kwargs=kwargs or {}, data=data, derived_from=derived)


def public(outcome: str = OK, *, method: str = "GET", data: Mapping[str, Any] | None = None) -> Access:
    """Open to everyone, signed in or not."""
    return Access(expect={who: outcome for who in SUBJECTS}, method=method, data=data)


def api(
    perm: Perm | None = None,
    *,
    roles: Collection[Role] | None = None,
    method: str = "GET",
    kwargs: Mapping[str, Any] | Setup | None = None,
    data: Mapping[str, Any] | Setup | None = None,
    allowed: str = OK,
    denied: str = FORBIDDEN,
    override: Mapping[Role | str, str] | None = None,
) -> Access:
    """An API endpoint: 401 without a token, `allowed` for the `roles` named (every role when none is
    given). `api(Perm.X)` is the older, derived form."""
    expect = _behind(
        {ANONYMOUS: UNAUTHORISED, NO_MFA: UNAUTHORISED}, _roles(perm, roles), allowed, denied, override
    )
    derived = perm if roles is None else None
    return Access(
        expect=expect, method=method, kwargs=kwargs or {}, data=data, json=True, derived_from=derived
    )
