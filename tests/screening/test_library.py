"""The bundled indicator library and the validation of any library."""

from __future__ import annotations

import copy
import re
from typing import Any

import pytest

from haven.screening.engine import group_rule
from haven.screening.library import (
    DEFAULT_PATH,
    GROUPS,
    ILO_GROUPS,
    LIST_NAMES,
    SIGNALS,
    default_library,
    load_library,
    to_public_json,
)
from tests.screening.tiny_library import indicator, tiny_library_data

LIBRARY = default_library()
PREFIX_BY_GROUP = {
    "safety": "sa",
    "deceptive_recruitment": "dr",
    "coercive_recruitment": "cr",
    "recruitment_abuse_of_vulnerability": "rv",
    "exploitative_conditions": "ec",
    "coercion_at_destination": "cd",
    "abuse_of_vulnerability_at_destination": "av",
    "smuggling_context": "sc",
}


def words(text: str) -> int:
    return len([w for w in text.split() if re.search(r"\w", w)])


def test_default_library_has_every_list_and_a_workable_size() -> None:
    assert LIBRARY.version == "3"
    assert LIBRARY.lists == LIST_NAMES
    assert 50 <= len(LIBRARY.indicators) <= 90
    assert {ind.group for ind in LIBRARY.indicators} == set(GROUPS)


def test_every_indicator_has_english_and_french_question_and_interpreter_text() -> None:
    for ind in LIBRARY.indicators:
        texts = (ind.text, ind.interpreter, *((ind.child_text,) if ind.child_text else ()))
        for text in texts:
            assert text.en.strip() and text.fr.strip(), ind.id
            assert text.en != text.fr, ind.id
            if ind.observed:  # what the worker saw: a statement, not a question
                assert text.en.endswith(".") and text.fr.endswith("."), ind.id
                continue
            assert text.en.endswith("?"), ind.id
            # French typography: a non-breaking space before the question mark.
            assert text.fr.endswith("\u00a0?"), ind.id
        assert words(ind.interpreter.en) <= 12 and words(ind.interpreter.fr) <= 12, ind.id


def test_indicator_ids_are_unique_and_prefixed_by_their_group() -> None:
    ids = [ind.id for ind in LIBRARY.indicators]
    assert len(ids) == len(set(ids))
    for ind in LIBRARY.indicators:
        prefix = "ob" if ind.observed else PREFIX_BY_GROUP[ind.group]
        assert ind.id.split(".")[0] == prefix, ind.id


@pytest.mark.parametrize("list_name", LIST_NAMES)
def test_every_list_grades_enough_indicators_for_each_group_to_be_present(list_name: str) -> None:
    for group in ILO_GROUPS:
        grades = [ind.grade(list_name) for ind in LIBRARY.indicators if ind.group == group]
        graded = [g for g in grades if g]
        assert graded, (list_name, group)
        counts = {g: graded.count(g) for g in ("strong", "medium", "weak")}
        assert group_rule(counts["strong"], counts["medium"], counts["weak"]), (list_name, group)


@pytest.mark.parametrize("list_name", LIST_NAMES)
def test_every_list_can_reach_its_decisive_combination(list_name: str) -> None:
    groups_with_grades = {ind.group for ind in LIBRARY.indicators if ind.grade(list_name)}
    assert groups_with_grades >= set(ILO_GROUPS)
    if list_name.startswith("child-"):
        assert any(ind.element == "act" and ind.grade(list_name) for ind in LIBRARY.indicators)


def test_elements_match_the_legal_structure() -> None:
    for ind in LIBRARY.indicators:
        if ind.group in ("safety", "smuggling_context"):
            assert ind.element == "context", ind.id
        else:
            assert ind.element in ("act", "means", "purpose"), ind.id
    elements = {ind.element for ind in LIBRARY.indicators}
    assert elements == {"act", "means", "purpose", "context"}


def test_quick_screening_has_eight_to_twelve_questions_with_safety_first() -> None:
    quick = LIBRARY.quick()
    assert 8 <= len(quick) <= 12
    groups = [ind.group for ind in quick]
    safety_count = groups.count("safety")
    assert safety_count >= 2
    assert groups[:safety_count] == ["safety"] * safety_count
    assert quick[0].signal == "immediate_danger"
    assert any(ind.signal == "child_alone" for ind in quick[:safety_count])
    # The quick screening asks about the situation now, including after a smuggled journey.
    assert any(ind.signal == "ongoing_control" for ind in quick)


def test_every_signal_the_engine_reads_is_present_in_the_bundled_library() -> None:
    assert {ind.signal for ind in LIBRARY.indicators if ind.signal} == set(SIGNALS)


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_public_json_has_exactly_the_documented_shape(lang: str) -> None:
    data = to_public_json(LIBRARY, lang)
    assert set(data) == {"version", "lang", "lists", "indicators"}
    assert data["lists"] == list(LIST_NAMES)
    assert len(data["indicators"]) == len(LIBRARY.indicators)
    for item, ind in zip(data["indicators"], LIBRARY.indicators, strict=True):
        assert set(item) == {
            "id",
            "text",
            "group",
            "element",
            "grades",
            "quick",
            "ages",
            "child_text",
            "observed",
        }
        assert item["id"] == ind.id
        assert item["text"] == ind.text.get(lang)
        assert isinstance(item["quick"], bool)
        assert set(item["grades"]) <= set(LIST_NAMES)
        assert set(item["grades"].values()) <= {"strong", "medium", "weak"}


def test_public_json_rejects_an_unsupported_language() -> None:
    with pytest.raises(ValueError, match="unsupported language 'de'"):
        to_public_json(LIBRARY, "de")


def test_library_loads_the_same_from_a_path_and_from_a_dict() -> None:
    import json

    data = json.loads(DEFAULT_PATH.read_text(encoding="utf-8"))
    assert load_library(DEFAULT_PATH) == load_library(data) == LIBRARY


FORBIDDEN_WORDS = ("identified", "confirmed", "victim", "rescue", "fight", "combat", "anti-trafficking")


def test_library_texts_follow_the_terminology_guide() -> None:
    for ind in LIBRARY.indicators:
        for text in (ind.text.en, ind.interpreter.en):
            assert not [w for w in FORBIDDEN_WORDS if w in text.lower()], ind.id


# --- validation ------------------------------------------------------------------------------------------


def mutated(change: Any) -> dict[str, Any]:
    data = tiny_library_data()
    change(data)
    return data


def set_field(position: int, key: str, value: Any):
    def change(data: dict[str, Any]) -> None:
        data["indicators"][position][key] = value

    return change


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (set_field(3, "id", "dr.s1"), "indicator 'dr.s1': duplicate id"),
        (set_field(2, "group", "trafficking_maybe"), "indicator 'dr.s1': unknown group 'trafficking_maybe'"),
        (set_field(2, "element", "motive"), "indicator 'dr.s1': unknown element 'motive'"),
        (set_field(2, "element", "context"), "indicator 'dr.s1': element 'context' is for the groups"),
        (set_field(0, "element", "act"), "indicator 'sa.danger': element 'context' is for the groups"),
        (set_field(2, "grades", {"adult-labour": "huge"}), "indicator 'dr.s1': grade 'huge'"),
        (set_field(2, "grades", {"child-sexual": "strong"}), "indicator 'dr.s1': grade for unknown list"),
        (
            set_field(2, "text", {"en": "Question?"}),
            "indicator 'dr.s1': text must have exactly the languages",
        ),
        (
            set_field(2, "text", {"en": "Question?", "fr": " "}),
            "indicator 'dr.s1': text.fr must be a non-empty",
        ),
        (
            set_field(2, "interpreter", {"en": " ".join(["word"] * 13), "fr": "Court\u00a0?"}),
            "indicator 'dr.s1': interpreter.en has 13 words, at most 12",
        ),
        (set_field(2, "quick", "yes"), "indicator 'dr.s1': quick must be true or false"),
        (set_field(2, "signal", "panic"), "indicator 'dr.s1': unknown signal 'panic'"),
        (set_field(2, "signal", "immediate_danger"), "indicator 'dr.s1': signal 'immediate_danger' belongs"),
        (set_field(2, "id", "Job Nature"), "indicator #3: id must look like"),
        (set_field(2, "colour", "red"), "indicator 'dr.s1': unknown field(s) colour"),
        (lambda d: d["indicators"][2].pop("grades"), "indicator 'dr.s1': missing field(s) grades"),
        (lambda d: d.update(lists=["adult-labour", "adult-labour"]), "duplicate"),
        (lambda d: d.update(lists=["adult-misc"]), "library list 'adult-misc' is unknown"),
        (lambda d: d.update(version=1), "library version must be a non-empty string"),
        (lambda d: d.update(extra=True), "library must have exactly the keys"),
        (
            lambda d: (
                d["indicators"].append(indicator("ec.x", "purpose", {}))
                or d.update(lists=["adult-labour", "child-labour", "adult-other"])
            ),
            "library list 'adult-other' grades no indicator",
        ),
    ],
)
def test_invalid_library_is_rejected_with_a_message_naming_the_problem(change: Any, message: str) -> None:
    with pytest.raises(ValueError) as excinfo:
        load_library(mutated(change))
    assert message in str(excinfo.value)


def test_tiny_library_itself_is_valid() -> None:
    library = load_library(tiny_library_data())
    assert library.get("dr.s1") is not None
    assert "zz.none" not in library


def test_a_bad_json_file_is_reported_by_name(tmp_path) -> None:
    path = tmp_path / "broken.json"
    path.write_text("{not json", encoding="utf-8")
    with pytest.raises(ValueError, match="broken.json: not valid JSON"):
        load_library(path)


def test_loaded_library_cannot_be_changed() -> None:
    library = load_library(copy.deepcopy(tiny_library_data()))
    with pytest.raises(AttributeError):
        library.indicators[0].quick = False  # type: ignore[misc]
