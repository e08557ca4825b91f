"""haven docs permissions [--write]: render documentation that is generated from the code."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from haven.accounts import actions, permissions


def render_markdown() -> str:
    """docs/permissions.md: the role x permission matrix, then the action table."""
    return permissions.render_markdown() + "\n" + actions.render_markdown()


DOCS_DIR = Path(__file__).resolve().parents[4] / "docs"


class Command(BaseCommand):
    help = "Render generated documentation: 'permissions' prints docs/permissions.md (--write writes it)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("document", choices=["permissions"])
        parser.add_argument(
            "--write", action="store_true", help="write the file under docs/ instead of printing"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        text = render_markdown()
        if options["write"]:
            (DOCS_DIR / "permissions.md").write_text(text, encoding="utf-8")
            self.stdout.write("wrote docs/permissions.md")
        else:
            self.stdout.write(text, ending="")
