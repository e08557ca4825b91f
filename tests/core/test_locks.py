"""Supply chain: every package installed comes from a lock that pins its exact version and the sha256 of its
files, and the Makefile (which `make run` and CI's `make test` go through) installs the locks with
`--require-hashes`, so pip refuses any other bytes and any package the locks do not list."""

from __future__ import annotations

import os
import re
import subprocess
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[2]
LOCKS = ("pip", "runtime", "dev")
PIN = re.compile(r"^(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)==(?P<version>[A-Za-z0-9.+!_-]+)$")
HASH = re.compile(r"^--hash=sha256:[0-9a-f]{64}$")


def lock_path(name: str) -> Path:
    return ROOT / "requirements" / f"{name}.lock"


def requirements(name: str) -> list[str]:
    """The lock's logical lines: continuations joined, comments and blank lines left out."""
    text = lock_path(name).read_text(encoding="utf-8").replace("\\\n", " ")
    lines = [line.split(" #", 1)[0].strip() for line in text.splitlines()]
    return [line for line in lines if line and not line.startswith("#")]


def pins(name: str) -> dict[str, str]:
    found: dict[str, str] = {}
    for line in requirements(name):
        match = PIN.match(line.split()[0])
        assert match, f"{name}.lock: not an exact pin: {line[:80]}"
        package = canonicalize_name(match["name"])
        assert package not in found, f"{name}.lock pins {package} twice"
        found[package] = match["version"]
    return found


@pytest.mark.parametrize("name", LOCKS)
def test_every_line_of_the_lock_is_an_exact_pin_with_sha256_hashes(name: str) -> None:
    lines = requirements(name)
    assert lines, f"{name}.lock is empty"
    for line in lines:
        requirement, *options = line.split()
        assert PIN.match(requirement), f"{name}.lock: not an exact == pin: {requirement}"
        assert options, f"{name}.lock: {requirement} has no hash"
        for option in options:
            assert HASH.match(option), f"{name}.lock: {requirement}: not a sha256 hash: {option[:40]}"
    pins(name)  # no package twice


@pytest.mark.parametrize("name", LOCKS)
def test_the_lock_says_how_to_update_it(name: str) -> None:
    header = lock_path(name).read_text(encoding="utf-8").split("\n\n", 1)[0]
    assert header.startswith("# ")
    assert "make lock" in header and "--require-hashes" in header


def test_the_development_lock_keeps_the_runtime_versions() -> None:
    runtime, dev = pins("runtime"), pins("dev")
    assert {package: dev.get(package) for package in runtime} == runtime


def test_every_dependency_of_pyproject_is_locked() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    runtime, dev = pins("runtime"), pins("dev")
    for spec in project["dependencies"]:
        requirement = Requirement(spec)
        assert canonicalize_name(requirement.name) in runtime, f"{requirement.name} is not in runtime.lock"
        for extra in requirement.extras:  # psycopg[binary] needs psycopg-binary
            assert canonicalize_name(f"{requirement.name}-{extra}") in runtime
    for spec in project["optional-dependencies"]["dev"]:
        assert canonicalize_name(Requirement(spec).name) in dev, f"{spec} is not in dev.lock"


def installs() -> list[str]:
    """The `pip install` commands that set up the development environment, as make expands them."""
    # Run from `make test`, this make must not take the outer one's flags.
    env = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL")}
    result = subprocess.run(
        ["make", "--dry-run", "--always-make", "--no-print-directory", ".venv/.dev-installed"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return [line for line in result.stdout.splitlines() if "pip install" in line]


def test_the_makefile_installs_every_lock_with_require_hashes() -> None:
    commands = installs()
    for name in LOCKS:
        installing = [c for c in commands if f"-r requirements/{name}.lock" in c]
        assert installing, f"the Makefile does not install requirements/{name}.lock"
        for command in installing:
            assert "--require-hashes" in command.split(), command
    # The only install without hashes is Haven itself, from this checkout, without its dependencies.
    unhashed = [c for c in commands if "--require-hashes" not in c.split()]
    assert len(unhashed) == 1, unhashed
    assert "--no-deps" in unhashed[0].split() and unhashed[0].endswith("-e .")
