"""Production settings pass Django's deployment checks with no warnings, and Haven's own checks of the
data directory hold. Each runs the real `haven` command in a subprocess with HAVEN_ENV=production."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from tests.conftest import REPO_ROOT, production_environ, run_haven


def test_production_settings_pass_check_deploy_with_no_warnings(production_data_dir: Path) -> None:
    result = run_haven(
        ["check", "--deploy", "--fail-level", "WARNING"], production_environ(production_data_dir)
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "System check identified no issues" in output
    assert "WARNING" not in output and "problem:" not in output


def test_check_deploy_fails_when_a_protection_is_switched_off(production_data_dir: Path) -> None:
    # Shows the check has teeth: without the HTTPS redirect Django warns (security.W008) and we fail.
    env = production_environ(production_data_dir, HAVEN_SSL_REDIRECT="0")
    result = run_haven(["check", "--deploy", "--fail-level", "WARNING"], env)
    assert result.returncode != 0
    assert "security.W008" in result.stdout + result.stderr


def test_check_names_a_data_directory_that_others_can_read(production_data_dir: Path) -> None:
    os.chmod(production_data_dir, 0o755)  # noqa: S103 (the mistake the check must catch)
    try:
        result = run_haven(["check"], production_environ(production_data_dir))
    finally:
        os.chmod(production_data_dir, 0o700)
    assert result.returncode == 1
    assert f"chmod 700 {production_data_dir}" in result.stderr


def test_check_names_a_missing_data_directory(tmp_path: Path) -> None:
    result = run_haven(["check"], production_environ(tmp_path / "never-initialised"))
    assert result.returncode == 1
    assert "run 'haven init'" in result.stderr


def test_init_makes_the_data_directory_owner_only(production_data_dir: Path) -> None:
    for path in [
        production_data_dir,
        *production_data_dir.iterdir(),
        *(production_data_dir / "keys").iterdir(),
    ]:
        if path.name == "static":
            continue  # public assets, served to everyone anyway
        assert path.stat().st_mode & 0o077 == 0, path
    assert (production_data_dir / "haven.sqlite3").exists()


def test_production_turns_on_secure_cookies_hsts_and_the_https_redirect(production_data_dir: Path) -> None:
    script = (
        "import json, django; django.setup()\n"
        "from django.conf import settings as s\n"
        "print(json.dumps([s.DEBUG, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_SSL_REDIRECT,"
        " s.SECURE_HSTS_SECONDS, s.X_FRAME_OPTIONS, s.ALLOWED_HOSTS]))\n"
    )
    env = production_environ(production_data_dir, DJANGO_SETTINGS_MODULE="haven.settings", HAVEN_DEBUG="1")
    import subprocess

    result = subprocess.run(
        [sys.executable, "-c", script], env=env, cwd=REPO_ROOT, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    debug, session_secure, csrf_secure, redirect, hsts, frames, hosts = json.loads(
        result.stdout.strip().splitlines()[-1]
    )
    assert debug is False  # HAVEN_DEBUG=1 is ignored in production
    assert session_secure and csrf_secure and redirect
    assert hsts >= 365 * 24 * 3600
    assert frames == "DENY"
    assert hosts == ["haven.example.org"]


def test_every_command_explains_itself_in_help(production_data_dir: Path) -> None:
    env = production_environ(production_data_dir)
    for command in (["init"], ["serve"], ["createuser"], ["token", "create"], ["check"], ["audit", "verify"]):
        result = run_haven([*command, "--help"], env)
        assert result.returncode == 0, (command, result.stderr)
        assert "usage:" in result.stdout


def test_serve_refuses_a_bad_port_with_exit_code_two(production_data_dir: Path) -> None:
    result = run_haven(["serve", "--port", "70000"], production_environ(production_data_dir))
    assert result.returncode == 2
    assert "--port" in result.stderr
