"""Reads of the audit trail for the viewer: one filter, applied the same way to a page, an export and the
patterns. Callers check the permission first (`haven.oversight.services`)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.db.models import Max, Min, Q, QuerySet
from django.utils import timezone

from haven.audit.models import AuditEvent

PAGE_SIZE = 50

# Entries that record a "no": a refused permission or access check, a failed or throttled sign-in, a
# refused enrolment or release. Everything else is "done".
REFUSED_ACTIONS = (
    "access.denied",
    "auth.login_failed",
    "auth.login_throttled",
    "auth.mfa_enrol_refused",
    "auth.mfa_enrol_failed",
    "account.invitation_refused",
    "stats.release_refused",
    "screening.library_refused",
)
DONE, REFUSED = "done", "refused"

# What the administrator sees: events about accounts, teams and sign-in, never about cases.
ACCOUNT_OBJECT_TYPES = ("user", "team", "organisation")
ACCOUNT_ACTION_PREFIXES = ("account.", "auth.", "team.", "organisation.")

CASE_READ = "case.viewed"


@dataclass(frozen=True)
class TrailFilter:
    """What the viewer narrows the trail to; empty values do not filter. Dates are whole days, inclusive."""

    since: date | None = None
    until: date | None = None
    actor_id: int | None = None
    action: str = ""
    case_code: str = ""
    outcome: str = ""  # "", DONE or REFUSED
    accounts_only: bool = False  # the administrator's scope

    def used(self) -> list[str]:
        """The names of the filters in use (for the export's audit entry: codes, never values typed)."""
        names = ("since", "until", "actor_id", "action", "case_code", "outcome", "accounts_only")
        return [name for name in names if getattr(self, name) not in (None, "", False)]


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def trail(filters: TrailFilter) -> QuerySet[AuditEvent]:
    """Entries matching `filters`, newest first (ordered by seq, which the indexes carry)."""
    rows = AuditEvent.objects.all()
    if filters.accounts_only:
        scope = Q(object_type__in=ACCOUNT_OBJECT_TYPES)
        for prefix in ACCOUNT_ACTION_PREFIXES:
            scope |= Q(action__startswith=prefix)
        rows = rows.filter(scope).exclude(object_type="case")
    if filters.since is not None or filters.until is not None:
        period = Q()
        if filters.since is not None:
            period &= Q(at__gte=_day_start(filters.since))
        if filters.until is not None:
            period &= Q(at__lt=_day_start(filters.until + timedelta(days=1)))
        # The period's first and last sequence numbers, read from the (at, seq) index alone, bound the walk
        # down the seq index: a page never sorts the whole period. The period itself still decides.
        bounds = AuditEvent.objects.filter(period).aggregate(low=Min("seq"), high=Max("seq"))
        if bounds["low"] is None:
            return AuditEvent.objects.none()
        rows = rows.filter(period, seq__gte=bounds["low"], seq__lte=bounds["high"])
    if filters.actor_id is not None:
        rows = rows.filter(actor_id=filters.actor_id)
    if filters.action:
        rows = rows.filter(action=filters.action)
    if filters.case_code:
        rows = rows.filter(object_type="case", object_id=filters.case_code)
    if filters.outcome == REFUSED:
        rows = rows.filter(action__in=REFUSED_ACTIONS)
    elif filters.outcome == DONE:
        rows = rows.exclude(action__in=REFUSED_ACTIONS)
    return rows.order_by("-seq")


def trail_page(filters: TrailFilter, *, before: int | None = None, size: int = PAGE_SIZE) -> list[AuditEvent]:
    """One page, newest first, of the entries older than seq `before` (keyset: no OFFSET, no count)."""
    rows = trail(filters)
    if before is not None:
        rows = rows.filter(seq__lt=before)
    return list(rows[:size])


def outcome_of(action: str) -> str:
    return REFUSED if action in REFUSED_ACTIONS else DONE


@dataclass(frozen=True)
class Pattern:
    """Something worth a look: `kind` is many_refusals, many_cases or out_of_hours."""

    kind: str
    actor_id: int | None
    count: int
    first_at: datetime
    last_at: datetime


# The patterns look at this many days back from the end of the filtered period, and at most this many rows.
PATTERN_DAYS = 7
PATTERN_ROW_CAP = 200_000


def _window_peaks(
    times_by_actor: dict[int | None, list[tuple[datetime, str]]], threshold: int, *, distinct: bool
) -> list[Pattern]:
    window = timedelta(minutes=settings.AUDIT_ALERT_WINDOW_MINUTES)
    found = []
    for actor_id, items in times_by_actor.items():
        items.sort()
        start = 0
        best: tuple[int, datetime, datetime] | None = None
        for end in range(len(items)):
            while items[end][0] - items[start][0] > window:
                start += 1
            inside = items[start : end + 1]
            count = len({code for _at, code in inside}) if distinct else len(inside)
            if count >= threshold and (best is None or count > best[0]):
                best = (count, inside[0][0], inside[-1][0])
        if best is not None:
            found.append(Pattern("many_cases" if distinct else "many_refusals", actor_id, *best))
    return found


def patterns(filters: TrailFilter) -> list[Pattern]:
    """Refusals piling up for one account, one account reading many cases within the alert window, and
    case reads outside working hours, within the filtered period (its last PATTERN_DAYS days)."""
    end = _day_start(filters.until + timedelta(days=1)) if filters.until else timezone.now()
    start = end - timedelta(days=PATTERN_DAYS)
    if filters.since is not None:
        start = max(start, _day_start(filters.since))
    base = AuditEvent.objects.filter(at__gte=start, at__lt=end)
    if filters.actor_id is not None:
        base = base.filter(actor_id=filters.actor_id)
    refusals: dict[int | None, list[tuple[datetime, str]]] = defaultdict(list)
    for actor_id, at in base.filter(action__in=REFUSED_ACTIONS).values_list("actor_id", "at")[
        :PATTERN_ROW_CAP
    ]:
        refusals[actor_id].append((at, ""))
    found = _window_peaks(refusals, settings.AUDIT_ALERT_REFUSALS, distinct=False)
    if filters.accounts_only:
        return found
    reads: dict[int | None, list[tuple[datetime, str]]] = defaultdict(list)
    late: dict[int | None, list[datetime]] = defaultdict(list)
    opening, closing = settings.AUDIT_WORKING_HOURS_START, settings.AUDIT_WORKING_HOURS_END
    rows = base.filter(action=CASE_READ).values_list("actor_id", "at", "object_id")[:PATTERN_ROW_CAP]
    for actor_id, at, code in rows:
        reads[actor_id].append((at, code))
        if not opening <= timezone.localtime(at).hour < closing:
            late[actor_id].append(at)
    found += _window_peaks(reads, settings.AUDIT_ALERT_CASES, distinct=True)
    found += [
        Pattern("out_of_hours", actor, len(times), min(times), max(times)) for actor, times in late.items()
    ]
    return found
