"""The oversight services: reading, exporting and verifying the audit trail. Each checks its action."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, replace

from django.db import transaction
from django.utils import timezone

from haven.accounts.actions import authorize
from haven.accounts.models import User
from haven.accounts.permissions import Role
from haven.audit.models import AuditEvent
from haven.audit.services import audit_head, audit_record, audit_verify
from haven.evidence.anonymise.csvio import neutralise_cell
from haven.oversight import selectors
from haven.oversight.models import AuditVerification
from haven.oversight.selectors import Pattern, TrailFilter

# An export holds at most this many entries: a wider one is narrowed by date first.
EXPORT_MAX_ROWS = 100_000


def _scoped(actor: User | None, filters: TrailFilter) -> TrailFilter:
    """The DPO (and the operator) read the whole trail; the administrator only account events."""
    if actor is None or actor.role == Role.DPO:
        return filters
    return replace(filters, accounts_only=True)


@dataclass(frozen=True)
class TrailView:
    entries: list[AuditEvent]
    older: int | None  # the `before` of the next page, None on the last
    patterns: list[Pattern]
    accounts_only: bool
    head_seq: int
    head_hash: str
    last_verification: AuditVerification | None
    actors: dict[int, str]


def audit_view(*, actor: User | None, filters: TrailFilter, before: int | None = None) -> TrailView:
    """One page of the filtered trail, newest first, with the patterns worth a look and the chain's state.

    Reading the trail is not itself audited (it holds no personal data); exporting it is.
    """
    authorize(actor, "audit.view")
    filters = _scoped(actor, filters)
    entries = selectors.trail_page(filters, before=before, size=selectors.PAGE_SIZE + 1)
    older = entries[selectors.PAGE_SIZE - 1].seq if len(entries) > selectors.PAGE_SIZE else None
    entries = entries[: selectors.PAGE_SIZE]
    found = selectors.patterns(filters)
    ids = {e.actor_id for e in entries if e.actor_id is not None} | {p.actor_id for p in found if p.actor_id}
    seq, digest = audit_head()
    return TrailView(
        entries=entries,
        older=older,
        patterns=found,
        accounts_only=filters.accounts_only,
        head_seq=seq,
        head_hash=digest,
        last_verification=AuditVerification.objects.first(),
        actors=dict(User.objects.filter(pk__in=ids).values_list("pk", "email")),
    )


EXPORT_COLUMNS = ("seq", "at", "actor_id", "actor", "action", "outcome", "object_type", "object_id", "detail")


@transaction.atomic
def audit_export(*, actor: User | None, filters: TrailFilter) -> tuple[str, int]:
    """The filtered trail as CSV (cells a spreadsheet would run as formulas neutralised), and its row count.

    The export is itself an audit entry: who, how many rows, which filters (their names, not their values).
    """
    authorize(actor, "audit.export")
    filters = _scoped(actor, filters)
    rows = list(selectors.trail(filters)[:EXPORT_MAX_ROWS])
    emails = dict(
        User.objects.filter(pk__in={r.actor_id for r in rows if r.actor_id}).values_list("pk", "email")
    )
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerow(EXPORT_COLUMNS)
    for row in rows:
        values = (
            str(row.seq),
            row.at.isoformat(timespec="seconds"),
            "" if row.actor_id is None else str(row.actor_id),
            emails.get(row.actor_id, "") if row.actor_id else "",
            row.action,
            selectors.outcome_of(row.action),
            row.object_type,
            row.object_id,
            json.dumps(row.detail, ensure_ascii=False, sort_keys=True),
        )
        writer.writerow([neutralise_cell(value) for value in values])
    audit_record(
        actor_id=actor.pk if actor is not None else None,
        action="audit.exported",
        detail={"rows": len(rows), "filters": filters.used()},
    )
    return out.getvalue(), len(rows)


def audit_verify_now(*, actor: User | None, via: str = "web") -> AuditVerification:
    """Verify the whole chain now (as `haven audit verify` does) and keep the result for the viewer."""
    authorize(actor, "audit.view")
    verdict = audit_verify()
    row = verification_record(
        actor=actor,
        ok=verdict.ok,
        checked=verdict.checked,
        head_hash=verdict.head_hash,
        problem=verdict.problem,
    )
    audit_record(
        actor_id=actor.pk if actor is not None else None,
        action="audit.verified",
        detail={"ok": verdict.ok, "checked": verdict.checked, "via": via},
    )
    return row


@transaction.atomic
def verification_record(
    *, actor: User | None, ok: bool, checked: int, head_hash: str, problem: str = ""
) -> AuditVerification:
    """Keep the result of a verification (the command line calls this after `haven audit verify`)."""
    return AuditVerification.objects.create(
        at=timezone.now(),
        actor_id=actor.pk if actor is not None else None,
        ok=ok,
        checked=checked,
        head_hash=head_hash or "",
        problem=(problem or "")[:500],
    )
