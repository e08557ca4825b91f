"""In a real browser: the data protection officer picks a case from the list, is asked why they need to
open it, records the purpose and reaches the case's summary; both pages pass axe-core."""

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


def test_the_dpo_records_a_purpose_and_then_opens_the_case(
    live_server: Any, browser_page: Any, demo_accounts: dict[str, dict[str, str]], artifacts_dir: Path
) -> None:
    from haven.accounts.models import User
    from haven.cases import services

    manager = User.objects.get(email=demo_accounts["case_manager"]["email"])
    case = services.first_contact_create(
        actor=manager, values={"name": "Test Person Browser", "stated_age": 30}, confirm_new_person=True
    )
    page = browser_page
    sign_in(page, live_server.url, demo_accounts["data_protection_officer"])

    page.goto(f"{live_server.url}/cases/")
    page.click(f"a.case-code:text('{case.code}')")
    page.wait_for_url(f"{live_server.url}/cases/{case.code}/purpose/")
    assert "Test Person Browser" not in page.content()
    assert not _serious(page)
    page.select_option("select[name=purpose]", "access_request")
    page.fill("textarea[name=reason]", "Test access request of 1 March")
    page.click("[data-action=record-purpose]")
    page.wait_for_url(f"{live_server.url}/cases/{case.code}/")
    assert "open to you until" in page.content()
    assert "Test Person Browser" in page.content()
    page.screenshot(path=str(artifacts_dir / "dpo-purpose-recorded.png"), full_page=True)
    assert not _serious(page)
