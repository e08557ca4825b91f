"""haven createuser --email … --role … [--team …]: create an account."""

from __future__ import annotations

import getpass
import os
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from haven.accounts import services
from haven.accounts.models import Team
from haven.accounts.permissions import Role


class Command(BaseCommand):
    help = (
        "Create an account with one role. The password is asked for (or read from HAVEN_NEW_PASSWORD for "
        "scripts); it must have at least 12 characters and not be a common password. The person sets up "
        "their authenticator app at first sign-in."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--email", required=True)
        parser.add_argument("--role", required=True, choices=[r.value for r in Role])
        parser.add_argument("--team", help="team (branch) name; required for every role but admin")
        parser.add_argument("--name", default="", help="display name shown to colleagues")

    def handle(self, *args: Any, **options: Any) -> None:
        team = None
        if options["team"]:
            team = Team.objects.filter(name=options["team"]).first()
            if team is None:
                raise CommandError(f"no team named {options['team']!r}", returncode=2)
        elif options["role"] != Role.ADMIN.value:
            raise CommandError("--team is required for this role", returncode=2)
        password = os.environ.get("HAVEN_NEW_PASSWORD") or getpass.getpass("Password: ")
        try:
            user = services.user_create(
                actor=None,
                email=options["email"],
                password=password,
                role=options["role"],
                team=team,
                display_name=options["name"],
            )
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages), returncode=2) from None
        self.stdout.write(f"created account {user.pk} ({user.role})")
