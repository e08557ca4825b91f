"""Haven checks itself: the terminology checker runs over every template, the French catalogue (English and
French strings) and the user documentation, and fails on a finding not allowed, with a reason, in
tests/terms/allowed.json. An allowance no longer needed fails too, so the list stays true."""

from __future__ import annotations

import json
from pathlib import Path

from babel.messages.pofile import read_po

from haven.terms.checker import check

ROOT = Path(__file__).resolve().parents[2]
ALLOWED = json.loads((Path(__file__).parent / "allowed.json").read_text(encoding="utf-8"))["allowed"]


def haven_texts() -> list[tuple[str, str]]:
    """(where, text) for every text Haven shows or publishes."""
    texts = [
        (str(path.relative_to(ROOT)), path.read_text(encoding="utf-8"))
        for path in sorted((ROOT / "haven").glob("**/templates/**/*.html"))
    ]
    texts += [
        (str(path.relative_to(ROOT)), path.read_text(encoding="utf-8"))
        for path in [ROOT / "README.md", *sorted((ROOT / "docs").glob("**/*.md"))]  # the user guides too
    ]
    catalogue_path = ROOT / "haven/locale/fr/LC_MESSAGES/django.po"
    with catalogue_path.open("rb") as handle:
        catalogue = read_po(handle)
    where = str(catalogue_path.relative_to(ROOT))
    for message in catalogue:
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple | list) else (message.id,)
        strings = message.string if isinstance(message.string, tuple | list) else (message.string,)
        texts += [(where, str(text)) for text in (*ids, *strings) if text]
    return texts


def findings() -> list[tuple[str, str, str]]:
    return [(where, f.rule.id, f.text) for where, text in haven_texts() for f in check(text)]


def test_the_self_check_reads_templates_the_french_catalogue_and_the_docs():
    places = {where for where, _text in haven_texts()}
    assert "README.md" in places
    assert "haven/locale/fr/LC_MESSAGES/django.po" in places
    assert any(p.startswith("docs/") for p in places)
    assert sum(p.endswith(".html") for p in places) > 20


def test_haven_uses_no_word_the_terminology_guide_asks_us_to_avoid_unless_allowed_with_a_reason():
    allowed = {(a["path"], a["rule"], a["text"].lower()) for a in ALLOWED}
    assert all(a["reason"].strip() for a in ALLOWED), "every allowance needs a reason"
    found = findings()
    unexplained = sorted({f for f in found if (f[0], f[1], f[2].lower()) not in allowed})
    assert not unexplained, unexplained
    used = {(w, r, t.lower()) for w, r, t in found}
    assert not allowed - used, f"allowances no longer needed: {sorted(allowed - used)}"


def test_the_self_check_would_catch_a_word_to_avoid():
    assert [f.rule.id for f in check("Join the fight against human trafficking")] == ["en.the_fight_against"]
