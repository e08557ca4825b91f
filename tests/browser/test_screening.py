"""In a real browser at phone width: a volunteer completes a quick screening and sees the outcome and the
next steps; the pages pass axe-core without serious findings and never scroll sideways."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe

from haven.screening.engine import NEXT_STEP_TEXT, OUTCOME_TEXT, Outcome
from haven.screening.models import Screening
from tests.browser.conftest import PHONE, totp_code

pytestmark = pytest.mark.browser


def serious_violations(page: Any) -> list[str]:
    results = Axe().run(page)
    return [
        f"{v['id']} ({v['impact']}): {v['help']}"
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def sign_in(page: Any, base_url: str, account: dict[str, str]) -> None:
    # The header holds a language form with its own submit button: press the one in the main content.
    page.goto(f"{base_url}/accounts/login/")
    page.fill("#id_email", account["email"])
    page.fill("#id_password", account["password"])
    page.click("main button[type=submit]")
    # The second step may be a redirect to /accounts/mfa/ or rendered in place: wait for its field.
    page.wait_for_selector("#id_code")
    page.fill("#id_code", totp_code(account["totp_secret"]))
    page.click("main button[type=submit]")
    page.wait_for_url(f"{base_url}/")


def fits_the_phone(page: Any) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_a_volunteer_completes_a_quick_screening_on_a_phone(
    live_server: Any, browser_page: Any, demo_accounts: dict[str, dict[str, str]], artifacts_dir: Path
) -> None:
    page = browser_page
    page.set_viewport_size(PHONE)
    sign_in(page, live_server.url, demo_accounts["volunteer"])

    page.click("nav a[data-nav=screening]")
    page.wait_for_selector("[data-action=start-screening]")
    page.check("input[name=private_space][value=yes]")
    page.check("input[name=information_language][value=en]")
    page.check("input[name=kind][value=quick]")
    page.fill("#id_age", "27")
    page.click("[data-action=start-screening]")
    page.wait_for_selector("fieldset[data-question]")
    assert fits_the_phone(page)
    assert serious_violations(page) == []

    questions = page.eval_on_selector_all(
        "fieldset[data-question]", "els => els.map(e => e.dataset.question)"
    )
    assert questions[0] == "sa.immediate_danger"
    yes = {"dr.job_nature", "ec.earnings_taken", "ec.excessive_hours", "cd.documents_held", "cd.cannot_leave"}
    for question in questions:
        answer = "yes" if question in yes else "no"
        page.locator(f'fieldset[data-question="{question}"] label.answer').filter(
            has=page.locator(f'input[value="{answer}"]')
        ).click()
    page.screenshot(path=str(artifacts_dir / "screening-quick-phone.png"), full_page=True)
    page.click("[data-action=see-result]")
    page.wait_for_selector("[data-outcome]")

    screening = Screening.objects.get()
    outcome = Outcome(screening.outcome)
    assert page.locator(f"[data-outcome={outcome.value}] h2").inner_text() == OUTCOME_TEXT[outcome]
    steps = page.locator("[data-list=next-steps] li").all_inner_texts()
    assert steps == [NEXT_STEP_TEXT[step["code"]] for step in screening.result["next_steps"]]
    assert steps
    assert page.locator("[data-list=reasons] li").count() > 0
    assert fits_the_phone(page)
    assert serious_violations(page) == []
    page.screenshot(path=str(artifacts_dir / "screening-result-phone.png"), full_page=True)
