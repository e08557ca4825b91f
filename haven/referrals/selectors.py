"""Reads of the referral network: matching services, what may be shared now, the gap analysis, the
directory as a table."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from haven.cases.consent import consent_in_force, latest_consent, may_share_with
from haven.cases.models import Case, Person
from haven.referrals.models import Link, Organisation, Referral, SharingStop
from haven.referrals.neutrality import ALWAYS_REFUSED, ON_PERSONS_REQUEST

# Below this, a count of cases in the gap analysis is shown as "fewer than 5" (small numbers identify).
SMALL_NUMBER = 5


def cooperation_valid(organisation: Organisation, today: date | None = None) -> bool:
    """The cooperation assessment says Haven may refer to it: safe, in line with its mandate, data
    protection not inadequate, reviewed and not due again, and any data-sharing agreement not expired."""
    today = today or timezone.localdate()
    return (
        organisation.active
        and organisation.org_type != "placeholder"
        and organisation.safe_to_cooperate
        and organisation.mandate_in_line
        and organisation.data_protection in ("adequate", "partial")
        and organisation.reviewed_on is not None
        and (organisation.review_due is None or organisation.review_due >= today)
        and (organisation.agreement_expires is None or organisation.agreement_expires >= today)
    )


def case_target_groups(case: Case) -> set[str]:
    """The target groups (cases.vocab.TARGET_GROUPS) the person of a case belongs to, from coded data."""
    person: Person = case.person
    groups: set[str] = set()
    feminine = person.gender in ("Feminine", "TransgenderFeminine")
    masculine = person.gender in ("Masculine", "TransgenderMasculine")
    if person.is_child:
        groups |= {"girls"} if feminine else {"boys"} if masculine else set()
    else:
        groups |= {"women"} if feminine else {"men"} if masculine else set()
    if person.gender in ("TransgenderFeminine", "TransgenderMasculine", "NonConforming"):
        groups.add("lgbtqi")
    types = set(case.exploitation_types)
    if types & {"ForcedLabour", "ChildLabour", "Servitude", "ForcedBegging"}:
        groups.add("labour")
    if "SexualExploitation" in types:
        groups.add("sexual")
    if "ForcedCriminality" in types:
        groups.add("criminal")
    if person.legal_status == "undocumented":
        groups.add("no_legal_status")
    return groups


def case_area(case: Case) -> str:
    """The area of a case: its team's name, lower case (the directory lists the areas it serves so)."""
    return case.team.name.strip().lower()


def proposable() -> QuerySet[Organisation]:
    """Organisations Haven may propose at all: never the authorities, never an undescribed code."""
    return Organisation.objects.filter(active=True).exclude(
        org_type__in=[*ALWAYS_REFUSED, *ON_PERSONS_REQUEST, "placeholder"]
    )


@dataclass(frozen=True)
class Match:
    organisation: Organisation
    target_group: bool
    area: bool
    language: bool

    @property
    def score(self) -> int:
        return int(self.target_group) + int(self.area) + int(self.language)


def matching_services(case: Case, need_domain: str) -> list[Match]:
    """Services for this need: the domain matches, the cooperation assessment is valid and there is room;
    those that also serve the person's group, area and language first, then the shortest wait."""
    groups = case_target_groups(case)
    area = case_area(case)
    languages = set(case.person.languages) | (
        {case.person.information_language} if case.person.information_language else set()
    )
    matches = []
    for organisation in proposable():
        if need_domain not in organisation.domains or not cooperation_valid(organisation):
            continue
        if organisation.capacity == 0:
            continue
        matches.append(
            Match(
                organisation,
                target_group=bool(groups & set(organisation.target_groups)),
                area=area in organisation.areas,
                language=bool(languages & set(organisation.languages)),
            )
        )
    matches.sort(key=lambda m: (-m.score, m.organisation.waiting_days or 0, m.organisation.name))
    return matches


def sharing_stopped(case: Case, organisation: Organisation) -> bool:
    """A withdrawal for this organisation stopped sharing, no pressure review lifted the stop, and the
    person has not consented again since."""
    stops = SharingStop.objects.filter(case=case, organisation=organisation, lifted_at=None)
    latest = latest_consent(case, "referral", organisation.code)
    if latest is not None and latest.status == "given":
        stops = stops.filter(requested_at__gte=latest.recorded_at)
    return stops.exists()


def may_share(case: Case, organisation: Organisation) -> bool:
    """The consent rule (consent for this recipient, or the child rule) and no stop of sharing."""
    return not sharing_stopped(case, organisation) and may_share_with(case, organisation.code)


def identity_covered(case: Case, organisation: Organisation) -> bool:
    """Identity goes only with the person's own consent for this recipient (never on the child rule)."""
    return not sharing_stopped(case, organisation) and consent_in_force(
        latest_consent(case, "referral", organisation.code)
    )


# -- the gap analysis ----------------------------------------------------------------------------------------

NeedsSource = Callable[[], Iterable[tuple[int, str]]]
_NEEDS_SOURCES: list[NeedsSource] = []


def register_needs_source(source: NeedsSource) -> None:
    """Add a source of recorded needs as (case id, needs domain) pairs (the needs assessment's own)."""
    if source not in _NEEDS_SOURCES:
        _NEEDS_SOURCES.append(source)


def recorded_needs() -> set[tuple[int, str]]:
    """Each case's recorded needs domains: those of its referrals and links, and any registered source."""
    pairs: set[tuple[int, str]] = set(Referral.objects.values_list("case_id", "need_domain"))
    pairs |= set(Link.objects.values_list("case_id", "need_domain"))
    for source in _NEEDS_SOURCES:
        pairs |= set(source())
    return pairs


@dataclass(frozen=True)
class GapRow:
    domain: str
    target_group: str
    area: str
    cases: int
    services: int

    @property
    def shown_cases(self) -> str:
        return str(self.cases) if self.cases >= SMALL_NUMBER else f"<{SMALL_NUMBER}"

    @property
    def no_service(self) -> bool:
        return self.services == 0


@dataclass(frozen=True)
class GapReport:
    rows: list[GapRow]
    expired: list[Organisation]
    # Cases with a recorded need, per needs domain (each case once per domain).
    by_domain: dict[str, int]

    @property
    def without_service(self) -> list[GapRow]:
        return [row for row in self.rows if row.no_service]


def gap_report(today: date | None = None) -> GapReport:
    """Cases with a need, by domain × target group × area, against the services that could meet it."""
    today = today or timezone.localdate()
    needs = recorded_needs()
    cases = {
        c.pk: c for c in Case.objects.select_related("person", "team").filter(pk__in={p[0] for p in needs})
    }
    counts: Counter[tuple[str, str, str]] = Counter()
    by_domain: Counter[str] = Counter()
    for case_id, domain in needs:
        case = cases.get(case_id)
        if case is None or case.person.erased_at is not None:
            continue
        by_domain[domain] += 1
        for group in case_target_groups(case) or {""}:
            counts[(domain, group, case_area(case))] += 1
    services = [o for o in proposable() if cooperation_valid(o, today)]
    rows = []
    for (domain, group, area), number in sorted(counts.items()):
        available = sum(
            1
            for o in services
            if domain in o.domains and (not group or group in o.target_groups) and area in o.areas
        )
        rows.append(GapRow(domain, group, area, number, available))
    expired = [
        o
        for o in Organisation.objects.filter(active=True).exclude(org_type="placeholder")
        if (o.review_due is not None and o.review_due < today)
        or (o.agreement_expires is not None and o.agreement_expires < today)
    ]
    return GapReport(rows, expired, dict(by_domain))


def gap_rows(report: GapReport) -> list[dict[str, str]]:
    """The gap analysis as a table to export (small numbers suppressed)."""
    return [
        {
            "domain": row.domain,
            "target_group": row.target_group,
            "area": row.area,
            "cases": row.shown_cases,
            "services": str(row.services),
        }
        for row in report.rows
    ]


# -- the directory as a table --------------------------------------------------------------------------------

LIST_COLUMNS = ("areas", "languages", "target_groups", "domains", "support_types")
DIRECTORY_COLUMNS = (
    "code",
    "name",
    "org_type",
    "mandate_notes",
    "contact_phone",
    "contact_email",
    "contact_address",
    "areas",
    "languages",
    "capacity",
    "waiting_days",
    "target_groups",
    "domains",
    "support_types",
    "safe_to_cooperate",
    "mandate_in_line",
    "data_protection",
    "agreement_ref",
    "agreement_expires",
    "reviewed_on",
    "review_due",
)


def _cell(value: Any) -> str:
    if isinstance(value, list):
        return " ".join(str(v) for v in value)
    if isinstance(value, bool):
        return "yes" if value else "no"
    if value is None:
        return ""
    return str(value)


def directory_rows() -> list[dict[str, str]]:
    """Every organisation as text cells in DIRECTORY_COLUMNS (lists separated by spaces)."""
    return [{name: _cell(getattr(o, name)) for name in DIRECTORY_COLUMNS} for o in Organisation.objects.all()]


def referrals_of(case: Case) -> QuerySet[Referral]:
    return Referral.objects.filter(case=case).select_related("organisation").order_by("-created_at", "-pk")


def links_of(case: Case) -> QuerySet[Link]:
    return Link.objects.filter(case=case).select_related("organisation").order_by("-created_at", "-pk")
