"""The checks a library version passes before it can be activated. Pure Python (no Django).

A library decides what a volunteer is told to do for a person, so a change is checked for what it does,
not only for its shape: every question in words the terminology guide allows; every outcome still
reachable on every list; the quick screening still able to show strong signs for an adult and the child
safeguarding outcome for a child.
"""

from __future__ import annotations

from collections.abc import Iterable
from itertools import combinations

from haven.screening.engine import Outcome, evaluate, parse_request, quick_questions_for
from haven.screening.library import LANGUAGES, Indicator, Library
from haven.terms.checker import check

# One age for each side of the age rule.
_AGE = {"adult": 30, "child": 15}

# What each kind of list must be able to show. A child is never left at "some signs" by a strong sign, so
# "some signs" is not required of child lists.
NEEDED: dict[str, tuple[Outcome, ...]] = {
    "adult": (Outcome.NO_SIGNS_NOTED, Outcome.SOME_SIGNS, Outcome.STRONG_SIGNS, Outcome.IMMEDIATE_DANGER),
    "child": (Outcome.NO_SIGNS_NOTED, Outcome.CHILD_SAFEGUARDING, Outcome.IMMEDIATE_DANGER),
}


def _outcome(library: Library, who: str, list_name: str | None, yes: Iterable[str]) -> Outcome:
    data = {"age": _AGE[who], "list": list_name, "answers": dict.fromkeys(yes, "yes")}
    return evaluate(library, parse_request(library, data)).outcome


def wording_problems(library: Library) -> list[str]:
    """Each question text that uses a word the terminology guide asks us to avoid."""
    problems = []
    for indicator in library.indicators:
        texts = [("text", indicator.text), ("interpreter", indicator.interpreter)]
        if indicator.child_text is not None:
            texts.append(("child_text", indicator.child_text))
        for name, text in texts:
            for lang in LANGUAGES:
                # The rules written for the question's language (the one terminology checker).
                for finding in check(text.get(lang), [lang]):
                    problems.append(
                        f"indicator {indicator.id!r}: {name}.{lang} says {finding.text!r};"
                        f" the terminology guide asks for: {'; '.join(finding.rule.instead)}"
                    )
    return problems


def reachable(library: Library, list_name: str) -> set[Outcome]:
    """The outcomes a screening on ``list_name`` can reach: from no answer, every single yes, every pair of
    yes answers, and every yes at once (the engine is monotone, so this covers each outcome's threshold)."""
    who = "child" if list_name.startswith("child-") else "adult"
    graded: list[Indicator] = [ind for ind in library.indicators if ind.grade(list_name)]
    danger = {ind.id for ind in library.with_signal("immediate_danger")}
    ids = [ind.id for ind in graded if ind.id not in danger]
    found = {_outcome(library, who, list_name, ()), _outcome(library, who, list_name, ids)}
    if danger:
        found.add(_outcome(library, who, list_name, danger))
    for one in ids:
        found.add(_outcome(library, who, list_name, (one,)))
    if not set(NEEDED[who]) <= found:
        for pair in combinations(ids, 2):
            found.add(_outcome(library, who, list_name, pair))
    return found


def reachability_problems(library: Library) -> list[str]:
    """Each list that can no longer reach an outcome it must show, and a quick screening that cannot."""
    problems = []
    for list_name in library.lists:
        who = "child" if list_name.startswith("child-") else "adult"
        missing = [o.value for o in NEEDED[who] if o not in reachable(library, list_name)]
        if missing:
            problems.append(f"list {list_name!r} can no longer reach {', '.join(missing)}")
    for who, needed in (("adult", Outcome.STRONG_SIGNS), ("child", Outcome.CHILD_SAFEGUARDING)):
        danger = {ind.id for ind in library.with_signal("immediate_danger")}
        asked = [ind.id for ind in quick_questions_for(library, who == "child") if ind.id not in danger]
        if _outcome(library, who, None, asked).rank < needed.rank:
            person = "an adult" if who == "adult" else "a child"
            problems.append(
                f"the quick screening can no longer reach {needed.value} for {person}:"
                " it needs questions that show recruitment, exploitation and coercion"
            )
    return problems


def library_problems(library: Library) -> list[str]:
    """Everything that stops ``library`` from being activated; empty when it may be."""
    problems = []
    if not any(name.startswith("adult-") for name in library.lists):
        problems.append("the library needs at least one adult list (adult-...)")
    if not any(name.startswith("child-") for name in library.lists):
        problems.append("the library needs at least one child list (child-...)")
    if not library.quick():
        problems.append("the library needs at least one quick-screening question (quick: true)")
    if not library.with_signal("immediate_danger"):
        problems.append("the library needs a safety question with the signal immediate_danger")
    if problems:
        return problems
    return wording_problems(library) + reachability_problems(library)
