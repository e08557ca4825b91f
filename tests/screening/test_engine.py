"""The decision rules of the screening engine, each branch and its borderline failures."""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

import pytest

from haven.screening import engine
from haven.screening.engine import (
    Confidence,
    Outcome,
    ScreeningInputError,
    ScreeningRequest,
    evaluate,
    group_rule,
    is_treated_as_child,
    parse_request,
    result_to_json,
)
from haven.screening.library import default_library
from tests.screening.tiny_library import tiny_library

SCREENING_DIR = Path(__file__).resolve().parents[2] / "haven" / "screening"
TINY = tiny_library()
ADULT = 30
CHILD = 15

# Yes answers that make each part of the adult combination present in the tiny library.
RECRUITMENT = {"dr.s1": "yes", "dr.m1": "yes"}
EXPLOITATION = {"ec.s1": "yes", "ec.m1": "yes"}
DESTINATION = {"cd.s1": "yes", "cd.m1": "yes"}


def screen(
    answers: dict[str, str], age: int | None = ADULT, *, doubt: bool = False, library=TINY, **extra: Any
):
    data = {"age": age, "age_in_doubt": doubt, "answers": answers, **extra}
    return evaluate(library, parse_request(library, data))


# --- group rule ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("strong", "medium", "weak"),
    [(2, 0, 0), (1, 1, 0), (1, 0, 1), (0, 3, 0), (0, 2, 1), (3, 0, 0), (0, 4, 0), (4, 4, 4)],
    ids=[
        "two-strong",
        "strong-and-medium",
        "strong-and-weak",
        "three-medium",
        "two-medium-one-weak",
        "three-strong",
        "four-medium",
        "many-of-each",
    ],
)
def test_group_rule_accepts_each_published_branch(strong: int, medium: int, weak: int) -> None:
    assert group_rule(strong, medium, weak)


@pytest.mark.parametrize(
    ("strong", "medium", "weak"),
    [(1, 0, 0), (0, 2, 0), (0, 1, 1), (0, 1, 5), (0, 0, 9), (0, 0, 0)],
    ids=["one-strong", "two-medium", "medium-and-weak", "medium-and-many-weak", "only-weak", "nothing"],
)
def test_group_rule_rejects_borderline_counts(strong: int, medium: int, weak: int) -> None:
    assert not group_rule(strong, medium, weak)


@pytest.mark.parametrize(
    "answers",
    [
        {"dr.s1": "yes", "dr.s2": "yes"},
        {"dr.s1": "yes", "dr.m1": "yes"},
        {"dr.s1": "yes", "dr.w1": "yes"},
        {"dr.m1": "yes", "dr.m2": "yes", "dr.m3": "yes"},
        {"dr.m1": "yes", "dr.m2": "yes", "dr.w1": "yes"},
    ],
    ids=["two-strong", "strong-and-medium", "strong-and-weak", "three-medium", "two-medium-one-weak"],
)
def test_engine_reports_group_present_with_the_answers_that_made_it(answers: dict[str, str]) -> None:
    result = screen(answers)
    assert result.groups_present == ("deceptive_recruitment",)
    group_reason = next(r for r in result.reasons if r.code == "group_present")
    assert group_reason.group == "deceptive_recruitment"
    assert set(group_reason.answer_ids) == set(answers)


def test_two_medium_answers_in_one_group_are_not_enough() -> None:
    result = screen({"dr.m1": "yes", "dr.m2": "yes", "dr.w1": "no"})
    assert result.groups_present == ()


def test_answers_other_than_yes_do_not_count_towards_a_group() -> None:
    result = screen({"dr.s1": "yes", "dr.m1": "unknown", "dr.m2": "declined", "dr.w1": "no"})
    assert result.groups_present == ()


# --- adult combination and signs -------------------------------------------------------------------------


def test_adult_with_recruitment_exploitation_and_destination_groups_shows_strong_signs() -> None:
    result = screen({**RECRUITMENT, **EXPLOITATION, **DESTINATION})
    assert result.outcome is Outcome.STRONG_SIGNS
    assert "adult_combination_met" in {r.code for r in result.reasons}
    assert result.elements.means and result.elements.purpose and result.elements.act


def test_abuse_of_vulnerability_at_destination_completes_the_adult_combination() -> None:
    answers = {**RECRUITMENT, **EXPLOITATION, "av.m1": "yes", "cd.m1": "yes", "rv.m1": "yes"}
    # cd.m1 + av.m1 are one medium each in two groups: neither is present on its own.
    assert screen(answers).outcome is Outcome.SOME_SIGNS
    answers = {**RECRUITMENT, **EXPLOITATION, "cd.s1": "yes", "cd.m1": "yes"}
    assert screen(answers).outcome is Outcome.STRONG_SIGNS


@pytest.mark.parametrize(
    "missing", ["recruitment", "exploitation", "destination"], ids=lambda m: f"without-{m}"
)
def test_adult_missing_one_part_of_the_combination_shows_only_some_signs(missing: str) -> None:
    parts = {"recruitment": RECRUITMENT, "exploitation": EXPLOITATION, "destination": DESTINATION}
    answers: dict[str, str] = {}
    for name, part in parts.items():
        if name != missing:
            answers.update(part)
    assert screen(answers).outcome is Outcome.SOME_SIGNS


def test_one_strong_answer_alone_is_some_signs() -> None:
    assert screen({"cd.s1": "yes"}).outcome is Outcome.SOME_SIGNS


def test_two_medium_answers_in_different_groups_are_some_signs() -> None:
    assert screen({"ec.m1": "yes", "cd.m1": "yes"}).outcome is Outcome.SOME_SIGNS


def test_one_medium_answer_alone_is_no_signs_noted() -> None:
    result = screen({"ec.m1": "yes"})
    assert result.outcome is Outcome.NO_SIGNS_NOTED
    assert [s.code for s in result.next_steps][0] == "offer_general_services"


def test_a_vulnerable_situation_alone_is_a_risk_not_a_sign_and_never_a_means_used() -> None:
    assert screen({"rv.m1": "yes", "av.m1": "yes"}).outcome is Outcome.NO_SIGNS_NOTED
    assert screen({"rv.m1": "yes", "rv.m2": "yes", "dr.w1": "yes"}).outcome is Outcome.NO_SIGNS_NOTED
    result = screen({"rv.m1": "yes", "rv.m2": "yes", "rv.w1": "yes", "sc.consent": "yes"})
    # The group rule holds, but a vulnerable situation is not a sign that anyone took advantage of it.
    assert result.outcome is Outcome.NO_SIGNS_NOTED
    assert result.groups_present == ("recruitment_abuse_of_vulnerability",)
    codes = {r.code for r in result.reasons}
    assert "vulnerable_situation" in codes
    assert codes.isdisjoint(
        {"element_means", "vulnerability_used", "consent_does_not_count", "group_present"}
    )
    assert result.elements.means is False
    assert [s.code for s in result.next_steps][0] == "offer_rights_information"


def test_vulnerability_with_signs_of_exploitation_reads_as_a_means_used() -> None:
    result = screen({"rv.m1": "yes", "rv.m2": "yes", "rv.w1": "yes", **EXPLOITATION})
    assert result.outcome is Outcome.SOME_SIGNS
    assert "vulnerability_used" in {r.code for r in result.reasons}
    assert result.elements.means is True


def test_weak_answers_alone_are_no_signs_noted() -> None:
    assert screen({"dr.w1": "yes", "dr.w2": "yes", "dr.moved": "yes"}).outcome is Outcome.NO_SIGNS_NOTED


def test_immediate_danger_outranks_everything_else() -> None:
    answers = {"sa.danger": "yes", **RECRUITMENT, **EXPLOITATION, **DESTINATION}
    result = screen(answers)
    assert result.outcome is Outcome.IMMEDIATE_DANGER
    assert result.next_steps[0].code == "safety_first"


# --- child rule ------------------------------------------------------------------------------------------


def test_child_moved_and_exploited_needs_no_means_answers() -> None:
    result = screen({"dr.moved": "yes", **EXPLOITATION}, age=CHILD)
    assert result.outcome is Outcome.CHILD_SAFEGUARDING
    codes = {r.code for r in result.reasons}
    assert {"treated_as_child", "child_rule_met"} <= codes
    assert result.next_steps[0].code == "child_safeguarding_now"


def test_adult_with_the_same_answers_shows_only_some_signs() -> None:
    assert screen({"dr.moved": "yes", **EXPLOITATION}, age=ADULT).outcome is Outcome.SOME_SIGNS


def test_a_coerced_child_goes_to_child_safeguarding_on_coercion_alone() -> None:
    result = screen({"cd.m1": "yes"}, age=CHILD)
    assert result.outcome is Outcome.CHILD_SAFEGUARDING
    coercion = next(r for r in result.reasons if r.code == "child_coercion")
    assert coercion.answer_ids == ("cd.m1",)
    assert result.next_steps[0].code == "child_safeguarding_now"


def test_a_child_with_one_medium_sign_of_deception_shows_some_signs_and_the_child_protection_step() -> None:
    result = screen({"dr.m1": "yes"}, age=CHILD)
    assert result.outcome is Outcome.SOME_SIGNS
    assert "child_welfare_concern" in [s.code for s in result.next_steps]


def test_a_child_moved_by_others_with_no_other_answer_shows_no_signs() -> None:
    assert screen({"dr.moved": "yes"}, age=CHILD).outcome is Outcome.NO_SIGNS_NOTED


def test_child_with_any_sign_goes_to_child_safeguarding() -> None:
    assert screen({"ec.s1": "yes"}, age=CHILD).outcome is Outcome.CHILD_SAFEGUARDING


def test_child_alone_goes_to_child_safeguarding_without_other_signs() -> None:
    result = screen({"sa.alone": "yes", "ec.m1": "no"}, age=CHILD)
    assert result.outcome is Outcome.CHILD_SAFEGUARDING
    assert "child_alone" in {r.code for r in result.reasons}


def test_child_alone_answer_about_an_adult_does_not_make_a_child_outcome() -> None:
    assert screen({"sa.alone": "yes"}, age=ADULT).outcome is Outcome.NO_SIGNS_NOTED


def test_child_in_immediate_danger_gets_safety_and_safeguarding_steps() -> None:
    result = screen({"sa.danger": "yes"}, age=CHILD)
    assert result.outcome is Outcome.IMMEDIATE_DANGER
    assert [s.code for s in result.next_steps] == ["safety_first", "child_safeguarding_now"]


# --- age in doubt ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("age", "doubt", "child"),
    [
        (17, False, True),
        (18, False, False),
        (0, False, True),
        (120, False, False),
        (None, True, True),
        (25, True, True),
        (18, True, True),
    ],
)
def test_person_is_treated_as_child_when_under_18_or_age_unknown_or_in_doubt(
    age: int | None, doubt: bool, child: bool
) -> None:
    assert is_treated_as_child(age, doubt) is child
    assert screen({}, age=age, doubt=doubt).treated_as_child is child


def test_stated_adult_with_age_in_doubt_is_screened_with_the_child_rule() -> None:
    answers = {"dr.moved": "yes", **EXPLOITATION}
    result = screen(answers, age=19, doubt=True)
    assert result.outcome is Outcome.CHILD_SAFEGUARDING
    assert "treated_as_child_age_in_doubt" in {r.code for r in result.reasons}
    assert result.list_name.startswith("child-")


# --- unknown, declined, contradictions: confidence only ---------------------------------------------------


def test_complete_yes_no_answers_give_high_confidence() -> None:
    assert screen({"sa.danger": "no", "cd.s1": "yes", "ec.m1": "no"}).confidence is Confidence.HIGH


QUICK_ADULT = [ind.id for ind in default_library().quick() if "adult" in ind.ages]


def test_too_few_quick_answers_give_low_confidence_and_never_a_plain_no_signs() -> None:
    library = default_library()
    few = screen(dict.fromkeys(QUICK_ADULT[:2], "no"), library=library)
    assert few.outcome is Outcome.NO_SIGNS_NOTED
    assert few.confidence is Confidence.LOW
    assert "too_few_answers" in {r.code for r in few.reasons}
    assert "screen_again_when_ready" in [s.code for s in few.next_steps]
    half = screen(dict.fromkeys(QUICK_ADULT[: (len(QUICK_ADULT) + 1) // 2], "no"), library=library)
    assert half.confidence is Confidence.HIGH
    assert "too_few_answers" not in {r.code for r in half.reasons}


@pytest.mark.parametrize("uncertain", ["unknown", "declined"])
def test_unknown_or_declined_lowers_confidence_not_outcome(uncertain: str) -> None:
    base = {"sa.danger": "no", "cd.s1": "yes", "ec.m1": "no", "ec.m2": "no", "dr.m1": "no"}
    before = screen(base)
    after = screen({**base, "ec.m1": uncertain})
    assert after.outcome is before.outcome
    assert before.confidence is Confidence.HIGH
    assert after.confidence is Confidence.MEDIUM
    many = screen({**base, "ec.m1": uncertain, "ec.m2": uncertain, "dr.m1": uncertain})
    assert many.outcome is before.outcome
    assert many.confidence is Confidence.LOW
    uncertain_reason = next(r for r in many.reasons if r.code == "uncertain_answers")
    assert set(uncertain_reason.answer_ids) == {"ec.m1", "ec.m2", "dr.m1"}


def test_no_answers_give_low_confidence_and_no_signs_noted() -> None:
    result = screen({})
    assert result.outcome is Outcome.NO_SIGNS_NOTED
    assert result.confidence is Confidence.LOW
    assert "no_answers" in {r.code for r in result.reasons}


def test_contradictory_journey_answers_lower_confidence_one_step() -> None:
    consistent = screen({"sa.danger": "no", "sc.control": "yes", "sc.ended": "no"})
    contradictory = screen({"sa.danger": "no", "sc.control": "yes", "sc.ended": "yes"})
    assert consistent.confidence is Confidence.HIGH
    assert contradictory.confidence is Confidence.MEDIUM
    assert contradictory.outcome is consistent.outcome is Outcome.SOME_SIGNS
    assert "contradictory_answers" in {r.code for r in contradictory.reasons}


# --- smuggling and consent -------------------------------------------------------------------------------


def test_journey_debt_turned_into_bondage_is_noted_as_suggesting_trafficking() -> None:
    result = screen({"sc.consent": "yes", "sc.bondage": "yes"})
    assert result.outcome is Outcome.SOME_SIGNS
    reason = next(r for r in result.reasons if r.code == "journey_debt_bondage")
    assert reason.answer_ids == ("sc.bondage",)
    assert "not only smuggling" in reason.text


def test_consent_to_the_journey_never_lowers_the_outcome() -> None:
    answers = {**RECRUITMENT, **EXPLOITATION, **DESTINATION}
    with_consent = screen({**answers, "sc.consent": "yes"})
    assert with_consent.outcome is screen(answers).outcome is Outcome.STRONG_SIGNS
    assert "consent_does_not_count" in {r.code for r in with_consent.reasons}


def test_smuggling_that_ended_on_arrival_gives_no_signs_noted_with_a_note() -> None:
    result = screen({"sc.consent": "yes", "sc.ended": "yes", "dr.moved": "yes"})
    assert result.outcome is Outcome.NO_SIGNS_NOTED
    codes = {r.code for r in result.reasons}
    assert "contact_ended_on_arrival" in codes
    assert "consent_does_not_count" not in codes


# --- lists -----------------------------------------------------------------------------------------------


def test_strongest_list_for_the_age_group_is_reported() -> None:
    library = default_library()
    # Online scams are graded on adult-other only.
    answers = {
        "dr.job_nature": "yes",
        "dr.documents_status": "yes",
        "ec.online_scams": "yes",
        "cd.cannot_leave": "yes",
        "cd.documents_held": "yes",
    }
    result = screen(answers, library=library)
    assert (result.outcome, result.list_name) == (Outcome.STRONG_SIGNS, "adult-other")
    explicit = screen(answers, library=library, list="adult-labour")
    assert (explicit.outcome, explicit.list_name) == (Outcome.SOME_SIGNS, "adult-labour")


def test_child_is_evaluated_on_child_lists_only() -> None:
    library = default_library()
    assert screen({}, age=CHILD, library=library).list_name.startswith("child-")
    assert screen({}, age=ADULT, library=library).list_name.startswith("adult-")


# --- input errors ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ([], "screening input must be a JSON object, got list"),
        ("yes", "screening input must be a JSON object, got str"),
        ({"age": 20}, "answers is required"),
        ({"answers": {}, "name": "Test Person Alpha"}, "unknown field(s) name"),
        ({"answers": []}, "answers must be an object, got list"),
        ({"answers": {"zz.nothing": "yes"}}, "unknown indicator id 'zz.nothing'"),
        (
            {"answers": {"dr.s1": "maybe"}},
            "answer for 'dr.s1' must be one of yes, no, unknown, declined; got 'maybe'",
        ),
        (
            {"answers": {"dr.s1": True}},
            "answer for 'dr.s1' must be one of yes, no, unknown, declined; got True",
        ),
        ({"age": "16", "answers": {}}, "age must be an integer from 0 to 120 or null, got '16'"),
        ({"age": 16.0, "answers": {}}, "age must be an integer from 0 to 120 or null, got 16.0"),
        ({"age": True, "answers": {}}, "age must be an integer from 0 to 120 or null, got True"),
        ({"age": -1, "answers": {}}, "age must be an integer from 0 to 120 or null, got -1"),
        ({"age": 121, "answers": {}}, "age must be an integer from 0 to 120 or null, got 121"),
        ({"age_in_doubt": "no", "answers": {}}, "age_in_doubt must be true or false, got 'no'"),
        ({"list": 3, "answers": {}}, "list must be a list name (string) or null, got 3"),
        ({"age": 30, "list": "adult-sexual", "answers": {}}, "unknown list 'adult-sexual'"),
        ({"age": 30, "list": "child-labour", "answers": {}}, "does not fit the person, who is an adult"),
        ({"age": 16, "list": "adult-labour", "answers": {}}, "use one of child-labour"),
    ],
)
def test_bad_input_is_rejected_with_a_precise_message(data: object, message: str) -> None:
    with pytest.raises(ScreeningInputError) as excinfo:
        parse_request(TINY, data)
    assert message in str(excinfo.value)
    assert isinstance(excinfo.value, ValueError)


def test_evaluate_rejects_a_request_built_by_hand_with_an_unknown_id() -> None:
    with pytest.raises(ScreeningInputError, match="unknown indicator id 'zz.nothing'"):
        evaluate(TINY, ScreeningRequest(answers={"zz.nothing": "yes"}, age=30))


def test_optional_fields_default_to_no_doubt_and_every_list() -> None:
    request = parse_request(TINY, {"age": 40, "answers": {}})
    assert (request.age, request.age_in_doubt, request.list_name) == (40, False, None)
    assert not request.treated_as_child


@pytest.mark.parametrize(
    "data",
    [{"answers": {}}, {"age": None, "answers": {}}, {"age": None, "age_in_doubt": False, "answers": {}}],
)
def test_an_age_never_asked_is_refused_with_what_to_do(data: dict[str, Any]) -> None:
    with pytest.raises(ScreeningInputError, match="age is required"):
        parse_request(TINY, data)
    with pytest.raises(ScreeningInputError, match="age is required"):
        is_treated_as_child(None, False)


def test_not_sure_of_the_age_is_treated_as_a_child() -> None:
    assert parse_request(TINY, {"age": None, "age_in_doubt": True, "answers": {}}).treated_as_child


# --- output ----------------------------------------------------------------------------------------------


def test_result_json_has_exactly_the_documented_keys() -> None:
    data = result_to_json(screen({**RECRUITMENT, "ec.m1": "unknown"}))
    assert set(data) == {
        "outcome",
        "treated_as_child",
        "groups_present",
        "elements",
        "reasons",
        "next_steps",
        "library_version",
        "confidence",
        "list",
    }
    assert data["outcome"] == "some_signs"
    assert data["library_version"] == "test-1"
    assert set(data["elements"]) == {"act", "means", "purpose"}
    assert all(set(r) == {"code", "text", "group", "element", "answer_ids"} for r in data["reasons"])
    assert all(set(s) == {"code", "text"} for s in data["next_steps"])


def test_outcomes_are_totally_ordered_by_urgency() -> None:
    ranks = [outcome.rank for outcome in engine.OUTCOME_ORDER]
    assert ranks == sorted(ranks) == list(range(5))
    assert Outcome.IMMEDIATE_DANGER.rank > Outcome.CHILD_SAFEGUARDING.rank > Outcome.STRONG_SIGNS.rank


FORBIDDEN_WORDS = ("identified", "confirmed", "not a victim", "victim", "rescue", "fight", "combat")


def test_user_facing_engine_texts_follow_the_terminology_guide() -> None:
    texts = [
        *engine.OUTCOME_TEXT.values(),
        *engine.REASON_TEXT.values(),
        *engine.NEXT_STEP_TEXT.values(),
        *engine.GROUP_LABELS.values(),
    ]
    for text in texts:
        lowered = text.lower()
        assert not [word for word in FORBIDDEN_WORDS if word in lowered], text


def test_every_user_facing_engine_string_is_marked_for_translation() -> None:
    tree = ast.parse((SCREENING_DIR / "engine.py").read_text(encoding="utf-8"))
    tables = {"OUTCOME_TEXT", "REASON_TEXT", "NEXT_STEP_TEXT", "GROUP_LABELS"}
    seen = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.target.id in tables:
            seen.add(node.target.id)
            assert isinstance(node.value, ast.Dict)
            for value in node.value.values:
                assert isinstance(value, ast.Call) and getattr(value.func, "id", None) == "gettext_noop"
    assert seen == tables


@pytest.mark.parametrize("module", ["engine.py", "library.py"])
def test_screening_modules_do_not_import_django(module: str) -> None:
    tree = ast.parse((SCREENING_DIR / module).read_text(encoding="utf-8"))
    imported = [alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names]
    imported += [node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)]
    assert not [name for name in imported if name.split(".")[0] == "django"]
