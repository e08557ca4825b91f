"""The organisation's reference texts as data (pure Python, no Django): the readiness checklists (Annex II),
the international legal framework (Annex III), the advocacy templates (section 4.3) and the guidance cards.

Each text is in English and French; ``lang`` picks one (anything else falls back to English).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

DATA = Path(__file__).resolve().parent / "data"
LANGUAGES = ("en", "fr")


def _pick(texts: dict[str, str], lang: str) -> str:
    return texts.get(lang) or texts["en"]


@cache
def _load(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((DATA / name).read_text(encoding="utf-8"))
    return data


@dataclass(frozen=True)
class Item:
    key: str
    checklist: str
    text: str


def readiness_items(lang: str) -> list[Item]:
    """The built-in checklist items, in order."""
    return [Item(i["key"], i["checklist"], _pick(i, lang)) for i in _load("readiness.json")["items"]]


def checklist_titles(lang: str) -> dict[str, str]:
    return {key: _pick(texts, lang) for key, texts in _load("readiness.json")["checklists"].items()}


@dataclass(frozen=True)
class Instrument:
    key: str
    level: str
    year: int
    title: str
    summary: str
    link: str


def instruments(lang: str) -> list[Instrument]:
    return [
        Instrument(
            i["key"], i["level"], i["year"], _pick(i["title"], lang), _pick(i["summary"], lang), i["link"]
        )
        for i in _load("legal.json")["instruments"]
    ]


def levels(lang: str) -> dict[str, str]:
    return {key: _pick(texts, lang) for key, texts in _load("legal.json")["levels"].items()}


@dataclass(frozen=True)
class AskTemplate:
    key: str
    text: str


def ask_templates(lang: str) -> list[AskTemplate]:
    return [AskTemplate(a["key"], _pick(a, lang)) for a in _load("advocacy.json")["asks"]]


@dataclass(frozen=True)
class Card:
    key: str
    title: str
    points: tuple[str, ...]
    tags: tuple[str, ...]


def cards(lang: str) -> list[Card]:
    return [
        Card(
            c["key"],
            _pick(c["title"], lang),
            tuple(c["points"].get(lang) or c["points"]["en"]),
            tuple(c["tags"]),
        )
        for c in _load("guidance.json")["cards"]
    ]


def search_cards(query: str, lang: str) -> list[Card]:
    """Cards whose title, points or tags contain every word of ``query`` (case and accents as typed)."""
    words = [w for w in query.lower().split() if w]
    found = []
    for card in cards(lang):
        haystack = " ".join((card.title, *card.points, *card.tags)).lower()
        if all(w in haystack for w in words):
            found.append(card)
    return found
