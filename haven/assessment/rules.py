"""The risk rule: from the risk assessment's factors to a level. Plain Python, no Django, so that the table
of cases in tests/assessment/test_risk_rule.py reads it directly.

The rule (seed 4.2.2 "further risks", 4.2.3 "safety of staff and volunteers", 4.2.4 "restoring family links
and the danger of being re-trafficked"):

HIGH when any one of these holds:
  - a harm is *likely*: reprisal from traffickers, re-trafficking, becoming involved in exploiting others,
    threats to family at home;
  - staff or volunteers are exposed, or a safe house is exposed (the Society's own people are at risk);
  - the trafficker is family or a partner and the person depends on them.
MEDIUM, when not high, when any one of these holds:
  - a harm is *possible*;
  - the person has debts, or depends on the trafficker;
  - the trafficker is family, a partner or an employer (still within reach of the person).
LOW otherwise.

The level is never typed in: a worker who sees more risk records the factor that makes it so.
"""

from __future__ import annotations

from dataclasses import dataclass

HARMS = ("reprisal", "re_trafficking", "exploiting_others", "threats_to_family")
WITHIN_REACH = frozenset({"family", "partner", "employer"})
CLOSE = frozenset({"family", "partner"})


@dataclass(frozen=True)
class RiskFactors:
    reprisal: str = "none"  # none, possible, likely
    re_trafficking: str = "none"
    exploiting_others: str = "none"
    threats_to_family: str = "none"
    relationship: str = "unknown"  # unknown, family, partner, employer, acquaintance, stranger
    dependency: bool = False
    debts: bool = False
    staff_exposure: bool = False
    safe_house_exposure: bool = False


def risk_level(factors: RiskFactors) -> str:
    """ "low", "medium" or "high" by the rule in this module's docstring."""
    harms = [getattr(factors, name) for name in HARMS]
    if "likely" in harms:
        return "high"
    if factors.staff_exposure or factors.safe_house_exposure:
        return "high"
    if factors.relationship in CLOSE and factors.dependency:
        return "high"
    if "possible" in harms:
        return "medium"
    if factors.debts or factors.dependency:
        return "medium"
    if factors.relationship in WITHIN_REACH:
        return "medium"
    return "low"
