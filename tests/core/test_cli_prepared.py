"""After `haven init` (what `make run` does), `haven` run from the project works with no variable set; with
nothing prepared it says what to do in one line and exits 2, never with a traceback. Real processes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

HAVEN = Path(sys.executable).parent / "haven"
DROPPED = {"DJANGO_SETTINGS_MODULE", "DATABASE_URL", "SECRET_KEY", "SECRET_KEY_FILE", "ALLOWED_HOSTS"}


def bare_env() -> dict[str, str]:
    """The caller's environment without any Haven or Django setting: a newcomer's shell."""
    return {k: v for k, v in os.environ.items() if not k.startswith("HAVEN_") and k not in DROPPED}


def haven(args: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(HAVEN), *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=180, check=False
    )


def test_after_init_every_command_works_from_the_project_with_no_variable_set(tmp_path: Path) -> None:
    prepared = haven(
        ["init"],
        tmp_path,
        {**bare_env(), "HAVEN_ENV": "local", "HAVEN_DATA_DIR": "./var", "HAVEN_SKIP_COLLECTSTATIC": "1"},
    )
    assert prepared.returncode == 0, prepared.stderr
    recorded = (tmp_path / "var" / "haven.env").read_text(encoding="utf-8")
    assert "HAVEN_ENV=local" in recorded and "SECRET" not in recorded
    assert (tmp_path / "var" / "haven.env").stat().st_mode & 0o777 == 0o600

    questions = haven(["screen", "questions", "--json"], tmp_path, bare_env())
    assert questions.returncode == 0, questions.stderr
    assert json.loads(questions.stdout)[0]["id"] == "sa.immediate_danger"
    check = haven(["check"], tmp_path, bare_env())
    assert check.returncode == 0, check.stdout + check.stderr


def test_with_nothing_prepared_a_command_says_what_to_run_in_one_line_and_exits_2(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    done = haven(["check"], empty, {**bare_env(), "HAVEN_ENV": "production"})
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "make run" in lines[0], done.stderr


def test_haven_help_lists_havens_own_commands_first_one_line_each(tmp_path: Path) -> None:
    env = {**bare_env(), "HAVEN_ENV": "test", "HAVEN_DATA_DIR": str(tmp_path / "var")}
    done = haven(["--help"], tmp_path, env)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    listed = {line.split()[0] for line in lines if line.startswith("  ")}
    # Haven's commands, by hand (the README's table lists the same).
    own = {
        "init",
        "serve",
        "check",
        "audit",
        "backup",
        "restore",
        "keys",
        "docs",
        "createuser",
        "team",
        "token",
    }
    own |= {"demo", "erase", "import_people", "screen", "stats"}
    assert own <= listed, own - listed
    assert "migrate" not in listed  # Django's own come after, on request
    assert all(len(line) <= 110 for line in lines)
