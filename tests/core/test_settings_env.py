"""Settings come from the environment through helpers that fail loudly on a value they cannot read."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from haven.core.env import env_bool, env_choice, env_int, env_list, env_secret, env_str
from tests.conftest import REPO_ROOT, production_environ


@pytest.mark.parametrize(
    ("raw", "expected"), [("1", True), ("yes", True), ("ON", True), ("0", False), ("off", False)]
)
def test_env_bool_reads_the_usual_spellings(
    monkeypatch: pytest.MonkeyPatch, raw: str, expected: bool
) -> None:
    monkeypatch.setenv("HAVEN_T", raw)
    assert env_bool("HAVEN_T", not expected) is expected


@pytest.mark.parametrize("raw", ["x", "2", "enabled", "tru"])
def test_env_bool_refuses_anything_else(monkeypatch: pytest.MonkeyPatch, raw: str) -> None:
    monkeypatch.setenv("HAVEN_T", raw)
    with pytest.raises(ImproperlyConfigured, match="HAVEN_T"):
        env_bool("HAVEN_T", False)


def test_unset_variables_take_their_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HAVEN_T", raising=False)
    assert env_bool("HAVEN_T", True) is True
    assert env_int("HAVEN_T", 7) == 7
    assert env_str("HAVEN_T", "d") == "d"
    assert env_list("HAVEN_T", ["a"]) == ["a"]
    assert env_secret("HAVEN_T") is None


@pytest.mark.parametrize("raw", ["abc", "1.5", "", "10 minutes"])
def test_env_int_refuses_what_is_not_a_whole_number(monkeypatch: pytest.MonkeyPatch, raw: str) -> None:
    monkeypatch.setenv("HAVEN_T", raw)
    with pytest.raises(ImproperlyConfigured, match="whole number"):
        env_int("HAVEN_T", 1)


def test_env_int_refuses_a_value_below_its_minimum(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HAVEN_T", "5")
    with pytest.raises(ImproperlyConfigured, match="at least 60"):
        env_int("HAVEN_T", 100, minimum=60)


def test_env_choice_refuses_an_unknown_word(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HAVEN_T", "staging")
    with pytest.raises(ImproperlyConfigured, match="production, local, test"):
        env_choice("HAVEN_T", "production", ("production", "local", "test"))


def test_env_list_drops_blank_items(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HAVEN_T", " a.example , ,b.example,")
    assert env_list("HAVEN_T", []) == ["a.example", "b.example"]


def test_a_secret_can_come_from_a_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    secret_file = tmp_path / "secret"
    secret_file.write_text("s3cret-from-file\n")
    monkeypatch.delenv("HAVEN_T", raising=False)
    monkeypatch.setenv("HAVEN_T_FILE", str(secret_file))
    assert env_secret("HAVEN_T") == "s3cret-from-file"


@pytest.mark.parametrize("problem", ["both", "missing", "empty"])
def test_a_secret_file_that_cannot_be_used_is_refused(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, problem: str
) -> None:
    secret_file = tmp_path / "secret"
    if problem == "empty":
        secret_file.write_text("\n")
    if problem == "both":
        secret_file.write_text("x")
        monkeypatch.setenv("HAVEN_T", "direct")
    else:
        monkeypatch.delenv("HAVEN_T", raising=False)
    monkeypatch.setenv("HAVEN_T_FILE", str(secret_file))
    with pytest.raises(ImproperlyConfigured, match="HAVEN_T"):
        env_secret("HAVEN_T")


def load_settings(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", "import haven.settings"],
        env=env,
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_production_settings_load_with_the_required_variables(tmp_path: Path) -> None:
    assert load_settings(production_environ(tmp_path)).returncode == 0


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"SECRET_KEY": ""}, "SECRET_KEY (or SECRET_KEY_FILE) must be set"),
        ({"SECRET_KEY": "too-short"}, "at least 50 characters"),
        ({"ALLOWED_HOSTS": ""}, "ALLOWED_HOSTS must list"),
        ({"HAVEN_ENV": "staging"}, "HAVEN_ENV must be one of"),
        ({"HAVEN_DEBUG": "maybe"}, "HAVEN_DEBUG must be one of"),
        ({"HAVEN_SESSION_IDLE_SECONDS": "half an hour"}, "HAVEN_SESSION_IDLE_SECONDS must be a whole number"),
        ({"HAVEN_LOGIN_FAILURE_LIMIT": "0"}, "HAVEN_LOGIN_FAILURE_LIMIT must be at least 1"),
        ({"HAVEN_LOGIN_MAX_DELAY_MINUTES": "0"}, "HAVEN_LOGIN_MAX_DELAY_MINUTES must be at least 1"),
        ({"HAVEN_LOCKOUT_MINUTES": "15"}, "set HAVEN_LOGIN_MAX_DELAY_MINUTES"),
        ({"HAVEN_LOG_LEVEL": "VERBOSE"}, "HAVEN_LOG_LEVEL must be one of"),
        ({"SECRET_KEY_FILE": "/nonexistent/haven-secret"}, "Set either SECRET_KEY or SECRET_KEY_FILE"),
    ],
)
def test_production_settings_fail_loudly_on_a_bad_value(
    tmp_path: Path, change: dict[str, str], message: str
) -> None:
    env = production_environ(tmp_path)
    env.update(change)
    if change.get("SECRET_KEY") == "" or change.get("ALLOWED_HOSTS") == "":
        env.pop(next(iter(change)))
    result = load_settings(env)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert message in result.stderr


def test_a_secret_key_file_is_read_in_production(tmp_path: Path) -> None:
    key_file = tmp_path / "secret_key"
    key_file.write_text("k" * 60)
    env = production_environ(tmp_path / "var", SECRET_KEY_FILE=str(key_file))
    env.pop("SECRET_KEY")
    assert load_settings(env).returncode == 0, load_settings(env).stderr


def test_development_profiles_keep_a_generated_key_readable_by_the_owner_only(tmp_path: Path) -> None:
    env = production_environ(tmp_path / "var", HAVEN_ENV="local")
    env.pop("SECRET_KEY")
    assert load_settings(env).returncode == 0
    key = tmp_path / "var" / "secret_key"
    assert key.stat().st_mode & 0o777 == 0o600
    assert len(key.read_text().strip()) >= 50


@pytest.mark.parametrize(
    ("database_url", "expected_age"),
    [
        ("postgres://haven@127.0.0.1:5432/haven", 60),  # a connection kept per worker thread
        ("postgresql://haven@127.0.0.1:5432/haven", 60),
        ("sqlite:////tmp/haven-settings-test.sqlite3", 0),  # opening a file costs nothing worth keeping
    ],
)
def test_postgresql_connections_persist_by_default_and_are_checked_before_reuse(
    tmp_path: Path, database_url: str, expected_age: int
) -> None:
    shown = subprocess.run(
        [
            sys.executable,
            "-c",
            "import haven.settings as s; d = s.DATABASES['default'];"
            " print(d['CONN_MAX_AGE'], d['CONN_HEALTH_CHECKS'])",
        ],
        env=production_environ(tmp_path, DATABASE_URL=database_url),
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.split() == [str(expected_age), "True"]


def test_the_connection_age_can_still_be_set(tmp_path: Path) -> None:
    shown = subprocess.run(
        [sys.executable, "-c", "import haven.settings as s; print(s.DATABASES['default']['CONN_MAX_AGE'])"],
        env=production_environ(
            tmp_path, DATABASE_URL="postgres://haven@127.0.0.1:5432/haven", DB_CONN_MAX_AGE="5"
        ),
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert shown.stdout.strip() == "5", shown.stderr
