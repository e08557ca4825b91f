"""Password rules (ASVS 6.2): at least 12 characters, long passphrases welcome, common ones refused,
Argon2id in production."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth.hashers import identify_hasher
from django.core.exceptions import ValidationError

from haven.accounts import services
from haven.accounts.models import Organisation, Team, User
from haven.accounts.permissions import Role

REPO = Path(__file__).resolve().parents[2]


def create(team: Team, password: str, email: str = "pw@example.test") -> User:
    return services.user_create(actor=None, email=email, password=password, role=Role.CASEWORKER, team=team)


def messages_for(team: Team, password: str) -> list[str]:
    with pytest.raises(ValidationError) as caught:
        create(team, password)
    return caught.value.messages


def test_an_eleven_character_password_is_refused(north: Team) -> None:
    assert any("at least 12" in message for message in messages_for(north, "kq7-vbn3-zp2"[:11]))
    assert not User.objects.filter(email="pw@example.test").exists()


def test_a_twelve_character_password_is_accepted(north: Team) -> None:
    user = create(north, "kq7-vbn3-zp2")
    assert user.check_password("kq7-vbn3-zp2")


@pytest.mark.parametrize("password", ["1qaz2wsx3edc", "Q1W2E3R4T5Y6", "sojdlg123aljg"])
def test_a_common_password_is_refused_even_when_long_enough(north: Team, password: str) -> None:
    assert any("too common" in message for message in messages_for(north, password))


def test_a_sixty_four_character_passphrase_is_accepted(north: Team) -> None:
    passphrase = "seven purple lanterns drift slowly over the calm harbour at dusk"
    assert len(passphrase) == 64
    user = create(north, passphrase)
    assert user.check_password(passphrase)


def test_a_passphrase_of_any_characters_is_accepted(north: Team) -> None:
    passphrase = "Ünïcödé pässphräse — 日本語 ✓ with spaces"
    assert create(north, passphrase).check_password(passphrase)


def test_an_absurdly_long_password_is_refused(north: Team) -> None:
    assert any("too long" in message for message in messages_for(north, "x7" * 100))


def test_a_password_like_the_address_is_refused(north: Team) -> None:
    with pytest.raises(ValidationError):
        services.user_create(
            actor=None,
            email="harbourlantern@example.test",
            password="harbourlantern",
            role=Role.CASEWORKER,
            team=north,
        )


def test_passwords_are_stored_as_argon2id_hashes(north: Team) -> None:
    user = create(north, "kq7-vbn3-zp2-long")
    assert user.password.startswith("argon2$argon2id$")
    assert "kq7-vbn3-zp2-long" not in user.password
    assert identify_hasher(user.password).algorithm == "argon2"


def test_the_organisation_fixture_is_not_a_demo(organisation: Organisation) -> None:
    assert organisation.is_demo is False


def production_env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HAVEN_", "DJANGO_", "DATABASE_URL"))}
    env.update(
        HAVEN_ENV="production",
        SECRET_KEY=secrets.token_urlsafe(60)[:60],
        ALLOWED_HOSTS="haven.example.org",
        HAVEN_DATA_DIR=str(tmp_path / "var"),
        DJANGO_SETTINGS_MODULE="haven.settings",
    )
    return env


def test_production_hashes_passwords_with_argon2id_at_full_strength(tmp_path: Path) -> None:
    script = (
        "import json, django; django.setup()\n"
        "from django.conf import settings\n"
        "from django.contrib.auth.hashers import get_hasher, make_password\n"
        "hasher = get_hasher()\n"
        "print(json.dumps({'hashers': settings.PASSWORD_HASHERS, 'hash': make_password('kq7-vbn3-zp2-long'),"
        " 'time_cost': hasher.time_cost, 'memory_cost': hasher.memory_cost}))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        env=production_env(tmp_path),
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    found = json.loads(result.stdout.strip().splitlines()[-1])
    assert found["hashers"] == ["django.contrib.auth.hashers.Argon2PasswordHasher"]
    assert found["hash"].startswith("argon2$argon2id$")
    # Django's defaults (RFC 9106's second recommendation); the test profile's cheap ones never leak here.
    assert found["time_cost"] >= 2
    assert found["memory_cost"] >= 100 * 1024
