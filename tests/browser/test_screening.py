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


def start_quick_screening(page: Any, base_url: str, *, age: str = "", not_sure: bool = False) -> list[str]:
    page.goto(f"{base_url}/screening/")
    page.check("input[name=private_space][value=yes]")
    page.check("input[name=information_language][value=en]")
    page.check("input[name=kind][value=quick]")
    if not_sure:
        page.check("#id_age_not_sure")
    else:
        page.fill("#id_age", age)
    page.click("[data-action=start-screening]")
    page.wait_for_selector("fieldset[data-question]")
    return page.eval_on_selector_all("fieldset[data-question]", "els => els.map(e => e.dataset.question)")


def answer_all(page: Any, questions: list[str], yes: set[str]) -> None:
    for question in questions:
        answer = "yes" if question in yes else "no"
        page.locator(f'fieldset[data-question="{question}"] label.answer').filter(
            has=page.locator(f'input[value="{answer}"]')
        ).click()
    page.click("[data-action=see-result]")
    page.wait_for_selector("[data-outcome]")


def test_a_strong_signs_screening_is_handed_over_and_the_contact_person_takes_it_on(
    live_server: Any,
    browser_page: Any,
    chromium: Any,
    demo_accounts: dict[str, dict[str, str]],
    artifacts_dir: Path,
) -> None:
    page = browser_page
    page.set_viewport_size(PHONE)
    sign_in(page, live_server.url, demo_accounts["volunteer"])
    questions = start_quick_screening(page, live_server.url, age="27")
    # Someone else arranged the work, very long days, papers held: act, exploitation and coercion.
    answer_all(page, questions, {"dr.travel_arranged", "ec.excessive_hours", "cd.documents_held"})
    assert page.locator("[data-outcome]").first.get_attribute("data-outcome") == "strong_signs"
    assert page.locator("[data-block=contact-person]").count() == 1
    page.click("[data-action=start-handover]")
    page.wait_for_selector("[data-action=hand-over]")
    assert fits_the_phone(page)
    assert serious_violations(page) == []
    page.check("input[name=basis][value=consent]")
    page.fill("#id_note", "Met at the reception desk; prefers mornings.")
    page.screenshot(path=str(artifacts_dir / "handover-phone.png"), full_page=True)
    page.click("[data-action=hand-over]")
    page.wait_for_selector("[data-list=my-handovers]")
    assert page.locator("[data-list=my-handovers] li").first.get_attribute("data-accepted") == "false"

    context = chromium.new_context(viewport=PHONE, locale="en-GB")
    manager = context.new_page()
    manager.set_default_timeout(15_000)
    sign_in(manager, live_server.url, demo_accounts["case_manager"])
    manager.click("nav a[data-nav=handovers]")
    manager.wait_for_selector("[data-list=handovers]")
    item = manager.locator("[data-list=handovers] li").first
    assert item.locator(".reasons li").count() > 0
    assert serious_violations(manager) == []
    item.locator("[data-action=take-on]").click()
    manager.click("[data-action=confirm-take-on]")
    manager.wait_for_selector("[data-block=screenings]")
    assert manager.locator("[data-screening-outcome=strong_signs]").count() == 1
    assert fits_the_phone(manager)
    context.close()

    page.reload()
    assert page.locator("[data-list=my-handovers] li").first.get_attribute("data-accepted") == "true"


def test_a_child_screening_ends_in_the_safeguarding_steps_and_an_urgent_hand_over(
    live_server: Any, browser_page: Any, demo_accounts: dict[str, dict[str, str]], artifacts_dir: Path
) -> None:
    page = browser_page
    page.set_viewport_size(PHONE)
    sign_in(page, live_server.url, demo_accounts["volunteer"])
    questions = start_quick_screening(page, live_server.url, not_sure=True)
    assert "sa.child_alone" in questions
    answer_all(page, questions, {"cd.threats"})
    assert page.locator("[data-outcome]").first.get_attribute("data-outcome") == "child_safeguarding"
    assert page.locator("[data-block=safeguarding]").is_visible()
    assert "urgent" in page.locator("[data-action=start-handover]").inner_text().lower()
    assert serious_violations(page) == []
    page.screenshot(path=str(artifacts_dir / "screening-child-safeguarding-phone.png"), full_page=True)


def test_the_information_and_the_interpreter_sentences_in_arabic_read_right_to_left(
    live_server: Any, browser_page: Any, demo_accounts: dict[str, dict[str, str]], artifacts_dir: Path
) -> None:
    page = browser_page
    page.set_viewport_size(PHONE)
    sign_in(page, live_server.url, demo_accounts["volunteer"])

    page.goto(f"{live_server.url}/screening/information/ar/")
    block = page.locator("[data-person-language=ar]")
    assert block.evaluate("el => getComputedStyle(el).direction") == "rtl"
    assert page.locator("h1").evaluate("el => getComputedStyle(el).direction") == "ltr"
    assert fits_the_phone(page)
    page.screenshot(path=str(artifacts_dir / "information-arabic-phone.png"), full_page=True)
    assert not serious_violations(page)

    page.goto(f"{live_server.url}/screening/")
    page.check("input[name=private_space][value=yes]")
    page.check("input[name=information_language][value=ar]")
    page.check("input[name=kind][value=quick]")
    page.fill("#id_age", "31")
    page.click("[data-action=start-screening]")
    page.wait_for_selector("fieldset[data-question]")
    page.goto(page.url.split("?")[0] + "?mode=interpreter")
    spoken = page.locator("[data-question='sa.immediate_danger'] [data-spoken]")
    assert spoken.evaluate("el => getComputedStyle(el).direction") == "rtl"
    assert fits_the_phone(page)
    page.screenshot(path=str(artifacts_dir / "screening-interpreter-arabic-phone.png"), full_page=True)
    assert not serious_violations(page)
