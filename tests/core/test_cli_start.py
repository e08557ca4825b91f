"""A read-only command starts without the URL checks' imports (every route, the API, the PDF stack);
`haven check` still runs them. Real processes; what is imported is read from Python's -X importtime."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import REPO_ROOT

# Imported only by the URL routes: the API framework and the PDF library of the evidence brief.
URL_STACK = ("ninja", "fpdf", "haven.evidence.brief")
# Imported only by `haven stats anonymise`: the columnar CSV path.
EXPORT_STACK = ("pyarrow", "haven.evidence.anonymise.columnar")


def imported_by(args: list[str], tmp_path: Path) -> tuple[set[str], subprocess.CompletedProcess[str]]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HAVEN_", "DJANGO_", "DATABASE_URL"))}
    env.update(HAVEN_ENV="test", HAVEN_DATA_DIR=str(tmp_path / "var"), PYTHONPATH=str(REPO_ROOT))
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "haven.cli", *args],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    modules = {
        line.split("|")[-1].strip()
        for line in done.stderr.splitlines()
        if line.startswith("import time:") and "|" in line
    }
    return modules, done


def test_a_read_only_command_does_not_import_the_url_routes_api_or_pdf_stack(tmp_path: Path) -> None:
    modules, done = imported_by(["screen", "questions", "--json"], tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.lstrip().startswith("[")
    assert not modules & set(URL_STACK), sorted(modules & set(URL_STACK))


def test_a_read_only_command_does_not_import_the_columnar_export_stack(tmp_path: Path) -> None:
    modules, done = imported_by(["screen", "questions", "--json"], tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    assert not modules & set(EXPORT_STACK), sorted(modules & set(EXPORT_STACK))


def test_haven_check_still_runs_the_url_checks(tmp_path: Path) -> None:
    modules, done = imported_by(["check"], tmp_path)
    assert {"ninja", "haven.evidence.brief"} <= modules, done.stderr[-2000:]


def test_a_command_can_still_be_asked_to_skip_the_checks_itself(tmp_path: Path) -> None:
    _modules, done = imported_by(["screen", "--skip-checks", "questions", "--json"], tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
