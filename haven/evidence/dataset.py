"""Which case records statistics may use, read as coded facts only.

A case counts when the person's latest consent for the purpose "statistics" is given and in force, or when
its legal basis covers anonymised statistics (none of Haven's current bases does: vital interest and a
child's best interests justify protection, not statistics). Everything else is left out, and every report
says how many records were left out and why.

This module only reads the case tables, through their coded columns (gender, citizenship codes, ages,
exploitation codes, event countries). It never opens a sealed value.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from haven.cases.models import Case, Consent, HistoricEvent
from haven.evidence.ctdc import CaseFacts

STATISTICS_PURPOSE = "statistics"
# Legal bases that would cover anonymised statistics without consent. Empty on purpose (see module doc).
STATISTICS_LEGAL_BASES: frozenset[str] = frozenset()

# Why a case was left out, in words a report can show.
LEFT_OUT_REASONS: dict[str, Any] = {
    "no_statistics_consent": _("no consent for anonymised statistics was recorded"),
    "statistics_consent_refused": _("the person refused consent for anonymised statistics"),
    "statistics_consent_withdrawn": _("the person withdrew consent for anonymised statistics"),
    "statistics_consent_expired": _("the consent for anonymised statistics has expired"),
    "person_erased": _("the person's data was erased"),
    "same_person_counted_once": _("another case of the same person is counted instead"),
    "registered_outside_table_years": _("registered outside the years the tables cover"),
}


@dataclass
class Scope:
    """The records in scope for statistics, and what was left out."""

    facts: list[CaseFacts] = field(default_factory=list)
    case_ids: list[int] = field(default_factory=list)
    left_out: dict[str, int] = field(default_factory=dict)

    @property
    def in_scope(self) -> int:
        """Number of records (one per person) that statistics use."""
        return len(self.facts)

    @property
    def left_out_total(self) -> int:
        """Number of cases left out, whatever the reason."""
        return sum(self.left_out.values())


def _consent_state(status: str, expires_on: date | None, today: date) -> str | None:
    """None when the consent covers statistics, else the reason code it does not."""
    if status == "given":
        if expires_on is not None and expires_on < today:
            return "statistics_consent_expired"
        return None
    return {
        "refused": "statistics_consent_refused",
        "withdrawn": "statistics_consent_withdrawn",
        "expired": "statistics_consent_expired",
    }.get(status, "no_statistics_consent")


def statistics_scope(case_ids: list[int] | None = None) -> Scope:
    """Coded facts of every case whose consent or legal basis covers anonymised statistics.

    A person with several cases is counted once (their latest case), so each person adds at most one to a
    count: that is what the differential privacy guarantee protects. With `case_ids`, only those cases are
    considered (to re-derive an earlier release).
    """
    today = timezone.localdate()
    consents = Consent.objects.filter(purpose=STATISTICS_PURPOSE)
    cases = Case.objects.select_related("person").order_by("-created_at", "-pk")
    events = HistoricEvent.objects.filter(type="Exploitation")
    if case_ids is not None:
        consents = consents.filter(case_id__in=case_ids)
        cases = cases.filter(pk__in=case_ids)
        events = events.filter(case_id__in=case_ids)

    latest: dict[int, tuple[str, date | None]] = {}
    # Ascending, so the latest record per case is the one left in the dictionary: it decides.
    for case_id, status, expires_on in consents.order_by("recorded_at", "pk").values_list(
        "case_id", "status", "expires_on"
    ):
        latest[case_id] = (status, expires_on)
    countries: dict[int, list[str]] = {}
    for case_id, country in events.order_by("date", "pk").values_list("case_id", "country"):
        countries.setdefault(case_id, []).append(country)

    scope = Scope()
    left_out: Counter[str] = Counter()
    counted_people: set[int] = set()
    for case in cases.only(
        "pk",
        "created_at",
        "legal_basis",
        "exploitation_types",
        "means_of_control",
        "person__id",
        "person__gender",
        "person__citizenship",
        "person__stated_age",
        "person__estimated_age",
        "person__age_established_adult",
        "person__erased_at",
    ):
        person = case.person
        if person.erased_at is not None:
            left_out["person_erased"] += 1
            continue
        if case.legal_basis not in STATISTICS_LEGAL_BASES:
            consent = latest.get(case.pk)
            reason = "no_statistics_consent" if consent is None else _consent_state(*consent, today)
            if reason is not None:
                left_out[reason] += 1
                continue
        if person.pk in counted_people:
            left_out["same_person_counted_once"] += 1
            continue
        counted_people.add(person.pk)
        age = person.stated_age if person.stated_age is not None else person.estimated_age
        scope.case_ids.append(case.pk)
        scope.facts.append(
            CaseFacts(
                year=timezone.localtime(case.created_at).year,
                gender=person.gender,
                age=age,
                established_adult=person.age_established_adult,
                citizenship=tuple(person.citizenship or ()),
                exploitation_types=tuple(case.exploitation_types or ()),
                means_of_control=tuple(case.means_of_control or ()),
                exploitation_countries=tuple(countries.get(case.pk, ())),
            )
        )
    scope.left_out = dict(sorted(left_out.items()))
    return scope
