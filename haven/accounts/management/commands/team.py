"""haven team show|set NAME …: a team's contact person and child safeguarding procedure."""

from __future__ import annotations

import json
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from haven.accounts import services
from haven.accounts.models import Team

FIELDS = ("contact_person", "contact_how", "safeguarding_contact", "safeguarding_steps")


class Command(BaseCommand):
    help = (
        "Show or set a team's contact person (who receives its hand-overs, and how to reach them) and its "
        "child safeguarding procedure (who to call, and the steps), shown on every screening result."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        show = sub.add_parser("show", help="print the team's contacts")
        show.add_argument("name", help="team (branch) name")
        show.add_argument("--json", action="store_true")
        change = sub.add_parser("set", help="set the team's contacts (a value left out stays as it is)")
        change.add_argument("name", help="team (branch) name")
        change.add_argument("--contact-person", dest="contact_person")
        change.add_argument(
            "--contact-how", dest="contact_how", help="how to reach them, e.g. a phone number"
        )
        change.add_argument("--safeguarding-contact", dest="safeguarding_contact")
        change.add_argument("--safeguarding-steps", dest="safeguarding_steps")

    def handle(self, *args: Any, **options: Any) -> None:
        team = Team.objects.filter(name=options["name"]).first()
        if team is None:
            raise CommandError(f"no team named {options['name']!r}", returncode=2)
        if options["action"] == "set":
            values = {
                name: options[name] if options[name] is not None else getattr(team, name) for name in FIELDS
            }
            try:
                team = services.team_contacts_set(actor=None, team=team, **values)
            except ValidationError as exc:
                raise CommandError("; ".join(exc.messages), returncode=2) from None
        shown = {"team": team.name, **{name: getattr(team, name) for name in FIELDS}}
        if options.get("json"):
            self.stdout.write(json.dumps(shown, ensure_ascii=False))
        else:
            for name, value in shown.items():
                self.stdout.write(f"{name}: {value or '—'}")
