"""haven audit verify | head: check the audit chain and its checkpoints, or print its head hash for
anchoring elsewhere."""

from __future__ import annotations

import json
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from haven.audit.services import audit_head, audit_verify
from haven.vault.errors import VaultError


class Command(BaseCommand):
    help = (
        "Work with the hash-chained audit trail. 'verify' walks the whole chain, checks every keyed hash "
        "with the audit key and compares the chain with the signed checkpoints kept outside the database; "
        "it exits 1 naming the first entry that was edited, deleted, inserted or moved, a chain shortened "
        "or wiped below a checkpoint, or a checkpoint file edited or truncated. A chain that verifies gets "
        "a new checkpoint. 'head' prints the latest sequence number and hash, to be written down or "
        "anchored outside Haven."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        verify = sub.add_parser(
            "verify", help="verify the chain and its checkpoints; exit 1 on the first thing found wrong"
        )
        verify.add_argument("--json", action="store_true", help="print the result as JSON")
        head = sub.add_parser("head", help="print the head sequence number and hash")
        head.add_argument("--json", action="store_true", help="print the result as JSON")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "head":
            seq, digest = audit_head()
            if options["json"]:
                self.stdout.write(json.dumps({"seq": seq, "hash": digest}))
            else:
                self.stdout.write(f"{seq} {digest}")
            return
        try:
            verdict = audit_verify()
        except VaultError as exc:
            raise CommandError(f"the audit key cannot be used: vault: {exc}", returncode=1) from None
        except OSError as exc:
            # The checkpoint file or its folder cannot be read or written (permissions, disk full).
            raise CommandError(f"audit checkpoints: {exc}", returncode=1) from None
        if options["json"]:
            self.stdout.write(
                json.dumps(
                    {
                        "ok": verdict.ok,
                        "checked": verdict.checked,
                        "head_hash": verdict.head_hash,
                        "problem": verdict.problem,
                        "broken_seq": verdict.broken_seq,
                        "broken_row": verdict.broken_pk,
                        "checkpoints": verdict.checkpoints,
                        "by_checkpoints": verdict.by_checkpoints,
                    }
                )
            )
        elif verdict.ok:
            self.stdout.write(
                f"audit chain ok: {verdict.checked} entries, head {verdict.head_hash}; agrees with "
                f"{verdict.checkpoints} checkpoints"
            )
        elif verdict.by_checkpoints:
            self.stderr.write(
                f"audit chain of {verdict.checked} entries holds together but fails its checkpoints: "
                f"{verdict.problem}"
            )
        else:
            where = f"entry #{verdict.broken_seq}" + (
                f" (row {verdict.broken_pk})" if verdict.broken_pk else ""
            )
            self.stderr.write(
                f"audit chain broken at {where}: {verdict.problem}; {verdict.checked} entries "
                "before it are intact"
            )
        if not verdict.ok:
            sys.exit(1)
