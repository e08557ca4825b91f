"""In Debian's chromium: the administrator invites someone, who enrols with a code and keeps recovery codes;
the administrator resets their second factor and they enrol again. The DPO filters the audit trail and
answers an access request in French."""

from __future__ import annotations

import base64
from datetime import date
from typing import Any

import pytest
from django_otp.oath import TOTP

from tests.browser.conftest import DESKTOP, sign_in, totp_code
from tests.browser.test_foundation import serious_violations

pytestmark = pytest.mark.browser

NEW_EMAIL = "new-caseworker@example.test"
NEW_PASSWORD = "a long synthetic password 9472"


def _page(chromium: Any, base: str) -> tuple[Any, Any]:
    context = chromium.new_context(viewport=DESKTOP, locale="en-GB")
    page = context.new_page()
    page.set_default_timeout(15_000)
    # As in the other browser tests: chromium sends `Origin: null` on posts; send the real origin.
    page.route(
        f"{base}/**",
        lambda route: (
            route.continue_(headers={**route.request.headers, "origin": base})
            if route.request.method == "POST"
            else route.continue_()
        ),
    )
    return context, page


def _enrol(page: Any, base: str) -> list[str]:
    """On the enrolment page: type the key into 'the app', confirm with its code, read the recovery codes."""
    page.wait_for_url("**/accounts/mfa/enrol/**")
    secret = page.locator("code.secret").inner_text().strip()
    totp = TOTP(base64.b32decode(secret))
    page.fill("#id_code", f"{totp.token():06d}")
    page.click("main button[type=submit]")
    page.wait_for_selector("[data-recovery-codes]")
    codes = [c.strip() for c in page.locator("[data-recovery-codes] code").all_inner_texts()]
    page.click("[data-action=codes-kept]")
    page.wait_for_url(f"{base}/")
    return codes


def test_admin_invites_user_enrols_admin_resets_user_enrols_again(
    live_server, chromium, demo_accounts, artifacts_dir
) -> None:
    base = live_server.url
    admin_context, admin = _page(chromium, base)
    user_context, user = _page(chromium, base)
    try:
        sign_in(admin, base, demo_accounts["admin"])
        assert admin.locator("[data-nav=accounts]").count() == 1
        assert admin.locator("[data-nav=cases]").count() == 0
        admin.goto(f"{base}/manage/accounts/invite/")
        admin.fill("#id_email", NEW_EMAIL)
        admin.select_option("#id_role", "caseworker")
        admin.select_option("#id_team", label="North branch")
        admin.click("[data-action=invite]")
        link = admin.locator("[data-invitation-link]").inner_text().strip()
        assert serious_violations(admin) == []
        admin.screenshot(path=str(artifacts_dir / "admin-1-invitation.png"), full_page=True)

        user.goto(link)
        user.fill("#id_password", NEW_PASSWORD)
        user.fill("#id_again", NEW_PASSWORD)
        user.click("[data-action=choose-password]")
        first = _enrol(user, base)
        assert len(first) == 10 and len(set(first)) == 10

        admin.goto(f"{base}/manage/accounts/?status=active")
        admin.click(f"[data-account='{NEW_EMAIL}'] a")
        assert serious_violations(admin) == []
        admin.click("[data-action=mfa-reset]")
        admin.select_option("#id_identity_check", "video_call")
        admin.click("[data-action=confirm-mfa-reset]")
        admin.wait_for_selector(".message.success")

        # The holder's session ended; at the next sign-in they set up a new authenticator.
        user.goto(f"{base}/")
        user.wait_for_url("**/accounts/login/**")
        user.fill("#id_email", NEW_EMAIL)
        user.fill("#id_password", NEW_PASSWORD)
        user.click("main button[type=submit]")
        second = _enrol(user, base)
        assert len(second) == 10 and not set(first) & set(second)
        user.screenshot(path=str(artifacts_dir / "admin-2-re-enrolled.png"), full_page=True)
    finally:
        admin_context.close()
        user_context.close()


def test_dpo_filters_the_audit_trail_and_answers_an_access_request_in_french(
    live_server, chromium, demo_accounts, artifacts_dir
) -> None:
    from haven.accounts.models import User
    from haven.cases import services as cases

    manager = User.objects.get(email=demo_accounts["case_manager"]["email"])
    case = cases.first_contact_create(
        actor=manager,
        values={"name": "Test Personne Navigateur", "stated_age": 30, "information_language": "fr"},
        confirm_new_person=True,
    )
    case = cases.case_open(actor=manager, case=case)
    cases.attachment_add(actor=manager, case=case, filename="piece.txt", data=b"Synthetic file.\n")

    base = live_server.url
    context, page = _page(chromium, base)
    try:
        account = demo_accounts["data_protection_officer"]
        sign_in(page, base, account)
        page.goto(f"{base}/oversight/audit/")
        page.fill("#id_action", "auth.login")
        page.select_option("#id_outcome", "done")
        page.click("[data-action=filter]")
        rows = page.locator("[data-table=audit] tbody tr")
        assert rows.count() >= 1
        assert all(
            action == "auth.login"
            for action in page.locator("[data-table=audit] tbody td code").all_inner_texts()
        )
        page.screenshot(path=str(artifacts_dir / "dpo-1-audit-trail.png"), full_page=True)
        assert serious_violations(page) == []

        page.goto(f"{base}/oversight/requests/")
        page.fill("#id_case", case.code)
        page.select_option("#id_kind", "access")
        page.fill("#id_received_on", date.today().isoformat())
        page.click("[data-action=register-request]")
        page.wait_for_selector("[data-deadline]")
        assert serious_violations(page) == []
        page.click("[data-action=answer-html]")
        page.wait_for_url("**/accounts/reauth/**")
        page.fill("#id_password", account["password"])
        page.fill("#id_code", totp_code(account["totp_secret"], steps_ahead=1))
        page.click("main button[type=submit]")
        page.wait_for_selector("[data-section=screenings]")
        assert page.locator("html").get_attribute("lang") == "fr"
        text = page.locator("main").inner_text()
        assert "Vos données détenues par Haven" in text
        assert "Réponse due au plus tard le" in text and "piece.txt" in text
        page.screenshot(path=str(artifacts_dir / "dpo-2-access-answer-fr.png"), full_page=True)
    finally:
        context.close()
