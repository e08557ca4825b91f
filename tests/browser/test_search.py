"""In a real browser at phone width: the case manager types a name in the case list's
search box, in another order and without accents, and finds the person recorded without a date of birth;
a search that finds nothing says what to do next. The pages carry no script (the box is a plain form), fit
the phone and pass axe-core."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe

from tests.browser.conftest import PHONE, sign_in

pytestmark = pytest.mark.browser


def _serious(page: Any) -> list[str]:
    results = Axe().run(page)
    return [v["id"] for v in results.response["violations"] if v["impact"] in ("serious", "critical")]


def test_the_case_manager_finds_a_person_by_name_on_a_phone(
    live_server: Any, chromium: Any, demo_accounts: dict[str, dict[str, str]], artifacts_dir: Path
) -> None:
    from haven.accounts.models import User
    from haven.cases import services

    manager = User.objects.get(email=demo_accounts["case_manager"]["email"])
    case = services.first_contact_create(
        actor=manager, values={"name": "María José GARCÍA", "stated_age": 30}, confirm_new_person=True
    )
    base = live_server.url
    context = chromium.new_context(viewport=PHONE, locale="en-GB")
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        # As in the other flows: chromium sends `Origin: null` on posts under `no-referrer`; send the origin.
        page.route(
            f"{base}/**",
            lambda route: (
                route.continue_(headers={**route.request.headers, "origin": base})
                if route.request.method == "POST"
                else route.continue_()
            ),
        )
        sign_in(page, base, demo_accounts["case_manager"])
        page.goto(f"{base}/cases/")
        assert "<script" not in page.content()
        page.fill("input[name=q]", "garcia maria jose")
        page.press("input[name=q]", "Enter")
        page.wait_for_selector("[data-results=search]")
        assert page.locator(f"[data-results=search] [data-case='{case.code}']").count() == 1
        assert "<script" not in page.content()
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        page.screenshot(path=str(artifacts_dir / "search-found.png"), full_page=True)
        assert not _serious(page)

        page.fill("input[name=q]", "Test Person Nobody 1990")
        page.press("input[name=q]", "Enter")
        page.wait_for_selector("[data-results=none]")
        assert "Try the name alone" in page.content()
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        page.screenshot(path=str(artifacts_dir / "search-nothing-found.png"), full_page=True)
        assert not _serious(page)
    finally:
        context.close()
