"""Master key rotation: re-wrap every data key (and the blind-index key) under a new master key, without
re-encrypting any data, in batches, resumable after a crash at any point.

Steps of `rotate(data_dir)` (master key in `<data_dir>/keys/master.key`)::

    1. write master.key.new (0600, fsync, atomic rename, fsync dir)   -- reused if already there
    2. record meta.rotating_to = new id                               -- new keys now wrapped by the new key
    3. re-wrap rows whose master_key_id is not the new id, in batches, one transaction per batch
    4. when none remain: meta.active_master_id = new id (same transaction as the final count)
    5. hard-link master.key -> master.key.old; os.replace(master.key.new, master.key); fsync dir
    6. overwrite master.key.old in place (random, zeros), fsync, unlink, fsync dir

Re-running after a crash picks up the state the files and the key store are in: with master.key.new present
it continues at step 2; with master.key.old present and master.key.new gone the replace has happened and only
step 6 remains. Every row records the master key that wraps it, so no step depends on remembering progress.
While a rotation runs, every app worker can still open every key: `KeyStore` re-reads master.key and
master.key.new from the data dir when it meets a row wrapped by a master key it has not loaded. Restart the
workers afterwards so the old master key also leaves their memory.

For a master key given through HAVEN_MASTER_KEY or HAVEN_MASTER_KEY_FILE, call `rotate_store` with the new
key, then replace the secret in the deployment and restart the workers: the environment cannot be rewritten
from here.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from haven.vault import crypto
from haven.vault.errors import VaultKeyError
from haven.vault.keystore import (
    KEYS_DIR,
    MASTER_KEY_FILE,
    NEW_MASTER_KEY_FILE,
    OLD_MASTER_KEY_FILE,
    PG_SCHEMA,
    KeyStore,
    MasterKey,
    destroy_key_file,
    fsync_dir,
    master_key_source,
    read_master_key_file,
    write_key_file,
)

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class RotationResult:
    """What a rotation did: master key ids before and after, and how many wraps it changed in this run."""

    old_master_id: str | None
    new_master_id: str
    rewrapped: int


def rotate_store(
    store: KeyStore, new: MasterKey, *, batch_size: int = 500, progress: Progress | None = None
) -> int:
    """Re-wrap every key of `store` under `new` and make it the active master; returns the count re-wrapped.

    Idempotent and resumable: only rows not yet under `new` are touched, one transaction per batch.
    """
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    store.begin_rotation(new)
    total = sum(n for master_id, n in store.count_by_master().items() if master_id != new.key_id)
    done = 0
    while True:
        moved = store.rewrap_batch(new.key_id, batch_size)
        done += moved
        if progress is not None and moved:
            progress(done, total)
        if moved == 0 and store.finish_rotation(new.key_id):
            return done


def rotate(
    data_dir: Path | str,
    *,
    database_url: str | None = None,
    pg_schema: str = PG_SCHEMA,
    batch_size: int = 500,
    environ: Mapping[str, str] | None = None,
    progress: Progress | None = None,
) -> RotationResult:
    """Rotate the data dir's master key, or finish a rotation that was interrupted (see module docstring)."""
    key_dir = Path(data_dir) / KEYS_DIR
    if master_key_source(Path(data_dir), environ) != "data-dir":
        raise VaultKeyError(
            "the master key comes from HAVEN_MASTER_KEY or HAVEN_MASTER_KEY_FILE; rotate it with "
            "rotate_store() and a new key, then replace the secret and restart the workers"
        )
    current_path = key_dir / MASTER_KEY_FILE
    new_path = key_dir / NEW_MASTER_KEY_FILE
    old_path = key_dir / OLD_MASTER_KEY_FILE

    if old_path.exists() and not new_path.exists():
        # Crashed after the replace: master.key already holds the new key; only the scrub is left.
        with KeyStore.open(
            data_dir, database_url=database_url, environ=environ, pg_schema=pg_schema
        ) as store:
            if store.meta().get("active_master_id") != store.primary_master_id:
                raise VaultKeyError(
                    f"{old_path} exists but {current_path} is not the key store's active master key; "
                    "inspect the key directory before deleting anything"
                )
            new_id = store.primary_master_id
        destroy_key_file(old_path)
        return RotationResult(old_master_id=None, new_master_id=new_id, rewrapped=0)

    old_id = read_master_key_file(current_path).key_id
    if not new_path.exists():
        write_key_file(new_path, crypto.generate_key(), replace=True)
    new = read_master_key_file(new_path)
    if new.key_id == old_id:
        raise VaultKeyError(f"{new_path} holds the same key as {current_path}; remove {new_path} and retry")

    with KeyStore.open(data_dir, database_url=database_url, environ=environ, pg_schema=pg_schema) as store:
        rewrapped = rotate_store(store, new, batch_size=batch_size, progress=progress)

    # Keep a name on the old key until the new one is in place, so a crash here loses nothing.
    old_path.unlink(missing_ok=True)
    os.link(current_path, old_path)
    fsync_dir(key_dir)
    os.replace(new_path, current_path)
    fsync_dir(key_dir)
    destroy_key_file(old_path)
    return RotationResult(old_master_id=old_id, new_master_id=new.key_id, rewrapped=rewrapped)
