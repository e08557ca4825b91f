"""Hand-over accepted → follow-up task → closure with confirmation, at phone and desktop width, in Debian's
chromium; the pages pass axe-core without serious findings and never scroll sideways. Screenshots go to
docs/screenshots/ (followup-*.png)."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe

from haven.accounts.models import User
from haven.cases import services
from tests.browser.conftest import DESKTOP, PHONE, totp_code

pytestmark = pytest.mark.browser
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def serious_violations(page: Any) -> list[str]:
    results = Axe().run(page)
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def _check(page: Any, width: int) -> None:
    assert serious_violations(page) == [], page.url
    scroll = page.evaluate("document.documentElement.scrollWidth")
    assert scroll <= width, (page.url, scroll)


@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_hand_over_accepted_then_a_follow_up_task_then_closure_with_confirmation(
    live_server, chromium, demo_accounts, size: str
) -> None:
    viewport = PHONE if size == "phone" else DESKTOP
    volunteer = User.objects.get(email=demo_accounts["volunteer"]["email"])
    first = services.first_contact_create(
        actor=volunteer, values={"stated_age": 30, "age_method": "document"}, confirm_new_person=True
    )
    services.case_handover(actor=volunteer, case=first)
    code = first.code

    context = chromium.new_context(viewport=viewport, locale="en-GB")
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        base = live_server.url
        # Same work-around as the cases flow: chromium sends `Origin: null` under no-referrer.
        page.route(
            f"{base}/**",
            lambda route: (
                route.continue_(headers={**route.request.headers, "origin": base})
                if route.request.method == "POST"
                else route.continue_()
            ),
        )
        account = demo_accounts["case_manager"]
        page.goto(f"{base}/accounts/login/")
        page.fill("#id_email", account["email"])
        page.fill("#id_password", account["password"])
        page.press("#id_password", "Enter")
        page.wait_for_url("**/accounts/mfa/**")
        page.fill("#id_code", totp_code(account["totp_secret"]))
        page.press("#id_code", "Enter")
        page.wait_for_url(f"{base}/")

        # My work: the hand-over waits, and the navigation counts the notification about it.
        page.goto(f"{base}/work/")
        assert page.locator("[data-block=handovers]").get_by_text(code).count() == 1
        assert page.locator("[data-unread]").count() >= 1
        _check(page, viewport["width"])
        page.screenshot(path=str(SCREENSHOTS / f"followup-my-work-{size}.png"))

        # Hand-over accepted.
        page.locator("[data-block=handovers]").get_by_text(code).click()
        page.click("[data-action=open-case]")
        page.click("[data-action=confirm-take-on]")
        page.wait_for_load_state()
        assert "Screening" in page.locator(".case-meta").first.inner_text()

        # A follow-up task, which then shows on my work with its due date.
        page.goto(f"{base}/cases/{code}/tasks/")
        page.select_option("#id_kind", "follow_up_call")
        page.fill("#id_due_on", (date.today() + timedelta(days=2)).isoformat())
        page.click("[data-action=add-task]")
        page.wait_for_selector("[data-action=task-done]")
        _check(page, viewport["width"])
        page.goto(f"{base}/work/")
        due = date.today() + timedelta(days=2)
        # In words, day before month ("9 March 2026"): month names written here, not taken from Django.
        month = "January February March April May June July August September October November December"
        in_words = f"{due.day} {month.split()[due.month - 1]} {due.year}"
        assert in_words in page.locator("[data-block=cases]").inner_text()

        # The other follow-up pages of an open case pass the same checks.
        for path in ("identification/", "summary/", "return-check/"):
            page.goto(f"{base}/cases/{code}/{path}")
            _check(page, viewport["width"])
        page.goto(f"{base}/notifications/")
        _check(page, viewport["width"])

        # Closure: outcome and reason, then the confirmation step, then a case that offers only reopening.
        page.goto(f"{base}/cases/{code}/")
        page.click("[data-block=more-actions] summary")  # closing is one tap away, under "More actions"
        page.click("[data-action=close]")
        assert page.locator("[data-block=return-caution]").is_visible()
        _check(page, viewport["width"])
        page.select_option("#id_outcome", "integrated_locally")
        page.fill("#id_note", "Test: the person found work and housing and wishes to end the support.")
        page.click("main [data-action=close]")
        page.wait_for_selector("[data-action=confirm-close]")
        assert "1 open task will be closed with it" in page.inner_text("[data-block=confirm-close]")
        _check(page, viewport["width"])
        page.screenshot(path=str(SCREENSHOTS / f"followup-close-confirm-{size}.png"))
        page.click("[data-action=confirm-close]")
        page.wait_for_selector("[data-block=closed-actions]")
        actions = set(
            page.eval_on_selector_all("main [data-action]", "els => els.map(e => e.dataset.action)")
        )
        assert actions == {"reopen"}
        _check(page, viewport["width"])
        page.screenshot(path=str(SCREENSHOTS / f"followup-closed-{size}.png"))
    finally:
        context.close()
