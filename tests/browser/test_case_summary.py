"""The case summary in Debian's chromium at phone and desktop width: every panel of a busy case shows, the
next steps come first, nothing scrolls sideways, axe-core finds nothing serious, and the timeline reads in
plain words. Screenshots go to docs/screenshots/case-summary-{phone,desktop}.png."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe

from tests.browser.conftest import DESKTOP, PHONE, totp_code

pytestmark = pytest.mark.browser

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def serious_violations(page: Any) -> list[str]:
    results = Axe().run(page)
    return [
        f"{v['id']} ({v['impact']}): {v['help']}"
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def _busy_case(manager: Any) -> Any:
    """A case in support with consent, tasks, notes and a referral, all synthetic."""
    from haven.cases import services as cases
    from haven.cases.models import Case
    from haven.referrals.models import Organisation, Referral

    case = cases.first_contact_create(
        actor=manager,
        values={
            "name": "Test Person Delta",
            "preferred_name": "Test Dee",
            "stated_age": 16,
            "age_method": "statement",
            "languages": ["ro", "fr"],
            "information_language": "ro",
        },
        note="Test note: met at the reception centre; prefers to be called by a short name.",
        confirm_new_person=True,
    )
    case = cases.case_open(actor=manager, case=case)
    case = cases.case_stage_change(actor=manager, case=case, stage="support")
    Case.objects.filter(pk=case.pk).update(risk_level="high")
    shelter = Organisation.objects.create(code="SHELTER-NORD", name="Shelter Nord", org_type="placeholder")
    for purpose, recipient, expires in (
        ("data_storage", "", date.today() + timedelta(days=200)),
        ("assistance", "", None),
    ):
        cases.consent_record(
            actor=manager,
            case=case,
            purpose=purpose,
            recipient=recipient,
            status="given",
            given_on=date.today(),
            expires_on=expires,
            language="ro",
            explained_by=manager,
            interpreter=True,
            information_sheet_version="v1",
        )
    cases.task_add(actor=manager, case=case, due_on=date.today() + timedelta(days=3), kind="follow_up_call")
    cases.note_add(actor=manager, case=case, section="general", body="Test note: housing visit went well.")
    Referral.objects.create(
        case=case,
        organisation=shelter,
        need_domain="accommodation",
        status="sent",
        language="fr",
        created_by=manager,
    )
    return case


@pytest.mark.parametrize(("size", "viewport"), [("phone", PHONE), ("desktop", DESKTOP)])
def test_the_case_summary_shows_the_work_at_a_glance(
    live_server, chromium, demo_accounts, size: str, viewport: dict[str, int]
) -> None:
    from haven.accounts.models import User

    account = demo_accounts["case_manager"]
    manager = User.objects.get(email=account["email"])
    case = _busy_case(manager)

    context = chromium.new_context(viewport=viewport, locale="en-GB")
    page = context.new_page()
    page.set_default_timeout(15_000)
    base = live_server.url
    try:
        page.goto(f"{base}/accounts/login/")
        page.fill("#id_email", account["email"])
        page.fill("#id_password", account["password"])
        page.press("#id_password", "Enter")
        page.wait_for_url("**/accounts/mfa/**")
        page.fill("#id_code", totp_code(account["totp_secret"]))
        page.press("#id_code", "Enter")
        page.wait_for_url(f"{base}/")

        page.goto(f"{base}/cases/{case.code}/")
        for panel in ("next-actions", "person", "case", "consent", "next-due", "referrals", "notes"):
            assert page.locator(f"[data-panel={panel}]").is_visible(), panel
        assert page.locator("[data-field=preferred_name]").inner_text() == "Test Dee"
        assert page.locator("[data-field=child]").inner_text() == "Yes, or age in doubt"
        assert "High risk" in page.locator("[data-field=risk]").inner_text()
        assert "Shelter Nord: Sent" in page.locator("[data-panel=referrals]").inner_text()
        # The next steps come before the panels: first thing on a phone, under the case's name.
        steps = page.locator("[data-panel=next-actions]").bounding_box()
        person = page.locator("[data-panel=person]").bounding_box()
        assert steps is not None and person is not None and steps["y"] < person["y"]
        assert serious_violations(page) == []
        assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
        page.screenshot(path=str(SCREENSHOTS / f"case-summary-{size}.png"), full_page=True)

        # The rest is one tap away.
        page.click("[data-block=more-actions] summary")
        assert page.locator("[data-action=stage]").is_visible()

        page.goto(f"{base}/cases/{case.code}/timeline/")
        texts = page.locator(".timeline-text").all_inner_texts()
        assert "Task added: follow-up contact" in texts
        assert "Consent for storing personal data given" in texts
        assert serious_violations(page) == []
        assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
    finally:
        context.close()
