"""Every consequential action asks to confirm, in Debian's chromium: the action's button shows what will
happen (a page that passes axe at phone width); going back once changes nothing; confirming does it and ends
on a success message.

The list of actions is the hand-written table of tests/cases/test_confirmations.py; each test here sets one
up through the services, then clicks through the real pages as the role that takes it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from haven.accounts import services as accounts
from haven.accounts.models import User
from haven.api.models import ApiToken
from haven.api.services import token_create
from haven.cases import services as cases
from haven.cases.models import Case, Consent, Task
from haven.referrals import services as referrals
from haven.referrals.models import AuthorityRequest, Referral, SharingStop
from haven.screening import services as screening
from haven.screening.models import Screening
from tests.browser.conftest import sign_in
from tests.browser.test_followup_flow import serious_violations
from tests.referrals.helpers import give_consent, north_case, organisation

pytestmark = pytest.mark.browser


@pytest.fixture
def people(demo_accounts: dict[str, dict[str, str]]) -> dict[str, User]:
    """The demo accounts as users, by role value (the case manager and caseworker share North)."""
    return {role: User.objects.get(email=account["email"]) for role, account in demo_accounts.items()}


@pytest.fixture
def signed_in_as(live_server: Any, chromium: Any, demo_accounts: dict[str, dict[str, str]]) -> Iterator[Any]:
    """signed_in_as(role) -> a page signed in as that demo account (one browser context per test)."""
    context = chromium.new_context(viewport={"width": 390, "height": 844}, locale="en-GB")

    def open_as(role: str) -> Any:
        page = context.new_page()
        page.set_default_timeout(15_000)
        sign_in(page, live_server.url, demo_accounts[role])
        return page

    yield open_as
    context.close()


def confirm_after_one_cancel(
    page: Any, act: Callable[[], None], key: str, happened: Callable[[], bool]
) -> None:
    """Take the action, see the confirmation, go back; take it again, confirm, see the success message."""
    act()
    assert page.locator("[data-block^=confirm]").is_visible()
    assert serious_violations(page) == [], page.url
    page.click("[data-action=cancel]")
    page.wait_for_load_state()
    assert not happened()
    act()
    page.click(f"[data-action=confirm-{key}]")
    page.wait_for_load_state()
    assert page.locator(".message.success").first.is_visible()
    assert happened()


def test_handing_over_to_the_contact_person(live_server, people, signed_in_as) -> None:
    case = cases.first_contact_create(
        actor=people["volunteer"],
        values={"name": "Test Person Browser Hand", "age_method": "document", "stated_age": 30},
        confirm_new_person=True,
    )
    page = signed_in_as("volunteer")
    url = f"{live_server.url}/cases/{case.code}/"

    def act() -> None:
        page.goto(url)
        page.click("[data-action=handover]")

    confirm_after_one_cancel(page, act, "handover", lambda: Case.objects.get(pk=case.pk).handed_over)
    assert page.locator(".message.success a[data-next]").is_visible()


def test_taking_on_a_hand_over(live_server, people, signed_in_as) -> None:
    case = cases.first_contact_create(
        actor=people["volunteer"],
        values={"name": "Test Person Browser Take", "age_method": "document", "stated_age": 30},
        confirm_new_person=True,
    )
    cases.case_handover(actor=people["volunteer"], case=case)
    page = signed_in_as("case_manager")

    def act() -> None:
        page.goto(f"{live_server.url}/cases/handovers/")
        page.locator(f"[data-handover='{case.code}'] [data-action=take-on]").click()

    confirm_after_one_cancel(page, act, "take-on", lambda: Case.objects.get(pk=case.pk).stage == "screening")


def test_marking_a_task_done(live_server, people, signed_in_as) -> None:
    case = north_case(people)
    task = cases.task_add(
        actor=people["case_manager"], case=case, due_on=timezone.localdate(), title="Call back"
    )
    page = signed_in_as("case_manager")

    def act() -> None:
        page.goto(f"{live_server.url}/cases/{case.code}/tasks/")
        page.click("[data-action=task-done]")

    confirm_after_one_cancel(page, act, "task-done", lambda: Task.objects.get(pk=task.pk).done_at is not None)


def test_withdrawing_consent(live_server, people, signed_in_as) -> None:
    case = north_case(people)
    organisation("BROWSER-W")
    give_consent(people, case, "BROWSER-W")
    consent = Consent.objects.get(case=case, recipient="BROWSER-W")
    page = signed_in_as("case_manager")

    def act() -> None:
        page.goto(f"{live_server.url}/cases/{case.code}/consent/{consent.pk}/withdraw/")
        page.select_option("#id_reason", "changed_mind")
        page.check("#id_confirm_no_pressure")

    confirm_after_one_cancel(
        page, act, "withdraw", lambda: Consent.objects.get(pk=consent.pk).withdrawn_at is not None
    )


def test_sending_a_referral(live_server, people, signed_in_as) -> None:
    case = north_case(people)
    shelter = organisation("BROWSER-S")
    give_consent(people, case, shelter.code)
    referral = referrals.referral_draft(
        actor=people["case_manager"], case=case, organisation=shelter, need_domain="accommodation"
    )
    page = signed_in_as("case_manager")

    def act() -> None:
        page.goto(f"{live_server.url}/referrals/case/{case.code}/r/{referral.uid}/")
        page.click("[data-action=send]")

    confirm_after_one_cancel(
        page, act, "send", lambda: Referral.objects.get(pk=referral.pk).status != "draft"
    )


def test_stopping_sharing_with_an_organisation(live_server, people, signed_in_as) -> None:
    case = north_case(people)
    organisation("BROWSER-X")
    give_consent(people, case, "BROWSER-X")
    page = signed_in_as("case_manager")

    def act() -> None:
        page.goto(f"{live_server.url}/referrals/case/{case.code}/")
        page.select_option("#stop-org", "BROWSER-X")
        page.select_option("#stop-reason", "changed_mind")
        page.check("[name=confirm_no_pressure]")
        page.click("[data-action=stop-sharing]")

    confirm_after_one_cancel(
        page, act, "stop-sharing", lambda: SharingStop.objects.filter(case=case).exists()
    )


def _authority_request(people: dict[str, User], code: str) -> AuthorityRequest:
    """A request from an authority on a North case, registered by North's case manager, not yet answered."""
    return referrals.authority_request_register(
        actor=people["case_manager"],
        case=north_case(people),
        organisation=organisation(code, "law_enforcement"),
        legal_basis="Court order 12/2026",
        scope=["case_code"],
        received_on=timezone.localdate(),
        deadline=None,
    )


def test_approving_a_disclosure_to_an_authority(live_server, people, signed_in_as) -> None:
    request = _authority_request(people, "BROWSER-AUTH-A")
    manager = people["case_manager"]
    page = signed_in_as("case_manager")

    def act() -> None:
        page.goto(f"{live_server.url}/referrals/case/{request.case.code}/")
        page.fill(f"#reason-{request.pk}", "Court order")
        page.fill(f"#interest-{request.pk}", "Protection")
        page.click("[data-action=authority-approve]")

    confirm_after_one_cancel(
        page,
        act,
        "authority-approve",
        lambda: AuthorityRequest.objects.get(pk=request.pk).manager_approved_by_id == manager.pk,
    )
    assert page.locator(".message.success a[data-next]").is_visible()
    # One approver is never enough: without the DPO's approval nothing can leave Haven.
    with pytest.raises(ValidationError):
        referrals.authority_disclose(
            actor=manager, request=AuthorityRequest.objects.get(pk=request.pk), channel="web"
        )
    assert AuthorityRequest.objects.get(pk=request.pk).disclosed_fields == []


def test_disclosing_to_an_authority(live_server, people, signed_in_as) -> None:
    request = _authority_request(people, "BROWSER-AUTH-D")
    for approver in ("case_manager", "data_protection_officer"):
        referrals.authority_request_approve(
            actor=people[approver], request=request, reason="Court order", person_interest="Protection"
        )
    page = signed_in_as("case_manager")

    def act() -> None:
        page.goto(f"{live_server.url}/referrals/case/{request.case.code}/")
        page.click("[data-action=authority-disclose]")

    confirm_after_one_cancel(
        page,
        act,
        "authority-disclose",
        lambda: AuthorityRequest.objects.get(pk=request.pk).disclosed_fields == ["case_code"],
    )
    assert page.locator(".message.success a[data-next]").is_visible()


def test_closing_a_case(live_server, people, signed_in_as) -> None:
    case = north_case(people)
    page = signed_in_as("case_manager")

    def act() -> None:
        page.goto(f"{live_server.url}/cases/{case.code}/close/")
        page.select_option("#id_outcome", "integrated_locally")
        page.fill("#id_note", "Settled with the family of choice")
        page.click("[data-action=close]")

    confirm_after_one_cancel(page, act, "close", lambda: Case.objects.get(pk=case.pk).stage == "closed")


def test_disabling_an_account(live_server, people, signed_in_as) -> None:
    target = people["caseworker"]
    page = signed_in_as("admin")

    def act() -> None:
        page.goto(f"{live_server.url}/manage/accounts/{target.pk}/")
        page.click("[data-action=disable]")

    confirm_after_one_cancel(page, act, "disable", lambda: not User.objects.get(pk=target.pk).is_active)


def test_re_enabling_a_disabled_account(live_server, people, signed_in_as) -> None:
    target = accounts.user_disable(actor=people["admin"], user=people["caseworker"])
    page = signed_in_as("admin")

    def act() -> None:
        page.goto(f"{live_server.url}/manage/accounts/{target.pk}/")
        page.click("[data-action=enable]")

    confirm_after_one_cancel(page, act, "enable", lambda: User.objects.get(pk=target.pk).is_active)


def test_revoking_an_api_token(live_server, people, signed_in_as) -> None:
    target = people["caseworker"]
    token, _secret = token_create(actor=people["admin"], user=target, name="phone app")
    page = signed_in_as("admin")

    def act() -> None:
        page.goto(f"{live_server.url}/manage/accounts/{target.pk}/")
        page.click("[data-action=revoke-token]")

    confirm_after_one_cancel(
        page, act, "revoke-token", lambda: ApiToken.objects.get(pk=token.pk).revoked_at is not None
    )


def test_discarding_a_screening(live_server, people, signed_in_as) -> None:
    started = screening.screening_start(
        actor=people["volunteer"], kind="quick", age=30, age_in_doubt=False, information_language="en"
    )
    page = signed_in_as("volunteer")

    def act() -> None:
        page.goto(f"{live_server.url}/screening/{started.uid}/discard/")

    confirm_after_one_cancel(
        page, act, "discard", lambda: not Screening.objects.filter(pk=started.pk).exists()
    )
