"""The oversight services: reading, exporting and verifying the audit trail. Each checks its action."""

from __future__ import annotations

import calendar
import csv
import io
import json
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from haven.accounts.actions import authorize
from haven.accounts.models import User
from haven.accounts.permissions import Role
from haven.audit.models import AuditEvent
from haven.audit.services import audit_head, audit_record, audit_verify
from haven.cases import services as cases_services
from haven.cases.models import Case
from haven.evidence.anonymise.csvio import neutralise_cell
from haven.oversight import selectors
from haven.oversight.answer import Answer, build_answer
from haven.oversight.models import AuditVerification, DataRequest, RetentionExtension
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


def verification_noted(verdict: Any) -> None:
    """Keep a verification's verdict (`haven.audit.services.audit_verify` calls this after each run)."""
    verification_record(
        actor=None,
        ok=verdict.ok,
        checked=verdict.checked,
        head_hash=verdict.head_hash,
        problem=verdict.problem,
    )


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


# -- Requests from the person about their data -----------------------------------------------------------

# A reminder shows on the register from this many days before a request's deadline.
REMINDER_DAYS = 7


def _one_month_after(day: date) -> date:
    """The same day of the next month (Art. 12(3)); the month's last day when it has no such day."""
    year, month = (day.year + 1, 1) if day.month == 12 else (day.year, day.month + 1)
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


# The purpose (haven.cases "break-glass") a registered request records for its DPO: the request is the reason
# the DPO opens the case, so registering or answering it opens the case to them for a few hours.
REQUEST_PURPOSE = {"access": "access_request", "rectification": "correction", "restriction": "access_request"}


def data_request_register(*, actor: User | None, case: Case, kind: str, received_on: date) -> DataRequest:
    """Register an access, rectification or restriction request with its one-month deadline.

    ``case`` comes through `access.case_for_purpose` (a DPO needs no earlier purpose to register a request);
    the registered request is then recorded as the DPO's purpose for the case (`request_open_case`).
    """
    authorize(actor, "request.register")
    item = _data_request_register(actor=actor, case=case, kind=kind, received_on=received_on)
    if actor is not None:
        request_open_case(actor=actor, request=item, case=case)
    return item


def request_open_case(*, actor: User, request: DataRequest, case: Case) -> None:
    """Record the registered request as `actor`'s purpose for opening `case` (again, when answering it days
    later): the DPO reaches the person's data for the request, for DPO_PURPOSE_HOURS, audited."""
    authorize(actor, "request.register")
    if request.case_code != case.code:
        raise ValidationError(_("This request is not about this case."))
    cases_services.dpo_purpose_record(
        actor=actor,
        case=case,
        purpose=REQUEST_PURPOSE[request.kind],
        reason=f"Registered {request.kind} request no. {request.pk}, received {request.received_on:%Y-%m-%d}",
    )


@transaction.atomic
def _data_request_register(*, actor: User | None, case: Case, kind: str, received_on: date) -> DataRequest:
    if kind not in DataRequest.Kind.values:
        raise ValidationError({"kind": _("Choose the kind of request.")})
    if received_on > timezone.localdate():
        raise ValidationError({"received_on": _("The date the request came in cannot be in the future.")})
    request = DataRequest(
        kind=kind,
        case_code=case.code,
        received_on=received_on,
        due_on=_one_month_after(received_on),
        registered_by_id=actor.pk if actor is not None else None,
        registered_at=timezone.now(),
    )
    request.full_clean()
    request.save()
    audit_record(
        actor_id=actor.pk if actor is not None else None,
        action="request.registered",
        object_type="case",
        object_id=case.code,
        detail={"kind": kind, "request": request.pk},
    )
    return request


@dataclass(frozen=True)
class RequestRow:
    request: DataRequest
    days_left: int
    reminder: bool  # due within REMINDER_DAYS, or late, and not answered


def data_requests(*, actor: User | None) -> list[RequestRow]:
    """The register: open requests first, soonest deadline first, with the reminder flag."""
    authorize(actor, "request.register")
    today = timezone.localdate()
    return [
        RequestRow(
            request=r,
            days_left=(r.due_on - today).days,
            reminder=r.answered_at is None and (r.due_on - today).days <= REMINDER_DAYS,
        )
        for r in DataRequest.objects.order_by(F("answered_at").asc(nulls_first=True), "due_on", "pk")
    ]


def data_request_get(*, actor: User | None, request_id: int) -> DataRequest:
    authorize(actor, "request.register")
    found = DataRequest.objects.filter(pk=request_id).first()
    if found is None:
        raise LookupError(request_id)
    return found


@dataclass(frozen=True)
class AnswerBundle:
    answer: Answer
    json: dict[str, Any]
    pdf: bytes
    files: list[tuple[str, bytes]]


def data_request_answer(*, actor: User, request: DataRequest, case: Case) -> AnswerBundle:
    """The answer to an access request in the person's language: the document (HTML is rendered from
    ``answer``), its PDF, its JSON, and the files themselves. Goes through the cases app's audited export
    (`person.export`); the request is marked answered."""
    from haven.cases.services import attachment_read, subject_access_export

    if request.case_code != case.code:
        raise LookupError(request.pk)
    document = subject_access_export(actor=actor, case=case)
    answer = build_answer(
        case, kind=request.kind, received_on=request.received_on, due_on=request.due_on, document=document
    )
    files = []
    for item, view in zip(answer.files, _files_of(case), strict=True):
        files.append((str(item["archive_path"]), attachment_read(case=case, attachment=view.attachment)))
    if request.answered_at is None:
        DataRequest.objects.filter(pk=request.pk).update(answered_at=timezone.now(), answered_by_id=actor.pk)
    from haven.oversight.pdf import answer_pdf  # the PDF stack loads when an answer is made, not at start

    return AnswerBundle(answer=answer, json=answer.as_json(), pdf=answer_pdf(answer), files=files)


def _files_of(case: Case) -> list[Any]:
    from haven.oversight.answer import _live_files

    return _live_files(case)


def data_request_close(*, actor: User | None, request: DataRequest) -> DataRequest:
    """Mark a rectification or restriction request as dealt with (the change itself is made on the case)."""
    authorize(actor, "request.register")
    DataRequest.objects.filter(pk=request.pk, answered_at=None).update(
        answered_at=timezone.now(), answered_by_id=actor.pk if actor is not None else None
    )
    audit_record(
        actor_id=actor.pk if actor is not None else None,
        action="request.closed",
        object_type="case",
        object_id=request.case_code,
        detail={"kind": request.kind, "request": request.pk},
    )
    request.refresh_from_db()
    return request


# -- Retention review ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RetentionDue:
    case: Case
    closed_on: date
    due_on: date
    days_past: int
    extended_until: date | None  # an extension that ran out, if any


def retention_review(*, actor: User | None, today: date | None = None) -> list[RetentionDue]:
    """Closed cases past their retention period (RETENTION_CASE_DAYS after closing) and not kept by a
    running extension, oldest first. Reads only: nothing is erased here; a person decides on each."""
    authorize(actor, "retention.review")
    today = today or timezone.localdate()
    period = timedelta(days=settings.RETENTION_CASE_DAYS)
    limit = timezone.make_aware(datetime.combine(today - period, time.min))
    candidates = (
        Case.objects.filter(closed_at__lt=limit, person__erased_at=None)
        .select_related("team", "person")
        .order_by("closed_at", "pk")
    )
    latest: dict[str, date] = {}
    for code, until in RetentionExtension.objects.filter(
        case_code__in=[c.code for c in candidates]
    ).values_list("case_code", "until"):
        latest[code] = max(until, latest.get(code, until))
    due = []
    for case in candidates:
        assert case.closed_at is not None
        extended = latest.get(case.code)
        if extended is not None and extended >= today:
            continue
        closed_on = timezone.localtime(case.closed_at).date()
        due_on = max(closed_on + period, extended) if extended else closed_on + period
        due.append(
            RetentionDue(
                case=case,
                closed_on=closed_on,
                due_on=due_on,
                days_past=(today - due_on).days,
                extended_until=extended,
            )
        )
    return due


def retention_screenings_due(*, actor: User | None, today: date | None = None) -> int:
    """How many anonymous screenings (never linked to a case) are older than RETENTION_SCREENING_DAYS."""
    from haven.screening.models import Screening

    authorize(actor, "retention.review")
    today = today or timezone.localdate()
    limit = timezone.make_aware(
        datetime.combine(today - timedelta(days=settings.RETENTION_SCREENING_DAYS), time.min)
    )
    return Screening.objects.filter(case_code="", created_at__lt=limit).count()


def retention_extend(*, actor: User | None, case: Case, until: date, reason: str) -> RetentionExtension:
    """Keep a case past its retention period until ``until``, for a coded reason (audited)."""
    authorize(actor, "retention.review")
    return _retention_extend(actor=actor, case=case, until=until, reason=reason)


@transaction.atomic
def _retention_extend(*, actor: User | None, case: Case, until: date, reason: str) -> RetentionExtension:
    today = timezone.localdate()
    if until <= today:
        raise ValidationError({"until": _("Keep it until a date after today.")})
    if until > today + timedelta(days=3 * 365):
        raise ValidationError({"until": _("Extend by at most three years at a time.")})
    extension = RetentionExtension(
        case_code=case.code,
        until=until,
        reason=reason,
        decided_by_id=actor.pk if actor is not None else None,
        decided_at=timezone.now(),
    )
    extension.full_clean()
    extension.save()
    audit_record(
        actor_id=actor.pk if actor is not None else None,
        action="retention.extended",
        object_type="case",
        object_id=case.code,
        detail={"reason": reason, "until": until.isoformat()},
    )
    return extension
