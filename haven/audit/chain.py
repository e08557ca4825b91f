"""Hashing and verification of the audit chain (no Django imports: data in, result out)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

GENESIS = "0" * 64


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
    """SHA-256 over a canonical JSON encoding of the entry and the previous hash."""
    canonical = json.dumps(
        [seq, at, actor_id, action, object_type, object_id, detail, prev_hash],
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=True,
    )
    return hashlib.sha256(canonical.encode("ascii")).hexdigest()


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


@dataclass(frozen=True)
class Verdict:
    ok: bool
    checked: int
    head_hash: str
    problem: str = ""
    broken_seq: int | None = None
    broken_pk: int | None = None


def verify(entries: Iterable[Entry], head_seq: int, head_hash: str) -> Verdict:
    """Walk the chain in storage order and name the first entry that does not fit.

    Detects an edited entry (its hash no longer matches), a deleted or moved one (the sequence number
    found is not the one expected there), an inserted one (a link that does not match, or an entry beyond
    the recorded head) and a chain cut short (the walk ends before the head).
    """
    expected_prev = GENESIS
    expected_seq = 1
    checked = 0
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
        recomputed = entry_hash(
            seq=entry.seq,
            at=entry.at,
            actor_id=entry.actor_id,
            action=entry.action,
            object_type=entry.object_type,
            object_id=entry.object_id,
            detail=entry.detail,
            prev_hash=entry.prev_hash,
        )
        if recomputed != entry.hash:
            return Verdict(
                False, checked, expected_prev, "its content does not match its hash", entry.seq, entry.pk
            )
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
