"""haven retention review [--json]: the cases past their retention period, for a person to decide on."""

from __future__ import annotations

import json
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError, CommandParser

from haven.accounts.models import User
from haven.accounts.services import record_command_refusal
from haven.oversight.services import retention_review, retention_screenings_due


class Command(BaseCommand):
    help = (
        "Review retention: 'review' lists the closed cases past their retention period "
        "(HAVEN_RETENTION_CASE_DAYS after closing) that no running extension keeps, and counts the anonymous "
        "screenings past theirs. It erases nothing: the data protection officer decides on each case in "
        "Haven (keep it longer for a reason, or erase it). --json for scheduled runs."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        review = sub.add_parser("review", help="list what is past its retention period (erases nothing)")
        review.add_argument("--json", action="store_true")
        review.add_argument("--actor", help="act as this account (default: the operator on the server)")

    def handle(self, *args: Any, **options: Any) -> None:
        actor = None
        if options.get("actor"):
            actor = User.objects.active_by_email(options["actor"])
            if actor is None:
                raise CommandError("no active account with the --actor e-mail", returncode=2)
        try:
            due = retention_review(actor=actor)
            screenings = retention_screenings_due(actor=actor)
        except PermissionDenied as exc:
            if actor is not None:
                record_command_refusal(actor=actor, command="retention", refusal=exc)
            raise CommandError("refused: this account may not review retention", returncode=2) from None
        rows = [
            {
                "case": item.case.code,
                "team": item.case.team.name,
                "closed_on": item.closed_on.isoformat(),
                "due_on": item.due_on.isoformat(),
                "days_past": item.days_past,
                "extended_until": item.extended_until.isoformat() if item.extended_until else None,
            }
            for item in due
        ]
        if options["json"]:
            self.stdout.write(json.dumps({"cases": rows, "anonymous_screenings_due": screenings}))
            return
        for row in rows:
            self.stdout.write(
                f"{row['case']}  closed {row['closed_on']}  due {row['due_on']}  "
                f"({row['days_past']} days past)"
            )
        self.stdout.write(
            f"{len(rows)} cases and {screenings} anonymous screenings past their retention period"
        )
