"""Re-apply the erasure ledger (kept with the keys) to a database restored from an older backup, so a
restore never brings an erased person back.

For every erased key in the ledger:

1. the data key is destroyed if it is still in the key store (after a key-store restore);
2. the erasure hooks that domain apps registered (`register_erasure_hook`, from their `AppConfig.ready`;
   the cases app registers `haven.cases.services.erasure_reapply`) run with `key_id=...` and `case_code=...`
   and delete what their app keeps for that key (blind indexes, attachment files, ...). The vault knows
   nothing of the domain: it calls what it was given;
3. when no app registered a hook, a generic pass clears what the vault can recognise on its own: in every
   model with a `key_id` field, the rows of that key get their blind-index columns (names ending in `_bi`)
   emptied and `erased_at` set. Attachment files restored from the archive then stay on disk, as ciphertext
   under the destroyed key (unreadable; listed in the command's notes).

Then the other direction (after restoring an older *key store*): every row that the database marks erased
(`erased_at` set) whose key is still in the key store has that key destroyed.
"""

from __future__ import annotations

import logging
from typing import Any, Protocol

from django.apps import apps
from django.db import DatabaseError, models, transaction

from haven.vault.errors import VaultKeyMissing
from haven.vault.keystore import ErasureRecord, KeyStore

log = logging.getLogger("haven.vault")

ACTOR = "restore"


class ErasureHook(Protocol):
    """Erases again, for one entry of the erasure ledger, what a domain app keeps for that key.

    Runs in a transaction after a restore; the key is already destroyed. Returns the number of rows changed.
    """

    def __call__(self, *, key_id: str, case_code: str) -> int: ...


_erasure_hooks: list[ErasureHook] = []


def register_erasure_hook(hook: ErasureHook) -> None:
    """Have `hook` run for every erased key after a restore (call it from the app's `AppConfig.ready`).

    Registering the same hook again changes nothing.
    """
    if hook not in _erasure_hooks:
        _erasure_hooks.append(hook)


def erasure_hooks() -> tuple[ErasureHook, ...]:
    """The registered hooks, in registration order."""
    return tuple(_erasure_hooks)


def _keyed_models() -> list[type[models.Model]]:
    found = []
    for model in apps.get_models():
        names = {f.name for f in model._meta.concrete_fields}
        if "key_id" in names:
            found.append(model)
    return found


def _generic_erase(record: ErasureRecord) -> int:
    changed = 0
    for model in _keyed_models():
        fields = {f.name: f for f in model._meta.concrete_fields}
        values: dict[str, Any] = {
            name: "" for name, f in fields.items() if name.endswith("_bi") and isinstance(f, models.CharField)
        }
        rows = model._default_manager.filter(key_id=record.key_id)
        if "erased_at" in fields:
            changed += rows.filter(erased_at__isnull=True).update(erased_at=record.erased_at)
        if values:
            changed += rows.exclude(**dict.fromkeys(values, "")).update(**values)
    return changed


def reapply_erasures(store: KeyStore) -> tuple[int, int, list[str]]:
    """Re-apply the ledger to the database and the key store.

    Returns (keys destroyed, rows changed, notes for the operator).
    """
    ledger = [record for record in store.list_erasures() if record.key_id != "*"]
    destroyed = store.reapply_erasures(ledger, actor_id=ACTOR)
    hooks = erasure_hooks()
    rows = 0
    notes: list[str] = []
    for record in ledger:
        with transaction.atomic():
            if hooks:
                for hook in hooks:
                    rows += int(hook(key_id=record.key_id, case_code=record.case_code) or 0)
            else:
                rows += _generic_erase(record)
    if not hooks and ledger:
        notes.append(
            "no app registered an erasure hook: blind indexes were cleared and rows marked erased, "
            "but attachment files of erased people restored from the archive remain (ciphertext under a "
            "destroyed key, unreadable)"
        )
    destroyed += reconcile_marked_rows(store)
    return destroyed, rows, notes


def reconcile_marked_rows(store: KeyStore) -> int:
    """Destroy the key of every row the database marks erased whose key is still in the key store."""
    destroyed = 0
    for model in _keyed_models():
        if "erased_at" not in {f.name for f in model._meta.concrete_fields}:
            continue
        try:
            erased = list(
                model._default_manager.filter(erased_at__isnull=False).values_list("key_id", flat=True)
            )
        except DatabaseError:
            # A key store restored before its database (disaster recovery on a new machine): the data
            # restore that follows reconciles again.
            log.warning("no %s table yet; skipping the erased-rows check", model._meta.db_table)
            continue
        for key_id in erased:
            try:
                destroyed += store.destroy_data_key(
                    key_id, reason_code="restore_reconcile", actor_id=ACTOR, case_code="unknown"
                )
            except VaultKeyMissing:
                continue
    return destroyed
