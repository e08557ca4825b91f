"""docs/crypto.md lists every encrypted field of the models, and nothing that does not exist."""

from __future__ import annotations

import re
from pathlib import Path

from django.apps import apps
from django.db import models

DOC = Path(__file__).resolve().parents[2] / "docs" / "crypto.md"


def sealed_columns() -> set[str]:
    """Every column that can hold vault ciphertext: in Haven, every BinaryField of every model is sealed."""
    found = set()
    for model in apps.get_models():
        for field in model._meta.concrete_fields:
            if isinstance(field, models.BinaryField):
                found.add(f"{model._meta.db_table}.{field.column}")
    return found


def documented_columns() -> set[str]:
    """Rows of the "Encrypted fields" table of docs/crypto.md, files (marked "(file)") left out."""
    text = DOC.read_text(encoding="utf-8")
    section = text.split("## Encrypted fields", 1)[1]
    rows = re.findall(r"^\| ([a-z0-9_]+\.[a-z0-9_]+)( \(file\))? \|", section, flags=re.M)
    return {name for name, is_file in rows if not is_file}


def test_every_sealed_field_in_the_models_is_listed_in_the_crypto_inventory() -> None:
    missing = sealed_columns() - documented_columns()
    assert not missing, f"add these encrypted fields to docs/crypto.md: {sorted(missing)}"


def test_the_crypto_inventory_lists_no_field_that_does_not_exist() -> None:
    stale = documented_columns() - sealed_columns()
    assert not stale, f"docs/crypto.md lists fields that are not sealed columns: {sorted(stale)}"


def test_the_field_table_is_found_at_all() -> None:
    assert "cases_person.name" in documented_columns()
    assert len(documented_columns()) >= 10
