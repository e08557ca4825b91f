"""The layering of docs/architecture.md is a contract that import-linter checks, not a wish: the real tree
keeps every contract, a wrong-way import planted in a copy of the tree breaks the contract it should, and
every contract is named in the architecture document."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"

FOUNDATIONS = "Vault and audit know nothing of the domain"
ONE_PATH = (
    "Only the vault touches the cryptography: everything else seals, opens and blinds through its public API"
)
PURE_ENGINES = "Pure engines import no Django"
LAYERS = "Layers: web, API and CLI, then services and selectors, then access, then vault and audit"
ACYCLIC = "No import cycles between the apps, nor between the modules of an app"


def contracts() -> list[dict[str, Any]]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    found = config["tool"]["importlinter"]["contracts"]
    assert found, "pyproject.toml declares no import-linter contract"
    return list(found)


def lint_imports(tree: Path) -> subprocess.CompletedProcess[str]:
    """Run lint-imports with the project's contracts on the `haven` package found in `tree`."""
    assert LINT_IMPORTS.exists(), f"{LINT_IMPORTS} is missing: run make .venv/.dev-installed"
    env = {
        **os.environ,
        # The copy, not the installed tree, is the `haven` that import-linter analyses.
        "PYTHONPATH": str(tree),
        # One line per contract, whatever the terminal: rich wraps at COLUMNS.
        "COLUMNS": "500",
        "NO_COLOR": "1",
    }
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", "--no-logo", str(ROOT / "pyproject.toml")],
        cwd=tree,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def copy_of_haven(tmp_path: Path) -> Path:
    """The Python modules of the `haven` package, copied to a fresh directory."""

    def not_python(directory: str, names: list[str]) -> set[str]:
        return {n for n in names if not n.endswith(".py") and not Path(directory, n).is_dir()} | {
            "__pycache__"
        }

    shutil.copytree(ROOT / "haven", tmp_path / "haven", ignore=not_python)
    return tmp_path


def plant(tree: Path, module: str, line: str) -> None:
    """Add `line` to the top of a module of the copy, after its docstring and __future__ import."""
    path = tree / (module.replace(".", "/") + ".py")
    if not path.exists():
        path = tree / module.replace(".", "/") / "__init__.py"
    text = path.read_text(encoding="utf-8")
    anchor = "from __future__ import annotations\n"
    assert anchor in text, f"{path} has no __future__ import to plant after"
    path.write_text(text.replace(anchor, f"{anchor}\n{line}\n", 1), encoding="utf-8")


def test_the_tree_keeps_every_import_contract() -> None:
    result = lint_imports(ROOT)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    for contract in contracts():
        assert f"{contract['name']} KEPT" in output, output
    assert re.search(rf"Contracts: {len(contracts())} kept, 0 broken", output), output


@pytest.mark.parametrize(
    ("module", "line", "broken", "named"),
    [
        # The vault reaching up into the domain.
        (
            "haven.vault.crypto",
            "import haven.cases.models",
            FOUNDATIONS,
            "haven.vault.crypto -> haven.cases.models",
        ),
        # The audit trail reaching up into the web layer.
        (
            "haven.audit.chain",
            "import haven.core.views",
            FOUNDATIONS,
            "haven.audit.chain -> haven.core.views",
        ),
        # A service sealing with the vault's primitives instead of its public API.
        (
            "haven.evidence.services",
            "from haven.vault import crypto",
            ONE_PATH,
            "haven.evidence.services -> haven.vault.crypto",
        ),
        (
            "haven.cases.selectors",
            "import cryptography.hazmat.primitives.ciphers.aead",
            ONE_PATH,
            "haven.cases.selectors -> cryptography",
        ),
        # A pure engine importing Django, directly or through a model.
        ("haven.screening.engine", "import django", PURE_ENGINES, "haven.screening.engine -> django"),
        (
            "haven.evidence.dp",
            "import haven.evidence.models",
            PURE_ENGINES,
            "haven.evidence.dp -> haven.evidence.models",
        ),
        # An access function calling up into a service.
        (
            "haven.cases.access",
            "import haven.cases.services",
            LAYERS,
            "haven.cases.access -> haven.cases.services",
        ),
        # A service importing a view.
        (
            "haven.evidence.services",
            "import haven.evidence.views",
            LAYERS,
            "haven.evidence.services -> haven.evidence.views",
        ),
        # The router importing an app's API again (the cycle this work removed).
        ("haven.api.router", "import haven.cases.api", ACYCLIC, "No cycles are allowed in haven."),
        # A cycle inside the vault.
        (
            "haven.vault.archive",
            "import haven.vault.integration",
            ACYCLIC,
            "No cycles are allowed in haven.vault.",
        ),
    ],
)
def test_a_wrong_way_import_breaks_the_contract_that_forbids_it(
    tmp_path: Path, module: str, line: str, broken: str, named: str
) -> None:
    tree = copy_of_haven(tmp_path)
    plant(tree, module, line)

    result = lint_imports(tree)

    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    assert f"{broken} BROKEN" in output, output
    assert named in output, output


def test_the_copy_without_a_planted_import_keeps_every_contract(tmp_path: Path) -> None:
    # The failures above come from the planted line, not from the copy itself.
    result = lint_imports(copy_of_haven(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr


def test_vault_and_audit_load_no_module_by_name() -> None:
    # import-linter sees only import statements: a module loaded by name would hide a wrong-way import.
    dynamic = re.compile(r"\bimportlib\b|__import__|import_string|import_module")
    hits = [
        str(path.relative_to(ROOT))
        for package in ("vault", "audit")
        for path in sorted((ROOT / "haven" / package).rglob("*.py"))
        if dynamic.search(path.read_text(encoding="utf-8"))
    ]
    assert not hits, f"load these imports plainly, or through a hook the domain registers: {hits}"


def test_every_contract_is_named_in_the_architecture_document() -> None:
    document = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    assert "## Layers, as enforced" in document
    missing = [contract["name"] for contract in contracts() if contract["name"] not in document]
    assert not missing, f"name these import-linter contracts in docs/architecture.md: {missing}"
