"""A small synthetic library whose grades are chosen to exercise each rule of the engine precisely."""

from __future__ import annotations

from typing import Any

from haven.screening.library import Library, load_library

GROUP_BY_PREFIX = {
    "sa": "safety",
    "dr": "deceptive_recruitment",
    "cr": "coercive_recruitment",
    "rv": "recruitment_abuse_of_vulnerability",
    "ec": "exploitative_conditions",
    "cd": "coercion_at_destination",
    "av": "abuse_of_vulnerability_at_destination",
    "sc": "smuggling_context",
}


def indicator(
    indicator_id: str,
    element: str,
    grades: dict[str, str],
    *,
    quick: bool = False,
    signal: str | None = None,
) -> dict[str, Any]:
    """An indicator dict in the data-file shape, with placeholder texts."""
    raw: dict[str, Any] = {
        "id": indicator_id,
        "group": GROUP_BY_PREFIX[indicator_id.split(".")[0]],
        "element": element,
        "text": {"en": f"Test question {indicator_id}?", "fr": f"Question de test {indicator_id}\u00a0?"},
        "interpreter": {"en": "Short test question?", "fr": "Courte question de test\u00a0?"},
        "grades": grades,
        "quick": quick,
    }
    if signal is not None:
        raw["signal"] = signal
    return raw


def both(grade: str) -> dict[str, str]:
    return {"adult-labour": grade, "child-labour": grade}


def tiny_library_data() -> dict[str, Any]:
    """Fresh, mutable library data (tests may change it)."""
    return {
        "version": "test-1",
        "lists": ["adult-labour", "child-labour"],
        "indicators": [
            indicator("sa.danger", "context", both("strong"), quick=True, signal="immediate_danger"),
            indicator("sa.alone", "context", {"child-labour": "strong"}, quick=True, signal="child_alone"),
            indicator("dr.s1", "means", both("strong")),
            indicator("dr.s2", "means", both("strong")),
            indicator("dr.m1", "means", both("medium")),
            indicator("dr.m2", "means", both("medium")),
            indicator("dr.m3", "means", both("medium")),
            indicator("dr.w1", "means", both("weak")),
            indicator("dr.w2", "means", both("weak")),
            indicator("dr.moved", "act", both("weak")),
            indicator("rv.m1", "means", both("medium")),
            indicator("rv.m2", "means", both("medium")),
            indicator("rv.w1", "means", both("weak")),
            indicator("ec.s1", "purpose", both("strong")),
            indicator("ec.m1", "purpose", both("medium")),
            indicator("ec.m2", "purpose", both("medium")),
            indicator("cd.s1", "means", both("strong")),
            indicator("cd.m1", "means", both("medium")),
            indicator("av.m1", "means", both("medium")),
            indicator("sc.consent", "context", {}, signal="consent"),
            indicator("sc.ended", "context", {}, signal="contact_ended"),
            indicator("sc.control", "context", both("strong"), signal="ongoing_control"),
            indicator("sc.bondage", "context", both("strong"), signal="journey_debt_bondage"),
        ],
    }


def tiny_library() -> Library:
    return load_library(tiny_library_data())
