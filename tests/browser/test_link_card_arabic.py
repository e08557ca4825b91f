"""In a real browser at phone width: the link card for a person who reads Arabic is written in Arabic and
laid out right to left, like the information sheet; the worker's link beside it stays left to right. The
screenshot is kept in docs/screenshots/link-card-arabic-phone.png."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe

from haven.accounts.models import User
from haven.referrals import services as referrals
from tests.browser.conftest import PHONE, sign_in
from tests.referrals.helpers import north_case, organisation

pytestmark = pytest.mark.browser


def test_the_link_card_in_arabic_reads_right_to_left_on_a_phone(
    live_server: Any, browser_page: Any, demo_accounts: dict[str, dict[str, str]], artifacts_dir: Path
) -> None:
    users = {role: User.objects.get(email=a["email"]) for role, a in demo_accounts.items()}
    case = north_case(users)
    shelter = organisation("AR-BROWSER", name="Test Shelter Ar", languages=["ar", "fr"])
    link = referrals.link_create(
        actor=users["case_manager"],
        case=case,
        organisation=shelter,
        need_domain="accommodation",
        language="ar",
    )
    page = browser_page
    page.set_viewport_size(PHONE)
    sign_in(page, live_server.url, demo_accounts["case_manager"])

    page.goto(f"{live_server.url}/referrals/case/{case.code}/links/{link.pk}/card/")
    card = page.locator("[data-card=link]")
    assert card.evaluate("el => getComputedStyle(el).direction") == "rtl"
    assert card.get_attribute("lang") == "ar"
    # Typed by hand: "shelter" and "The Red Cross" in Arabic.
    assert "مأوى" in card.inner_text() and "الصليب الأحمر" in card.inner_text()
    assert page.locator("nav a").evaluate("el => getComputedStyle(el).direction") == "ltr"
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.screenshot(path=str(artifacts_dir / "link-card-arabic-phone.png"), full_page=True)
    results = Axe().run(page)
    serious = [v["id"] for v in results.response["violations"] if v["impact"] in ("serious", "critical")]
    assert not serious
