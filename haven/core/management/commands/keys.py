"""haven keys rotate | destroy --confirm PHRASE | status [--json] | gc [--older-than-hours H] [--dry-run]
[--json]: the vault's keys, from the CLI.

Exit codes: 0 done, 1 the keys cannot be used or the operation failed, 2 usage error.
"""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from haven.vault import integration, rotation
from haven.vault.collect import collect_unused_keys
from haven.vault.errors import VaultError
from haven.vault.keystore import (
    KEYS_DIR,
    MASTER_KEY_FILE,
    NEW_MASTER_KEY_FILE,
    OLD_MASTER_KEY_FILE,
    SQLITE_FILE,
    KeyStore,
    destroy_key_file,
    master_key_source,
)

CONFIRM_PHRASE = "DESTROY ALL KEYS"
DEFAULT_GRACE_HOURS = 24


class Command(BaseCommand):
    help = (
        "Manage the vault's keys. 'rotate' re-wraps every data key under a new master key and destroys the "
        "old one (resumable: run it again after a crash). 'destroy --confirm \"DESTROY ALL KEYS\"' is the "
        "emergency lock: it destroys the master key and every wrapped key, so no encrypted data can ever be "
        "opened again. 'status' shows the master key id and how many keys it wraps. 'gc' deletes the data "
        "keys no stored row refers to (left by a killed import), once older than the grace period."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        rotate = sub.add_parser("rotate", help="re-wrap every key under a new master key")
        rotate.add_argument("--batch-size", type=int, default=500, help="keys per transaction (default 500)")
        destroy = sub.add_parser("destroy", help="emergency lock: destroy every key, for good")
        destroy.add_argument(
            "--confirm", default="", help=f'type exactly "{CONFIRM_PHRASE}" to confirm', metavar="PHRASE"
        )
        status = sub.add_parser("status", help="master key id, key counts, erasures")
        status.add_argument("--json", action="store_true", help="print the status as JSON")
        gc = sub.add_parser("gc", help="delete data keys no row refers to (after a killed import)")
        gc.add_argument(
            "--older-than-hours",
            type=float,
            default=DEFAULT_GRACE_HOURS,
            metavar="H",
            help=f"keep younger keys: an import may still be writing (default {DEFAULT_GRACE_HOURS})",
        )
        gc.add_argument("--dry-run", action="store_true", help="count what would be deleted, delete nothing")
        gc.add_argument("--json", action="store_true", help="print the report as JSON")

    def handle(self, *args: Any, **options: Any) -> None:
        data_dir = Path(settings.DATA_DIR)
        action = options["action"]
        try:
            if action == "rotate":
                self._rotate(data_dir, options["batch_size"])
            elif action == "destroy":
                self._destroy(data_dir, options["confirm"])
            elif action == "gc":
                self._gc(
                    data_dir, options["older_than_hours"], dry_run=options["dry_run"], as_json=options["json"]
                )
            else:
                self._status(data_dir, as_json=options["json"])
        except VaultError as exc:
            raise CommandError(f"vault: {exc}", returncode=1) from None
        finally:
            integration.reset()

    def _rotate(self, data_dir: Path, batch_size: int) -> None:
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1", returncode=2)
        locked = integration.locked_message(data_dir)
        if locked:
            raise CommandError(f"vault: {locked}", returncode=1)
        integration.reset()

        def progress(done: int, total: int) -> None:
            self.stdout.write(f"re-wrapped {done} of {total} keys")

        result = rotation.rotate(
            data_dir,
            database_url=integration.keystore_url(),
            batch_size=batch_size,
            progress=progress,
        )
        old = result.old_master_id or "(already replaced)"
        self.stdout.write(
            f"master key rotated: {old} -> {result.new_master_id}; {result.rewrapped} keys re-wrapped in "
            "this run; the old master key file was overwritten and removed. Restart every Haven worker so "
            "the old key leaves their memory too, and take a new key-store backup (haven backup --keys)."
        )

    def _destroy(self, data_dir: Path, confirm: str) -> None:
        if confirm != CONFIRM_PHRASE:
            raise CommandError(
                "the emergency lock destroys every key for good; to confirm, run: "
                f'haven keys destroy --confirm "{CONFIRM_PHRASE}"',
                returncode=2,
            )
        key_dir = data_dir / KEYS_DIR
        key_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        now = datetime.now(UTC).isoformat(timespec="seconds")
        integration.reset()
        destroyed: list[str] = []
        source = "data-dir"
        try:
            source = master_key_source(data_dir)
            with KeyStore.open(data_dir, database_url=integration.keystore_url()) as store:
                destroyed = store.destroy_all(reason_code="emergency_lock", actor_id="cli")
        except VaultError as exc:
            # The key store cannot be opened (wrong or missing master key, damaged file): destroy what is
            # on disk anyway. An emergency does not wait for a repair.
            self.stderr.write(f"the key store could not be opened ({exc}); destroying its files directly")
            for name in (MASTER_KEY_FILE, NEW_MASTER_KEY_FILE, OLD_MASTER_KEY_FILE, SQLITE_FILE):
                for path in (key_dir / name, key_dir / f"{name}-wal", key_dir / f"{name}-shm"):
                    if destroy_key_file(path):
                        destroyed.append(str(path))
        marker = integration.lock_marker(data_dir)
        marker.write_text(f"emergency lock at {now}\n", encoding="utf-8")
        for item in destroyed:
            self.stdout.write(f"destroyed: {item}")
        self.stdout.write(
            "EMERGENCY LOCK DONE: the keys are destroyed; no encrypted data can be opened again. Stop every "
            "Haven worker now (they may still hold keys in memory)."
        )
        if source != "data-dir":
            self.stdout.write(
                "The master key comes from HAVEN_MASTER_KEY / HAVEN_MASTER_KEY_FILE: delete that secret from "
                "the deployment too (and every copy of it)."
            )
        self.stdout.write("Destroy key-store backups (haven backup --keys files) wherever they are kept.")

    def _status(self, data_dir: Path, *, as_json: bool) -> None:
        locked = integration.locked_message(data_dir)
        if locked:
            raise CommandError(f"vault: {locked}", returncode=1)
        with KeyStore.open(data_dir, database_url=integration.keystore_url()) as store:
            meta = store.meta()
            status = {
                "master_key_id": store.primary_master_id,
                "master_key_source": master_key_source(data_dir),
                "active_master_id": meta.get("active_master_id"),
                "rotating_to": meta.get("rotating_to"),
                "keys_by_kind": store.count_by_kind(),
                "keys_by_master": store.count_by_master(),
                "erasures": len([r for r in store.list_erasures() if r.key_id != "*"]),
            }
        if as_json:
            self.stdout.write(json.dumps(status, sort_keys=True))
            return
        self.stdout.write(f"master key: {status['master_key_id']} (from {status['master_key_source']})")
        if status["rotating_to"]:
            self.stdout.write(
                f"rotation to {status['rotating_to']} under way: run 'haven keys rotate' to finish it"
            )
        kinds = status["keys_by_kind"]
        assert isinstance(kinds, dict)
        self.stdout.write("keys: " + ", ".join(f"{kind} {n}" for kind, n in sorted(kinds.items())))
        masters = status["keys_by_master"]
        assert isinstance(masters, dict)
        for master_id, count in sorted(masters.items()):
            self.stdout.write(f"  wrapped by {master_id}: {count}")
        self.stdout.write(f"erasures in the ledger: {status['erasures']}")

    def _gc(self, data_dir: Path, hours: float, *, dry_run: bool, as_json: bool) -> None:
        if not math.isfinite(hours) or hours < 0:
            raise CommandError("--older-than-hours must be 0 or more", returncode=2)
        locked = integration.locked_message(data_dir)
        if locked:
            raise CommandError(f"vault: {locked}", returncode=1)
        with KeyStore.open(data_dir, database_url=integration.keystore_url()) as store:
            report = collect_unused_keys(
                store, older_than=timedelta(hours=hours), now=datetime.now(UTC), dry_run=dry_run
            )
        if not dry_run:
            from haven.audit.services import audit_record

            audit_record(
                actor_id=None,
                action="vault.keys_collected",
                object_type="keystore",
                object_id="data",
                detail={
                    "deleted": report.deleted,
                    "older_than_minutes": round(hours * 60),
                    "abandoned_rows": report.abandoned_rows,
                },
            )
        if as_json:
            self.stdout.write(json.dumps(report.as_dict(), sort_keys=True))
            return
        verb = "would delete" if dry_run else "deleted"
        self.stdout.write(
            f"data keys: {report.data_keys}; younger than {hours:g} hours (kept): {report.too_recent}; "
            f"referred to by a row (kept): {report.referenced}; unused: {report.unused}, {verb}: "
            f"{report.unused if dry_run else report.deleted}"
        )
        if report.abandoned_rows:
            self.stdout.write(
                f"rows of killed imports (never shown), {'would delete' if dry_run else 'deleted'}: "
                f"{report.abandoned_rows}"
            )
        if report.deleted:
            self.stdout.write(
                "Take a new key-store backup (haven backup --keys): older ones still hold them."
            )
