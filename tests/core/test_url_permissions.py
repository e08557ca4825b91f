"""Every URL × every role: who gets in, who is refused, who is sent to sign in or to the second step.

HOW TO ADD YOUR URLS (this test FAILS for any URL without an entry):

1. Create `tests/<your app>/url_access.py` with a dict `URL_ACCESS` mapping each URL name, with its
   namespace as `reverse()` takes it ("cases:detail", "api-v1:get_case"), to an `Access`.
2. Build entries with the helpers of `tests/core/access_table.py`:
   - `page(Perm.X)`: a page behind sign-in and MFA; anonymous → sign-in, no second factor → MFA step,
     roles with Perm.X → 200, others → 403. `override={Role.CASEWORKER: NOT_FOUND}` for per-role
     exceptions (e.g. a case outside the role's reach answers 404, like a missing one).
   - `api(Perm.X)`: an API endpoint; no token (and a browser session without a token) → 401,
     roles' tokens → 200 or 403.
   - `public()`: everyone gets 200.
   - `kwargs=` / `data=` take a dict, or a function `f(users) -> dict` that creates what the URL needs
     (it gets the accounts by role value, all in team North, plus "no_mfa"); it runs once per subject,
     so destructive actions (erase, close) each get their own object.
3. Run `pytest tests/core/test_url_permissions.py`.

The table is discovered from every `tests/*/url_access.py`; this module never needs editing.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from haven.accounts.models import User
from haven.accounts.permissions import Role
from haven.api.services import token_create
from tests.conftest import REPO_ROOT
from tests.core.access_table import (
    ANONYMOUS,
    BAD_REQUEST,
    FORBIDDEN,
    LOGIN,
    MFA,
    NO_MFA,
    NOT_ALLOWED,
    NOT_FOUND,
    OK,
    REDIRECT,
    SUBJECTS,
    UNAUTHORISED,
    Access,
)


def url_names(patterns: list[Any] | None = None, namespace: str = "") -> Iterator[tuple[str, str]]:
    """(name, route) for every URL pattern of the root resolver, recursively, namespaced like reverse()."""
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(entry, URLResolver):
            inner = ":".join(part for part in (namespace, entry.namespace or "") if part)
            for name, route in url_names(entry.url_patterns, inner):
                yield name, f"{entry.pattern}{route}"
        elif isinstance(entry, URLPattern):
            name = f"{namespace}:{entry.name}" if namespace and entry.name else (entry.name or "")
            yield name, str(entry.pattern)


def load_table() -> dict[str, Access]:
    """Merge URL_ACCESS from every tests/<app>/url_access.py."""
    table: dict[str, Access] = {}
    for module_path in sorted((REPO_ROOT / "tests").glob("*/url_access.py")):
        module = importlib.import_module(f"tests.{module_path.parent.name}.url_access")
        entries: Mapping[str, Access] = module.URL_ACCESS
        clash = set(table) & set(entries)
        assert not clash, f"{module_path}: URL names already described elsewhere: {sorted(clash)}"
        table.update(entries)
    return table


TABLE = load_table()
ALL_URLS = sorted(set(url_names()))


def test_every_url_has_a_name_so_it_can_be_described() -> None:
    unnamed = [route for name, route in ALL_URLS if not name or name.endswith(":")]
    assert not unnamed, f"give these URL patterns a name: {unnamed}"


def test_every_url_has_an_access_entry() -> None:
    missing = sorted({name for name, _ in ALL_URLS if name and name not in TABLE})
    assert not missing, (
        "These URLs have no entry in the URL × role table. Add them to URL_ACCESS in "
        f"tests/<app>/url_access.py (see tests/core/test_url_permissions.py): {missing}"
    )


def test_every_access_entry_names_a_url_that_exists() -> None:
    stale = sorted(set(TABLE) - {name for name, _ in ALL_URLS})
    assert not stale, f"URL_ACCESS describes URLs that no longer exist: {stale}"


def classify(response: Any) -> str:
    status = response.status_code
    if 200 <= status < 300:
        return OK
    if status in (301, 302, 303, 307, 308):
        location = response["Location"]
        if location.startswith("/accounts/login/"):
            return LOGIN
        if location.startswith("/accounts/mfa/") and not location.startswith("/accounts/mfa/enrol/"):
            return MFA
        return REDIRECT
    return {
        400: BAD_REQUEST,
        401: UNAUTHORISED,
        403: FORBIDDEN,
        404: NOT_FOUND,
        405: NOT_ALLOWED,
    }.get(status, str(status))


def resolve(value: Mapping[str, Any] | Callable[..., Any] | None, users: Mapping[str, User]) -> Any:
    return value(users) if callable(value) else value


def client_for(subject: str, users: Mapping[str, User], *, api: bool) -> Client:
    client = Client(raise_request_exception=False)
    if subject == ANONYMOUS:
        return client
    user = users[subject]
    if subject == NO_MFA and not api:
        client.force_login(user)  # the password step only
        return client
    if api and subject != NO_MFA:
        _, raw = token_create(actor=user, user=user, name="url-permissions")
        client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {raw}"
        return client
    # A full browser session (for the API's NO_MFA subject: signed in, but no token).
    client.force_login(user)
    session = client.session
    session["otp_device_id"] = TOTPDevice.objects.get(user=user, confirmed=True).persistent_id
    session.save()
    return client


def send(client: Client, access: Access, path: str, data: Any) -> Any:
    method = access.method.upper()
    if method == "GET":
        return client.get(path, data or {})
    if access.json or method not in ("POST",):
        import json

        return client.generic(method, path, json.dumps(data or {}), "application/json")
    return client.post(path, data or {})


@pytest.fixture
def accounts(users_by_role: dict[Role, User], make_user: Callable[..., User]) -> dict[str, User]:
    users: dict[str, User] = {role.value: user for role, user in users_by_role.items()}
    users[NO_MFA] = make_user(Role.CASEWORKER, "North", "half-signed-in@example.test")
    return users


@pytest.mark.parametrize("name", sorted({name for name, _ in ALL_URLS if name}))
def test_url_answers_every_role_as_the_table_says(name: str, accounts: dict[str, User]) -> None:
    access = TABLE.get(name)
    if access is None:
        pytest.fail(f"{name} has no entry in URL_ACCESS: add one to tests/<app>/url_access.py")
    mismatches = []
    for subject in SUBJECTS:
        kwargs = resolve(access.kwargs, accounts) or {}
        data = resolve(access.data, accounts)
        path = reverse(name, kwargs=kwargs)
        is_api = path.startswith("/api/")
        response = send(client_for(subject, accounts, api=is_api), access, path, data)
        got = classify(response)
        expected = access.expect[subject]
        if got != expected:
            where = response.get("Location", "") if hasattr(response, "get") else ""
            mismatches.append(
                f"{subject}: expected {expected}, got {got} ({response.status_code} {where})".rstrip()
            )
    assert not mismatches, f"{access.method} {name}:\n  " + "\n  ".join(mismatches)
