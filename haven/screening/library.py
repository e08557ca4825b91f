"""The screening indicator library: questions, their groups and grades, loaded from data.

Pure Python (no Django). The default library is ``haven/screening/data/indicators.json``; its shape:

    {"version": "1",
     "lists": ["adult-labour", ...],
     "indicators": [
        {"id": "dr.job_nature",
         "group": "deceptive_recruitment",        # one of GROUPS
         "element": "means",                      # act | means | purpose | context
         "text": {"en": "...", "fr": "..."},       # the question, asked as it is written
         "interpreter": {"en": "...", "fr": "...", "ar": "..."},# at most 12 words, for asking through an
                                                  # interpreter; "ar" (Arabic) optional, in PERSON_LANGUAGES
         "grades": {"adult-labour": "strong", ...},# absent list = the indicator has no grade there
         "quick": true,                           # part of the quick screening
         "signal": "immediate_danger",            # optional, read by the engine (see SIGNALS)
         "child_text": {"en": "...", "fr": "..."},# optional: the wording for a child
         "observed": true}                        # optional: a sign the worker saw, not a question
     ]}

Who is asked what: a question is for adults when an adult list grades it, for children when a child list
does, for both when no list grades it (journey and consent questions); ``Indicator.ages`` says which. A
child is asked ``child_text`` where there is one. *Observed* signs are what the worker noticed (someone
answers for the person, injuries, a scripted story…): recorded apart from the answers, never strong.

Every question is phrased so that "yes" is the answer that points to a sign. The structure follows the
ILO / European Commission operational indicators (six groups, graded strong / medium / weak per list) and
the act / means / purpose elements of the Palermo Protocol; ``safety`` and ``smuggling_context`` questions
carry the element ``context``.

Public API (stable):
    LIST_NAMES, GROUPS, ILO_GROUPS, ELEMENTS, GRADES, LANGUAGES, PERSON_LANGUAGES, SIGNALS, AGES
    Text, Indicator, Library              frozen dataclasses
    load_library(source) -> Library       from a path or an already-parsed dict; ValueError naming the problem
    default_library() -> Library          the bundled library, loaded once
    to_public_json(library, lang="en")    the library as plain JSON for clients, in one language
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from os import PathLike
from pathlib import Path
from typing import Any

LIST_NAMES: tuple[str, ...] = (
    "adult-labour",
    "adult-sexual",
    "adult-other",
    "child-labour",
    "child-sexual",
    "child-other",
)

# The six ILO-EC groups, in their published order: 1-3 recruitment, 4 exploitation, 5-6 at destination.
ILO_GROUPS: tuple[str, ...] = (
    "deceptive_recruitment",
    "coercive_recruitment",
    "recruitment_abuse_of_vulnerability",
    "exploitative_conditions",
    "coercion_at_destination",
    "abuse_of_vulnerability_at_destination",
)
CONTEXT_GROUPS: tuple[str, ...] = ("safety", "smuggling_context")
GROUPS: tuple[str, ...] = ILO_GROUPS + CONTEXT_GROUPS

ELEMENTS: tuple[str, ...] = ("act", "means", "purpose", "context")
GRADES: tuple[str, ...] = ("strong", "medium", "weak")
LANGUAGES: tuple[str, ...] = ("en", "fr")
# Languages the person may be asked in through an interpreter, beyond the interface languages: the
# interpreter sentence may carry them (the bundled library has Arabic for every question).
EXTRA_PERSON_LANGUAGES: tuple[str, ...] = ("ar",)
PERSON_LANGUAGES: tuple[str, ...] = LANGUAGES + EXTRA_PERSON_LANGUAGES

# Signals let the engine find the questions it treats specially without hard-coding their ids.
# Each signal is allowed in the groups named here only.
#   ongoing_control, journey_debt_bondage: the smuggling-to-trafficking transition; the engine counts them as
#     coercion at destination, and as the act (the people who moved the person control them now).
#   harbouring: the person is kept where they are exploited (stopped from leaving, locked in, living in the
#     employer's home without freedom to go out): the act of harbouring, in the legal definition's words.
SIGNALS: Mapping[str, tuple[str, ...]] = {
    "immediate_danger": ("safety",),
    "child_alone": ("safety",),
    "consent": ("smuggling_context",),
    "contact_ended": ("smuggling_context",),
    "ongoing_control": ("smuggling_context", "coercion_at_destination"),
    "journey_debt_bondage": ("smuggling_context", "coercion_at_destination"),
    "harbouring": ("coercion_at_destination", "exploitative_conditions"),
}

INTERPRETER_MAX_WORDS = 12
DEFAULT_PATH = Path(__file__).parent / "data" / "indicators.json"

_ID_RE = re.compile(r"^[a-z]{2}\.[a-z][a-z0-9_]*$")
_INDICATOR_KEYS = frozenset(
    {"id", "group", "element", "text", "interpreter", "grades", "quick", "signal", "child_text", "observed"}
)
_REQUIRED_KEYS = _INDICATOR_KEYS - {"signal", "child_text", "observed"}
AGES: tuple[str, ...] = ("adult", "child")
_WORD_RE = re.compile(r"\w")


@dataclass(frozen=True)
class Text:
    """One short text in every interface language, and optionally in the extra person languages."""

    en: str
    fr: str
    ar: str = ""

    def get(self, lang: str) -> str:
        """The text in ``lang`` ("en" or "fr"); ValueError for another language."""
        if lang == "en":
            return self.en
        if lang == "fr":
            return self.fr
        raise ValueError(f"unsupported language {lang!r} (expected one of {', '.join(LANGUAGES)})")

    def for_person(self, lang: str) -> str:
        """The text in a person's language (PERSON_LANGUAGES), or "" when the library has none in it."""
        if lang in LANGUAGES:
            return self.get(lang)
        return self.ar if lang == "ar" else ""

    def as_dict(self) -> dict[str, str]:
        """The text in the library's data shape (the extra languages only when present)."""
        return {"en": self.en, "fr": self.fr, **({"ar": self.ar} if self.ar else {})}


@dataclass(frozen=True)
class Indicator:
    """One screening question. ``grades`` holds (list name, grade) pairs for the lists that grade it."""

    id: str
    group: str
    element: str
    text: Text
    interpreter: Text
    grades: tuple[tuple[str, str], ...]
    quick: bool
    signal: str | None = None
    child_text: Text | None = None
    observed: bool = False

    @property
    def ages(self) -> tuple[str, ...]:
        """Who is asked this question: "adult", "child" or both, from the lists that grade it."""
        if not self.grades:
            return AGES
        return tuple(age for age in AGES if any(name.startswith(f"{age}-") for name, _ in self.grades))

    def text_for(self, lang: str, child: bool) -> str:
        """The question as asked: the child's wording for a child when there is one."""
        if child and self.child_text is not None:
            return self.child_text.get(lang)
        return self.text.get(lang)

    def grade(self, list_name: str) -> str | None:
        """The grade in ``list_name``, or None when that list does not grade this indicator."""
        for name, grade in self.grades:
            if name == list_name:
                return grade
        return None

    def grades_dict(self) -> dict[str, str]:
        """The grades as a plain dict, list name -> grade."""
        return dict(self.grades)


@dataclass(frozen=True)
class Library:
    """A validated indicator library. Indicators keep the order of the data file."""

    version: str
    lists: tuple[str, ...]
    indicators: tuple[Indicator, ...]
    _by_id: Mapping[str, Indicator] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_id", {ind.id: ind for ind in self.indicators})

    def get(self, indicator_id: str) -> Indicator | None:
        """The indicator with this id, or None."""
        return self._by_id.get(indicator_id)

    def __contains__(self, indicator_id: object) -> bool:
        return indicator_id in self._by_id

    def quick(self) -> tuple[Indicator, ...]:
        """The quick-screening indicators, in library order (safety questions come first in the data)."""
        return tuple(ind for ind in self.indicators if ind.quick)

    def with_signal(self, signal: str) -> tuple[Indicator, ...]:
        """The indicators that carry ``signal``."""
        return tuple(ind for ind in self.indicators if ind.signal == signal)


def _describe(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _text(
    where: str, name: str, value: object, max_words: int | None = None, optional: tuple[str, ...] = ()
) -> Text:
    if not isinstance(value, Mapping):
        raise ValueError(f"{where}: {name} must be an object with keys {', '.join(LANGUAGES)}")
    keys = set(value) - set(optional)
    if keys != set(LANGUAGES):
        missing = sorted(set(LANGUAGES) - keys)
        extra = sorted(str(k) for k in keys - set(LANGUAGES))
        detail = "; ".join(
            part
            for part in (
                f"missing {', '.join(missing)}" if missing else "",
                f"unknown {', '.join(extra)}" if extra else "",
            )
            if part
        )
        raise ValueError(f"{where}: {name} must have exactly the languages {', '.join(LANGUAGES)} ({detail})")
    for lang in LANGUAGES + tuple(lang for lang in optional if lang in value):
        text = value[lang]
        if not isinstance(text, str) or not text.strip():
            raise ValueError(f"{where}: {name}.{lang} must be a non-empty string")
        if max_words is not None:
            words = [w for w in text.split() if _WORD_RE.search(w)]
            if len(words) > max_words:
                raise ValueError(
                    f"{where}: {name}.{lang} has {len(words)} words, at most {max_words} allowed"
                )
    return Text(en=value["en"], fr=value["fr"], ar=value.get("ar", "") if "ar" in optional else "")


def _indicator(raw: object, position: int, lists: tuple[str, ...]) -> Indicator:
    if not isinstance(raw, Mapping):
        raise ValueError(f"indicator #{position}: must be an object, got {_describe(raw)}")
    raw_id = raw.get("id")
    if not isinstance(raw_id, str) or not _ID_RE.match(raw_id):
        raise ValueError(
            f"indicator #{position}: id must look like 'dr.job_nature' (two-letter prefix, dot, snake_case),"
            f" got {_describe(raw_id)}"
        )
    where = f"indicator {raw_id!r}"
    missing = sorted(_REQUIRED_KEYS - set(raw))
    if missing:
        raise ValueError(f"{where}: missing field(s) {', '.join(missing)}")
    extra = sorted(str(k) for k in set(raw) - _INDICATOR_KEYS)
    if extra:
        raise ValueError(f"{where}: unknown field(s) {', '.join(extra)}")

    group = raw["group"]
    if group not in GROUPS:
        raise ValueError(f"{where}: unknown group {_describe(group)} (expected one of {', '.join(GROUPS)})")
    element = raw["element"]
    if element not in ELEMENTS:
        raise ValueError(
            f"{where}: unknown element {_describe(element)} (expected one of {', '.join(ELEMENTS)})"
        )
    # Safety and smuggling questions describe the situation, not an element of the legal definition.
    if (group in CONTEXT_GROUPS) != (element == "context"):
        raise ValueError(
            f"{where}: element 'context' is for the groups {', '.join(CONTEXT_GROUPS)} only,"
            f" and those groups need it (got group {group!r}, element {element!r})"
        )

    grades_raw = raw["grades"]
    if not isinstance(grades_raw, Mapping):
        raise ValueError(f"{where}: grades must be an object mapping list names to grades")
    grades: list[tuple[str, str]] = []
    for list_name, grade in grades_raw.items():
        if list_name not in lists:
            raise ValueError(
                f"{where}: grade for unknown list {_describe(list_name)} (library lists: {', '.join(lists)})"
            )
        if grade not in GRADES:
            raise ValueError(
                f"{where}: grade {_describe(grade)} for {list_name!r} must be one of {', '.join(GRADES)}"
            )
        grades.append((list_name, grade))
    grades.sort(key=lambda pair: lists.index(pair[0]))

    quick = raw["quick"]
    if not isinstance(quick, bool):
        raise ValueError(f"{where}: quick must be true or false, got {_describe(quick)}")
    signal = raw.get("signal")
    if signal is not None:
        if signal not in SIGNALS:
            raise ValueError(
                f"{where}: unknown signal {_describe(signal)} (expected one of {', '.join(SIGNALS)})"
            )
        if group not in SIGNALS[signal]:
            raise ValueError(
                f"{where}: signal {signal!r} belongs to the group(s) {', '.join(SIGNALS[signal])},"
                f" not {group!r}"
            )

    child_text = _text(where, "child_text", raw["child_text"]) if "child_text" in raw else None
    observed = raw.get("observed", False)
    if not isinstance(observed, bool):
        raise ValueError(f"{where}: observed must be true or false, got {_describe(observed)}")
    if observed:
        if group in CONTEXT_GROUPS or signal is not None:
            raise ValueError(f"{where}: an observed sign belongs to one of the six groups and has no signal")
        if any(grade == "strong" for _, grade in grades):
            raise ValueError(f"{where}: an observed sign is graded weak or medium, never strong")

    return Indicator(
        id=raw_id,
        group=group,
        element=element,
        text=_text(where, "text", raw["text"]),
        interpreter=_text(
            where, "interpreter", raw["interpreter"], INTERPRETER_MAX_WORDS, optional=EXTRA_PERSON_LANGUAGES
        ),
        grades=tuple(grades),
        quick=quick,
        signal=signal,
        child_text=child_text,
        observed=observed,
    )


def _from_mapping(data: object) -> Library:
    if not isinstance(data, Mapping):
        raise ValueError(f"library must be a JSON object, got {type(data).__name__}")
    expected = {"version", "lists", "indicators"}
    if set(data) != expected:
        raise ValueError(f"library must have exactly the keys {', '.join(sorted(expected))}")
    version = data["version"]
    if not isinstance(version, str) or not version:
        raise ValueError("library version must be a non-empty string")

    lists_raw = data["lists"]
    if not isinstance(lists_raw, list) or not lists_raw:
        raise ValueError("library lists must be a non-empty array of list names")
    for name in lists_raw:
        if name not in LIST_NAMES:
            raise ValueError(
                f"library list {_describe(name)} is unknown (expected from {', '.join(LIST_NAMES)})"
            )
    if len(set(lists_raw)) != len(lists_raw):
        raise ValueError("library lists contain a duplicate name")
    lists = tuple(lists_raw)

    indicators_raw = data["indicators"]
    if not isinstance(indicators_raw, list) or not indicators_raw:
        raise ValueError("library indicators must be a non-empty array")
    indicators: list[Indicator] = []
    seen: set[str] = set()
    for position, raw in enumerate(indicators_raw, start=1):
        indicator = _indicator(raw, position, lists)
        if indicator.id in seen:
            raise ValueError(f"indicator {indicator.id!r}: duplicate id (indicator #{position})")
        seen.add(indicator.id)
        indicators.append(indicator)

    for name in lists:
        if not any(ind.grade(name) for ind in indicators):
            raise ValueError(f"library list {name!r} grades no indicator")
    return Library(version=version, lists=lists, indicators=tuple(indicators))


def load_library(source: str | PathLike[str] | Mapping[str, Any]) -> Library:
    """Load and validate a library from a JSON file path or an already-parsed mapping.

    Raises ValueError with a message naming the offending indicator (by id, or by position when the id
    itself is bad) or the offending top-level field.
    """
    if isinstance(source, Mapping):
        return _from_mapping(source)
    path = Path(source)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise ValueError(f"{path.name}: not valid JSON ({exc.msg} at line {exc.lineno})") from exc
    return _from_mapping(data)


@cache
def default_library() -> Library:
    """The library bundled with Haven (``data/indicators.json``), loaded and validated once."""
    return load_library(DEFAULT_PATH)


def to_public_json(library: Library, lang: str = "en") -> dict[str, Any]:
    """The library for clients, texts in ``lang``.

    Returns ``{"version", "lang", "lists", "indicators"}`` where each indicator is exactly
    ``{"id", "text", "group", "element", "grades", "quick", "ages", "child_text", "observed"}``:
    ``ages`` lists who is asked ("adult", "child"), ``child_text`` is the child's wording or null.
    """
    if lang not in LANGUAGES:
        raise ValueError(f"unsupported language {lang!r} (expected one of {', '.join(LANGUAGES)})")
    return {
        "version": library.version,
        "lang": lang,
        "lists": list(library.lists),
        "indicators": [
            {
                "id": ind.id,
                "text": ind.text.get(lang),
                "group": ind.group,
                "element": ind.element,
                "grades": ind.grades_dict(),
                "quick": ind.quick,
                "ages": list(ind.ages),
                "child_text": ind.child_text.get(lang) if ind.child_text else None,
                "observed": ind.observed,
            }
            for ind in library.indicators
        ],
    }
