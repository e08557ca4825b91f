"""Fixtures shared by the whole suite: one organisation with two teams, and people in each role.

The three people of the house style: alice (case manager, North), bob (caseworker, North) and charlie
(caseworker, South, an outsider to North's cases); plus one account for every other role.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from haven.accounts import services
from haven.accounts.models import Organisation, Team, User
from haven.accounts.permissions import Role

PASSWORD = "correct horse battery staple 42"


@pytest.fixture
def organisation(db: None) -> Organisation:
    return services.organisation_create(actor=None, name="Test Society", team_names=["North", "South"])


@pytest.fixture
def north(organisation: Organisation) -> Team:
    return Team.objects.get(organisation=organisation, name="North")


@pytest.fixture
def south(organisation: Organisation) -> Team:
    return Team.objects.get(organisation=organisation, name="South")


@pytest.fixture
def make_user(organisation: Organisation) -> Callable[..., User]:
    """Create an account with a confirmed authenticator: make_user(Role.CASEWORKER, team="North")."""
    counter = {"n": 0}

    def make(role: Role | str, team: str | None = "North", email: str | None = None) -> User:
        counter["n"] += 1
        role = Role(role)
        team_obj = Team.objects.get(organisation=organisation, name=team) if team else None
        user = services.user_create(
            actor=None,
            email=email or f"{role.value}-{counter['n']}@example.test",
            password=PASSWORD,
            role=role,
            team=team_obj,
        )
        TOTPDevice.objects.create(user=user, name="test", confirmed=True)
        return user

    return make


@pytest.fixture
def alice(make_user: Callable[..., User]) -> User:
    return make_user(Role.CASE_MANAGER, "North", "alice@example.test")


@pytest.fixture
def bob(make_user: Callable[..., User]) -> User:
    return make_user(Role.CASEWORKER, "North", "bob@example.test")


@pytest.fixture
def charlie(make_user: Callable[..., User]) -> User:
    return make_user(Role.CASEWORKER, "South", "charlie@example.test")


@pytest.fixture
def users_by_role(make_user: Callable[..., User]) -> dict[Role, User]:
    """One account per role, all in team North (the admin has no team)."""
    return {role: make_user(role, None if role == Role.ADMIN else "North") for role in Role}


def current_code(user: User) -> str:
    device = TOTPDevice.objects.get(user=user, confirmed=True)
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


def sign_in_fully(client: Client, user: User) -> Client:
    """Sign in through the real forms: password, then the current TOTP code."""
    response = client.post("/accounts/login/", {"email": user.email, "password": PASSWORD})
    assert response.status_code == 302, response.content[:500]
    response = client.post("/accounts/mfa/", {"code": current_code(user)})
    assert response.status_code == 302, response.content[:500]
    return client


@pytest.fixture
def signed_in() -> Callable[[User], Client]:
    """A test client signed in as `user` with the second factor verified (fast path, no forms)."""

    def sign_in(user: User) -> Client:
        client = Client()
        client.force_login(user)
        session = client.session
        session["otp_device_id"] = TOTPDevice.objects.get(user=user, confirmed=True).persistent_id
        session.save()
        return client

    return sign_in


@pytest.fixture
def temp_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, settings: Any) -> Path:
    """A fresh, empty temporary folder that every way of asking for one leads to (TMPDIR,
    `tempfile.tempdir`, FILE_UPLOAD_TEMP_DIR), to search what lands there."""
    temp = tmp_path / "tmp"
    temp.mkdir()
    monkeypatch.setenv("TMPDIR", str(temp))
    monkeypatch.setattr(tempfile, "tempdir", str(temp))
    settings.FILE_UPLOAD_TEMP_DIR = str(temp)
    return temp


# --- Foundation helpers: running Haven in a subprocess with production settings -------------------------

REPO_ROOT = Path(__file__).resolve().parents[1]


def haven_command() -> list[str]:
    """The `haven` console command of this checkout (the entry point when installed)."""
    script = REPO_ROOT / ".venv" / "bin" / "haven"
    return [str(script)] if script.exists() else [sys.executable, "-m", "haven.cli"]


def production_environ(data_dir: Path, **extra: str) -> dict[str, str]:
    """A clean environment for Haven with HAVEN_ENV=production, a fresh SECRET_KEY and its own data dir.

    Variables of the test run (HAVEN_*, DJANGO_*, DATABASE_URL) are dropped so nothing leaks in.
    """
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("HAVEN_", "DJANGO_", "DATABASE_URL", "SECRET_KEY"))
    }
    env.update(
        HAVEN_ENV="production",
        SECRET_KEY=secrets.token_urlsafe(60)[:60],
        ALLOWED_HOSTS="haven.example.org",
        HAVEN_DATA_DIR=str(data_dir),
        PYTHONPATH=str(REPO_ROOT),
    )
    env.update(extra)
    return env


def run_haven(args: list[str], env: dict[str, str], timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """Run `haven ARGS` in a subprocess from the repository root; never raises on a non-zero exit."""
    return subprocess.run(
        [*haven_command(), *args],
        env=env,
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


@pytest.fixture(scope="session")
def production_data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data directory prepared by `haven init` with production settings (shared by the session)."""
    data_dir = tmp_path_factory.mktemp("haven-production") / "var"
    result = run_haven(["init"], production_environ(data_dir))
    assert result.returncode == 0, result.stderr
    return data_dir


@pytest.fixture(autouse=True, scope="session")
def vault_keys() -> None:
    """Every test session has an initialised key store in its private data directory."""
    from django.conf import settings

    from haven.vault import integration as vault

    vault.ensure_keys(Path(settings.DATA_DIR))
    vault.reset()


@pytest.fixture(autouse=True)
def audit_checkpoints(settings: Any, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Each test has its own audit checkpoint file (the database is rolled back after each test, so
    another test's checkpoints would not match it), and its first committed audit append writes one."""
    from haven.audit import checkpoints

    folder = tmp_path_factory.mktemp("audit")
    settings.AUDIT_CHECKPOINT_FILE = folder / "audit-checkpoints.jsonl"
    settings.AUDIT_WITNESS = ""
    checkpoints.reset_schedule()
    return settings.AUDIT_CHECKPOINT_FILE


@pytest.fixture(autouse=True)
def interface_language_reset() -> Iterator[None]:
    """A French request leaves French active in its thread (Django's locale middleware does not switch
    back); each test starts from the default language, as a fresh command or request would."""
    from django.utils import translation

    translation.deactivate()
    yield
    translation.deactivate()
