"""haven referral create CASE --organisation CODE --need DOMAIN --actor EMAIL
   haven referral letter CASE REFERRAL_ID --format pdf|txt --out FILE --actor EMAIL
   haven referral send CASE REFERRAL_ID --actor EMAIL [--json]

The same services as the web pages and the API, as the named account: the neutrality guard and the consent
check apply. Exit codes: 0 done, 2 usage or input error, refusal (neutrality, consent, role), unknown case.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from uuid import UUID

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.http import Http404

from haven.accounts.models import User
from haven.accounts.services import record_command_refusal
from haven.cases.access import case_for_user
from haven.referrals import services
from haven.referrals.models import Organisation, Referral
from haven.referrals.neutrality import NeutralityRefused, guard_outgoing


class Command(BaseCommand):
    help = "Draft, print the letter of, or send a referral (neutrality guard and consent checked)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("verb", choices=["create", "letter", "send"])
        parser.add_argument("case", help="case code, e.g. HV-2026-00001")
        parser.add_argument("referral", nargs="?", default="", help="the referral's id (letter, send)")
        parser.add_argument("--organisation", default="", help="directory code of the organisation (create)")
        parser.add_argument("--need", default="", help="needs domain code (create)")
        parser.add_argument("--format", default="pdf", choices=["pdf", "txt"])
        parser.add_argument("--out", default="", help="file to write the letter to")
        parser.add_argument("--actor", required=True, help="e-mail of the account acting")
        parser.add_argument("--json", action="store_true")

    def _refused(self, actor: User, exc: BaseException, code: str, message: str) -> CommandError:
        record_command_refusal(
            actor=actor, command="referral", refusal=exc, object_type="case", object_id=code
        )
        return CommandError(message, returncode=2)

    def handle(self, *args: Any, **options: Any) -> None:
        actor = User.objects.active_by_email(options["actor"])
        if actor is None:
            raise CommandError(f"no active account with the e-mail {options['actor']}", returncode=2)
        code = options["case"]
        organisation = Organisation.objects.filter(code=options["organisation"]).first()
        if options["verb"] == "create":
            if organisation is None:
                raise CommandError("no organisation with this code in the directory", returncode=2)
            try:
                guard_outgoing(
                    actor=actor, case=None, organisation=organisation, channel="cli", what="referral"
                )
            except NeutralityRefused as exc:
                raise self._refused(actor, exc, code, f"neutrality_refused: {exc.explanation}") from None
        try:
            case = case_for_user(actor, code, section="consent")
        except (Http404, PermissionDenied) as exc:
            raise self._refused(actor, exc, code, f"no case {code} that this account may open") from None
        try:
            if options["verb"] == "create":
                assert organisation is not None
                draft = services.referral_draft(
                    actor=actor,
                    case=case,
                    organisation=organisation,
                    need_domain=options["need"],
                    channel="cli",
                )
                self.stdout.write(str(draft.uid))
                return
            try:
                uid = UUID(options["referral"])
            except ValueError:
                raise CommandError("give the referral's id", returncode=2) from None
            referral = Referral.objects.filter(case=case, uid=uid).select_related("organisation").first()
            if referral is None:
                raise CommandError("no such referral on this case", returncode=2)
            if options["verb"] == "letter":
                if not options["out"]:
                    raise CommandError("give --out FILE", returncode=2)
                data = services.referral_letter(
                    actor=actor, referral=referral, fmt=options["format"], channel="cli"
                )
                Path(options["out"]).write_bytes(data)
                self.stdout.write(f"letter written to {options['out']}")
            else:
                payload = services.referral_send(actor=actor, referral=referral, channel="cli")
                self.stdout.write(
                    json.dumps(payload) if options["json"] else f"sent: {', '.join(payload['fields'])}"
                )
        except NeutralityRefused as exc:
            raise self._refused(actor, exc, code, f"neutrality_refused: {exc.explanation}") from None
        except services.ConsentRequired as exc:
            raise CommandError(f"consent_required: {' '.join(exc.messages)}", returncode=2) from None
        except ValidationError as exc:
            raise CommandError(f"refused: {' '.join(exc.messages)}", returncode=2) from None
        except PermissionDenied as exc:
            raise self._refused(actor, exc, code, "refused: this account's role may not do this") from None
