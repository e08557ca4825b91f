"""haven token create --user EMAIL: create a personal API token (printed once)."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from haven.accounts.models import User
from haven.api.services import token_create


class Command(BaseCommand):
    help = (
        "Manage personal API tokens. 'create --user EMAIL' prints a new token once: store it safely, Haven "
        "keeps only its hash. The token acts with the account's role and is refused once the account is "
        "disabled."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="create a token and print it once")
        create.add_argument("--user", required=True, help="the account's e-mail")
        create.add_argument("--name", default="cli", help="a label to recognise the token later")
        create.add_argument("--json", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(email__iexact=options["user"], is_active=True).first()
        if user is None:
            raise CommandError("no active account with that e-mail", returncode=2)
        try:
            token, raw = token_create(actor=user, user=user, name=options["name"])
        except PermissionError as exc:
            raise CommandError(str(exc), returncode=2) from None
        if options["json"]:
            self.stdout.write(json.dumps({"token": raw, "id": token.pk}))
        else:
            self.stdout.write(raw)
