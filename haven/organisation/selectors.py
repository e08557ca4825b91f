"""Reads of the organisation app: readiness progress, awareness summaries, references and the advocacy log."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import QuerySet

from haven.organisation import catalogue
from haven.organisation.models import (
    HELD,
    IN_PLACE,
    IN_PROGRESS,
    NOT_APPLICABLE,
    NOT_STARTED,
    AdvocacyAsk,
    AwarenessActivity,
    NationalReference,
    ReadinessAnswer,
    ReadinessAssessment,
    ReadinessOwnItem,
)


def item_keys() -> set[str]:
    """Every item a checklist has: the built-in ones and the Society's own."""
    own = {item.key for item in ReadinessOwnItem.objects.all()}
    return {item.key for item in catalogue.readiness_items("en")} | own


def assessments() -> QuerySet[ReadinessAssessment]:
    return ReadinessAssessment.objects.order_by("-year")


def assessment_for(year: int) -> ReadinessAssessment | None:
    return ReadinessAssessment.objects.filter(year=year).first()


@dataclass
class Row:
    key: str
    text: str
    own: bool
    answer: ReadinessAnswer | None
    form: object | None = None  # the page's form for this item, when the year can still change

    @property
    def status(self) -> str:
        return self.answer.status if self.answer else NOT_STARTED

    @property
    def anchor(self) -> str:
        return self.key.replace(".", "-")


@dataclass
class Checklist:
    key: str
    title: str
    rows: list[Row] = field(default_factory=list)

    def count(self, status: str) -> int:
        return sum(1 for r in self.rows if r.status == status)

    @property
    def applicable(self) -> int:
        return len(self.rows) - self.count(NOT_APPLICABLE)

    @property
    def percent_in_place(self) -> int:
        """Share of the applicable items in place, rounded down (an item "not applicable" does not count)."""
        return (100 * self.count(IN_PLACE)) // self.applicable if self.applicable else 0

    @property
    def in_place(self) -> int:
        return self.count(IN_PLACE)

    @property
    def in_progress(self) -> int:
        return self.count(IN_PROGRESS)

    @property
    def not_started(self) -> int:
        return self.count(NOT_STARTED)

    @property
    def not_applicable(self) -> int:
        return self.count(NOT_APPLICABLE)


def progress(assessment: ReadinessAssessment | None, lang: str) -> list[Checklist]:
    """Each checklist with its items (built-in first, then the Society's own) and where each stands."""
    answers = {a.item_key: a for a in assessment.answers.select_related("owner")} if assessment else {}
    titles = catalogue.checklist_titles(lang)
    lists = {key: Checklist(key, title) for key, title in titles.items()}
    for item in catalogue.readiness_items(lang):
        lists[item.checklist].rows.append(Row(item.key, item.text, False, answers.get(item.key)))
    for own in ReadinessOwnItem.objects.order_by("pk"):
        lists[own.checklist].rows.append(Row(own.key, own.text, True, answers.get(own.key)))
    return list(lists.values())


def awareness_activities() -> QuerySet[AwarenessActivity]:
    return AwarenessActivity.objects.order_by("-held_on", "-pk")


@dataclass(frozen=True)
class AwarenessLine:
    year: int
    audience: str
    held: int
    reach: int


def awareness_summary() -> list[AwarenessLine]:
    """Held activities and the people they reached, by year (newest first) and audience."""
    totals: dict[tuple[int, str], list[int]] = defaultdict(lambda: [0, 0])
    for activity in AwarenessActivity.objects.filter(status=HELD):
        line = totals[(activity.held_on.year, activity.audience)]
        line[0] += 1
        line[1] += activity.reach or 0
    return [
        AwarenessLine(year, audience, held, reach)
        for (year, audience), (held, reach) in sorted(totals.items(), key=lambda kv: (-kv[0][0], kv[0][1]))
    ]


def national_references() -> QuerySet[NationalReference]:
    return NationalReference.objects.order_by("kind", "title", "pk")


def advocacy_asks() -> QuerySet[AdvocacyAsk]:
    return AdvocacyAsk.objects.select_related("release").prefetch_related("meetings")
