"""The risk rule, against a table written by hand from the rule as the guidance states it (seed 4.2.2–4.2.4):
a likely harm, exposed staff or safe house, or a close trafficker the person depends on is high; anything
possible, debts, dependency or a trafficker within reach is medium; nothing is low."""

from __future__ import annotations

import pytest

from haven.assessment.rules import RiskFactors, risk_level

TABLE = [
    # (what the worker recorded, expected level)
    ({}, "low"),
    ({"relationship": "stranger"}, "low"),
    ({"relationship": "acquaintance"}, "low"),
    ({"reprisal": "possible"}, "medium"),
    ({"re_trafficking": "possible"}, "medium"),
    ({"exploiting_others": "possible"}, "medium"),
    ({"threats_to_family": "possible"}, "medium"),
    ({"debts": True}, "medium"),
    ({"dependency": True}, "medium"),
    ({"relationship": "employer"}, "medium"),
    ({"relationship": "family"}, "medium"),
    ({"relationship": "partner"}, "medium"),
    ({"relationship": "employer", "dependency": True}, "medium"),
    ({"reprisal": "likely"}, "high"),
    ({"re_trafficking": "likely"}, "high"),
    ({"exploiting_others": "likely"}, "high"),
    ({"threats_to_family": "likely"}, "high"),
    ({"staff_exposure": True}, "high"),
    ({"safe_house_exposure": True}, "high"),
    ({"relationship": "family", "dependency": True}, "high"),
    ({"relationship": "partner", "dependency": True}, "high"),
    ({"reprisal": "possible", "re_trafficking": "possible", "debts": True}, "medium"),
    ({"reprisal": "likely", "relationship": "stranger"}, "high"),
]


@pytest.mark.parametrize(("recorded", "expected"), TABLE, ids=[f"{e}-{r}" for r, e in TABLE])
def test_the_risk_level_follows_the_written_rule(recorded: dict[str, object], expected: str) -> None:
    assert risk_level(RiskFactors(**recorded)) == expected  # type: ignore[arg-type]
