"""haven restore FILE | haven restore --keys FILE: verify an archive, restore it, re-apply erasures.

Stop Haven first. Nothing is touched unless the whole archive verifies; while the restore runs (and if it
is interrupted) every page answers 503 until `haven restore` completes.
Exit codes: 0 restored, 1 the archive failed its integrity check or the vault refused, 2 usage or input
error (missing file, not an archive, wrong kind).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connections

from haven.core import setup
from haven.vault import archive, integration, reapply
from haven.vault.errors import VaultError


class Command(BaseCommand):
    help = (
        "Restore the database and attachment files from an archive written by 'haven backup', after "
        "verifying all of it (a damaged archive changes nothing), then re-apply the erasure ledger kept "
        "with the keys so that no erased person comes back. With --keys, restore the key store from a "
        "'haven backup --keys' archive, then re-apply the erasures recorded since. Stop Haven first."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="the archive to restore")
        parser.add_argument("--keys", action="store_true", help="restore the key store instead")

    def handle(self, *args: Any, **options: Any) -> None:
        source = Path(options["file"]).expanduser().resolve()
        if not source.is_file():
            raise CommandError(f"{source} does not exist or is not a file", returncode=2)
        data_dir = Path(settings.DATA_DIR)
        locked = integration.locked_message(data_dir)
        if locked:
            raise CommandError(f"vault: {locked}", returncode=1)
        integration.reset()
        # On a new machine the data dir may not exist yet: create it owner-only, as `haven init` would.
        setup.ensure_data_dir(data_dir)
        try:
            if options["keys"]:
                self._restore_keys(source, data_dir)
            else:
                self._restore_data(source, data_dir)
        except archive.ArchiveError as exc:
            raise CommandError(str(exc), returncode=exc.returncode) from None
        except VaultError as exc:
            raise CommandError(f"vault: {exc}", returncode=1) from None
        finally:
            integration.reset()

    def _restore_data(self, source: Path, data_dir: Path) -> None:
        store = integration.keystore()
        summary = archive.restore_backup(
            store,
            source,
            data_dir=data_dir,
            database=integration.database(),
            attachments_dir=Path(settings.ATTACHMENTS_DIR),
            before_replace=connections.close_all,
            reapply=reapply.reapply_erasures,
        )
        from haven.audit.services import audit_record, audit_restored

        # The trail is the backup's now: checkpoints of the entries it lost stop counting.
        audit_restored()
        audit_record(
            actor_id=None,
            action="vault.restored",
            object_type="backup",
            object_id=summary.backup_id,
            detail={"keys_destroyed": summary.erasures_reapplied, "rows_erased": summary.rows_erased_again},
        )
        self.stdout.write(
            f"restored backup {summary.backup_id}: database ({summary.database}) and {summary.attachments} "
            f"attachment files; erasures re-applied: {summary.erasures_reapplied} keys destroyed again, "
            f"{summary.rows_erased_again} rows erased again"
        )
        for note in summary.notes:
            self.stdout.write(f"note: {note}")

    def _restore_keys(self, source: Path, data_dir: Path) -> None:
        if integration.keystore_url():
            raise CommandError(
                "the key store lives in PostgreSQL (HAVEN_KEYSTORE_URL): restore its schema with pg_restore",
                returncode=2,
            )
        summary, previous = archive.restore_keys(source, data_dir=data_dir)
        store = integration.keystore()
        destroyed = store.reapply_erasures(previous, actor_id=reapply.ACTOR)
        destroyed += reapply.reconcile_marked_rows(store)
        integration.restore_marker(data_dir).unlink(missing_ok=True)
        self.stdout.write(
            f"restored key store from backup {summary.backup_id}; {destroyed} keys of people erased since "
            "were destroyed again"
        )
