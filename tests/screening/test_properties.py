"""Properties of the engine over random answer sets, ages and lists (Hypothesis)."""

from __future__ import annotations

import random
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from haven.screening.engine import (
    ANSWERS,
    Outcome,
    evaluate,
    is_treated_as_child,
    parse_request,
    result_to_json,
)
from haven.screening.library import GROUPS, default_library, load_library
from tests.screening.tiny_library import tiny_library, tiny_library_data

LIBRARIES = {"default": default_library(), "tiny": tiny_library()}


@st.composite
def screenings(draw: st.DrawFn, library_name: str) -> dict[str, Any]:
    library = LIBRARIES[library_name]
    ids = [ind.id for ind in library.indicators]
    age = draw(st.none() | st.integers(min_value=0, max_value=120))
    # "Not sure" of the age is a null age with doubt; an age never asked cannot be evaluated.
    doubt = True if age is None else draw(st.booleans())
    # Weighted towards "yes" so that groups and combinations are reached often, not only empty screenings.
    values = st.sampled_from(ANSWERS) | st.just("yes")
    answers = draw(st.dictionaries(st.sampled_from(ids), values, max_size=len(ids)))
    prefix = "child-" if is_treated_as_child(age, doubt) else "adult-"
    fitting = [name for name in library.lists if name.startswith(prefix)]
    list_name = draw(st.none() | st.sampled_from(fitting))
    return {"age": age, "age_in_doubt": doubt, "list": list_name, "answers": answers}


def outcome_rank(library_name: str, data: dict[str, Any]) -> int:
    library = LIBRARIES[library_name]
    return evaluate(library, parse_request(library, data)).outcome.rank


@pytest.mark.parametrize("library_name", sorted(LIBRARIES))
@settings(max_examples=300, deadline=None)
@given(data=st.data())
def test_changing_any_answer_to_yes_never_lowers_the_outcome(library_name: str, data: st.DataObject) -> None:
    screening = data.draw(screenings(library_name))
    before = outcome_rank(library_name, screening)
    # Every indicator, not one drawn at random: the rare state where a yes could hurt is then always tried.
    for indicator in LIBRARIES[library_name].indicators:
        raised = {**screening, "answers": {**screening["answers"], indicator.id: "yes"}}
        assert outcome_rank(library_name, raised) >= before, indicator.id


@pytest.mark.parametrize("library_name", sorted(LIBRARIES))
@settings(max_examples=200, deadline=None)
@given(data=st.data())
def test_unknown_declined_no_or_unasked_are_the_same_for_the_outcome(
    library_name: str, data: st.DataObject
) -> None:
    screening = data.draw(screenings(library_name))
    library = LIBRARIES[library_name]
    indicator_id = data.draw(st.sampled_from([ind.id for ind in library.indicators]))
    if screening["answers"].get(indicator_id) == "yes":
        return
    variants = [{**screening["answers"], indicator_id: value} for value in ("no", "unknown", "declined")]
    variants.append({k: v for k, v in screening["answers"].items() if k != indicator_id})
    ranks = {outcome_rank(library_name, {**screening, "answers": answers}) for answers in variants}
    assert len(ranks) == 1


def _child(screening: dict[str, Any], data: st.DataObject) -> dict[str, Any]:
    if is_treated_as_child(screening["age"], screening["age_in_doubt"]):
        return screening
    return {**screening, "age": data.draw(st.integers(min_value=0, max_value=17)), "list": None}


def _adult(screening: dict[str, Any], data: st.DataObject) -> dict[str, Any]:
    if not is_treated_as_child(screening["age"], screening["age_in_doubt"]):
        return screening
    age = data.draw(st.integers(min_value=18, max_value=120))
    return {**screening, "age": age, "age_in_doubt": False, "list": None}


# The elements, read from the library's own fields (the legal definition's words), not from the engine.
def _act_ids(library_name: str) -> list[str]:
    return [ind.id for ind in LIBRARIES[library_name].indicators if ind.element == "act"]


def _purpose_ids(library_name: str) -> list[str]:
    return [ind.id for ind in LIBRARIES[library_name].indicators if ind.element == "purpose"]


@pytest.mark.parametrize("library_name", sorted(LIBRARIES))
@settings(max_examples=300, deadline=None)
@given(data=st.data())
def test_for_a_child_act_and_purpose_alone_give_at_least_child_safeguarding(
    library_name: str, data: st.DataObject
) -> None:
    screening = _child(data.draw(screenings(library_name)), data)
    library = LIBRARIES[library_name]
    act = data.draw(st.sampled_from(_act_ids(library_name)))
    purpose = data.draw(st.sampled_from(_purpose_ids(library_name)))
    # Both on a list that grades them: the list asked for, or any child list when none is asked.
    lists = [screening["list"]] if screening["list"] else [n for n in library.lists if n.startswith("child-")]
    graded = [n for n in lists if library.get(act).grade(n) and library.get(purpose).grade(n)]
    if not graded:
        return
    answers = {**screening["answers"], act: "yes", purpose: "yes"}
    rank = outcome_rank(library_name, {**screening, "answers": answers})
    assert rank >= Outcome.CHILD_SAFEGUARDING.rank, (act, purpose)


@pytest.mark.parametrize("library_name", sorted(LIBRARIES))
@settings(max_examples=300, deadline=None)
@given(data=st.data())
def test_for_a_child_any_yes_to_coercion_gives_at_least_child_safeguarding(
    library_name: str, data: st.DataObject
) -> None:
    screening = _child(data.draw(screenings(library_name)), data)
    library = LIBRARIES[library_name]
    lists = [screening["list"]] if screening["list"] else [n for n in library.lists if n.startswith("child-")]
    coercion = [
        ind.id
        for ind in library.indicators
        if ind.group in ("coercive_recruitment", "coercion_at_destination")
        and not ind.observed  # what the worker saw is a weak or medium sign, not the child's own answer
        and any(ind.grade(n) for n in lists)
    ]
    indicator_id = data.draw(st.sampled_from(coercion))
    answers = {**screening["answers"], indicator_id: "yes"}
    assert outcome_rank(library_name, {**screening, "answers": answers}) >= Outcome.CHILD_SAFEGUARDING.rank


@pytest.mark.parametrize("library_name", sorted(LIBRARIES))
@settings(max_examples=300, deadline=None)
@given(data=st.data())
def test_removing_means_answers_never_raises_an_adults_outcome(
    library_name: str, data: st.DataObject
) -> None:
    screening = _adult(data.draw(screenings(library_name)), data)
    library = LIBRARIES[library_name]
    means_ids = {ind.id for ind in library.indicators if ind.element == "means"}
    answers = screening["answers"]
    removed = {k: v for k, v in answers.items() if k not in means_ids}
    set_to_no = {k: ("no" if k in means_ids else v) for k, v in answers.items()}
    before = outcome_rank(library_name, screening)
    assert outcome_rank(library_name, {**screening, "answers": removed}) <= before
    assert outcome_rank(library_name, {**screening, "answers": set_to_no}) <= before


@pytest.mark.parametrize("library_name", sorted(LIBRARIES))
@settings(max_examples=300, deadline=None)
@given(data=st.data())
def test_vulnerability_answers_alone_never_give_strong_signs(library_name: str, data: st.DataObject) -> None:
    library = LIBRARIES[library_name]
    vulnerable = [
        ind.id
        for ind in library.indicators
        if ind.group in ("recruitment_abuse_of_vulnerability", "abuse_of_vulnerability_at_destination")
    ]
    chosen = data.draw(st.lists(st.sampled_from(vulnerable), unique=True))
    context = [ind.id for ind in library.indicators if ind.signal in ("consent", "contact_ended")]
    consent = data.draw(st.lists(st.sampled_from(context), unique=True)) if context else []
    age = data.draw(st.integers(min_value=18, max_value=120))
    screening = {"age": age, "answers": dict.fromkeys([*chosen, *consent], "yes")}
    result = evaluate(library, parse_request(library, screening))
    assert result.outcome.rank < Outcome.STRONG_SIGNS.rank
    assert result.elements.means is False
    codes = {reason.code for reason in result.reasons}
    assert codes.isdisjoint({"element_means", "vulnerability_used", "consent_does_not_count"})


@settings(max_examples=100, deadline=None)
@given(data=st.data())
def test_result_does_not_depend_on_answer_order(data: st.DataObject) -> None:
    screening = data.draw(screenings("default"))
    items = list(screening["answers"].items())
    random.Random(data.draw(st.integers())).shuffle(items)
    library = LIBRARIES["default"]
    first = result_to_json(evaluate(library, parse_request(library, screening)))
    second = result_to_json(evaluate(library, parse_request(library, {**screening, "answers": dict(items)})))
    assert first == second


@settings(max_examples=100, deadline=None)
@given(data=st.data())
def test_library_validation_rejects_any_duplicate_id(data: st.DataObject) -> None:
    library_data = tiny_library_data()
    count = len(library_data["indicators"])
    original = data.draw(st.integers(min_value=0, max_value=count - 1))
    copy_at = data.draw(st.integers(min_value=0, max_value=count - 1).filter(lambda i: i != original))
    duplicate_id = library_data["indicators"][original]["id"]
    library_data["indicators"][copy_at]["id"] = duplicate_id
    with pytest.raises(ValueError, match=f"indicator '{duplicate_id}': duplicate id"):
        load_library(library_data)


@settings(max_examples=100, deadline=None)
@given(data=st.data())
def test_library_validation_rejects_any_unknown_group(data: st.DataObject) -> None:
    library_data = tiny_library_data()
    position = data.draw(st.integers(min_value=0, max_value=len(library_data["indicators"]) - 1))
    group = data.draw(st.text(min_size=1, max_size=30).filter(lambda g: g not in GROUPS))
    library_data["indicators"][position]["group"] = group
    indicator_id = library_data["indicators"][position]["id"]
    with pytest.raises(ValueError) as excinfo:
        load_library(library_data)
    assert f"indicator '{indicator_id}': unknown group" in str(excinfo.value)
