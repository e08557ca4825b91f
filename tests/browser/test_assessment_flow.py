"""Working with the person in Debian's chromium, at phone and desktop width: case page → needs assessment →
risk assessment → safety plan → support plan, every step reached from the page before. Screenshots go to
docs/screenshots/; every page passes axe-core without serious findings and never scrolls sideways."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe

from tests.browser.conftest import DESKTOP, PHONE, totp_code

pytestmark = pytest.mark.browser

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
SOON = (date.today() + timedelta(days=30)).isoformat()


def serious_violations(page: Any) -> list[str]:
    results = Axe().run(page)
    return [
        f"{v['id']} ({v['impact']}): {v['help']}"
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def _check(page: Any, width: int, name: str, size: str) -> None:
    assert serious_violations(page) == [], name
    assert page.evaluate("document.documentElement.scrollWidth") <= width, name
    page.screenshot(path=str(SCREENSHOTS / f"assessment-{name}-{size}.png"), full_page=True)


@pytest.mark.parametrize(("size", "viewport"), [("phone", PHONE), ("desktop", DESKTOP)])
def test_case_manager_goes_from_the_case_to_needs_risk_safety_and_support_plan(
    live_server, chromium, demo_accounts, size: str, viewport: dict[str, int]
) -> None:
    from haven.accounts.models import User
    from haven.cases import services as cases

    account = demo_accounts["case_manager"]
    manager = User.objects.get(email=account["email"])
    case = cases.first_contact_create(
        actor=manager, values={"stated_age": 28, "age_method": "statement"}, confirm_new_person=True
    )
    case = cases.case_open(actor=manager, case=case)

    context = chromium.new_context(viewport=viewport, locale="en-GB")
    page = context.new_page()
    page.set_default_timeout(15_000)
    base = live_server.url
    width = viewport["width"]
    try:
        # Chromium sends `Origin: null` under `Referrer-Policy: no-referrer` (see test_cases_flow.py).
        page.route(
            f"{base}/**",
            lambda route: (
                route.continue_(headers={**route.request.headers, "origin": base})
                if route.request.method == "POST"
                else route.continue_()
            ),
        )
        page.goto(f"{base}/accounts/login/")
        page.fill("#id_email", account["email"])
        page.fill("#id_password", account["password"])
        page.press("#id_password", "Enter")
        page.wait_for_url("**/accounts/mfa/**")
        page.fill("#id_code", totp_code(account["totp_secret"]))
        page.press("#id_code", "Enter")
        page.wait_for_url(f"{base}/")

        # The case page leads to the work with the person.
        page.goto(f"{base}/cases/{case.code}/")
        page.click("[data-action=work-with-person]")
        page.wait_for_selector("[data-action=open-needs]")
        _check(page, width, "1-overview", size)

        # Needs assessment.
        page.click("[data-action=open-needs]")
        page.click("[data-action=new-needs]")
        page.select_option("#id_accommodation-level", "urgent")
        page.fill("#id_accommodation-priorities", "Test: a safe place to sleep first")
        page.fill("#id_accommodation-agreed_action", "Test: shelter place today")
        page.select_option("#id_legal-level", "high")
        page.check("input[name=household_factors][value=debt]")
        page.select_option("#id_preferred_worker_gender", "woman")
        _check(page, width, "2-needs-form", size)
        page.click("[data-action=save-needs]")
        page.wait_for_selector("[data-needs-number='1']")
        assert "Test: a safe place to sleep first" in page.content()
        _check(page, width, "3-needs", size)

        # Risk assessment: a likely reprisal makes the case high risk.
        page.click("[data-step=risk]")
        page.click("[data-action=new-risk]")
        page.select_option("#id_reprisal", "likely")
        page.select_option("#id_relationship", "acquaintance")
        page.select_option("#id_family_involvement", "none")
        page.fill("#id_review_on", SOON)
        page.click("[data-action=save]")
        page.wait_for_selector("[data-level=high]")
        assert page.locator("[data-flag=high-risk]").count() >= 1

        # Safety plans, for the person and for staff and volunteers.
        page.click("[data-action=plan-person]")
        page.fill("#id_measures", "Test: code word agreed; phone kept charged")
        page.fill("#id_review_on", SOON)
        page.click("[data-action=save]")
        page.wait_for_selector("[data-plan=person]")
        page.click("[data-action=plan-staff]")
        page.fill("#id_measures", "Test: visits in pairs only")
        page.fill("#id_review_on", SOON)
        page.click("[data-action=save]")
        page.wait_for_selector("[data-plan=staff]")
        page.click("[data-action=sign-off]")
        page.click("[data-action=confirm-sign-off]")
        page.wait_for_selector("text=Signed off")
        _check(page, width, "4-risk-and-safety", size)

        # Support plan.
        page.click("[data-step=support-plan]")
        page.select_option("#id_support_type", "Accommodation")
        page.fill("#id_objective", "Test: stable housing")
        page.fill("#id_responsible_partner", "Test housing partner")
        page.fill("#id_planned_end", SOON)
        page.click("[data-action=add-goal]")
        page.wait_for_selector("[data-goal]")
        page.select_option("#id_support_type", "Legal")
        page.fill("#id_objective", "Test: advice on residence")
        page.fill("#id_responsible_partner", "Test legal clinic")
        page.fill("#id_planned_end", SOON)
        page.click("[data-action=add-goal]")
        page.wait_for_function("document.querySelectorAll('[data-goal]').length == 2")
        _check(page, width, "5-support-plan", size)
    finally:
        context.close()
