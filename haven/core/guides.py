"""The user guides: one per role, in English and French, written in Markdown under docs/guides/<lang>/.

Haven serves them behind sign-in (`/help/`), and the short "how to sign in" page to everyone. Markdown is
rendered by markdown-it-py with raw HTML switched off: a tag in a guide is shown as text, never run, and
links with a `javascript:` address are dropped by the library's link check. Nothing here needs a script.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from markdown_it import MarkdownIt

from haven.accounts.permissions import Role

GUIDES_DIR = Path(__file__).resolve().parents[2] / "docs" / "guides"
LANGUAGES: tuple[str, ...] = ("en", "fr")
LANGUAGE_NAMES = {"en": "English", "fr": "Français"}

# Each role's guide: docs/guides/<lang>/<slug>.md, served at /help/<lang>/<slug>/.
ROLE_SLUGS: dict[Role, str] = {
    Role.VOLUNTEER: "volunteer",
    Role.CASEWORKER: "caseworker",
    Role.CASE_MANAGER: "case-manager",
    Role.PROGRAMME_MANAGER: "programme-manager",
    Role.DPO: "data-protection-officer",
    Role.ADMIN: "administrator",
}
# The page everyone may read, signed in or not: how to sign in and set up the authenticator app.
SIGN_IN = "sign-in"


@dataclass(frozen=True)
class Guide:
    lang: str
    slug: str
    title: str
    html: str


def guide_language(code: str | None) -> str:
    """The guides' language for an interface language code: French for fr-*, English otherwise."""
    return "fr" if (code or "").lower().startswith("fr") else "en"


def other_language(lang: str) -> str:
    return "en" if lang == "fr" else "fr"


def role_slug(role: str) -> str | None:
    """The guide slug of a role value, or None for an unknown role."""
    try:
        return ROLE_SLUGS[Role(role)]
    except ValueError:
        return None


def guide_path(lang: str, slug: str) -> Path | None:
    """The file of a known guide (a role's or the sign-in page), or None for anything else."""
    if lang not in LANGUAGES or (slug not in ROLE_SLUGS.values() and slug != SIGN_IN):
        return None
    return GUIDES_DIR / lang / f"{slug}.md"


def _parser() -> MarkdownIt:
    # CommonMark with tables; "html": False turns raw HTML (blocks and inline) into escaped text.
    return MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable("table")


def render(text: str) -> str:
    """Markdown to HTML with every raw HTML tag escaped."""
    return _parser().render(text)


def title_of(text: str) -> str:
    """The guide's first level-one heading, or an empty string."""
    for line in text.splitlines():
        if line.startswith("# "):
            return line[2:].strip()
    return ""


def load(lang: str, slug: str) -> Guide | None:
    """The guide rendered, or None when there is no such guide (an unknown language or slug, or no file)."""
    path = guide_path(lang, slug)
    if path is None or not path.is_file():
        return None
    text = path.read_text(encoding="utf-8")
    return Guide(lang=lang, slug=slug, title=title_of(text), html=render(text))
