"""The Django-facing vault: per-person openers, key problems in words, and every page failing closed (503)
when the keys cannot be used."""

from __future__ import annotations

import base64
import os
import re
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.test import Client, override_settings
from django.urls import URLPattern, URLResolver, get_resolver

from haven.accounts.models import User
from haven.accounts.permissions import Role
from haven.audit.models import AuditEvent
from haven.vault import integration as vault
from haven.vault.errors import VaultDecryptError, VaultKeyMissing
from haven.vault.keystore import KeyStore

MIDDLEWARE_PATH = "haven.vault.middleware.VaultHealthMiddleware"


@pytest.fixture
def own_data_dir(tmp_path: Path) -> Iterator[Path]:
    """A data dir of this test's own, with fresh keys, used by the vault for the test's duration."""
    data_dir = tmp_path / "var"
    (data_dir / "attachments").mkdir(parents=True)
    vault.ensure_keys(data_dir)
    with override_settings(DATA_DIR=data_dir):
        vault.reset()
        yield data_dir
    vault.reset()


def _middleware() -> list[str]:
    """MIDDLEWARE with the vault check in place (right after CSP, before sessions), as the lead wires it."""
    current = list(settings.MIDDLEWARE)
    if MIDDLEWARE_PATH not in current:
        current.insert(current.index("csp.middleware.CSPMiddleware") + 1, MIDDLEWARE_PATH)
    return current


# -- opener -------------------------------------------------------------------------------------------------


def test_opener_seals_and_opens_every_field_of_a_person_with_one_key(own_data_dir: Path) -> None:
    key_id = vault.new_key()
    where = {"table": "cases_person", "row_id": "row-1"}
    with vault.opener(key_id) as person:
        sealed = {c: person.seal_text(column=c, value=f"Test value {c}", **where) for c in ("name", "phone")}
        assert person.open_text(column="name", blob=sealed["name"], **where) == "Test value name"
    # Interchangeable with the one-shot functions the cases app already uses.
    assert vault.open_text(key_id, column="phone", blob=sealed["phone"], **where) == "Test value phone"


def test_opener_refuses_a_value_moved_to_another_column(own_data_dir: Path) -> None:
    key_id = vault.new_key()
    blob = vault.seal_text(
        key_id, table="cases_person", column="name", row_id="r1", value="Test Person Alpha"
    )
    with vault.opener(key_id) as person, pytest.raises(VaultDecryptError, match="copied between rows"):
        person.open_text(table="cases_person", column="aliases", row_id="r1", blob=blob)


def test_opener_of_an_erased_person_raises_key_missing(own_data_dir: Path) -> None:
    key_id = vault.new_key()
    vault.erase_key(key_id, actor_id=1, case_code="HV-2000-00001", reason_code="legal_obligation")
    with pytest.raises(VaultKeyMissing), vault.opener(key_id):
        pass


# -- key_problems -------------------------------------------------------------------------------------------


def test_key_problems_is_empty_for_healthy_keys(own_data_dir: Path) -> None:
    assert vault.key_problems(own_data_dir) == []


def test_key_problems_names_a_wrong_master_key(own_data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HAVEN_MASTER_KEY", base64.b64encode(os.urandom(32)).decode())
    [problem] = vault.key_problems(own_data_dir)
    assert "is not the master key of this key store" in problem


def test_key_problems_names_an_interrupted_restore(own_data_dir: Path) -> None:
    vault.restore_marker(own_data_dir).write_text("test")
    [problem] = vault.key_problems(own_data_dir)
    assert "restore is under way or was interrupted" in problem and "haven restore" in problem


# -- every page fails closed --------------------------------------------------------------------------------


def _paths() -> list[str]:
    """Every URL pattern of the project with its parameters filled in with harmless values."""

    def walk(patterns: list[URLPattern | URLResolver], prefix: str) -> Iterator[str]:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                yield from walk(pattern.url_patterns, prefix + str(pattern.pattern))
            else:
                yield prefix + str(pattern.pattern)

    fill = {"int": "1", "uuid": "00000000-0000-4000-8000-000000000000", "case": "HV-2000-00001"}
    paths = set()
    for raw in walk(get_resolver().url_patterns, ""):
        path = re.sub(r"<(?:(\w+):)?\w+>", lambda m: fill.get(m.group(1) or "", "x1"), raw)
        paths.add("/" + path.lstrip("^").rstrip("$"))
    return sorted(paths)


def test_every_url_pattern_is_covered() -> None:
    paths = _paths()
    assert "/" in paths and "/cases/HV-2000-00001/" in paths and "/api/v1/cases" in paths
    assert len(paths) > 30


BREAKAGES: dict[str, Callable[[Path, pytest.MonkeyPatch], None]] = {
    "wrong master key": lambda d, mp: mp.setenv(
        "HAVEN_MASTER_KEY", base64.b64encode(os.urandom(32)).decode()
    ),
    "missing master key": lambda d, mp: (d / "keys" / "master.key").unlink(),
    "missing key store": lambda d, mp: shutil.rmtree(d / "keys"),
}


@pytest.mark.django_db
@pytest.mark.parametrize("breakage", sorted(BREAKAGES))
def test_every_page_answers_503_with_a_clear_message_when_the_keys_fail(
    own_data_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
    signed_in: Callable[[User], Client],
    make_user: Callable[..., User],
    breakage: str,
) -> None:
    user = make_user(Role.CASE_MANAGER, "North")
    clients = {"anonymous": Client(), "signed in": signed_in(user)}
    BREAKAGES[breakage](own_data_dir, monkeypatch)
    vault.reset()
    audit_before, sessions_before = AuditEvent.objects.count(), Session.objects.count()
    with override_settings(MIDDLEWARE=_middleware()):
        for who, client in clients.items():
            for path in _paths():
                for method in ("get", "post"):
                    response = getattr(client, method)(path)
                    assert response.status_code == 503, (who, method, path, response.status_code)
                    assert response["Cache-Control"] == "no-store"
                    if path.startswith("/api/"):
                        assert response.json()["error"]["code"] == "vault_keys"
                    else:
                        assert b"Haven cannot open its encryption keys" in response.content
                        assert b"haven check" in response.content
                        assert b"Traceback" not in response.content
    assert AuditEvent.objects.count() == audit_before, "a refused request writes no audit entry"
    assert Session.objects.count() == sessions_before, "a refused request writes no session"


@pytest.mark.django_db
def test_pages_say_the_keys_were_destroyed_after_the_emergency_lock(own_data_dir: Path) -> None:
    with KeyStore.open(own_data_dir) as store:
        store.destroy_all(reason_code="emergency_lock", actor_id="cli")
    vault.reset()
    with override_settings(MIDDLEWARE=_middleware()):
        page = Client().get("/accounts/login/")
        api = Client().get("/api/v1/cases")
    assert page.status_code == 503
    assert b"The encryption keys were destroyed" in page.content
    assert api.status_code == 503 and api.json()["error"]["code"] == "vault_locked"


@pytest.mark.django_db
def test_pages_are_closed_while_a_restore_runs(own_data_dir: Path) -> None:
    vault.restore_marker(own_data_dir).write_text("test")
    vault.reset()
    with override_settings(MIDDLEWARE=_middleware()):
        page = Client().get("/")
    assert page.status_code == 503
    assert b"Haven is being restored" in page.content
    assert page["Retry-After"] == "60"


@pytest.mark.django_db
def test_healthy_keys_let_pages_through(own_data_dir: Path) -> None:
    vault.reset()
    with override_settings(MIDDLEWARE=_middleware()):
        response = Client().get("/accounts/login/")
    assert response.status_code == 200


def test_a_key_file_removed_under_a_running_worker_closes_it_within_the_cache_time(
    own_data_dir: Path,
) -> None:
    assert vault.health(max_age=0).ok
    (own_data_dir / "keys" / "master.key").unlink()
    state = vault.health(max_age=0)
    assert state.reason == "keys" and "master key" in state.detail


@pytest.mark.django_db
def test_static_files_are_still_served_so_the_503_page_keeps_its_style(own_data_dir: Path) -> None:
    (own_data_dir / "keys" / "master.key").unlink()
    vault.reset()
    with override_settings(MIDDLEWARE=_middleware()):
        assert Client().get("/").status_code == 503
        assert Client().get("/static/css/haven.css").status_code == 200


def test_vault_health_middleware_is_installed_before_sessions() -> None:
    """Fails until the lead adds the middleware to settings.MIDDLEWARE (see docs/operations.md)."""
    middleware = list(settings.MIDDLEWARE)
    assert MIDDLEWARE_PATH in middleware
    assert middleware.index(MIDDLEWARE_PATH) < middleware.index(
        "django.contrib.sessions.middleware.SessionMiddleware"
    )
