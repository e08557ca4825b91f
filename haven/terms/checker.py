"""The terminology checker (seed, Annex I): rules as data, text in, findings out.

Pure Python (no Django), so the command line, the web page, the API, the screening library review and the
test that checks Haven's own words all use the same rules. The rules live in ``data/rules.json``; each has:

    id        "en.rescue": the language, then a short name
    lang      "en" or "fr": the language of the texts it is written for (French rules for French usage)
    source    "guide-table" (the guide's table), "empowering" (its advice on empowering words) or
              "harmful-label" (labels that harm the people we assist)
    phrase    what the rule is about, as a reader would name it
    pattern   a regular expression, matched regardless of case
    unless    optional: a pattern that, found in the same sentence, makes the use acceptable (citing a law)
    why       why to avoid it, in the rule's language
    instead   suggested alternatives, in the rule's language
    context   when the word is acceptable after all ("" when never)

Public API (stable): Rule, Finding, rules(), check(text, langs=None), highlight(text, findings),
    LANGUAGES, SOURCES.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

RULES_PATH = Path(__file__).resolve().parent / "data" / "rules.json"
LANGUAGES: tuple[str, ...] = ("en", "fr")
SOURCES: tuple[str, ...] = ("guide-table", "empowering", "harmful-label")

# The sentence around a match, where an `unless` pattern is looked for.
_SENTENCE_END = re.compile(r"[.!?;\n]")
_MAX_SENTENCE = 300


@dataclass(frozen=True)
class Rule:
    """One word or phrase to avoid, why, and what to say instead."""

    id: str
    lang: str
    source: str
    phrase: str
    pattern: re.Pattern[str]
    why: str
    instead: tuple[str, ...]
    context: str = ""
    unless: re.Pattern[str] | None = None


@dataclass(frozen=True)
class Finding:
    """One use of an avoided word: where (character offsets and line), what, and the rule that found it."""

    start: int
    end: int
    line: int
    column: int
    text: str
    rule: Rule

    def as_dict(self) -> dict[str, Any]:
        """The finding as plain JSON (the stable contract of the CLI and the API)."""
        return {
            "rule": self.rule.id,
            "lang": self.rule.lang,
            "source": self.rule.source,
            "text": self.text,
            "line": self.line,
            "column": self.column,
            "start": self.start,
            "end": self.end,
            "why": self.rule.why,
            "instead": list(self.rule.instead),
            "context": self.rule.context,
        }


def _rule(data: dict[str, Any]) -> Rule:
    for key in ("id", "lang", "source", "phrase", "pattern", "why", "instead"):
        if key not in data:
            raise ValueError(f"rule {data.get('id', '?')!r} lacks {key!r}")
    if data["lang"] not in LANGUAGES:
        raise ValueError(f"rule {data['id']!r}: unknown language {data['lang']!r}")
    if data["source"] not in SOURCES:
        raise ValueError(f"rule {data['id']!r}: unknown source {data['source']!r}")
    if not data["instead"]:
        raise ValueError(f"rule {data['id']!r} suggests nothing instead")
    try:
        pattern = re.compile(data["pattern"], re.IGNORECASE)
        unless = re.compile(data["unless"], re.IGNORECASE) if data.get("unless") else None
    except re.error as exc:
        raise ValueError(f"rule {data['id']!r}: bad pattern: {exc}") from None
    return Rule(
        id=data["id"],
        lang=data["lang"],
        source=data["source"],
        phrase=data["phrase"],
        pattern=pattern,
        why=data["why"],
        instead=tuple(data["instead"]),
        context=data.get("context", ""),
        unless=unless,
    )


def load_rules(source: Path | dict[str, Any]) -> tuple[Rule, ...]:
    """Rules from a JSON file or an already-parsed dict; ValueError naming the problem."""
    data = json.loads(source.read_text(encoding="utf-8")) if isinstance(source, Path) else source
    loaded = tuple(_rule(item) for item in data["rules"])
    ids = [r.id for r in loaded]
    if len(set(ids)) != len(ids):
        raise ValueError("two rules share an id")
    return loaded


@cache
def rules() -> tuple[Rule, ...]:
    """The rules bundled with Haven, loaded once."""
    return load_rules(RULES_PATH)


def _sentence(text: str, start: int, end: int) -> str:
    left = max(0, start - _MAX_SENTENCE)
    before = text[left:start]
    cut = [m.end() for m in _SENTENCE_END.finditer(before)]
    begin = left + cut[-1] if cut else left
    after = _SENTENCE_END.search(text, end, min(len(text), end + _MAX_SENTENCE))
    return text[begin : after.start() if after else min(len(text), end + _MAX_SENTENCE)]


def check(
    text: str, langs: Iterable[str] | None = None, *, with_rules: Sequence[Rule] | None = None
) -> list[Finding]:
    """Every avoided word in ``text``, in order of appearance.

    ``langs`` limits the rules to those languages (default: all, since a text may mix them). Where two
    rules match overlapping words ("identified victim" and "victim"), the longer match is kept, once.
    """
    wanted = set(langs) if langs is not None else set(LANGUAGES)
    candidates: list[tuple[int, int, Rule]] = []
    for rule in with_rules if with_rules is not None else rules():
        if rule.lang not in wanted:
            continue
        for match in rule.pattern.finditer(text):
            if match.end() == match.start():
                continue
            if rule.unless is not None and rule.unless.search(_sentence(text, match.start(), match.end())):
                continue
            candidates.append((match.start(), match.end(), rule))
    candidates.sort(key=lambda c: (c[0], -(c[1] - c[0])))
    findings: list[Finding] = []
    taken_until = -1
    for start, end, rule in candidates:
        if start < taken_until:
            continue
        taken_until = end
        line = text.count("\n", 0, start) + 1
        column = start - (text.rfind("\n", 0, start) + 1) + 1
        findings.append(Finding(start, end, line, column, text[start:end], rule))
    return findings


@dataclass(frozen=True)
class Segment:
    """A piece of the checked text: plain, or the words of one finding."""

    text: str
    finding: Finding | None = None


def highlight(text: str, findings: Sequence[Finding]) -> list[Segment]:
    """The text cut into plain pieces and findings, in order, for a page to mark up (escaped there)."""
    segments: list[Segment] = []
    at = 0
    for finding in sorted(findings, key=lambda f: f.start):
        if finding.start > at:
            segments.append(Segment(text[at : finding.start]))
        segments.append(Segment(text[finding.start : finding.end], finding))
        at = finding.end
    if at < len(text):
        segments.append(Segment(text[at:]))
    return segments
