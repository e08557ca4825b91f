"""In a real browser (Debian's chromium): every demo role signs in with a generated TOTP code, sees its own
navigation and signs out; pages pass axe-core without serious or critical findings; screenshots at phone
and desktop width go to test-artifacts/."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.urls import NoReverseMatch, reverse

from haven.accounts.permissions import Role, role_has
from haven.core.navigation import NAV_ITEMS
from tests.browser.conftest import DESKTOP, PHONE, sign_in, sign_out

pytestmark = pytest.mark.browser


def nav_keys(page: Any) -> list[str]:
    return page.eval_on_selector_all("nav a[data-nav]", "links => links.map(a => a.dataset.nav)")


V, CW, CM, PM, DPO, ADMIN = (
    Role.VOLUNTEER,
    Role.CASEWORKER,
    Role.CASE_MANAGER,
    Role.PROGRAMME_MANAGER,
    Role.DPO,
    Role.ADMIN,
)
# Who sees each menu entry, by hand from the product brief, never from the permission code under test.
MENU: dict[str, set[Role]] = {
    "home": set(Role),
    "cases": {V, CW, CM, PM, DPO},
    "first_contact": {V, CW, CM},
    "handovers": {CM},
    "tasks_overdue": {CW, CM},
    "screening": {V, CW, CM},
    "screening_library": {CM, PM},
    "evidence": {CM, PM, DPO},
    "notifications": {V, CW, CM, PM, DPO},
    "my_work": set(Role),
    "audit": {DPO, ADMIN},  # the administrator: account events only
    "retention": {DPO},
    "requests": {DPO},
    "directory": {CW, CM, PM, DPO},
    "gaps": {PM},
    "terms": set(Role),
    "staff": {PM},
    "wellbeing": set(Role),
    "readiness": {PM},
    "awareness": {PM},
    "advocacy": {PM},
    "guidance": set(Role),
    "accounts": {ADMIN},
    "teams": {ADMIN},
}


def expected_nav(role: Role) -> tuple[set[str], set[str]]:
    """(keys the role must see, keys it must not), from MENU. An entry another branch registered and MENU
    does not name yet falls back to the matrix (see `menu_entries_not_written_by_hand`)."""
    shown, hidden = set(), set()
    for item in NAV_ITEMS:
        try:
            reverse(item.url_name)
        except NoReverseMatch:
            continue
        if item.key in MENU:
            sees = role in MENU[item.key]
        else:
            sees = item.perm is None or role_has(role, item.perm)
        (shown if sees else hidden).add(item.key)
    return shown, hidden


def menu_entries_not_written_by_hand() -> set[str]:
    return {item.key for item in NAV_ITEMS} - set(MENU)


def serious_violations(page: Any) -> list[str]:
    results = Axe().run(page)
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]


@pytest.mark.parametrize("role", list(Role), ids=[role.value for role in Role])
def test_each_demo_role_signs_in_with_a_code_sees_its_menu_and_signs_out(
    live_server: Any,
    browser_page: Any,
    demo_accounts: dict[str, dict[str, str]],
    artifacts_dir: Path,
    role: Role,
) -> None:
    page = browser_page
    account = demo_accounts[role.value]
    sign_in(page, live_server.url, account)

    assert page.locator("h1").inner_text() == "Welcome"
    assert page.locator(".demo-badge").is_visible()
    keys = nav_keys(page)
    shown, hidden = expected_nav(role)
    assert "home" in keys
    assert shown <= set(keys), f"{role.value} misses menu entries {shown - set(keys)}"
    assert not hidden & set(keys), f"{role.value} sees entries it has no permission for: {hidden & set(keys)}"

    page.screenshot(path=str(artifacts_dir / f"foundation-home-{role.value}-desktop.png"), full_page=True)
    page.set_viewport_size(PHONE)
    page.screenshot(path=str(artifacts_dir / f"foundation-home-{role.value}-phone.png"), full_page=True)
    page.set_viewport_size(DESKTOP)

    sign_out(page, live_server.url)
    page.goto(f"{live_server.url}/")
    assert "/accounts/login/" in page.url


def test_screenshots_of_the_sign_in_page_at_phone_and_desktop_width(
    live_server: Any, browser_page: Any, artifacts_dir: Path
) -> None:
    page = browser_page
    page.goto(f"{live_server.url}/accounts/login/")
    for name, size in (("phone", PHONE), ("desktop", DESKTOP)):
        page.set_viewport_size(size)
        path = artifacts_dir / f"foundation-login-{name}.png"
        page.screenshot(path=str(path), full_page=True)
        assert path.stat().st_size > 1000
        # Nothing spills sideways on a phone.
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= size["width"], f"{name}: page is {width}px wide"


def test_the_sign_in_page_has_no_serious_accessibility_problems(
    live_server: Any, browser_page: Any, db: None
) -> None:
    browser_page.goto(f"{live_server.url}/accounts/login/")
    assert serious_violations(browser_page) == []


def test_the_start_page_has_no_serious_accessibility_problems(
    live_server: Any, browser_page: Any, demo_accounts: dict[str, dict[str, str]]
) -> None:
    sign_in(browser_page, live_server.url, demo_accounts[Role.CASE_MANAGER.value])
    assert serious_violations(browser_page) == []
    browser_page.set_viewport_size(PHONE)
    assert serious_violations(browser_page) == []


def test_the_second_step_and_error_pages_have_no_serious_accessibility_problems(
    live_server: Any, browser_page: Any, demo_accounts: dict[str, dict[str, str]]
) -> None:
    page = browser_page
    account = demo_accounts[Role.CASEWORKER.value]
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_email", account["email"])
    page.fill("#id_password", "not the right password")
    page.click("main button[type=submit]")
    assert page.locator(".form-errors").is_visible()
    assert serious_violations(page) == []
    page.fill("#id_password", account["password"])
    page.click("main button[type=submit]")
    page.wait_for_url("**/accounts/mfa/**")
    assert serious_violations(page) == []
    page.goto(f"{live_server.url}/no-such-page/")
    assert serious_violations(page) == []


def test_signing_in_works_without_javascript(
    live_server: Any, chromium: Any, demo_accounts: dict[str, dict[str, str]]
) -> None:
    context = chromium.new_context(java_script_enabled=False, viewport=PHONE)
    try:
        page = context.new_page()
        sign_in(page, live_server.url, demo_accounts[Role.VOLUNTEER.value])
        assert page.locator("h1").inner_text() == "Welcome"
        sign_out(page, live_server.url)
    finally:
        context.close()


def test_the_browser_loads_nothing_from_another_origin(
    live_server: Any, browser_page: Any, demo_accounts: dict[str, dict[str, str]]
) -> None:
    requested: list[str] = []
    browser_page.on("request", lambda request: requested.append(request.url))
    violations: list[str] = []
    browser_page.on(
        "console",
        lambda message: (
            violations.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    sign_in(browser_page, live_server.url, demo_accounts[Role.DPO.value])
    assert requested
    assert all(url.startswith(live_server.url) for url in requested), [
        u for u in requested if not u.startswith(live_server.url)
    ]
    assert violations == []


def test_the_language_switcher_shows_the_page_in_french(
    live_server: Any, browser_page: Any, demo_accounts: dict[str, dict[str, str]]
) -> None:
    page = browser_page
    page.goto(f"{live_server.url}/accounts/login/")
    page.select_option("#lang-select", "fr")
    page.click(".lang-form button[type=submit]")
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "fr"
    assert page.locator("h1").inner_text() == "Connexion"
