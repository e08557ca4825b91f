"""Finding English in a French page or document: the reading side of tests/core/test_french_everywhere.py.

Independent detectors, so that neither the catalogue nor the code under test decides alone what counts as
English:

1. the catalogue: every English text that has a French translation different from it (msgid ≠ msgstr) must
   not be shown as such to a French reader: a whole text on the page equal to such a msgid, or, for a
   msgid of four words or more, the msgid anywhere in the page's text (with its placeholders as wildcards);
2. English function words: a text with two or more of the short English words below ("the", "of", "than",
   "with"…), none of which is a French word, was never translated, whether or not it is in the catalogue
   (a string written into the code without `gettext`);
3. a decimal number with a point ("ε = 0.5"), where French writes a comma.

A msgid that is also the French of some other text (e.g. "Date", "Notes") never counts: a French reader
sees it legitimately. ALLOWED lists by hand the few texts that stay the same in both languages.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from html.parser import HTMLParser
from pathlib import Path

from babel.messages.pofile import read_po

PO_FILE = Path(__file__).resolve().parents[2] / "haven" / "locale" / "fr" / "LC_MESSAGES" / "django.po"

# Short English words that are not French words (so "on", "a", "an", "in", "me", "son", "but" are not here).
ENGLISH_WORDS = frozenset(
    """the of and with than this that these those which who whose what when where is are was were has have
    had been be will would can could should must may might not your you yours our ours their they them
    there here from into onto for to by about after before between without every each any some no yet
    only also just first last next other others none one two three four five seven eight nine ten
    ask asks asked shows shown show see open opened close closed added add recorded""".split()
)

# Texts that stay English-looking on a French page, each with its reason.
ALLOWED: dict[str, str] = {
    "Haven": "the product's name",
    "k": "the k of k-anonymity, a symbol",
    "ε": "the epsilon of differential privacy, a symbol",
    "CTDC": "the name of the Counter Trafficking Data Collaborative",
    "HTCDS": "the name of the data standard",
    "English": "the name of the language in its own language, on the language switcher",
    "العربية": "the name of Arabic in Arabic, on the information sheet's language links",
    "OK": "the same word in French",
    "Total": "the same word in French",
    "Type": "the same word in French",
    "Actions": "the same word in French",
    "Contact": "the same word in French",
    "Minute": "the same word in French",
    "Code": "the same word in French",
    "Organisation": "the same word in French",
    "Initial": "the same word in French",
    "Service": "the same word in French",
    "Version": "the same word in French",
    "Notes": "the same word in French",
    "Note": "the same word in French",
    "Question": "the same word in French",
    "Questions": "the same word in French",
    "Document": "the same word in French",
    "Documents": "the same word in French",
    "Page": "the same word in French",
    "Message": "the same word in French",
    "Date": "the same word in French",
    "Statut": "the same word in French",
    "Description": "the same word in French",
    "Direction": "the same word in French",
    "Transport": "the same word in French",
    "Accompagnement": "the same word in French",
}
# Synthetic test data that is neither French nor English (names, codes) is marked "Test …" by the setups.
DATA_MARKERS = ("Test ", "test", "example.test", "ORG-", "URL-ORG")


@dataclass(frozen=True)
class Finding:
    text: str
    why: str

    def __str__(self) -> str:
        return f"{self.text!r} ({self.why})"


_VOID = frozenset("area base br col embed hr img input link meta source track wbr".split())


class _Text(HTMLParser):
    """The texts a reader sees or hears: text nodes outside scripts and styles, and the attributes read
    out (title, aria-label, placeholder, alt, button values). A part marked in another language
    (`lang="en"`, `lang="ar"`) is declared as such and left out: a French page may quote English."""

    SPOKEN = ("title", "aria-label", "placeholder", "alt")

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.texts: list[str] = []
        self._stack: list[tuple[str, bool]] = []  # (tag, skipped: script, style or another language)

    def _skipping(self) -> bool:
        return bool(self._stack) and self._stack[-1][1]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        lang = (found.get("lang") or "").split("-")[0]
        skip = self._skipping() or tag in ("script", "style") or bool(lang and lang != "fr")
        if not skip:
            for name in self.SPOKEN:
                if found.get(name):
                    self.texts.append(str(found[name]))
            if tag == "input" and found.get("type") in ("submit", "button") and found.get("value"):
                self.texts.append(str(found["value"]))
        if tag not in _VOID:
            self._stack.append((tag, skip))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in _VOID:
            self.handle_endtag(tag)

    def handle_endtag(self, tag: str) -> None:
        for depth in range(len(self._stack) - 1, -1, -1):
            if self._stack[depth][0] == tag:
                del self._stack[depth:]
                return

    def handle_data(self, data: str) -> None:
        if not self._skipping():
            self.texts.append(data)


def _normal(text: str) -> str:
    return " ".join(text.split())


def visible_texts(html: str) -> list[str]:
    """Every visible or spoken text of an HTML page, whitespace normalised, empty ones dropped."""
    parser = _Text()
    parser.feed(html)
    return [t for t in (_normal(text) for text in parser.texts) if t]


@dataclass(frozen=True)
class _Catalogue:
    exact: frozenset[str]  # msgids to match as a whole text
    patterns: tuple[tuple[str, re.Pattern[str]], ...]  # long msgids to find anywhere


_PLACEHOLDER = re.compile(r"%\((\w+)\)[sdfr]|%[sd]|\{\w*\}")


@cache
def catalogue() -> _Catalogue:
    """The English msgids a French reader must never see, read from the French catalogue."""
    with PO_FILE.open("rb") as handle:
        messages = [m for m in read_po(handle) if m.id]
    french: set[str] = set()
    pairs: list[tuple[str, str]] = []
    for message in messages:
        ids = tuple(message.id) if isinstance(message.id, (tuple, list)) else (str(message.id),)
        strings = (
            tuple(message.string) if isinstance(message.string, (tuple, list)) else (str(message.string),)
        )
        french.update(_normal(s) for s in strings if s)
        for msgid in ids:
            for msgstr in strings:
                pairs.append((_normal(msgid), _normal(msgstr)))
    exact: set[str] = set()
    patterns: dict[str, re.Pattern[str]] = {}
    for msgid, msgstr in pairs:
        if not msgid or msgid == msgstr or msgid in french or msgid in ALLOWED:
            continue
        literal = _PLACEHOLDER.sub("\0", msgid)
        words = re.findall(r"[A-Za-z]{2,}", literal)
        if not words:
            continue  # only placeholders or symbols
        if "\0" not in literal:
            exact.add(msgid)
        if len(words) >= 4:
            regex = r"\S*?".join(re.escape(piece) for piece in literal.split("\0"))
            # A placeholder stands for any short value.
            regex = regex.replace(r"\S*?", r".{0,80}?")
            patterns[msgid] = re.compile(regex)
    return _Catalogue(frozenset(exact), tuple(sorted(patterns.items())))


def _is_data(text: str) -> bool:
    return any(marker in text for marker in DATA_MARKERS)


# A stable identifier shown as such (an indicator id "cd.told_what_to_say", a code "follow_up_call") is a
# code, not English text.
_IDENTIFIER = re.compile(r"\b[a-z]+(?:[._][a-z]+)+\b")


# A decimal number written the English way ("0.5"); French writes "0,5". Versions ("v1.2", "1.2.3"), codes
# and section numbers are not numbers of this kind.
_DECIMAL_POINT = re.compile(r"(?<![\w.])\d+\.\d+(?![\w.])")


def english_words(text: str) -> list[str]:
    """The English function words of a text (whole words; identifiers left out)."""
    words = re.findall(r"[A-Za-z]+", _IDENTIFIER.sub(" ", text))
    return [w for w in words if w.lower() in ENGLISH_WORDS and w != "A"]


def english_in(texts: list[str]) -> list[Finding]:
    """Every text of a French page that is English (see the module docstring); one finding per text."""
    table = catalogue()
    findings: list[Finding] = []
    seen: set[str] = set()
    for text in texts:
        if text in seen or text in ALLOWED or _is_data(text):
            continue
        seen.add(text)
        if text in table.exact:
            findings.append(Finding(text, "English text of the catalogue"))
            continue
        words = english_words(text)
        if len(set(w.lower() for w in words)) >= 2:
            findings.append(Finding(text, "English words: " + ", ".join(sorted(set(words)))))
            continue
        number = _DECIMAL_POINT.search(text)
        # A section of a document ("section 4.3 des orientations") is a reference, not a number.
        if number and not text[: number.start()].rstrip().lower().endswith("section"):
            findings.append(Finding(text, f"a number with an English decimal point: {number.group()}"))
            continue
        inside = next((msgid for msgid, pattern in table.patterns if pattern.search(text)), None)
        if inside is not None:
            findings.append(Finding(text, f"holds the catalogue's English {inside!r}"))
    return findings
