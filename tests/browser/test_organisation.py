"""In a real browser (Debian's chromium): a programme manager starts the readiness self-assessment, marks an
item in place and sees the progress figure and chart change; a volunteer checks a leaflet's words and sees
each word to avoid marked, with what to say instead. Both pages pass axe."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe

from tests.browser.conftest import sign_in

pytestmark = pytest.mark.browser


def _serious(page: Any) -> list[str]:
    results = Axe().run(page)
    return [v["id"] for v in results.response["violations"] if v["impact"] in ("serious", "critical")]


def test_programme_manager_marks_a_readiness_item_in_place_and_the_progress_changes(
    live_server: Any, browser_page: Any, demo_accounts: dict[str, dict[str, str]], artifacts_dir: Path
) -> None:
    page = browser_page
    sign_in(page, live_server.url, demo_accounts["programme_manager"])
    page.click("nav a[data-nav=readiness]")
    page.wait_for_url(f"{live_server.url}/organisation/readiness/")
    page.fill("#start-year", "2026")
    page.click("[data-action=start]")
    referral = page.locator("[data-checklist=referral] [data-percent]")
    assert referral.text_content() == "0%"

    item = page.locator("[data-item='ref.contact_person']")
    item.locator("summary").click()
    item.locator("select[name$=status]").select_option("in_place")
    item.locator("input[name$=evidence]").fill("https://intranet.example.test/contact-person")
    item.locator("button[type=submit]").click()
    page.wait_for_load_state()
    assert "The progress figures are up to date" in (page.locator(".messages").text_content() or "")
    assert page.locator("[data-checklist=referral] [data-percent]").text_content() == "9%"  # 1 of 11
    assert page.locator("[data-item='ref.contact_person']").get_attribute("data-status") == "in_place"
    assert page.locator("svg.chart[role=img] title").text_content() == "Readiness 2026: items by status"
    page.screenshot(path=str(artifacts_dir / "readiness.png"), full_page=True)
    # Checked without the one-off success message (the site-wide message list is outside this page).
    page.goto(f"{live_server.url}/organisation/readiness/")
    assert not _serious(page)

    page.click("text=Printable report")
    page.wait_for_url(f"{live_server.url}/organisation/readiness/2026/report/")
    assert "https://intranet.example.test/contact-person" in page.content()


def test_a_volunteer_checks_a_text_and_sees_each_word_to_avoid_with_a_suggestion(
    live_server: Any, browser_page: Any, demo_accounts: dict[str, dict[str, str]], artifacts_dir: Path
) -> None:
    page = browser_page
    sign_in(page, live_server.url, demo_accounts["volunteer"])
    page.click("nav a[data-nav=terms]")
    page.wait_for_url(f"{live_server.url}/terms/")
    page.fill(
        "textarea[name=text]", "Join the fight against human trafficking.\nNous voulons sauver les victimes."
    )
    page.click("button:has-text('Check')")
    page.wait_for_load_state()
    marks = page.locator(".checked-text mark")
    assert marks.all_text_contents() == ["the fight against human trafficking", "sauver", "victimes"]
    findings = page.locator("ol.findings > li")
    assert findings.count() == 3
    first = findings.nth(0).text_content() or ""
    assert "action to protect vulnerable groups from human trafficking" in first
    page.screenshot(path=str(artifacts_dir / "terms-check.png"), full_page=True)
    assert not _serious(page)
