"""What `make run` does, end to end: `haven init --demo`, then `haven serve`, then a sign-in over HTTP.

These run the real `haven` command in fresh processes (gunicorn, SQLite and key files in a temporary
./var), the way a newcomer runs it, so they are slow.
"""

from __future__ import annotations

import base64
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.cookiejar import CookieJar
from pathlib import Path
from typing import Any

import pytest
from django_otp.oath import totp

from haven.accounts.permissions import Role

pytestmark = pytest.mark.slow

HAVEN = Path(sys.executable).parent / "haven"
START_TIMEOUT = 30.0
_ACCOUNT_LINE = re.compile(
    r"^\s+(?P<role>\S+)\s+(?P<email>\S+@\S+)\s+password: (?P<password>\S+)"
    r"\s+TOTP secret: (?P<secret>[A-Z2-7=]+)\s*$",
    re.M,
)
_CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


@dataclass(frozen=True)
class DemoAccount:
    role: str
    email: str
    password: str
    secret: str


def haven_env() -> dict[str, str]:
    """The environment of `make run`: the caller's, without the test suite's Haven and Django settings."""
    dropped = {"DJANGO_SETTINGS_MODULE", "DATABASE_URL", "SECRET_KEY", "SECRET_KEY_FILE", "ALLOWED_HOSTS"}
    env = {k: v for k, v in os.environ.items() if not k.startswith("HAVEN_") and k not in dropped}
    env["HAVEN_ENV"] = "local"
    env["HAVEN_DATA_DIR"] = "./var"
    return env


def haven_init_demo(workdir: Path) -> str:
    """Run `haven init --demo` in `workdir` and return what it printed."""
    done = subprocess.run(
        [str(HAVEN), "init", "--demo"],
        cwd=workdir,
        env=haven_env(),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, f"haven init --demo failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout


def demo_accounts(output: str) -> dict[str, DemoAccount]:
    """The accounts printed by `haven init --demo`, by role."""
    found = _ACCOUNT_LINE.finditer(output)
    return {m["role"]: DemoAccount(m["role"], m["email"], m["password"], m["secret"]) for m in found}


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def open_local(url: str) -> Any:
    """GET a URL of the server started here (always http://127.0.0.1:<port>/...)."""
    assert url.startswith("http://127.0.0.1:")
    return urllib.request.urlopen(url, timeout=10)  # noqa: S310 - the scheme is checked above


@contextmanager
def serving(workdir: Path) -> Iterator[str]:
    """Start `haven serve` on a free port, yield its URL once the sign-in page answers, always stop it."""
    port = free_port()
    log_path = workdir / "serve.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [str(HAVEN), "serve", "--port", str(port)],
            cwd=workdir,
            env=haven_env(),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, so the gunicorn workers stop with it
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            if process.poll() is not None:
                pytest.fail(f"haven serve exited with {process.returncode}:\n{log_path.read_text()}")
            try:
                with open_local(f"{base}/accounts/login/"):
                    break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                if time.monotonic() > deadline:
                    log_text = log_path.read_text()
                    pytest.fail(f"haven serve did not answer within {START_TIMEOUT:.0f} s:\n{log_text}")
                time.sleep(0.2)
        yield base
    finally:
        stop(process)


def stop(process: subprocess.Popen[bytes]) -> None:
    """Stop gunicorn gracefully, then by force if it hangs."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=25)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


def current_code(secret: str) -> str:
    """The six-digit TOTP code an authenticator app set up with `secret` shows now."""
    return f"{totp(base64.b32decode(secret), step=30, t0=0, digits=6):06d}"


def sign_in(base: str, account: DemoAccount) -> tuple[str, str]:
    """Sign in through the real forms (password, then code); return the final URL and page."""
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))

    def post(url: str, page: str, fields: dict[str, str]) -> tuple[str, str]:
        token = _CSRF.search(page)
        assert token, f"no CSRF token on {url}"
        data = urllib.parse.urlencode({"csrfmiddlewaretoken": token[1], **fields}).encode()
        with opener.open(url, data=data, timeout=10) as response:
            return response.geturl(), response.read().decode()

    with opener.open(f"{base}/accounts/login/", timeout=10) as response:
        login_page = response.read().decode()
    mfa_url, mfa_page = post(
        f"{base}/accounts/login/", login_page, {"email": account.email, "password": account.password}
    )
    assert urllib.parse.urlsplit(mfa_url).path == "/accounts/mfa/", mfa_page[:500]
    return post(mfa_url, mfa_page, {"code": current_code(account.secret)})


def assert_home_page(url: str, page: str) -> None:
    assert urllib.parse.urlsplit(url).path == "/", url
    assert "You are signed in as" in page
    assert "/accounts/logout/" in page


def test_make_run_serves_haven_and_a_demo_account_signs_in(tmp_path: Path) -> None:
    output = haven_init_demo(tmp_path)

    assert "DEMO" in output
    accounts = demo_accounts(output)
    assert set(accounts) == {role.value for role in Role}, output
    assert len({a.email for a in accounts.values()}) == len(Role)

    with serving(tmp_path) as base:
        with open_local(f"{base}/accounts/login/") as response:
            page = response.read().decode()
            assert response.status == 200
            assert "gunicorn" in response.headers.get("Server", "").lower()
            csp = response.headers.get("Content-Security-Policy", "")
        assert "default-src 'self'" in csp
        assert "<h1>Sign in</h1>" in page
        assert 'name="email"' in page and 'name="password"' in page
        assert "<title>" in page and "Haven" in page

        assert_home_page(*sign_in(base, accounts[Role.CASE_MANAGER.value]))


def test_running_init_demo_again_reuses_var(tmp_path: Path) -> None:
    first = demo_accounts(haven_init_demo(tmp_path))
    var = tmp_path / "var"
    secret_key = (var / "secret_key").read_bytes()
    master_key = (var / "keys" / "master.key").read_bytes()

    second = demo_accounts(haven_init_demo(tmp_path))

    assert (var / "secret_key").read_bytes() == secret_key
    assert (var / "keys" / "master.key").read_bytes() == master_key
    assert second == first
    with serving(tmp_path) as base:
        assert_home_page(*sign_in(base, second[Role.VOLUNTEER.value]))
        assert_home_page(*sign_in(base, second[Role.ADMIN.value]))
