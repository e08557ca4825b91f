"""Collect data keys that no stored row refers to (`haven keys gc`).

A data key is created before the row that will refer to it is saved. When that save fails, the importer and
the services delete the key again; when the process is killed before it can (kill -9, a power cut), the
key stays in the key store, wraps nothing, and is re-wrapped by every master key rotation for ever.
This module finds such keys and deletes them.

The vault knows nothing of the domain, so it cannot tell which key ids are in use: the domain apps say so
through hooks they register (`register_key_reference_hook`, from their `AppConfig.ready`; the cases app
registers the persons' keys, the evidence app the releases' noise keys). With no hook registered nothing
is collected: every key would look unused.

A key younger than the grace period is never collected, whatever the hooks say: it may belong to a row
being written right now in a transaction not yet committed (an import writes for minutes).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from haven.vault.errors import VaultError
from haven.vault.keystore import KeyStore

# The ids of the data keys a domain app's rows refer to (every row, erased or not).
KeyReferences = Callable[[], Iterable[str]]

_reference_hooks: list[KeyReferences] = []

# Deletes the rows a killed writer left unfinished (staged before `now - older_than`), so that their keys
# become unused; returns how many rows (counted, not deleted, when `dry_run`).
AbandonedRows = Callable[[timedelta, datetime, bool], int]

_abandoned_hooks: list[AbandonedRows] = []


class NoReferenceHooks(VaultError):
    """No domain app said which keys it uses, so no key can be shown unused."""


def register_key_reference_hook(hook: KeyReferences) -> None:
    """Have `hook` name the key ids its app's rows refer to (call it from the app's `AppConfig.ready`).

    Registering the same hook again changes nothing.
    """
    if hook not in _reference_hooks:
        _reference_hooks.append(hook)


def register_abandoned_rows_hook(hook: AbandonedRows) -> None:
    """Have `hook` delete its app's abandoned staged rows before keys are collected (e.g. the cases of an
    import killed half-way, which no page shows); registering it again changes nothing."""
    if hook not in _abandoned_hooks:
        _abandoned_hooks.append(hook)


def key_reference_hooks() -> tuple[KeyReferences, ...]:
    """The registered hooks, in registration order."""
    return tuple(_reference_hooks)


@dataclass(frozen=True)
class CollectReport:
    """What `collect_unused_keys` found and did: data keys in the store, those younger than the grace
    period, those referred to, and the unused ones (deleted unless `dry_run`)."""

    data_keys: int
    too_recent: int
    referenced: int
    unused: int
    deleted: int
    older_than_hours: float
    dry_run: bool
    abandoned_rows: int = 0

    def as_dict(self) -> dict[str, int | float | bool]:
        return {
            "data_keys": self.data_keys,
            "too_recent": self.too_recent,
            "referenced": self.referenced,
            "unused": self.unused,
            "deleted": self.deleted,
            "older_than_hours": self.older_than_hours,
            "dry_run": self.dry_run,
            "abandoned_rows": self.abandoned_rows,
        }


def collect_unused_keys(
    store: KeyStore, *, older_than: timedelta, now: datetime, dry_run: bool = False
) -> CollectReport:
    """Delete the data keys created before `now - older_than` that no registered hook names (after the
    abandoned-rows hooks deleted what killed writers left staged).

    Raises `NoReferenceHooks` when no app registered a hook. The hooks are asked after the candidates are
    listed, so a key that a row started to use meanwhile is seen as used.
    """
    hooks = key_reference_hooks()
    if not hooks:
        raise NoReferenceHooks(
            "no app said which keys its rows use, so no key can be shown unused; nothing was deleted"
        )
    if older_than < timedelta(0):
        raise ValueError("the grace period cannot be negative")
    # First the rows a killed import staged and never published: their keys are then unused below.
    abandoned = sum(hook(older_than, now, dry_run) for hook in _abandoned_hooks)
    total = store.count_by_kind().get("data", 0)
    candidates = store.data_keys_created_before(now - older_than)
    used: set[str] = set()
    for hook in hooks:
        used.update(hook())
    unused = [key_id for key_id in candidates if key_id not in used]
    deleted = 0 if dry_run else store.discard_data_keys(unused)
    return CollectReport(
        data_keys=total,
        too_recent=total - len(candidates),
        referenced=len(candidates) - len(unused),
        unused=len(unused),
        deleted=deleted,
        older_than_hours=older_than.total_seconds() / 3600,
        dry_run=dry_run,
        abandoned_rows=abandoned,
    )
