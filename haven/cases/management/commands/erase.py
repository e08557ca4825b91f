"""haven erase CASE --reason CODE --actor EMAIL: crypto-shred the person of a case (the DPO's erasure).

Runs the cases app's `person_erase` service (pressure check, tombstone, audit entry, key destruction,
attachment files) as the named account, which must be allowed to erase. Exit codes: 0 erased, 1 the vault
refused, 2 usage error, unknown account or case, or the service refused (e.g. no pressure check yet).
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.http import Http404

from haven.accounts.models import User
from haven.accounts.services import record_command_refusal
from haven.cases.access import case_for_user
from haven.cases.services import person_erase
from haven.vault import integration
from haven.vault.errors import VaultError


def _messages(exc: ValidationError) -> str:
    return "; ".join(str(m) for m in exc.messages)


class Command(BaseCommand):
    help = (
        "Erase the person of a case by destroying their data key (crypto-shredding): every sealed value, in "
        "every table, backup and export, becomes unreadable; blind indexes and attachment files are deleted; "
        "a tombstone keeps the case code, date, account and legal reason. The erasure ledger, kept with the "
        "keys, makes a later restore of an older backup erase the person again."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("case", help="case code, e.g. HV-2025-00001")
        parser.add_argument(
            "--reason",
            required=True,
            help="legal reason code: person_request, retention_expired or legal_obligation",
        )
        parser.add_argument(
            "--actor", required=True, help="e-mail of the account that erases (the data protection officer)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        actor = User.objects.active_by_email(options["actor"])
        if actor is None:
            raise CommandError(f"no active account with the e-mail {options['actor']}", returncode=2)
        code = options["case"]
        try:
            case = case_for_user(actor, code, section="erase")
        except (Http404, PermissionDenied) as exc:
            record_command_refusal(
                actor=actor, command="erase", refusal=exc, object_type="case", object_id=str(code)
            )
            raise CommandError(
                f"no case {code} that this account may erase (the case does not exist, the account's "
                "role may not erase, or the data protection officer has not recorded an erasure purpose "
                "for it: on the case's purpose page or POST /api/v1/cases/CODE/purpose)",
                returncode=2,
            ) from None
        try:
            tombstone = person_erase(actor=actor, case=case, reason=options["reason"])
        except ValidationError as exc:
            raise CommandError(f"not erased: {_messages(exc)}", returncode=2) from None
        except PermissionDenied as exc:
            record_command_refusal(
                actor=actor, command="erase", refusal=exc, object_type="case", object_id=str(code)
            )
            raise CommandError("not erased: this account's role may not erase", returncode=2) from None
        except VaultError as exc:
            raise CommandError(f"not erased, the vault refused: {exc}", returncode=1) from None
        finally:
            integration.reset()
        self.stdout.write(
            f"erased: the person of case {tombstone.case_code} ({tombstone.reason_code}); their key is "
            "destroyed and recorded in the erasure ledger"
        )
