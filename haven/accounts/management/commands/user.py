"""haven user list|disable|enable|unlock|reset-mfa|set-role|set-team: the administrator's account actions."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from haven.accounts import services
from haven.accounts.models import Team, User
from haven.accounts.permissions import Role


class Command(BaseCommand):
    help = (
        "Manage accounts: list them (filter by role, team, status or second factor; --json), disable "
        "or re-enable one (its sessions and API tokens stop at once), unlock it after failed sign-ins, reset "
        "its second factor after an identity check, change its role or team. Acts as the operator on the "
        "server, or as the administrator named by --actor. Exit 2 for an unknown account, role or team, "
        "or a refusal."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        listing = sub.add_parser("list", help="list accounts")
        listing.add_argument("--role", help="only this role")
        listing.add_argument("--team", help="only this team (name)")
        listing.add_argument("--status", choices=services.ACCOUNT_STATUSES)
        listing.add_argument("--mfa", choices=("yes", "no"), help="second factor set up or not")
        listing.add_argument("--json", action="store_true")
        for name, text in (
            ("disable", "disable the account: its sessions and tokens stop at once"),
            ("enable", "re-enable a disabled account"),
            ("unlock", "forget the failed sign-ins counted against the account"),
            ("reset-mfa", "reset the second factor: the holder sets up a new one at the next sign-in"),
            ("set-role", "change the account's role"),
            ("set-team", "move the account to another team"),
        ):
            one = sub.add_parser(name, help=text)
            one.add_argument("email", help="the account's e-mail")
            if name == "set-role":
                one.add_argument("role", help="one of: " + ", ".join(r.value for r in Role))
            if name == "set-team":
                one.add_argument("team", help="team name, or 'none' (administrators only)")
            if name == "reset-mfa":
                one.add_argument(
                    "--identity-check",
                    default="",
                    help="how the holder's identity was checked: " + ", ".join(services.IDENTITY_CHECKS),
                )
        for one in sub.choices.values():
            one.add_argument("--actor", help="act as this administrator's account (default: the operator)")

    def handle(self, *args: Any, **options: Any) -> None:
        actor = _actor(options.get("actor"))
        action = options["action"]
        if action == "list":
            self._list(actor, options)
            return
        user = User.objects.filter(email__iexact=options["email"].strip()).first()
        if user is None:
            raise CommandError("no account with that e-mail", returncode=2)
        calls: dict[str, Callable[[], object]] = {
            "disable": lambda: services.user_disable(actor=actor, user=user),
            "enable": lambda: services.user_enable(actor=actor, user=user),
            "unlock": lambda: services.user_throttle_reset(actor=actor, user=user),
            "reset-mfa": lambda: services.user_mfa_reset(
                actor=actor, user=user, identity_check=options["identity_check"]
            ),
            "set-role": lambda: services.user_set_role(actor=actor, user=user, role=_role(options["role"])),
            "set-team": lambda: services.user_set_team(actor=actor, user=user, team=_team(options["team"])),
        }
        _run(calls[action], actor)
        self.stdout.write(f"{action}: done for account {user.pk}")

    def _list(self, actor: User | None, options: dict[str, Any]) -> None:
        team = _team(options["team"]) if options.get("team") else None
        filters = services.AccountFilter(
            role=_role(options["role"]).value if options.get("role") else "",
            team=team.pk if team is not None else None,
            status=options.get("status") or "",
            mfa=options.get("mfa") or "",
        )
        rows = _run(lambda: services.accounts_list(actor=actor, filters=filters), actor)
        shown = [
            {
                "email": row.user.email,
                "role": row.user.role,
                "team": row.user.team.name if row.user.team else None,
                "status": row.status,
                "last_sign_in": row.user.last_login.isoformat() if row.user.last_login else None,
                "second_factor": row.has_mfa,
                "recovery_codes_left": row.recovery_codes_left,
                "waiting_after_failures": row.locked,
            }
            for row in rows
        ]
        if options.get("json"):
            self.stdout.write(json.dumps(shown, ensure_ascii=False))
            return
        for item in shown:
            self.stdout.write(
                f"{item['email']:<36} {item['role']:<24} {item['team'] or '—':<16} {item['status']:<9} "
                f"mfa:{'yes' if item['second_factor'] else 'no'} last:{item['last_sign_in'] or '—'}"
            )


def _actor(email: str | None) -> User | None:
    if not email:
        return None
    actor = User.objects.active_by_email(email)
    if actor is None:
        raise CommandError("no active account with the --actor e-mail", returncode=2)
    return actor


def _role(value: str) -> Role:
    try:
        return Role(value)
    except ValueError:
        raise CommandError(
            f"unknown role {value!r}; one of: {', '.join(r.value for r in Role)}", returncode=2
        ) from None


def _team(name: str) -> Team | None:
    if name.lower() == "none":
        return None
    team = Team.objects.filter(name=name).first()
    if team is None:
        raise CommandError(f"no team named {name!r}", returncode=2)
    return team


def _run(call: Callable[[], Any], actor: User | None) -> Any:
    try:
        return call()
    except PermissionDenied as exc:
        if actor is not None:
            services.record_command_refusal(actor=actor, command="user", refusal=exc)
        raise CommandError(
            "refused: this account may not manage accounts in this way", returncode=2
        ) from None
    except ValidationError as exc:
        raise CommandError("; ".join(str(m) for m in exc.messages), returncode=2) from None
