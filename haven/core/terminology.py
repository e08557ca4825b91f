"""The terminology guide's words to avoid (seed, Annex I), as data: one place for every checker.

Pure Python (no Django). Haven's own texts and the Society's materials are checked against it: the library
review refuses a question that uses one of these words, and the terminology checker will report them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Avoided:
    """A word or phrase the guide asks us to avoid, and what to say instead."""

    pattern: re.Pattern[str]
    instead: str


AVOIDED: tuple[Avoided, ...] = (
    Avoided(
        re.compile(r"\bidentified victims?\b|\bvictimes? identifiée?s?\b", re.IGNORECASE),
        "person who has experienced trafficking; identification is the authorities' role",
    ),
    Avoided(
        re.compile(r"\bvictims?\b|\bvictimes?\b", re.IGNORECASE), "person who has experienced trafficking"
    ),
    Avoided(
        re.compile(r"\banti-?trafficking\b|\blutte contre la traite\b", re.IGNORECASE),
        "assistance and protection of people who have experienced trafficking",
    ),
    Avoided(
        re.compile(r"\bfight(ing|s)?\b|\bcombat(ting|tre|s)?\b", re.IGNORECASE), "assist, protect, prevent"
    ),
    Avoided(re.compile(r"\brescue[ds]?\b|\bsauvetage\b", re.IGNORECASE), "assist, support, refer"),
    Avoided(
        re.compile(r"\bconfirmed trafficking\b|\bnot a victim\b", re.IGNORECASE),
        "signs of possible trafficking; nothing is concluded about the person",
    ),
)


def avoided_words(text: str) -> list[tuple[str, str]]:
    """Each avoided word found in ``text``, with what to say instead, in order of appearance."""
    found = [(m.start(), m.group(0), rule.instead) for rule in AVOIDED for m in rule.pattern.finditer(text)]
    seen: set[int] = set()
    result = []
    for start, word, instead in sorted(found):
        if start not in seen:  # "identified victim" also matches "victim": report it once
            seen.add(start)
            result.append((word, instead))
    return result
