"""The user guides (docs/guides): one per role in English and in French, read in Haven behind sign-in,
reached from the Help link of every page, rendered with raw HTML escaped, and kept true to Haven: every
`haven` command and every page address a guide names exists."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from django.core.management import get_commands
from django.test import Client
from django.urls import Resolver404, resolve

from haven.accounts.models import User
from haven.accounts.permissions import Role
from haven.core import guides
from haven.terms.checker import check

ROOT = Path(__file__).resolve().parents[2]
GUIDES = ROOT / "docs" / "guides"
LANGUAGES = ("en", "fr")

# Hand-written from the product brief's roles: the file (and the address) of each role's guide.
ROLE_GUIDES = {
    "volunteer": "volunteer",
    "caseworker": "caseworker",
    "case_manager": "case-manager",
    "programme_manager": "programme-manager",
    "data_protection_officer": "data-protection-officer",
    "admin": "administrator",
}

# What every role's guide covers, in each language (the headings readers look for).
SECTIONS = {
    "en": (
        "## What Haven is for you",
        "## First sign-in",
        "## What you cannot do, and why",
        "## Safety and data protection",
        "## Where to get help",
    ),
    "fr": (
        "## Ce que Haven vous apporte",
        "## Première connexion",
        "## Ce que vous ne pouvez pas faire, et pourquoi",
        "## Sécurité et protection des données",
        "## Où trouver de l'aide",
    ),
}


def all_guide_files() -> list[Path]:
    return sorted(GUIDES.glob("*/*.md"))


def test_the_roles_of_haven_are_the_roles_that_have_a_guide() -> None:
    assert {role.value for role in Role} == set(ROLE_GUIDES)


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("role", sorted(ROLE_GUIDES))
def test_every_role_has_a_guide_in_english_and_in_french(role: str, lang: str) -> None:
    path = GUIDES / lang / f"{ROLE_GUIDES[role]}.md"
    assert path.is_file(), f"write {path.relative_to(ROOT)}"
    text = path.read_text(encoding="utf-8")
    missing = [heading for heading in SECTIONS[lang] if f"\n{heading}\n" not in text]
    assert not missing, f"{path.relative_to(ROOT)} lacks the sections {missing}"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_how_to_sign_in_is_written_in_english_and_in_french(lang: str) -> None:
    assert (GUIDES / lang / "sign-in.md").is_file()


def test_no_guide_is_left_over_without_a_role() -> None:
    expected = {f"{lang}/{slug}.md" for lang in LANGUAGES for slug in [*ROLE_GUIDES.values(), "sign-in"]}
    found = {f"{path.parent.name}/{path.name}" for path in all_guide_files()}
    assert found == expected


@pytest.mark.django_db
@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("slug", sorted(ROLE_GUIDES.values()))
def test_each_guide_page_opens_for_every_role_and_sends_anonymous_visitors_to_sign_in(
    slug: str,
    lang: str,
    users_by_role: dict[Role, User],
    signed_in: Callable[[User], Client],
) -> None:
    url = f"/help/{lang}/{slug}/"
    anonymous = Client().get(url)
    assert anonymous.status_code == 302
    assert anonymous["Location"].startswith("/accounts/login/")
    heading = next(
        line[2:]
        for line in (GUIDES / lang / f"{slug}.md").read_text("utf-8").splitlines()
        if line[:2] == "# "
    )
    for role, user in users_by_role.items():
        response = signed_in(user).get(url)
        assert response.status_code == 200, (role, url)
        assert heading in response.content.decode()


@pytest.mark.django_db
def test_an_unknown_guide_or_language_is_not_found(
    users_by_role: dict[Role, User], signed_in: Callable[[User], Client]
) -> None:
    client = signed_in(users_by_role[Role.VOLUNTEER])
    assert client.get("/help/de/volunteer/").status_code == 404
    assert client.get("/help/en/nobody/").status_code == 404
    assert client.get("/help/sign-in/de/").status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize(("interface", "lang"), [("en", "en"), ("fr", "fr")])
def test_the_help_link_of_a_page_leads_to_the_guide_of_the_users_role_in_the_interface_language(
    interface: str, lang: str, users_by_role: dict[Role, User], signed_in: Callable[[User], Client]
) -> None:
    for role, user in users_by_role.items():
        client = signed_in(user)
        client.cookies["django_language"] = interface
        page = client.get("/").content.decode()
        links = re.findall(r'<a href="([^"]+)"[^>]*data-help="guide"', page)
        assert links == [f"/help/{lang}/{ROLE_GUIDES[role.value]}/"], role
        guide = client.get(links[0]).content.decode()
        other = "fr" if lang == "en" else "en"
        assert f'href="/help/{other}/{ROLE_GUIDES[role.value]}/"' in guide, "no link to the other language"


@pytest.mark.django_db
def test_the_sign_in_page_links_to_how_to_sign_in_which_opens_without_an_account() -> None:
    client = Client(HTTP_ACCEPT_LANGUAGE="fr")
    page = client.get("/accounts/login/").content.decode()
    links = re.findall(r'<a href="([^"]+)"[^>]*data-help="guide"', page)
    assert links == ["/help/sign-in/fr/"]
    help_page = client.get(links[0])
    assert help_page.status_code == 200
    assert "Se connecter à Haven" in help_page.content.decode()


@pytest.mark.django_db
def test_the_help_index_lists_every_guide_with_ones_own_role_first(
    users_by_role: dict[Role, User], signed_in: Callable[[User], Client]
) -> None:
    page = signed_in(users_by_role[Role.CASE_MANAGER]).get("/help/").content.decode()
    listed = re.findall(r'<li data-guide-own="(true|false)"><a href="/help/en/([a-z-]+)/"', page)
    assert listed[0] == ("true", "case-manager")
    assert sorted(slug for _own, slug in listed) == sorted(ROLE_GUIDES.values())


def test_a_guide_renders_raw_html_as_text_never_as_markup() -> None:
    html = guides.render(
        '# Title\n\n<script>alert("x")</script>\n\nText <img src=x onerror="alert(1)"> and '
        "[a link](javascript:alert(1)).\n"
    )
    assert "<script" not in html
    assert "&lt;script&gt;" in html
    assert "<img" not in html
    assert 'href="javascript:' not in html


@pytest.mark.django_db
def test_a_guide_file_with_a_script_is_shown_as_text_in_haven(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    users_by_role: dict[Role, User],
    signed_in: Callable[[User], Client],
) -> None:
    (tmp_path / "en").mkdir()
    (tmp_path / "en" / "volunteer.md").write_text("# Guide\n\n<script>alert(1)</script>\n", encoding="utf-8")
    monkeypatch.setattr(guides, "GUIDES_DIR", tmp_path)
    page = signed_in(users_by_role[Role.VOLUNTEER]).get("/help/en/volunteer/").content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<script>alert(1)" not in page


def test_every_haven_command_a_guide_names_exists() -> None:
    commands = {name for name, app in get_commands().items() if app.startswith("haven.")}
    named = {
        (path.relative_to(ROOT).as_posix(), name)
        for path in all_guide_files()
        for name in re.findall(r"\bhaven ([a-z_]+)", path.read_text(encoding="utf-8"))
    }
    assert named, "the guides name no command at all"
    unknown = sorted((where, name) for where, name in named if name not in commands)
    assert not unknown, unknown


def test_every_haven_address_a_guide_names_resolves() -> None:
    addresses = {
        (path.relative_to(ROOT).as_posix(), address)
        for path in all_guide_files()
        for address in re.findall(r"`(/[^`\s]*)`", path.read_text(encoding="utf-8"))
    }
    assert addresses, "the guides name no address at all"
    broken = []
    for where, address in sorted(addresses):
        try:
            resolve(address)
        except Resolver404:
            broken.append((where, address))
    assert not broken, broken


def test_every_document_a_guide_names_exists() -> None:
    named = {
        (path.relative_to(ROOT).as_posix(), doc)
        for path in all_guide_files()
        for doc in re.findall(r"`((?:docs/)?[A-Za-z_/.-]+\.md)`", path.read_text(encoding="utf-8"))
    }
    missing = sorted((where, doc) for where, doc in named if not (ROOT / doc).is_file())
    assert not missing, missing


def _label_key(text: str) -> str:
    """A label as a guide may quote it: spacing, quotes and the closing full stop or colon do not count."""
    text = text.replace("\u00a0", " ").replace("\u2019", "'").strip('"«» ')
    return re.sub(r"\s+", " ", text).strip().rstrip(".:").strip().lower()


def _labels_haven_shows() -> dict[str, set[str]]:
    """Every interface text, by language: the English of the catalogue and its French."""
    with (ROOT / "haven/locale/fr/LC_MESSAGES/django.po").open("rb") as handle:
        catalogue = read_po(handle)
    labels: dict[str, set[str]] = {"en": set(), "fr": set()}
    for message in catalogue:
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        labels["en"].update(_label_key(text) for text in ids)
        labels["fr"].update(_label_key(text) for text in strings if text)
    return labels


def _shown(phrase: str, labels: set[str]) -> bool:
    # The whole label, or its start up to a word boundary ("Release" for "Release (ε = 0.5 left)").
    return phrase in labels or any(
        label.startswith(phrase) and label[len(phrase)] in " (.:,?"
        for label in labels
        if len(label) > len(phrase)
    )


def test_every_button_link_or_heading_a_guide_names_in_bold_is_one_haven_shows() -> None:
    """Guides put what the reader sees on screen in bold, in the words of the interface's own language;
    emphasis is in italics. A renamed button makes this fail until the guide follows."""
    labels = _labels_haven_shows()
    unknown = [
        (path.relative_to(ROOT).as_posix(), phrase)
        for path in all_guide_files()
        for phrase in re.findall(r"\*\*(.+?)\*\*", path.read_text(encoding="utf-8"), flags=re.S)
        if not _shown(_label_key(phrase), labels[path.parent.name])
    ]
    assert not unknown, unknown


def test_the_guides_use_the_words_of_the_terminology_guide() -> None:
    # The terminology checker (haven/terms) on every guide, in the guide's own language. The self-check
    # (tests/terms/test_self_check.py) reads them too, with its list of findings allowed for a reason.
    hits = [
        (path.relative_to(ROOT).as_posix(), finding.text)
        for path in all_guide_files()
        for finding in check(path.read_text(encoding="utf-8"), langs=[path.parent.name])
    ]
    assert not hits, hits


def test_the_readme_lists_the_guides() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    documentation = readme.split("\n## Documentation\n", 1)[1].split("\n## ", 1)[0]
    missing = [
        f"docs/guides/{lang}/{slug}.md"
        for lang in LANGUAGES
        for slug in [*ROLE_GUIDES.values(), "sign-in"]
        if f"docs/guides/{lang}/{slug}.md" not in documentation
    ]
    assert not missing, f"list these guides in README.md's Documentation section: {missing}"
