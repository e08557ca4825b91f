"""In a real browser (Debian's chromium): a programme manager opens the evidence dashboard, sees an
accessible chart with its data table, and downloads the evidence brief (a PDF)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe

from tests.browser.conftest import sign_in
from tests.evidence.url_access import stored_release

pytestmark = pytest.mark.browser


def test_programme_manager_opens_the_dashboard_and_downloads_the_evidence_brief(
    live_server: Any, browser_page: Any, demo_accounts: dict[str, dict[str, str]], artifacts_dir: Path
) -> None:
    release = stored_release()
    page = browser_page
    sign_in(page, live_server.url, demo_accounts["programme_manager"])

    page.click("nav a[data-nav=evidence]")
    page.wait_for_url(f"{live_server.url}/evidence/")
    chart = page.locator(f"#release-{release.pk} svg[role=img]")
    assert chart.is_visible()
    assert chart.locator("title").text_content() == "Count by Gender"
    assert "Largest: Female 12" in (chart.locator("desc").text_content() or "")
    assert page.locator(f"#release-{release.pk} table tbody tr").count() == 4
    page.screenshot(path=str(artifacts_dir / "evidence-dashboard.png"), full_page=True)
    results = Axe().run(page)
    serious = [v["id"] for v in results.response["violations"] if v["impact"] in ("serious", "critical")]
    assert not serious, serious

    with page.expect_download() as download_info:
        page.click("[data-action=download-brief]")
    download = download_info.value
    assert download.suggested_filename == "haven-evidence-brief.pdf"
    saved = artifacts_dir / "evidence-brief.pdf"
    download.save_as(str(saved))
    assert saved.read_bytes().startswith(b"%PDF-")


def test_a_release_shows_its_cost_and_waits_for_confirmation_before_spending(
    live_server: Any, browser_page: Any, demo_accounts: dict[str, dict[str, str]], artifacts_dir: Path
) -> None:
    stored_release()
    page = browser_page
    sign_in(page, live_server.url, demo_accounts["programme_manager"])
    page.goto(f"{live_server.url}/evidence/")
    page.select_option("select[name=first]", "ageBroad")
    page.fill("input[name=epsilon]", "0.5")
    page.click("[data-action=release]")

    assert page.locator("h1").text_content() == "Release this table?"
    assert page.locator("[data-cost]").text_content() == "ε = 0.5"
    page.screenshot(path=str(artifacts_dir / "evidence-release-confirm.png"), full_page=True)
    results = Axe().run(page)
    serious = [v["id"] for v in results.response["violations"] if v["impact"] in ("serious", "critical")]
    assert not serious, serious

    page.click("[data-action=confirm-release]")
    page.wait_for_url(f"{live_server.url}/evidence/**")
    assert "ε = 0.5 was spent" in (page.locator("ul.messages").text_content() or "")
