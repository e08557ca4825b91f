"""Shared fixtures for browser tests: Debian's chromium through Playwright, and signing in on the live server.

Never runs `playwright install`: the browser is the system's /usr/bin/chromium (apt-get install chromium).
Use in a test module:

    pytestmark = pytest.mark.browser

    def test_something(live_server, browser_page, demo_accounts):
        account = demo_accounts["caseworker"]
        sign_in(browser_page, live_server.url, account)
"""

from __future__ import annotations

import base64
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django_otp.oath import TOTP

# Playwright's sync API keeps an event loop in the test thread; Django's ORM refuses to run in a thread
# with a loop unless told it is safe, which it is here (one thread, no concurrent coroutines).
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}


@pytest.fixture(scope="session")
def chromium() -> Iterator[Any]:
    """One headless Debian chromium for the whole session."""
    if not CHROMIUM.exists():
        pytest.fail("Browser tests need Debian's chromium: sudo apt-get install -y chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def browser_page(chromium: Any) -> Iterator[Any]:
    """A fresh browser context (no cookies) at desktop size; closed after the test."""
    context = chromium.new_context(viewport=DESKTOP, locale="en-GB")
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


@pytest.fixture
def artifacts_dir() -> Path:
    """test-artifacts/ at the repository root (git-ignored): screenshots and reports for people to look at."""
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


@pytest.fixture
def demo_accounts(transactional_db: None) -> dict[str, dict[str, str]]:
    """The demo accounts by role value, with password and TOTP secret (as `make run` prints them)."""
    from haven.core.demo import demo_create

    return {account["role"]: dict(account) for account in demo_create()}


def totp_code(secret_base32: str, steps_ahead: int = 0) -> str:
    """The code an authenticator app set up with `secret_base32` shows now (or `steps_ahead` steps later)."""
    import time

    totp = TOTP(base64.b32decode(secret_base32))
    totp.time = time.time() + 30 * steps_ahead
    return f"{totp.token():06d}"


def sign_in(page: Any, base_url: str, account: dict[str, str]) -> None:
    """Sign in through the real pages: e-mail and password, then the second step with a fresh code."""
    page.goto(f"{base_url}/accounts/login/")
    page.fill("#id_email", account["email"])
    page.fill("#id_password", account["password"])
    page.click("main button[type=submit]")
    page.wait_for_url("**/accounts/mfa/**")
    page.fill("#id_code", totp_code(account["totp_secret"]))
    page.click("main button[type=submit]")
    page.wait_for_url(f"{base_url}/")


def sign_out(page: Any, base_url: str) -> None:
    page.click("[data-action=logout]")
    page.wait_for_url("**/accounts/login/**")
