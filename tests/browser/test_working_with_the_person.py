"""The whole journey of working with the person, in one go, at phone and desktop width (issue "Working with
the person"): a hand-over accepted from "my work" → needs assessment → risk assessment → safety plans and
their sign-off → support plan → a follow-up task → closure with its confirmation. Each page passes axe-core
without serious findings and never scrolls sideways; the last screen offers only reopening."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

from haven.accounts.models import User
from haven.cases import services
from tests.browser.conftest import DESKTOP, PHONE, totp_code
from tests.browser.test_followup_flow import _check

pytestmark = pytest.mark.browser
SOON = (date.today() + timedelta(days=30)).isoformat()


def sign_in_as(page: Any, base: str, account: dict[str, str]) -> None:
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_email", account["email"])
    page.fill("#id_password", account["password"])
    page.press("#id_password", "Enter")
    page.wait_for_url("**/accounts/mfa/**")
    page.fill("#id_code", totp_code(account["totp_secret"]))
    page.press("#id_code", "Enter")
    page.wait_for_url(f"{base}/")


@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_from_the_hand_over_to_closure_through_needs_risk_safety_support_and_follow_up(
    live_server: Any, chromium: Any, demo_accounts: dict[str, dict[str, str]], size: str
) -> None:
    viewport = PHONE if size == "phone" else DESKTOP
    width = viewport["width"]
    volunteer = User.objects.get(email=demo_accounts["volunteer"]["email"])
    first = services.first_contact_create(
        actor=volunteer, values={"stated_age": 31, "age_method": "document"}, confirm_new_person=True
    )
    services.case_handover(actor=volunteer, case=first)
    code = first.code

    context = chromium.new_context(viewport=viewport, locale="en-GB")
    page = context.new_page()
    page.set_default_timeout(15_000)
    base = live_server.url
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
        sign_in_as(page, base, demo_accounts["case_manager"])

        # The hand-over waits on "my work"; the contact person takes it on.
        page.goto(f"{base}/work/")
        page.locator("[data-block=handovers]").get_by_text(code).click()
        page.click("[data-action=open-case]")
        page.click("[data-action=confirm-take-on]")
        page.wait_for_load_state()
        _check(page, width)

        # Needs assessment, from the case page.
        page.goto(f"{base}/cases/{code}/")
        page.click("[data-action=work-with-person]")
        page.click("[data-action=open-needs]")
        page.click("[data-action=new-needs]")
        page.select_option("#id_accommodation-level", "urgent")
        page.fill("#id_accommodation-priorities", "Test: a safe place to sleep first")
        page.fill("#id_accommodation-agreed_action", "Test: shelter place today")
        page.click("[data-action=save-needs]")
        page.wait_for_selector("[data-needs-number='1']")
        _check(page, width)

        # Risk assessment, then both safety plans and the case manager's sign-off.
        page.click("[data-step=risk]")
        page.click("[data-action=new-risk]")
        page.select_option("#id_reprisal", "possible")
        page.select_option("#id_relationship", "stranger")
        page.select_option("#id_family_involvement", "none")
        page.fill("#id_review_on", SOON)
        page.click("[data-action=save]")
        page.click("[data-action=plan-person]")
        page.fill("#id_measures", "Test: code word agreed")
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
        _check(page, width)

        # Support plan.
        page.click("[data-step=support-plan]")
        page.select_option("#id_support_type", "Accommodation")
        page.fill("#id_objective", "Test: stable housing")
        page.fill("#id_responsible_partner", "Test housing partner")
        page.fill("#id_planned_end", SOON)
        page.click("[data-action=add-goal]")
        page.wait_for_selector("[data-goal]")
        _check(page, width)

        # A follow-up task.
        page.goto(f"{base}/cases/{code}/tasks/")
        page.select_option("#id_kind", "follow_up_call")
        page.fill("#id_due_on", (date.today() + timedelta(days=2)).isoformat())
        page.click("[data-action=add-task]")
        page.wait_for_selector("[data-action=task-done]")
        _check(page, width)

        # Closure: outcome and reason, the confirmation step, then only reopening is offered.
        page.goto(f"{base}/cases/{code}/")
        page.click("[data-block=more-actions] summary")  # closing is one tap away, under "More actions"
        page.click("[data-action=close]")
        page.select_option("#id_outcome", "integrated_locally")
        page.fill("#id_note", "Test: the person found work and housing and wishes to end the support.")
        page.click("main [data-action=close]")
        page.wait_for_selector("[data-action=confirm-close]")
        _check(page, width)
        page.click("[data-action=confirm-close]")
        page.wait_for_selector("[data-block=closed-actions]")
        actions = set(
            page.eval_on_selector_all("main [data-action]", "els => els.map(e => e.dataset.action)")
        )
        assert actions == {"reopen"}
        _check(page, width)
    finally:
        context.close()
