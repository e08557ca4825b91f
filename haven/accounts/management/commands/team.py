"""haven team list | create NAME | show NAME | set NAME …: the Society's teams, a new team, and a team's
contact person and child safeguarding procedure."""

from __future__ import annotations

import json
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from haven.accounts import services
from haven.accounts.models import Team, User

FIELDS = ("contact_person", "contact_how", "safeguarding_contact", "safeguarding_steps")


class Command(BaseCommand):
    help = (
        "List the teams or create one; show or set a team's contact person (who receives its hand-overs, "
        "and how to reach them) and its child safeguarding procedure (who to call, and the steps), shown on "
        "every screening result. Acts as the operator on the server, or as the administrator named by "
        "--actor. Exit 2 for an unknown team, a name already taken, or a refusal."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        listing = sub.add_parser("list", help="list the teams, with their contacts and active accounts")
        listing.add_argument("--json", action="store_true")
        create = sub.add_parser("create", help="add a team (branch or service); then set its contacts")
        create.add_argument("name", help="the new team's name")
        create.add_argument("--json", action="store_true")
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
        for one in sub.choices.values():
            one.add_argument("--actor", help="act as this administrator's account (default: the operator)")

    def handle(self, *args: Any, **options: Any) -> None:
        actor = _actor(options.get("actor"))
        if options["action"] == "list":
            self._list(actor, options)
            return
        if options["action"] == "create":
            try:
                made = services.team_create(actor=actor, name=options["name"])
            except PermissionDenied:
                raise CommandError("refused: this account may not manage teams", returncode=2) from None
            except ValidationError as exc:
                raise CommandError(_one_line(exc), returncode=2) from None
            if options.get("json"):
                self.stdout.write(json.dumps({"team": made.name, "id": made.pk}, ensure_ascii=False))
            else:
                self.stdout.write(
                    f"team {made.name!r} created; now set its contact person: "
                    f"haven team set {json.dumps(made.name, ensure_ascii=False)} --contact-person …"
                )
            return
        team = Team.objects.filter(name=options["name"]).first()
        if team is None:
            raise CommandError(f"no team named {options['name']!r}", returncode=2)
        if options["action"] == "set":
            values = {
                name: options[name] if options[name] is not None else getattr(team, name) for name in FIELDS
            }
            try:
                team = services.team_contacts_set(actor=actor, team=team, **values)
            except PermissionDenied:
                raise CommandError("refused: this account may not manage teams", returncode=2) from None
            except ValidationError as exc:
                raise CommandError(_one_line(exc), returncode=2) from None
        shown = {"team": team.name, **{name: getattr(team, name) for name in FIELDS}}
        if options.get("json"):
            self.stdout.write(json.dumps(shown, ensure_ascii=False))
        else:
            for name, value in shown.items():
                self.stdout.write(f"{name}: {value or '—'}")

    def _list(self, actor: User | None, options: dict[str, Any]) -> None:
        try:
            teams = services.teams_list(actor=actor)
        except PermissionDenied:
            raise CommandError("refused: this account may not manage teams", returncode=2) from None
        rows = [
            {
                "team": team.name,
                "contact_person": team.contact_person,
                "safeguarding_procedure": bool(team.safeguarding_steps),
                "active_accounts": team.member_count,  # type: ignore[attr-defined]
            }
            for team in teams
        ]
        if options.get("json"):
            self.stdout.write(json.dumps(rows, ensure_ascii=False))
            return
        if not rows:
            self.stdout.write("no team yet: haven team create NAME")
        for row in rows:
            self.stdout.write(
                f"{row['team']:<28} contact person: {row['contact_person'] or '—':<28} "
                f"safeguarding procedure: {'yes' if row['safeguarding_procedure'] else 'no'}  "
                f"active accounts: {row['active_accounts']}"
            )


def _actor(email: str | None) -> User | None:
    if not email:
        return None
    actor = User.objects.active_by_email(email)
    if actor is None:
        raise CommandError("no active account with the --actor e-mail", returncode=2)
    return actor


def _one_line(exc: ValidationError) -> str:
    return " ".join("; ".join(str(m) for m in exc.messages).split())
