"""The demo is full of life: synthetic cases made through the real services, reproducible by seed, with
statistics to show on the dashboard and an audit trail that verifies."""

from __future__ import annotations

from collections import Counter

from django.core.management import call_command

from haven.cases.demo import demo_cases_create
from haven.cases.models import Case
from haven.core.demo import demo_create
from haven.evidence.dataset import statistics_scope
from haven.screening.models import Screening


def test_demo_cases_come_through_the_services_with_every_kind_of_content(db) -> None:
    demo_create()
    made = demo_cases_create(40, seed=3)
    assert made > 0 and Case.objects.count() == made
    # Screenings with and without signs, hand-overs waiting and taken on, statistics to publish.
    outcomes = Counter(Screening.objects.values_list("outcome", flat=True))
    assert len(outcomes) >= 3, outcomes
    stages = Counter(Case.objects.values_list("stage", flat=True))
    assert stages["first_contact"] > 0 and stages["screening"] > 0, stages
    assert statistics_scope().in_scope > 0, "the evidence dashboard would show 0 records in scope"
    assert all(case.person.name is not None for case in Case.objects.select_related("person"))
    call_command("audit", "verify")  # raises (exit 1) on a broken chain


def test_the_same_seed_gives_the_same_mix(db) -> None:
    demo_create()
    demo_cases_create(25, seed=9)
    first = list(Screening.objects.order_by("pk").values_list("outcome", "age", "age_in_doubt"))
    demo_cases_create(25, seed=9)
    second = list(Screening.objects.order_by("pk").values_list("outcome", "age", "age_in_doubt"))[
        len(first) :
    ]
    assert second == first
