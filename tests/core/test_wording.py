"""Haven's own words follow the terminology guide (seed, Annex I): no "identified victim", no "fight" or
"combat" against trafficking, no "anti-trafficking", no "rescue" — in every template, every translated
string and every user guide (docs/guides), English and French."""

from __future__ import annotations

import re
from pathlib import Path

from babel.messages.pofile import read_po

HAVEN = Path(__file__).resolve().parents[2] / "haven"
GUIDES = HAVEN.parent / "docs" / "guides"

AVOIDED = re.compile(
    r"identified victim|victime identifiée|anti-?trafficking|lutte contre la traite|"
    r"\bfight(ing)?\b|\bcombat(ting|tre)?\b|\brescue[ds]?\b|\bsauvetage\b|confirmed trafficking|not a victim",
    re.IGNORECASE,
)


def test_no_template_uses_words_the_terminology_guide_asks_us_to_avoid() -> None:
    templates = sorted(HAVEN.glob("**/templates/**/*.html"))
    assert templates, "no templates found"
    hits = [
        f"{path.relative_to(HAVEN)}: {match.group(0)!r}"
        for path in templates
        for match in AVOIDED.finditer(path.read_text(encoding="utf-8"))
    ]
    assert not hits, hits


def test_no_translated_string_uses_words_the_terminology_guide_asks_us_to_avoid() -> None:
    with (HAVEN / "locale/fr/LC_MESSAGES/django.po").open("rb") as handle:
        catalogue = read_po(handle)
    hits = [
        f"{message.id!r} -> {message.string!r}"
        for message in catalogue
        if message.id and (AVOIDED.search(str(message.id)) or AVOIDED.search(str(message.string)))
    ]
    assert not hits, hits


def test_no_user_guide_uses_words_the_terminology_guide_asks_us_to_avoid() -> None:
    guides = sorted(GUIDES.glob("*/*.md"))
    assert guides, "no user guides found"
    hits = [
        f"{path.relative_to(GUIDES)}: {match.group(0)!r}"
        for path in guides
        for match in AVOIDED.finditer(path.read_text(encoding="utf-8"))
    ]
    assert not hits, hits
