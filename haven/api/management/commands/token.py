"""haven token create --user EMAIL --scope S [--scope S ...] [--days N] | list --user EMAIL: API tokens."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from haven.accounts.models import User
from haven.api.models import SCOPES
from haven.api.services import BadTokenRequest, token_active, token_create, tokens_held


class Command(BaseCommand):
    help = (
        "Manage personal API tokens. 'create --user EMAIL --scope SCOPE ...' prints a new token once: store "
        "it safely, Haven keeps only its hash. The token acts with the account's role, only for the scopes "
        "chosen (" + ", ".join(f"{k}: {v}" for k, v in SCOPES.items()) + "), until it expires (--days) or "
        "the account is disabled. 'list --user EMAIL' shows the account's tokens, never their secrets."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="create a token and print it once")
        create.add_argument("--user", required=True, help="the account's e-mail")
        create.add_argument("--name", default="cli", help="a label to recognise the token later")
        create.add_argument(
            "--scope",
            action="append",
            choices=list(SCOPES),
            required=True,
            help="what the token may be used for (give it once per scope)",
        )
        create.add_argument("--days", type=int, default=None, help="days until it expires (default 90)")
        create.add_argument("--json", action="store_true")
        listing = sub.add_parser("list", help="list an account's tokens (no secrets)")
        listing.add_argument("--user", required=True, help="the account's e-mail")
        listing.add_argument("--json", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.active_by_email(options["user"])
        if user is None:
            raise CommandError("no active account with that e-mail", returncode=2)
        if options["action"] == "list":
            self._list(user, as_json=options["json"])
            return
        try:
            token, raw = token_create(
                actor=user, user=user, name=options["name"], scopes=options["scope"], days=options["days"]
            )
        except (PermissionError, BadTokenRequest) as exc:
            raise CommandError(str(exc), returncode=2) from None
        if options["json"]:
            self.stdout.write(json.dumps({"token": raw, "id": token.pk}))
        else:
            self.stdout.write(raw)

    def _list(self, user: User, *, as_json: bool) -> None:
        rows = [
            {
                "id": token.pk,
                "name": token.name,
                "prefix": token.prefix,
                "scopes": token.scopes,
                "created_at": token.created_at.isoformat(),
                "expires_at": token.expires_at.isoformat() if token.expires_at else None,
                "last_used_at": token.last_used_at.isoformat() if token.last_used_at else None,
                "revoked": token.revoked_at is not None,
                "active": token_active(token),
            }
            for token in tokens_held(user)
        ]
        if as_json:
            self.stdout.write(json.dumps(rows))
            return
        for row in rows:
            state = "active" if row["active"] else ("revoked" if row["revoked"] else "expired")
            self.stdout.write(
                f"{row['id']}  {row['prefix']}…  {row['name']}  {','.join(row['scopes'])}  {state}  "
                f"expires {row['expires_at']}  last used {row['last_used_at'] or 'never'}"
            )
