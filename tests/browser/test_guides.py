"""In a real browser at phone width: the Help link of a page opens the guide of the signed-in role, which
links to the same guide in the other language; the sign-in page's Help opens how to sign in without an
account. The pages pass axe-core without serious or critical findings; screenshots go to test-artifacts/."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import PHONE, sign_in
from tests.browser.test_foundation import serious_violations

pytestmark = pytest.mark.browser


def test_a_volunteer_taps_help_and_reads_their_guide_in_english_then_in_french(
    live_server: Any, browser_page: Any, demo_accounts: dict[str, dict[str, str]], artifacts_dir: Path
) -> None:
    page = browser_page
    sign_in(page, live_server.url, demo_accounts["volunteer"])
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}/screening/")
    page.click("a[data-help=guide]")
    page.wait_for_url("**/help/en/volunteer/")
    assert page.locator("article.guide h1").inner_text() == "Guide for volunteers and front-line workers"
    assert page.locator("article.guide").get_attribute("lang") == "en"
    assert not serious_violations(page)
    page.screenshot(path=str(artifacts_dir / "guide-volunteer-en-phone.png"), full_page=True)

    page.click("[data-action=other-language]")
    page.wait_for_url("**/help/fr/volunteer/")
    assert "bénévoles" in page.locator("article.guide h1").inner_text()
    assert page.locator("article.guide").get_attribute("lang") == "fr"
    assert not serious_violations(page)


def test_the_sign_in_page_help_opens_how_to_sign_in_without_an_account(
    live_server: Any, browser_page: Any, artifacts_dir: Path
) -> None:
    page = browser_page
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}/accounts/login/")
    page.click("a[data-help=guide]")
    page.wait_for_url("**/help/sign-in/en/")
    assert page.locator("article.guide h1").inner_text() == "How to sign in to Haven"
    assert not serious_violations(page)
    page.screenshot(path=str(artifacts_dir / "guide-sign-in-phone.png"), full_page=True)
