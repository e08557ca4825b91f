"""The demo organisation: one account per role, synthetic only, clearly marked as demo.

Credentials are kept in DATA_DIR/demo-credentials.json (0600) so that running `make run` again can show
them again; they are meant for trying Haven on one's own machine, never for real data.
"""

from __future__ import annotations

import json
import os
import secrets
from pathlib import Path
from typing import TypedDict

from django.conf import settings
from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

from haven.accounts import services
from haven.accounts.models import Organisation, Team, User
from haven.accounts.permissions import Role
from haven.accounts.totp import seal_device

DEMO_DOMAIN = "demo.haven.test"


class DemoAccount(TypedDict):
    email: str
    role: str
    team: str
    password: str
    totp_secret: str


def credentials_path() -> Path:
    return Path(settings.DATA_DIR) / "demo-credentials.json"


def _write_private(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)


def _base32(key_hex: str) -> str:
    import base64

    return base64.b32encode(bytes.fromhex(key_hex)).decode("ascii")


@transaction.atomic
def demo_create() -> list[DemoAccount]:
    """Create the demo organisation and accounts if missing; return every demo account's credentials."""
    path = credentials_path()
    if Organisation.objects.filter(is_demo=True).exists() and path.exists():
        stored: list[DemoAccount] = json.loads(path.read_text(encoding="utf-8"))
        return stored
    organisation = Organisation.objects.filter(is_demo=True).first() or services.organisation_create(
        actor=None,
        name="Demo Society (synthetic data)",
        team_names=["North branch", "South branch"],
        is_demo=True,
    )
    north = Team.objects.get(organisation=organisation, name="North branch")
    if not north.contact_person:
        services.team_contacts_set(
            actor=None,
            team=north,
            contact_person="Demo contact person (case manager)",
            contact_how="+00 000 000 000 (synthetic)",
            safeguarding_contact="Demo child safeguarding officer, +00 000 000 001 (synthetic)",
            safeguarding_steps=(
                "1. Stay with the child if it is safe to do so.\n"
                "2. Call the child safeguarding officer now.\n"
                "3. Do not contact the family or the people with the child.\n"
                "4. Write down only what the child said, in their words."
            ),
        )
    accounts: list[DemoAccount] = []
    for role in Role:
        email = f"{role.value.replace('_', '-')}@{DEMO_DOMAIN}"
        password = "demo-" + secrets.token_urlsafe(12)
        user = User.objects.filter(email=email).first()
        if user is None:
            user = services.user_create(
                actor=None,
                email=email,
                password=password,
                role=role,
                team=None if role == Role.ADMIN else north,
                display_name=f"Demo {role.value.replace('_', ' ')}",
                is_demo=True,
            )
        else:
            user.set_password(password)
            user.save(update_fields=["password"])
        TOTPDevice.objects.filter(user=user).delete()
        device = TOTPDevice.objects.create(user=user, name="demo authenticator", confirmed=True)
        secret_hex = device.key
        seal_device(device)  # stored sealed, like every authenticator secret
        accounts.append(
            {
                "email": email,
                "role": role.value,
                "team": user.team.name if user.team else "",
                "password": password,
                "totp_secret": _base32(secret_hex),
            }
        )
    _write_private(path, json.dumps(accounts, indent=2))
    return accounts
