"""Hashing and verification of the audit chain (no Django imports: data in, result out).

Two kinds of entry hash, told apart by the entry's `key_id`:

* `""` (entries written before the chain was keyed): SHA-256 over a canonical JSON encoding of the entry
  and the previous hash (`entry_hash`). Anyone can recompute it, so on its own it only shows accidents.
* an audit key id (`"audit-chain.v1"`): HMAC-SHA256 under that audit key over the same encoding with a
  label and the key id in front (`keyed_entry_hash`). Recomputing it needs the key, which lives with the
  vault's keys and never in the database, so a database writer cannot rewrite entries and re-hash them.

Once one entry is keyed every later entry must be: an unkeyed entry after a keyed one is a rewrite by
someone without the key. Entries made before the change keep their plain hashes and still verify; the
first keyed entry's HMAC covers the last plain hash, so the plain prefix cannot be rewritten either.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

GENESIS = "0" * 64
LEGACY_KEY_ID = ""
_ENTRY_LABEL = "haven.audit.entry.v1"


def _canonical(values: Sequence[Any]) -> bytes:
    return json.dumps(values, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode("ascii")


def entry_hash(
    *,
    seq: int,
    at: str,
    actor_id: int | None,
    action: str,
    object_type: str,
    object_id: str,
    detail: Mapping[str, Any],
    prev_hash: str,
) -> str:
    """SHA-256 over a canonical JSON encoding of the entry and the previous hash (unkeyed entries)."""
    return hashlib.sha256(
        _canonical([seq, at, actor_id, action, object_type, object_id, detail, prev_hash])
    ).hexdigest()


def keyed_entry_hash(
    key: bytes,
    *,
    key_id: str,
    seq: int,
    at: str,
    actor_id: int | None,
    action: str,
    object_type: str,
    object_id: str,
    detail: Mapping[str, Any],
    prev_hash: str,
) -> str:
    """HMAC-SHA256 under the audit key over the entry, its key id and the previous hash."""
    message = _canonical(
        [_ENTRY_LABEL, key_id, seq, at, actor_id, action, object_type, object_id, detail, prev_hash]
    )
    return hmac.new(key, message, hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class Entry:
    pk: int
    seq: int
    at: str
    actor_id: int | None
    action: str
    object_type: str
    object_id: str
    detail: Mapping[str, Any]
    prev_hash: str
    hash: str
    key_id: str = LEGACY_KEY_ID


@dataclass(frozen=True)
class Verdict:
    ok: bool
    checked: int
    head_hash: str
    problem: str = ""
    broken_seq: int | None = None
    broken_pk: int | None = None


def _recomputed(entry: Entry, key: bytes | None) -> str:
    fields: dict[str, Any] = {
        "seq": entry.seq,
        "at": entry.at,
        "actor_id": entry.actor_id,
        "action": entry.action,
        "object_type": entry.object_type,
        "object_id": entry.object_id,
        "detail": entry.detail,
        "prev_hash": entry.prev_hash,
    }
    if key is None:
        return entry_hash(**fields)
    return keyed_entry_hash(key, key_id=entry.key_id, **fields)


def verify(
    entries: Iterable[Entry], head_seq: int, head_hash: str, keys: Mapping[str, bytes] | None = None
) -> Verdict:
    """Walk the chain in storage order and name the first entry that does not fit.

    Detects an edited entry (its hash no longer matches), a deleted or moved one (the sequence number
    found is not the one expected there), an inserted one (a link that does not match, or an entry beyond
    the recorded head), a chain cut short (the walk ends before the head), and an entry re-hashed without
    the audit key (an unkeyed hash after keyed ones, or a keyed hash that does not match). `keys` maps
    audit key ids to keys.
    """
    keys = keys or {}
    expected_prev = GENESIS
    expected_seq = 1
    checked = 0
    keyed_from: int | None = None
    for entry in entries:
        if entry.seq > head_seq:
            return Verdict(
                False,
                checked,
                expected_prev,
                f"entry #{entry.seq} lies beyond the recorded head #{head_seq}: it was added outside Haven",
                entry.seq,
                entry.pk,
            )
        if entry.seq != expected_seq:
            return Verdict(
                False,
                checked,
                expected_prev,
                f"expected entry #{expected_seq} here but found #{entry.seq}: "
                f"entry #{expected_seq} was deleted or moved",
                expected_seq,
                entry.pk,
            )
        if entry.prev_hash != expected_prev:
            return Verdict(
                False,
                checked,
                expected_prev,
                "its link to the previous entry does not match",
                entry.seq,
                entry.pk,
            )
        key: bytes | None = None
        if entry.key_id == LEGACY_KEY_ID:
            if keyed_from is not None:
                return Verdict(
                    False,
                    checked,
                    expected_prev,
                    f"it carries a plain hash although the chain is keyed since entry #{keyed_from}: "
                    "it was rewritten by someone without the audit key",
                    entry.seq,
                    entry.pk,
                )
        else:
            key = keys.get(entry.key_id)
            if key is None:
                return Verdict(
                    False,
                    checked,
                    expected_prev,
                    f"it is keyed with audit key {entry.key_id!r}, which is not available: "
                    "supply the key store that holds it",
                    entry.seq,
                    entry.pk,
                )
            if keyed_from is None:
                keyed_from = entry.seq
        if _recomputed(entry, key) != entry.hash:
            problem = "its content does not match its hash"
            if key is not None:
                problem += (
                    " under the audit key: it was rewritten (or the key store was replaced by one "
                    "with another audit key)"
                )
            return Verdict(False, checked, expected_prev, problem, entry.seq, entry.pk)
        expected_prev = entry.hash
        expected_seq += 1
        checked += 1
    if checked == head_seq and expected_prev != head_hash:
        return Verdict(
            False,
            checked,
            expected_prev,
            f"entry #{checked} does not match the hash recorded in the head: it was rewritten",
            checked,
            None,
        )
    if checked != head_seq:
        return Verdict(
            False,
            checked,
            expected_prev,
            f"the chain ends at #{checked} but the head records #{head_seq}: entries were cut off the end",
            checked + 1,
            None,
        )
    return Verdict(True, checked, expected_prev)
