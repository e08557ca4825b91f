"""haven backup FILE | haven backup --keys FILE: encrypted, integrity-checked backups.

Exit codes: 0 written, 1 the vault or the database tools failed, 2 usage error (e.g. FILE exists).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from haven.vault import archive, integration
from haven.vault.errors import VaultError


class Command(BaseCommand):
    help = (
        "Write one encrypted archive of the database and the attachment files, a consistent snapshot taken "
        "while Haven runs (SQLite online backup, or pg_dump for PostgreSQL). Its key is kept in the key "
        "store, so the archive is useless without it. With --keys, back up the key store instead (encrypted "
        "under the master key): keep those copies apart from the database backups, and only for a short time."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="the archive to write (must not exist)")
        parser.add_argument("--keys", action="store_true", help="back up the key store instead")

    def handle(self, *args: Any, **options: Any) -> None:
        dest = Path(options["file"]).expanduser().resolve()
        if dest.exists():
            raise CommandError(
                f"{dest} exists; choose a new file name (backups are never overwritten)", returncode=2
            )
        if not dest.parent.is_dir():
            raise CommandError(f"the directory {dest.parent} does not exist", returncode=2)
        data_dir = Path(settings.DATA_DIR)
        locked = integration.locked_message(data_dir)
        if locked:
            raise CommandError(f"vault: {locked}", returncode=1)
        try:
            store = integration.keystore()
            if options["keys"]:
                summary = archive.create_keys_backup(store, data_dir=data_dir, dest=dest)
            else:
                summary = archive.create_backup(
                    store,
                    data_dir=data_dir,
                    database=integration.database(),
                    attachments_dir=Path(settings.ATTACHMENTS_DIR),
                    dest=dest,
                )
        except archive.ArchiveError as exc:
            raise CommandError(str(exc), returncode=1) from None
        except VaultError as exc:
            raise CommandError(f"vault: {exc}", returncode=1) from None
        finally:
            integration.reset()
        self._audit(summary)
        what = (
            "key store"
            if summary.kind == "keys"
            else f"database ({summary.database}) and {summary.attachments} attachment files"
        )
        self.stdout.write(
            f"backup {summary.backup_id} written to {dest}: {what}, {summary.bytes_written} bytes"
        )
        if summary.kind == "keys":
            self.stdout.write(
                "Keep this key-store backup apart from the database backups and delete it after the "
                "retention period in docs/operations.md: it opens the data of people erased since."
            )

    def _audit(self, summary: archive.Summary) -> None:
        from haven.audit.services import audit_record

        audit_record(
            actor_id=None,
            action="vault.keys_backup" if summary.kind == "keys" else "vault.backup",
            object_type="backup",
            object_id=summary.backup_id,
            detail={"attachments": summary.attachments, "bytes": summary.bytes_written},
        )
