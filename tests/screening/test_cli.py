"""`haven screen questions|evaluate`: the documented contract, and exit code 2 with a precise message."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from haven.screening.engine import evaluate, parse_request
from haven.screening.library import GROUPS, default_library
from tests.conftest import production_environ, run_haven

pytestmark = pytest.mark.django_db

LIBRARY = default_library()
ACT_ID = next(ind.id for ind in LIBRARY.indicators if ind.element == "act")
RESULT_KEYS = {
    "outcome",
    "treated_as_child",
    "groups_present",
    "elements",
    "reasons",
    "next_steps",
    "library_version",
}


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("screen", *args, stdout=out)
    return out.getvalue()


def write(tmp_path: Path, data: object, name: str = "answers.json") -> str:
    path = tmp_path / name
    path.write_text(data if isinstance(data, str) else json.dumps(data), encoding="utf-8")
    return str(path)


def failure(*args: str) -> CommandError:
    with pytest.raises(CommandError) as caught:
        run(*args)
    assert caught.value.returncode == 2
    return caught.value


def test_questions_json_lists_every_indicator_with_the_contract_fields():
    items = json.loads(run("questions", "--json"))
    assert [item["id"] for item in items] == [ind.id for ind in LIBRARY.indicators]
    for item in items:
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
        assert item["group"] in GROUPS
        assert item["element"] in {"act", "means", "purpose", "context"}
        assert set(item["grades"].values()) <= {"strong", "medium", "weak"}
        assert isinstance(item["quick"], bool)
    lists = {name for item in items for name in item["grades"]}
    assert {"adult-labour", "adult-sexual", "child-labour", "child-sexual"} <= lists


def test_questions_in_french_use_the_library_translations():
    items = json.loads(run("questions", "--json", "--lang", "fr"))
    assert items[0]["text"] == LIBRARY.indicators[0].text.fr


def test_questions_without_json_are_readable():
    text = run("questions")
    assert LIBRARY.indicators[0].text.en in text
    assert "[quick]" in text


def test_evaluate_json_prints_the_engine_result(tmp_path):
    data = {"age": 16, "age_in_doubt": False, "answers": {ACT_ID: "yes", "ec.excessive_hours": "yes"}}
    out = json.loads(run("evaluate", "--answers", write(tmp_path, data), "--json"))
    assert RESULT_KEYS <= set(out)
    expected = evaluate(LIBRARY, parse_request(LIBRARY, data))
    assert out["outcome"] == expected.outcome.value
    assert out["treated_as_child"] is True
    assert set(out["elements"]) == {"act", "means", "purpose"}
    assert out["library_version"] == LIBRARY.version
    assert all({"code", "text"} <= set(step) for step in out["next_steps"])


def test_evaluate_without_json_prints_a_readable_summary(tmp_path):
    path = write(tmp_path, {"age": 35, "answers": {"sa.immediate_danger": "yes"}})
    text = run("evaluate", "--answers", path)
    assert "Immediate danger" in text
    assert "Safety first" in text


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ({"answers": {"xx.unknown": "yes"}}, "unknown indicator id 'xx.unknown'"),
        (
            {"answers": {"cd.threats": "maybe"}},
            "answer for 'cd.threats' must be one of yes, no, unknown, declined",
        ),
        ({"age": "old", "answers": {}}, "age must be an integer"),
        ({"answers": {}, "colour": "red"}, "unknown field(s) colour"),
        ({"age": 30, "list": "child-labour", "answers": {}}, "does not fit the person"),
        ([1, 2], "must be a JSON object"),
        ('{"answers": {', "not valid JSON"),
        ({"answers": {"cd.threats": "yes"}}, "age is required"),
        ({"age": None, "age_in_doubt": False, "answers": {}}, "age is required"),
    ],
    ids=[
        "unknown-id",
        "bad-value",
        "bad-age",
        "unknown-field",
        "wrong-list",
        "not-object",
        "malformed",
        "no-age",
        "null-age-without-doubt",
    ],
)
def test_evaluate_refuses_bad_input_with_exit_2_and_a_precise_message(tmp_path, content, message):
    error = failure("evaluate", "--answers", write(tmp_path, content))
    assert message in str(error)


def test_evaluate_refuses_a_missing_file_with_exit_2(tmp_path):
    error = failure("evaluate", "--answers", str(tmp_path / "nowhere.json"))
    assert "does not exist" in str(error)


def test_evaluate_refuses_a_file_that_is_not_utf8(tmp_path):
    path = tmp_path / "latin1.json"
    path.write_bytes(b'{"answers": {"\xe9": "yes"}}')
    assert "not UTF-8" in str(failure("evaluate", "--answers", str(path)))


@pytest.mark.slow
def test_the_installed_command_works_on_a_fresh_data_dir_after_init(production_data_dir, tmp_path):
    env = production_environ(production_data_dir)
    answers = write(tmp_path, {"age": 30, "answers": {"cd.threats": "yes"}})
    good = run_haven(["screen", "evaluate", "--answers", answers, "--json"], env)
    assert good.returncode == 0, good.stderr
    assert RESULT_KEYS <= set(json.loads(good.stdout))

    bad = run_haven(
        ["screen", "evaluate", "--answers", write(tmp_path, {"answers": {"cd.threats": 1}}, "b.json")], env
    )
    assert bad.returncode == 2
    assert "answer for 'cd.threats'" in bad.stderr

    questions = run_haven(["screen", "questions", "--json"], env)
    assert questions.returncode == 0, questions.stderr
    assert len(json.loads(questions.stdout)) == len(LIBRARY.indicators)
