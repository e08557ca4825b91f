"""The README is the newcomer's front page: it lists every `haven` command and every page under docs/."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"


def haven_commands() -> set[str]:
    """The management commands Haven defines itself (haven/<app>/management/commands/<name>.py)."""
    files = ROOT.glob("haven/*/management/commands/*.py")
    return {path.stem for path in files if not path.stem.startswith("_")}


def readme_section(title: str) -> str:
    text = README.read_text(encoding="utf-8")
    assert f"\n## {title}\n" in text, f"README.md has no section '## {title}'"
    return text.split(f"\n## {title}\n", 1)[1].split("\n## ", 1)[0]


def commands_in_table() -> set[str]:
    """Command names in the first column of the README's command table."""
    rows = re.findall(r"^\| `haven ([a-z_]+)", readme_section("The `haven` command"), flags=re.M)
    return set(rows)


def test_every_haven_command_is_in_the_readme_table() -> None:
    missing = sorted(haven_commands() - commands_in_table())
    assert not missing, f"add a row for these commands to the table in README.md: {missing}"


def test_the_readme_table_lists_no_command_haven_does_not_define() -> None:
    stale = sorted(commands_in_table() - haven_commands())
    assert not stale, f"README.md lists commands that do not exist under haven/*/management/commands: {stale}"


def test_the_command_list_is_found_at_all() -> None:
    assert {"init", "serve", "check"} <= haven_commands()


def test_every_documentation_page_is_in_the_readme_index() -> None:
    index = readme_section("Documentation")
    missing = sorted(
        f"docs/{page.name}" for page in (ROOT / "docs").glob("*.md") if f"`docs/{page.name}`" not in index
    )
    assert not missing, f"add these pages to the Documentation list in README.md: {missing}"


def test_every_screenshot_the_readme_shows_exists_and_is_small() -> None:
    shown = re.findall(r'src="(docs/screenshots/[^"]+)"', README.read_text(encoding="utf-8"))
    assert shown, "README.md shows no screenshot"
    for name in shown:
        path = ROOT / name
        assert path.is_file(), f"README.md shows {name}, which does not exist"
        assert path.stat().st_size < 200 * 1024, f"{name} is larger than 200 KB"


def test_the_readme_keeps_the_two_commands() -> None:
    section = readme_section("The two commands")
    assert "make run " in section and "make test " in section
