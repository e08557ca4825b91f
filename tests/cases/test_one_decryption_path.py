"""One way to the cryptography: outside `haven.vault`, code seals, opens, unwraps and blinds only through
the vault's public API (`haven.vault.integration`), and a person's blind indexes are computed in one place.

The import side is an import-linter contract (tests/core/test_layers.py plants a wrong-way import to show it
breaks); this file reads the source for what an import check cannot see: a key unwrapped from the key store
by hand, a cipher built from a raw key, a blind index computed from the raw key."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from haven.cases.models import Person
from haven.cases.sealing import PERSON_INDEXES, PersonOpener, person_indexes
from haven.vault import integration as vault

ROOT = Path(__file__).resolve().parents[2]
HAVEN = ROOT / "haven"

# The vault's primitives: names that only code inside haven/vault may use.
PRIMITIVES = {
    "AESGCM",
    "Sealer",
    "get_data_key",
    "blind_index_key",
    "unwrap_key",
    "wrap_key",
    "wrap_keys",
    "aad_for",
    "aads_for",
    "open_",
    "seal_many",
    "bits_for",
    "blind_index",
    "blind_index_fields",
}
PRIMITIVE_MODULES = {"cryptography", "haven.vault.crypto", "haven.vault.blind_index"}

# Still seals and blinds on its own; it moves onto the services and `vault.person_key(...).seal_texts` /
# `vault.blinder()` (the same two lines are ignored by the import-linter contract). Shrink, never grow.
NOT_YET_MOVED: set[str] = set()  # nothing: the importer went through the vault too


def uses_of_primitives(path: Path) -> list[str]:
    """`line: name` for every reference to a primitive or import of a primitive module in `path`."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found = []
    for node in ast.walk(tree):
        name = None
        if isinstance(node, ast.Attribute):
            name = node.attr
        elif isinstance(node, ast.Name):
            name = node.id
        elif isinstance(node, ast.alias):
            name = node.name
        if name in PRIMITIVES:
            found.append(f"{node.lineno}: {name}")  # type: ignore[attr-defined]
        if isinstance(node, ast.Import):
            found += [f"{node.lineno}: import {a.name}" for a in node.names if _primitive_module(a.name)]
        if isinstance(node, ast.ImportFrom) and node.module:
            if _primitive_module(node.module):
                found.append(f"{node.lineno}: from {node.module}")
            if node.module == "haven.vault":
                found += [
                    f"{node.lineno}: from haven.vault import {a.name}"
                    for a in node.names
                    if _primitive_module(f"haven.vault.{a.name}")
                ]
    return found


def _primitive_module(name: str) -> bool:
    return any(name == module or name.startswith(module + ".") for module in PRIMITIVE_MODULES)


def modules_outside_the_vault() -> list[Path]:
    return [path for path in sorted(HAVEN.rglob("*.py")) if "vault" not in path.relative_to(HAVEN).parts[:1]]


def test_no_module_outside_the_vault_uses_a_cryptographic_primitive() -> None:
    offenders = {
        str(path.relative_to(ROOT)): hits
        for path in modules_outside_the_vault()
        if str(path.relative_to(ROOT)) not in NOT_YET_MOVED and (hits := uses_of_primitives(path))
    }
    assert not offenders, f"go through haven.vault.integration (person_key, opener, blinder): {offenders}"


@pytest.mark.parametrize(
    "line",
    [
        "from cryptography.hazmat.primitives.ciphers.aead import AESGCM",
        "from haven.vault import crypto",
        "from haven.vault.blind_index import blind_index",
        "key = vault.keystore().get_data_key(key_id)",
        "index = bi.blind_index(vault.keystore().blind_index_key(), 'p', 'v', 8)",
    ],
)
def test_the_scan_finds_a_planted_primitive(tmp_path: Path, line: str) -> None:
    planted = tmp_path / "planted.py"
    planted.write_text(f"from __future__ import annotations\n\n{line}\n", encoding="utf-8")
    assert uses_of_primitives(planted)


def test_the_scan_accepts_the_public_api(tmp_path: Path) -> None:
    planted = tmp_path / "fine.py"
    planted.write_text(
        "from haven.vault import integration as vault\n"
        "key = vault.person_key('k')\n"
        "index = vault.blinder().blind('person.phone', '0100', kind='id')\n",
        encoding="utf-8",
    )
    assert uses_of_primitives(planted) == []


def test_the_modules_not_yet_moved_exist() -> None:
    # A stale entry would hide a new direct use under the same name.
    assert all((ROOT / name).exists() for name in NOT_YET_MOVED)


def test_blind_indexes_are_computed_by_one_function_only() -> None:
    # Outside the vault, the only calls of the blind-index function are in haven/cases/sealing.py.
    callers = set()
    for path in modules_outside_the_vault():
        if str(path.relative_to(ROOT)) in NOT_YET_MOVED:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
                if node.func.attr in {"blind", "blind_fields", "blinder"}:
                    callers.add(str(path.relative_to(ROOT)))
    assert callers == {"haven/cases/sealing.py"}


@pytest.mark.django_db
def test_a_person_made_by_the_services_carries_the_indexes_of_the_one_function(alice, make_case) -> None:
    case = make_case(
        alice,
        name="Test Person Index",
        date_of_birth="1990-04-05",
        phone="+00 555 0102",
        document_number="X-1 2",
    )
    person = Person.objects.get(pk=case.person_id)
    expected = person_indexes(
        {
            "name": "Test Person Index",
            "date_of_birth": "1990-04-05",
            "phone": "+00 555 0102",
            "document_number": "X-1 2",
        }
    )
    assert set(expected) == set(PERSON_INDEXES)
    assert {index: getattr(person, index) for index in PERSON_INDEXES} == expected
    assert all(expected.values())
    # The same function, fed differently written equal values, finds the same person.
    assert person_indexes({"phone": "00555-0102"})["phone_bi"] == person.phone_bi


@pytest.mark.django_db
def test_a_person_opener_reads_through_the_public_api_and_one_unwrap(alice, make_case, monkeypatch) -> None:
    case = make_case(alice, name="Test Person Opener", phone="+00 555 0103")
    person = Person.objects.get(pk=case.person_id)
    unwraps = []
    real = vault.person_key
    monkeypatch.setattr(vault, "person_key", lambda key_id: unwraps.append(key_id) or real(key_id))

    opened = PersonOpener(person.key_id).open_many(person, ("name", "phone"))

    assert (str(opened["name"]), str(opened["phone"])) == ("Test Person Opener", "+00 555 0103")
    assert unwraps == [person.key_id]
