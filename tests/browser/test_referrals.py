"""In a real browser (Debian's chromium): from a need to matching services, then either a link card
(printed, nothing identifying) or a referral: consent check, minimisation, the letter (PDF opened, text
checked), sending, and the partner's answer."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe

from haven.accounts.models import User
from haven.referrals import outgoing
from tests.browser.conftest import sign_in
from tests.referrals.helpers import give_consent, north_case, organisation
from tests.referrals.test_referrals import pdf_text

pytestmark = pytest.mark.browser


def _serious(page: Any) -> list[str]:
    results = Axe().run(page)
    return [v["id"] for v in results.response["violations"] if v["impact"] in ("serious", "critical")]


def test_need_to_link_card_or_to_a_minimised_referral_and_the_partners_answer(
    live_server: Any,
    browser_page: Any,
    demo_accounts: dict[str, dict[str, str]],
    artifacts_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The letter in the PDF core fonts, whose text this test can read back.
    monkeypatch.setattr(outgoing, "_FONT_DIR", Path("/nonexistent"))
    users = {role: User.objects.get(email=a["email"]) for role, a in demo_accounts.items()}
    case = north_case(users)
    shelter = organisation(
        "SHELTER-BROWSER", name="Test Shelter North", areas=["north branch"], languages=["en"]
    )
    page = browser_page
    sign_in(page, live_server.url, demo_accounts["case_manager"])

    # Need -> matching services.
    page.goto(f"{live_server.url}/cases/{case.code}/")
    page.click("text=Referrals")
    page.select_option("#need", "accommodation")
    page.click("[data-action=find-services]")
    match = page.locator(f"li[data-org='{shelter.code}']")
    assert match.is_visible()
    assert not _serious(page)

    # Linking: a card in the person's language, nothing identifying, printable.
    match.locator("[data-action=link]").click()
    card = page.locator("[data-card=link]")
    assert "Test Shelter North" in card.inner_text()
    assert case.code not in page.content() and "Test Person" not in page.content()
    page.pdf(path=str(artifacts_dir / "link-card.pdf"))
    page.go_back()

    # Referring: without consent the referral cannot go.
    page.goto(f"{live_server.url}/referrals/case/{case.code}/?need=accommodation")
    page.locator(f"li[data-org='{shelter.code}'] [data-action=refer]").click()
    assert page.locator("[data-consent=missing]").is_visible()
    referral_page = page.url
    page.click("[data-action=send]")
    page.click("[data-action=confirm-send]")
    assert page.locator("[data-refusal=consent_required]").is_visible()

    # With consent: minimise (the language does not go), read the letter, send.
    give_consent(users, case, shelter.code)
    page.goto(referral_page)
    assert page.locator("[data-consent=ok]").is_visible()
    page.uncheck("input[value=language]")
    page.click("[data-action=save-fields]")
    assert not _serious(page)
    with page.expect_download() as download_info:
        page.click("[data-action=letter-pdf]")
    saved = artifacts_dir / "referral-letter.pdf"
    download_info.value.save_as(str(saved))
    text = pdf_text(saved.read_bytes())
    assert case.code in text and "Accommodation and shelter" in text and "Only through the Red Cross" in text
    assert "Test Person" not in text and "Language:" not in text
    page.click("[data-action=send]")
    page.click("[data-action=confirm-send]")
    assert page.locator("[data-status=sent]").is_visible()

    # The partner's answer.
    page.select_option("#status", "accepted")
    page.fill("#feedback", "Place from Monday")
    page.click("[data-action=status]")
    assert page.locator("[data-status=accepted]").is_visible()
    page.screenshot(path=str(artifacts_dir / "referral.png"), full_page=True)
