"""Realistic scenarios, written as data with their expected outcome, run through the real engine."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from haven.screening.engine import Outcome, evaluate, parse_request
from haven.screening.library import default_library

VIGNETTES_PATH = Path(__file__).resolve().parents[2] / "haven" / "screening" / "data" / "vignettes.json"
VIGNETTES: list[dict[str, Any]] = json.loads(VIGNETTES_PATH.read_text(encoding="utf-8"))["vignettes"]
EXPECTATION_KEYS = {
    "outcome",
    "list",
    "treated_as_child",
    "confidence",
    "groups_present",
    "reason_codes",
    "next_step_codes",
}


@pytest.mark.parametrize("vignette", VIGNETTES, ids=[v["id"] for v in VIGNETTES])
def test_vignette_gives_expected_outcome(vignette: dict[str, Any]) -> None:
    library = default_library()
    expected = vignette["expected"]
    assert set(expected) <= EXPECTATION_KEYS, f"unknown expectation in {vignette['id']}"

    result = evaluate(library, parse_request(library, vignette["request"]))

    assert result.outcome == Outcome(expected["outcome"]), vignette["rationale"]
    if "list" in expected:
        assert result.list_name == expected["list"]
    if "treated_as_child" in expected:
        assert result.treated_as_child is expected["treated_as_child"]
    if "confidence" in expected:
        assert result.confidence.value == expected["confidence"]
    if "groups_present" in expected:
        assert list(result.groups_present) == expected["groups_present"]
    reason_codes = {reason.code for reason in result.reasons}
    for code in expected.get("reason_codes", []):
        assert code in reason_codes, f"missing reason {code}; got {sorted(reason_codes)}"
    step_codes = [step.code for step in result.next_steps]
    for code in expected.get("next_step_codes", []):
        assert code in step_codes, f"missing next step {code}; got {step_codes}"


def test_vignette_suite_is_large_enough_and_covers_every_outcome() -> None:
    ids = [v["id"] for v in VIGNETTES]
    assert len(ids) >= 60
    assert len(ids) == len(set(ids))
    assert {v["expected"]["outcome"] for v in VIGNETTES} == {outcome.value for outcome in Outcome}
    assert all(v["rationale"].strip() for v in VIGNETTES)
