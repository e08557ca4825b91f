"""Re-apply the erasure ledger (kept with the keys) to a database restored from an older backup, so a
restore never brings an erased person back.

For every erased key in the ledger:

1. the data key is destroyed if it is still in the key store (after a key-store restore);
2. the erasure hooks that domain apps registered (`register_erasure_hook`, from their `AppConfig.ready`;
   the cases app registers `haven.cases.services.erasure_reapply`) run with `key_id=...` and `case_code=...`
   and delete what their app keeps for that key (blind indexes, attachment files, ...). The vault knows
   nothing of the domain: it calls what it was given;
3. when no app registered a hook, the vault writes nothing of the domain itself (the one erasure writer is
   the domain's): it refuses, so the restore stops before it ends and its marker keeps every page closed,
   rather than serve a database in which erased people came back.

Then the other direction (after restoring an older *key store*): every row that the database marks erased
(`erased_at` set) whose key is still in the key store has that key destroyed.
"""

from __future__ import annotations

import logging
from typing import Protocol

from django.apps import apps
from django.db import DatabaseError, models, transaction

from haven.vault.errors import VaultError, VaultKeyMissing
from haven.vault.keystore import KeyStore

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


def reapply_erasures(store: KeyStore) -> tuple[int, int, list[str]]:
    """Re-apply the ledger to the database and the key store.

    Returns (keys destroyed, rows changed, notes for the operator).
    """
    ledger = [record for record in store.list_erasures() if record.key_id != "*"]
    destroyed = store.reapply_erasures(ledger, actor_id=ACTOR)
    hooks = erasure_hooks()
    if ledger and not hooks:
        raise VaultError(
            f"no app registered an erasure hook, so the {len(ledger)} erasures of the ledger cannot be "
            "applied again to the restored database (their keys are destroyed). The restore is not "
            "finished and Haven serves no page: check that the domain apps are installed, then run the "
            "restore again"
        )
    rows = 0
    notes: list[str] = []
    for record in ledger:
        with transaction.atomic():
            for hook in hooks:
                rows += int(hook(key_id=record.key_id, case_code=record.case_code) or 0)
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
