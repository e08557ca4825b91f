"""The one write path into the audit trail, its verification, and its checkpoints outside the database."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Mapping
from datetime import UTC
from functools import cache, partial
from typing import Any, NamedTuple

from django.db import DatabaseError, connection, transaction
from django.db.models import Field
from django.utils import timezone

from haven.audit import chain, checkpoints
from haven.audit.keys import audit_key
from haven.audit.models import AuditEvent, AuditHead

log = logging.getLogger("haven.audit")

# Values allowed in `detail`: identifiers, codes and counts. Strings are capped so that free text
# (which could carry personal data) has no room to slip in.
_MAX_DETAIL_STRING = 64


def _check_detail(detail: Mapping[str, Any]) -> dict[str, Any]:
    clean: dict[str, Any] = {}
    for key, value in detail.items():
        if isinstance(value, str) and len(value) > _MAX_DETAIL_STRING:
            raise ValueError(f"audit detail {key!r} is longer than {_MAX_DETAIL_STRING} characters")
        if not isinstance(value, str | int | bool | type(None) | list):
            raise ValueError(f"audit detail {key!r} must be a code, number, flag or list")
        clean[key] = value
    return clean


_EVENT_FIELDS = (
    "seq",
    "at",
    "actor_id",
    "action",
    "object_type",
    "object_id",
    "detail",
    "prev_hash",
    "hash",
    "key_id",
)


class _Append(NamedTuple):
    """The three statements of an append for one database, and the fields that prepare its values."""

    read_head: str
    insert: str
    move_head: str
    fields: tuple[Field[Any, Any], ...]


def _event_field(name: str) -> Field[Any, Any]:
    field = AuditEvent._meta.get_field(name)
    assert isinstance(field, Field)
    return field


@cache
def _append_for(vendor: str) -> _Append:
    """Built once per database from the models' own names, quoted by the backend; values are parameters."""
    quote = connection.ops.quote_name
    fields = tuple(_event_field(name) for name in _EVENT_FIELDS)
    head = quote(AuditHead._meta.db_table)
    event = quote(AuditEvent._meta.db_table)
    lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
    columns = ", ".join(quote(field.column or field.name) for field in fields)
    return _Append(
        f"SELECT {quote('seq')}, {quote('hash')} FROM {head} WHERE {quote('id')} = 1{lock}",  # noqa: S608
        f"INSERT INTO {event} ({columns}) VALUES ({', '.join(['%s'] * len(fields))})",  # noqa: S608
        f"UPDATE {head} SET {quote('seq')} = %s, {quote('hash')} = %s WHERE {quote('id')} = 1",  # noqa: S608
        fields,
    )


def audit_record(
    *,
    actor_id: int | None,
    action: str,
    object_type: str = "",
    object_id: str | int = "",
    detail: Mapping[str, Any] | None = None,
) -> int:
    """Append one entry to the chain, inside the caller's transaction; returns its sequence number.

    Callers record identifiers and codes only (a case code, a user id, a section name), never names,
    notes or any other personal data.

    Every case read lands here, so an append is three plain statements (lock and read the head row,
    insert the entry, move the head) with each value prepared by its model field, as the ORM would.
    The hash is an HMAC under the audit key (kept with the vault's keys, not in the database). When this
    process has written no checkpoint for a while, one is written after the transaction commits.
    """
    append = _append_for(connection.vendor)
    key_id, key = audit_key()
    # No savepoint of its own: an append that fails must fail the caller's whole transaction.
    with transaction.atomic(savepoint=False):
        with connection.cursor() as cursor:
            cursor.execute(append.read_head)
            row = cursor.fetchone()
            if row is None:
                AuditHead.objects.get_or_create(pk=1)
                cursor.execute(append.read_head)
                row = cursor.fetchone()
            seq, prev_hash = int(row[0]) + 1, row[1]
            at = timezone.now().astimezone(UTC)
            values: dict[str, Any] = {
                "seq": seq,
                "at": at,
                "actor_id": actor_id,
                "action": action,
                "object_type": object_type,
                "object_id": str(object_id),
                "detail": _check_detail(detail or {}),
                "prev_hash": prev_hash,
            }
            values["hash"] = chain.keyed_entry_hash(
                key, key_id=key_id, **{**values, "at": at.isoformat(timespec="microseconds")}
            )
            values["key_id"] = key_id
            prepared = [field.get_db_prep_save(values[field.name], connection) for field in append.fields]
            cursor.execute(append.insert, prepared)
            cursor.execute(append.move_head, [seq, values["hash"]])
        if checkpoints.due():
            # robust: nothing going wrong here may turn a committed request into an error.
            transaction.on_commit(partial(_checkpoint_after_commit, seq, values["hash"]), robust=True)
        return seq


def _write_checkpoint(kind: str, seq: int, digest: str) -> int:
    """Sign and append a checkpoint, and record its number in the head row (inside the caller's work)."""
    key_id, key = audit_key()
    at = timezone.now().astimezone(UTC).isoformat(timespec="seconds")
    number = checkpoints.append(kind=kind, seq=seq, hash=digest, at=at, key_id=key_id, key=key)
    AuditHead.objects.filter(pk=1, checkpoints__lt=number).update(checkpoints=number)
    return number


def _checkpoint_after_commit(seq: int, digest: str) -> None:
    # The entry is committed, so the checkpoint states a fact. The request that appended it has done its
    # work: a checkpoint that cannot be written is logged, not raised; the next interval tries again.
    try:
        _write_checkpoint("checkpoint", seq, digest)
    except (OSError, DatabaseError) as exc:
        log.error("audit checkpoint not written", extra={"error": type(exc).__name__})


def _entries() -> Iterator[chain.Entry]:
    for row in AuditEvent.objects.order_by("pk").values_list("pk", *_EVENT_FIELDS).iterator(chunk_size=2000):
        pk, seq, at, actor_id, action, object_type, object_id, detail, prev_hash, digest, key_id = row
        yield chain.Entry(
            pk,
            seq,
            at.astimezone(UTC).isoformat(timespec="microseconds"),
            actor_id,
            action,
            object_type,
            object_id,
            detail,
            prev_hash,
            digest,
            key_id,
        )


def _noting(entries: Iterator[chain.Entry], wanted: set[int], found: dict[int, str]) -> Iterator[chain.Entry]:
    for entry in entries:
        if entry.seq in wanted:
            found[entry.seq] = entry.hash
        yield entry


def _checkpoint_logs(keys: Mapping[str, bytes], written: int) -> chain.CheckpointLog:
    """The main checkpoint file, checked line by line, against the database's count and the witness."""
    path = checkpoints.checkpoint_file()
    lines = checkpoints.read(path)
    if lines is None and written:
        return chain.CheckpointLog(
            (),
            f"the checkpoint file {path} is missing, but the database records that {written} "
            "checkpoints were written: it was deleted or moved",
        )
    main = chain.checkpoints_read(lines or [], keys, name=str(path))
    if main.problem:
        return main
    if written > main.last_n:
        return chain.CheckpointLog(
            main.records,
            f"the checkpoint file {path} ends at checkpoint {main.last_n}, but the database records that "
            f"checkpoint {written} was written: the file was truncated or replaced",
        )
    witness_path = checkpoints.witness_file()
    witness_lines = checkpoints.read(witness_path) if witness_path else None
    if witness_path is None or witness_lines is None:
        return main
    # A witness may miss lines it could not take; every line it has must be the main file's.
    by_number = {record.n: record for record in main.records}
    for number, line in enumerate(witness_lines, start=1):
        if not line.strip():
            continue
        try:
            record = chain.checkpoint_parse(line)
        except ValueError:
            return chain.CheckpointLog(
                main.records, f"witness {witness_path}: line {number} is not a complete checkpoint"
            )
        if record.n not in by_number:
            return chain.CheckpointLog(
                main.records,
                f"the witness {witness_path} holds {record.describe()}, which the checkpoint file {path} "
                "lacks: the file was truncated or replaced",
            )
        if by_number[record.n] != record:
            return chain.CheckpointLog(
                main.records,
                f"{record.describe()} differs between the checkpoint file {path} and the witness "
                f"{witness_path}: one of them was edited",
            )
    return main


# Called with each verification's verdict (the oversight app keeps the latest for the audit viewer).
_VERIFICATION_LISTENERS: list[Callable[[chain.Verdict], None]] = []


def register_verification_listener(listener: Callable[[chain.Verdict], None]) -> None:
    """Call `listener` with the verdict of every `audit_verify` (once per listener)."""
    if listener not in _VERIFICATION_LISTENERS:
        _VERIFICATION_LISTENERS.append(listener)


def audit_verify(*, checkpoint: bool = True) -> chain.Verdict:
    """Verify the whole chain, as `_audit_verify` says, and tell the listeners how it went."""
    verdict = _audit_verify(checkpoint=checkpoint)
    for listener in _VERIFICATION_LISTENERS:
        listener(verdict)
    return verdict


def _audit_verify(*, checkpoint: bool = True) -> chain.Verdict:
    """Verify the whole chain against the head row, the audit key and the checkpoints outside the database.

    The head row stays locked during the walk: an entry appended meanwhile would otherwise look like one
    inserted behind Haven's back. Writers wait for the walk to finish. A chain that verifies gets a new
    checkpoint (unless `checkpoint=False`); a broken one never does, so a later run fails the same way.
    """
    key_id, key = audit_key()
    keys = {key_id: key}
    with transaction.atomic():
        head = AuditHead.objects.select_for_update().filter(pk=1).first()
        head_seq, head_hash = (head.seq, head.hash) if head else (0, chain.GENESIS)
        logged = _checkpoint_logs(keys, head.checkpoints if head else 0)
        live = chain.checkpoints_live(logged.records)
        found: dict[int, str] = {}
        verdict = chain.verify(_noting(_entries(), {c.seq for c in live}, found), head_seq, head_hash, keys)
        if not verdict.ok:
            return verdict
        if logged.problem:
            return chain.Verdict(
                False, verdict.checked, verdict.head_hash, logged.problem, by_checkpoints=True
            )
        mismatch = chain.compare_checkpoints(live, found, verdict.checked)
        if mismatch is not None:
            return chain.Verdict(
                False, verdict.checked, verdict.head_hash, mismatch[0], mismatch[1], by_checkpoints=True
            )
        if checkpoint and verdict.checked:
            _write_checkpoint("checkpoint", verdict.checked, verdict.head_hash)
        return chain.Verdict(True, verdict.checked, verdict.head_hash, checkpoints=len(live))


def audit_restored() -> int:
    """After a database restore: sign, outside the database, that the chain now ends at the backup's head.

    Checkpoints of entries written after the backup (which the restore took away) no longer count from
    here on; the ones the backup still covers do. Returns the checkpoint's number.
    """
    with transaction.atomic():
        head = AuditHead.objects.select_for_update().filter(pk=1).first()
        seq, digest = (head.seq, head.hash) if head else (0, chain.GENESIS)
        return _write_checkpoint("restore", seq, digest)


def audit_head() -> tuple[int, str]:
    """The latest sequence number and hash, for anchoring outside Haven."""
    head = AuditHead.objects.filter(pk=1).first()
    return (head.seq, head.hash) if head else (0, chain.GENESIS)
