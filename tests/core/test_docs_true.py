"""docs/architecture.md and CONTRIBUTING.md say what the code does: the layers the document names are the
import-linter contracts (no more, no fewer), every action of the one table is in the document with the
services that really check it, and the layout of CONTRIBUTING.md names every package of `haven/`."""

from __future__ import annotations

import ast
import re
import tomllib
from pathlib import Path

from haven.accounts.actions import ACTIONS

ROOT = Path(__file__).resolve().parents[2]
ARCHITECTURE = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
CONTRIBUTING = (ROOT / "CONTRIBUTING.md").read_text(encoding="utf-8")


def contract_ids() -> set[str]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    return {contract["id"] for contract in config["tool"]["importlinter"]["contracts"]}


def layers_section() -> str:
    start = ARCHITECTURE.index("## Layers, as enforced")
    return ARCHITECTURE[start : ARCHITECTURE.index("\n## ", start + 1)]


def test_the_layers_the_document_names_are_exactly_the_contracts() -> None:
    named = set(re.findall(r"\(id `([a-z0-9-]+)`", layers_section()))
    assert named == contract_ids()


def action_rows() -> dict[str, list[str]]:
    rows = {}
    for line in ARCHITECTURE.splitlines():
        match = re.match(r"\| `([a-z_]+\.[a-z_]+)` \| (.*) \|$", line)
        if match:
            rows[match.group(1)] = re.findall(r"`([a-z_]+\.[a-z_]+\.[a-z_]+)`", match.group(2))
    return rows


def test_every_action_of_the_table_is_in_the_document() -> None:
    missing = [action.name for action in ACTIONS if action.name not in action_rows()]
    assert not missing, f"add these actions to the table in docs/architecture.md: {missing}"


def test_the_document_names_no_action_the_table_lacks() -> None:
    assert set(action_rows()) <= {action.name for action in ACTIONS}


def authorized_in(app: str, module: str, function: str) -> set[str]:
    tree = ast.parse((ROOT / "haven" / app / f"{module}.py").read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef) and node.name == function:
            return {
                call.args[1].value
                for call in ast.walk(node)
                if isinstance(call, ast.Call)
                and getattr(call.func, "id", None) == "authorize"
                and len(call.args) > 1
                and isinstance(call.args[1], ast.Constant)
            }
    raise AssertionError(f"docs/architecture.md names haven.{app}.{module}.{function}, which does not exist")


def test_each_service_the_document_names_checks_its_action() -> None:
    wrong = [
        f"{action}: {service}"
        for action, services in action_rows().items()
        for service in services
        if action not in authorized_in(*service.split("."))
    ]
    assert not wrong, f"these services do not check the action the document says: {wrong}"


def test_the_layout_of_contributing_names_every_package() -> None:
    layout = CONTRIBUTING[CONTRIBUTING.index("## Layout") : CONTRIBUTING.index("## How to add")]
    packages = sorted(p.parent.name for p in (ROOT / "haven").glob("*/__init__.py"))
    missing = [name for name in packages if f"  {name}/" not in layout]
    assert not missing, f"name these packages in the layout of CONTRIBUTING.md: {missing}"


def test_what_contributing_says_the_code_has_exists() -> None:
    from haven.cases import selectors, services, views
    from haven.cases.sealing import person_indexes
    from haven.vault import integration

    assert callable(services._erase_person_rows) and callable(selectors.case_list_page)
    assert callable(views._submit) and callable(person_indexes)
    assert {"seal_text", "open_text", "person_key", "opener", "blinder"} <= set(integration.__all__)
