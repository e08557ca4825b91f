"""The quick screening's whole outcome table in docs/screening.md is the engine's, every combination."""

from __future__ import annotations

from itertools import combinations

import pytest

from haven.screening.engine import Outcome
from haven.screening.library import default_library
from haven.screening.quick_table import (
    DOC_PATH,
    every_outcome,
    outcome_from_sets,
    outcome_of,
    parse,
    quick_ids,
    render,
)

LIBRARY = default_library()
DOC = DOC_PATH.read_text(encoding="utf-8")


def test_the_documented_table_is_the_one_the_engine_gives_now() -> None:
    assert render(LIBRARY) in DOC, "run: .venv/bin/python -m haven.screening.quick_table --write"


@pytest.mark.parametrize("who", ["adult", "child"])
def test_every_combination_of_quick_answers_gives_the_outcome_the_documented_table_says(who: str) -> None:
    documented = parse(DOC)[who]
    table = every_outcome(LIBRARY, who)
    assert len(table) == 2 ** len(quick_ids(LIBRARY, who))
    wrong = [
        (sorted(yes), found.value, outcome_from_sets(documented, yes).value)
        for yes, found in table.items()
        if outcome_from_sets(documented, yes) is not found
    ]
    assert not wrong, wrong[:5]


# Hand-written from the guidance, not from the engine: what a quick screening must be able to show.
ADULT_EXPECTED = [
    ((), Outcome.NO_SIGNS_NOTED),
    (("dr.travel_arranged",), Outcome.NO_SIGNS_NOTED),  # someone arranged the work: not a sign by itself
    (("cd.documents_held",), Outcome.SOME_SIGNS),
    (("sa.someone_controls",), Outcome.SOME_SIGNS),
    (("dr.job_nature", "ec.excessive_hours"), Outcome.SOME_SIGNS),  # no coercion yet
    (
        ("ec.excessive_hours", "cd.documents_held"),
        Outcome.SOME_SIGNS,
    ),  # nobody recruited, moved or keeps them
    (("dr.travel_arranged", "ec.excessive_hours", "cd.documents_held"), Outcome.STRONG_SIGNS),
    (("dr.job_nature", "ec.earnings_taken", "cd.debt_bondage"), Outcome.STRONG_SIGNS),
    (
        ("sc.organisers_control_now", "ec.excessive_hours"),
        Outcome.STRONG_SIGNS,
    ),  # smuggling turned trafficking
    (("sa.immediate_danger",), Outcome.IMMEDIATE_DANGER),
]
CHILD_EXPECTED = [
    ((), Outcome.NO_SIGNS_NOTED),
    (("dr.travel_arranged",), Outcome.NO_SIGNS_NOTED),  # children's travel is usually arranged by others
    (("sa.child_alone",), Outcome.CHILD_SAFEGUARDING),
    (("cd.documents_held",), Outcome.CHILD_SAFEGUARDING),  # coercion alone, no exploitation answer
    (("cd.threats",), Outcome.CHILD_SAFEGUARDING),
    (("sa.someone_controls",), Outcome.CHILD_SAFEGUARDING),
    (("dr.travel_arranged", "ec.earnings_taken"), Outcome.CHILD_SAFEGUARDING),
    (("sa.immediate_danger", "sa.child_alone"), Outcome.IMMEDIATE_DANGER),
]


@pytest.mark.parametrize(
    ("who", "yes", "expected"),
    [("adult", *row) for row in ADULT_EXPECTED] + [("child", *row) for row in CHILD_EXPECTED],
)
def test_quick_screening_gives_what_the_guidance_asks_for(
    who: str, yes: tuple[str, ...], expected: Outcome
) -> None:
    assert outcome_of(LIBRARY, who, yes, quick_ids(LIBRARY, who)) is expected


def test_a_child_gets_no_signs_noted_only_when_every_yes_is_about_travel_arranged_by_others() -> None:
    asked = [i for i in quick_ids(LIBRARY, "child") if i != "sa.immediate_danger"]
    for size in (1, 2):
        for yes in combinations(asked, size):
            outcome = outcome_of(LIBRARY, "child", yes, asked)
            if set(yes) == {"dr.travel_arranged"}:
                assert outcome is Outcome.NO_SIGNS_NOTED
            else:
                assert outcome is Outcome.CHILD_SAFEGUARDING, yes
