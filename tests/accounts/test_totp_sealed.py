"""Authenticator secrets are sealed by the vault: the database never holds one in clear, and sign-in keeps
working across a master key rotation."""

from __future__ import annotations

import base64
import importlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps
from django.db import connection
from django.test import Client
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from haven.accounts import services
from haven.accounts.models import Team
from haven.accounts.permissions import Role
from haven.vault import integration as vault
from haven.vault.rotation import rotate
from tests.conftest import PASSWORD


def code_for(device: TOTPDevice, drift: int = 0) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=drift):06d}"


def enrol(north: Team, email: str) -> tuple[Client, TOTPDevice]:
    user = services.user_create(actor=None, email=email, password=PASSWORD, role=Role.CASEWORKER, team=north)
    client = Client()
    client.post("/accounts/login/", {"email": email, "password": PASSWORD})
    client.get("/accounts/mfa/enrol/")
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    assert client.post("/accounts/mfa/enrol/", {"code": code_for(device)}).status_code == 200
    return client, TOTPDevice.objects.get(user=user, confirmed=True)


def raw_rows() -> bytes:
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM otp_totp_totpdevice")
        return repr(cursor.fetchall()).encode()


def test_the_database_holds_no_authenticator_secret_in_clear(north: Team) -> None:
    _client, device = enrol(north, "sealed@example.test")
    secret = device.bin_key  # opened through the vault
    assert len(secret) == 20
    stored = raw_rows()
    # Neither the hex form django-otp would store, nor the base32 form the person types, nor raw bytes.
    assert secret.hex().encode() not in stored
    assert base64.b32encode(secret) not in stored
    assert secret not in stored
    assert device.key.startswith("vault1:")
    # It fits django-otp's column (varchar 80, enforced by PostgreSQL).
    assert len(device.key) <= TOTPDevice._meta.get_field("key").max_length


@pytest.fixture
def own_key_store(settings: Any, tmp_path: Path) -> Iterator[Path]:
    data_dir = tmp_path / "var"
    settings.DATA_DIR = data_dir
    vault.ensure_keys(data_dir)
    vault.reset()
    yield data_dir
    vault.reset()


def test_sign_in_works_after_a_master_key_rotation(north: Team, own_key_store: Path) -> None:
    _client, device = enrol(north, "rotated@example.test")
    sealed_before = device.key
    rotate(own_key_store, batch_size=1, environ={})
    vault.reset()
    client = Client()
    assert (
        client.post("/accounts/login/", {"email": "rotated@example.test", "password": PASSWORD}).status_code
        == 302
    )
    fresh = TOTPDevice.objects.get(pk=device.pk)
    assert fresh.key == sealed_before  # the secret was not re-sealed: its key was re-wrapped
    # The next code (the one of enrolment cannot be used twice).
    assert client.post("/accounts/mfa/", {"code": code_for(fresh, drift=1)}).status_code == 302
    assert client.get("/").status_code == 200


def test_the_migration_seals_older_secrets_in_place_and_they_keep_working(north: Team) -> None:
    user = services.user_create(
        actor=None, email="older@example.test", password=PASSWORD, role=Role.CASEWORKER, team=north
    )
    device = TOTPDevice.objects.create(user=user, name="older", confirmed=True)
    clear = device.key
    assert clear.encode() in raw_rows()
    migration = importlib.import_module("haven.accounts.migrations.0006_admin_seal_totp_secrets")
    migration.seal_secrets(apps, None)
    assert clear.encode() not in raw_rows()
    sealed = TOTPDevice.objects.get(pk=device.pk)
    assert sealed.key.startswith("vault1:") and sealed.bin_key.hex() == clear
    client = Client()
    client.post("/accounts/login/", {"email": user.email, "password": PASSWORD})
    assert client.post("/accounts/mfa/", {"code": code_for(sealed)}).status_code == 302


def test_a_secret_moved_to_another_account_does_not_open(north: Team) -> None:
    _c1, first = enrol(north, "first@example.test")
    _c2, second = enrol(north, "second@example.test")
    TOTPDevice.objects.filter(pk=second.pk).update(key=first.key)
    from haven.vault.errors import VaultDecryptError

    with pytest.raises(VaultDecryptError):
        TOTPDevice.objects.get(pk=second.pk).bin_key  # noqa: B018
