"""docs/data-register.md lists every stored field of the schema, with a class, a purpose and a retention.

The register (ICRC Handbook 2.5.4, IASC) is only worth something while it matches the database, so these
tests compare the two both ways and check that each row uses the legend's own words.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from django.apps import apps
from django.db import models

DOC = Path(__file__).resolve().parents[2] / "docs" / "data-register.md"

# Tables from outside Haven's apps that hold data about Haven's users, so the register covers them too.
THIRD_PARTY_TABLES = {"otp_totp_totpdevice", "django_session"}
SEALED = "identifying (sealed)"

_TABLE_HEADING = re.compile(r"^### `([a-z0-9_]+)`", re.M)
_FIELD_ROW = re.compile(r"^\| `([a-z0-9_]+)` \|(.*)\|\s*$")


@dataclass(frozen=True)
class Entry:
    """One row of the register: a stored field and what the register says about it."""

    table: str
    field: str
    holds: str
    kind: str
    purpose: str
    retention: str


def schema_fields() -> dict[tuple[str, str], models.Field]:
    """Every concrete column of the registered tables: Haven's models (with many-to-many tables) and
    the third-party tables above, keyed by (table, column)."""
    found: dict[tuple[str, str], models.Field] = {}
    for model in apps.get_models(include_auto_created=True):
        table = model._meta.db_table
        if not (model.__module__.startswith("haven.") or table in THIRD_PARTY_TABLES):
            continue
        for field in model._meta.concrete_fields:
            assert field.column is not None  # concrete fields always have a column
            found[(table, field.column)] = field
    return found


def register_entries() -> list[Entry]:
    """The rows of every per-table section of the register, in order."""
    text = DOC.read_text(encoding="utf-8")
    entries = []
    parts = _TABLE_HEADING.split(text)
    # split() gives [before, table, body, table, body, ...].
    for table, body in zip(parts[1::2], parts[2::2], strict=True):
        for line in body.splitlines():
            match = _FIELD_ROW.match(line)
            if match is None:
                continue
            cells = [cell.strip() for cell in match.group(2).split(" | ")]
            assert len(cells) == 4, f"{table}.{match.group(1)}: expected 5 columns, got {len(cells) + 1}"
            entries.append(Entry(table, match.group(1), *cells))
    return entries


def legend(section: str) -> set[str]:
    """The first-column words of the table under the heading `## {section}` (or the bullet list's table)."""
    text = DOC.read_text(encoding="utf-8")
    body = text.split(f"## {section}\n", 1)[1].split("\n## ", 1)[0]
    rows = re.findall(r"^\s*\| ([^|`]+?) \|", body, flags=re.M)
    return {row for row in rows if row not in {"Class", "Retention", "---"} and not row.startswith("-")}


def registered() -> set[tuple[str, str]]:
    return {(entry.table, entry.field) for entry in register_entries()}


def test_every_stored_field_is_in_the_data_register() -> None:
    missing = sorted(f"{table}.{column}" for table, column in set(schema_fields()) - registered())
    assert not missing, f"docs/data-register.md does not list these stored fields (add a row each): {missing}"


def test_the_data_register_lists_no_field_that_is_not_stored() -> None:
    stale = sorted(f"{table}.{column}" for table, column in registered() - set(schema_fields()))
    assert not stale, f"docs/data-register.md lists fields that no longer exist (remove or rename): {stale}"


def test_every_field_is_listed_once() -> None:
    seen: set[tuple[str, str]] = set()
    twice = []
    for entry in register_entries():
        key = (entry.table, entry.field)
        if key in seen:
            twice.append(f"{entry.table}.{entry.field}")
        seen.add(key)
    assert not twice, f"docs/data-register.md lists these fields more than once: {twice}"


def test_every_row_says_what_the_field_holds_and_why() -> None:
    empty = [f"{e.table}.{e.field}" for e in register_entries() if not e.holds or not e.purpose]
    assert not empty, f"rows without 'holds' or 'purpose' in docs/data-register.md: {empty}"


def test_every_row_uses_a_class_from_the_legend() -> None:
    classes = legend("How to read it")
    assert SEALED in classes
    wrong = [f"{e.table}.{e.field}: {e.kind!r}" for e in register_entries() if e.kind not in classes]
    assert not wrong, f"classes not in the legend {sorted(classes)}: {wrong}"


def test_every_row_uses_a_retention_category_from_the_legend() -> None:
    categories = legend("Retention categories")
    assert "case record" in categories
    wrong = [
        f"{e.table}.{e.field}: {e.retention!r}" for e in register_entries() if e.retention not in categories
    ]
    assert not wrong, f"retention categories not defined on the page {sorted(categories)}: {wrong}"


def test_exactly_the_sealed_columns_are_classed_as_sealed() -> None:
    # In Haven every BinaryField holds vault ciphertext; the register must not call anything else sealed,
    # nor leave a sealed column under a weaker class.
    fields = schema_fields()
    binary = {key for key, field in fields.items() if isinstance(field, models.BinaryField)}
    classed = {(e.table, e.field) for e in register_entries() if e.kind == SEALED}
    assert binary, "no sealed columns found in the schema"
    not_classed = sorted(f"{t}.{c}" for t, c in binary - classed)
    not_sealed = sorted(f"{t}.{c}" for t, c in classed - binary)
    assert not not_classed, f"sealed columns the register does not class as {SEALED!r}: {not_classed}"
    assert not not_sealed, f"the register calls these {SEALED!r} but they are not sealed: {not_sealed}"


def test_the_register_covers_haven_tables_and_the_personal_data_tables() -> None:
    tables = {table for table, _column in schema_fields()}
    assert {"cases_person", "accounts_user", "audit_auditevent"} <= tables
    assert THIRD_PARTY_TABLES <= tables
