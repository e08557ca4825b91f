"""Hashing and verification of the audit chain and its checkpoints (no Django imports: data in, result out).

Two kinds of entry hash, told apart by the entry's `key_id`:

* `""` (entries written before the chain was keyed): SHA-256 over a canonical JSON encoding of the entry
  and the previous hash (`entry_hash`). Anyone can recompute it, so on its own it only shows accidents.
* an audit key id (`"audit-chain.v1"`): HMAC-SHA256 under that audit key over the same encoding with a
  label and the key id in front (`keyed_entry_hash`). Recomputing it needs the key, which lives with the
  vault's keys and never in the database, so a database writer cannot rewrite entries and re-hash them.

Once one entry is keyed every later entry must be: an unkeyed entry after a keyed one is a rewrite by
someone without the key. Entries made before the change keep their plain hashes and still verify; the
first keyed entry's HMAC covers the last plain hash, so the plain prefix cannot be rewritten either.

Checkpoints (`Checkpoint`) are signed statements "the chain had entry #seq with hash H at time T", kept
outside the database (see `haven.audit.checkpoints`). Each names the previous checkpoint's signature, so
one removed from the middle of the file or edited is found; `compare_checkpoints` finds a chain shorter
than a checkpoint says (entries cut off the end, tables wiped) or whose entry at a checkpointed position
no longer has the recorded hash (entries rewritten, with or without recomputed hashes).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

GENESIS = "0" * 64
LEGACY_KEY_ID = ""
_ENTRY_LABEL = "haven.audit.entry.v1"
_CHECKPOINT_LABEL = "haven.audit.checkpoint.v1"
CHECKPOINT_FORMAT = 1
CHECKPOINT_KINDS = ("checkpoint", "restore")
_HEX64 = re.compile(r"[0-9a-f]{64}")


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
    checkpoints: int = 0
    # True when the chain holds together but disagrees with the checkpoints (or they are damaged).
    by_checkpoints: bool = False


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


# -- checkpoints --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Checkpoint:
    """One signed line of the checkpoint file.

    `kind` "checkpoint": the chain had `seq` entries, the last with hash `hash`. "restore": a backup was
    restored and the chain now ends at `seq`/`hash`; checkpoints before it of later entries no longer count.
    `n` numbers the lines from 1, `prev` is the previous line's `mac` (GENESIS for the first).
    """

    n: int
    kind: str
    seq: int
    hash: str
    at: str
    key_id: str
    prev: str
    mac: str

    def describe(self) -> str:
        return f"checkpoint {self.n} ({self.at})"


def checkpoint_mac(
    key: bytes, *, n: int, kind: str, seq: int, hash: str, at: str, key_id: str, prev: str
) -> str:
    """HMAC-SHA256 under the audit key over every field of a checkpoint."""
    message = _canonical([_CHECKPOINT_LABEL, CHECKPOINT_FORMAT, n, kind, seq, hash, at, key_id, prev])
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def checkpoint_make(
    key: bytes, *, n: int, kind: str, seq: int, hash: str, at: str, key_id: str, prev: str
) -> Checkpoint:
    """A signed checkpoint."""
    mac = checkpoint_mac(key, n=n, kind=kind, seq=seq, hash=hash, at=at, key_id=key_id, prev=prev)
    return Checkpoint(n, kind, seq, hash, at, key_id, prev, mac)


def checkpoint_line(checkpoint: Checkpoint) -> str:
    """The checkpoint as one JSON line (no newline), ids, counts and hashes only."""
    return json.dumps(
        {
            "v": CHECKPOINT_FORMAT,
            "n": checkpoint.n,
            "kind": checkpoint.kind,
            "seq": checkpoint.seq,
            "hash": checkpoint.hash,
            "at": checkpoint.at,
            "key": checkpoint.key_id,
            "prev": checkpoint.prev,
            "mac": checkpoint.mac,
        },
        sort_keys=True,
        separators=(",", ":"),
    )


def checkpoint_parse(line: str) -> Checkpoint:
    """Read one line back; `ValueError` when it is not a complete, well-formed checkpoint."""
    data = json.loads(line)
    if not isinstance(data, dict) or data.get("v") != CHECKPOINT_FORMAT:
        raise ValueError("not a checkpoint of a known format")
    n, kind, seq = data.get("n"), data.get("kind"), data.get("seq")
    texts = [data.get(name) for name in ("hash", "at", "key", "prev", "mac")]
    if not (isinstance(n, int) and n >= 1 and isinstance(seq, int) and seq >= 0):
        raise ValueError("bad counter")
    if kind not in CHECKPOINT_KINDS or not all(isinstance(t, str) for t in texts):
        raise ValueError("bad field")
    digest, at, key_id, prev, mac = (str(t) for t in texts)
    if not all(_HEX64.fullmatch(h) for h in (digest, prev, mac)):
        raise ValueError("bad hash")
    return Checkpoint(n, str(kind), seq, digest, at, key_id, prev, mac)


@dataclass(frozen=True)
class CheckpointLog:
    """The checkpoints read from one file, and what is wrong with the file (empty when nothing is)."""

    records: tuple[Checkpoint, ...]
    problem: str = ""

    @property
    def last_n(self) -> int:
        return self.records[-1].n if self.records else 0


def checkpoints_read(lines: Iterable[str], keys: Mapping[str, bytes], *, name: str) -> CheckpointLog:
    """Check every line's signature and its link to the line before; stop at the first bad one.

    A line edited, cut short, removed from the middle or moved is named. Lines removed from the *end*
    leave a shorter, valid file: the database's count of checkpoints written and the witness catch that.
    """
    records: list[Checkpoint] = []
    prev_mac, prev_n = GENESIS, 0
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            record = checkpoint_parse(line)
        except ValueError:
            return CheckpointLog(
                tuple(records), f"{name}: line {number} is not a complete checkpoint: edited or cut short"
            )
        key = keys.get(record.key_id)
        if key is None:
            return CheckpointLog(
                tuple(records),
                f"{name}: {record.describe()} is signed with audit key {record.key_id!r}, which is not "
                "available",
            )
        expected = checkpoint_mac(
            key,
            n=record.n,
            kind=record.kind,
            seq=record.seq,
            hash=record.hash,
            at=record.at,
            key_id=record.key_id,
            prev=record.prev,
        )
        if not hmac.compare_digest(expected, record.mac):
            return CheckpointLog(
                tuple(records), f"{name}: line {number} fails its signature: the checkpoint was edited"
            )
        if record.n != prev_n + 1 or record.prev != prev_mac:
            return CheckpointLog(
                tuple(records),
                f"{name}: {record.describe()} does not follow checkpoint {prev_n}: "
                "checkpoints were removed or moved",
            )
        records.append(record)
        prev_mac, prev_n = record.mac, record.n
    return CheckpointLog(tuple(records))


def checkpoints_live(records: Iterable[Checkpoint]) -> list[Checkpoint]:
    """The checkpoints the chain must still agree with: a restore drops those of entries after it."""
    live: list[Checkpoint] = []
    for record in records:
        if record.kind == "restore":
            live = [c for c in live if c.seq <= record.seq]
        live.append(record)
    return live


def compare_checkpoints(
    live: Sequence[Checkpoint], hashes: Mapping[int, str], length: int
) -> tuple[str, int] | None:
    """Compare a verified chain of `length` entries with the checkpoints that still count.

    `hashes` holds the chain's hash at each checkpointed position it reaches. Returns (problem, the first
    entry concerned) or None.
    """
    beyond = [c for c in live if c.seq > length]
    if beyond:
        furthest = max(beyond, key=lambda c: (c.seq, c.n))
        if length == 0:
            return (
                f"the audit trail is empty but {furthest.describe()} recorded entry #{furthest.seq}: "
                "the audit tables were wiped",
                1,
            )
        return (
            f"the chain ends at #{length} but {furthest.describe()} recorded entry #{furthest.seq}: "
            f"entries #{length + 1} to #{furthest.seq} were deleted and the head moved back",
            length + 1,
        )
    for record in sorted(live, key=lambda c: (c.seq, c.n)):
        if record.seq == 0:
            continue
        if hashes.get(record.seq) != record.hash:
            return (
                f"entry #{record.seq} does not have the hash {record.describe()} recorded: the chain was "
                "rewritten up to there",
                record.seq,
            )
    return None
