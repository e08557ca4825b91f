"""Every consequential action on the web asks to confirm first, and says what happened and what next.

The table below is written by hand from the product brief ("a consequential action asks to confirm and ends
with a success message that says what next"), not read from the code: for each action, who takes it, what
is posted, and how to see that it was done. A POST without the confirmation must change nothing and show the
confirmation; the confirmed POST acts and ends on a success message.

Asked elsewhere, and tested there: the release of a differentially private table (tests/evidence), erasure
(the case code typed as confirmation, tests/cases/test_erasure.py), the second-factor reset (identity check
form), approving a library draft (tests/screening).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from haven.accounts import services as accounts
from haven.accounts.models import User
from haven.accounts.permissions import Role
from haven.api.models import ApiToken
from haven.api.services import token_create
from haven.cases import services as cases
from haven.cases.models import Case, Consent, Task
from haven.referrals import services as referrals
from haven.referrals.models import AuthorityRequest, Referral, SharingStop
from haven.screening import services as screening
from haven.screening.models import Screening
from tests.referrals.helpers import give_consent, north_case, organisation

pytestmark = pytest.mark.django_db

Staff = dict[str, User]


@dataclass(frozen=True)
class Step:
    """One consequential action ready to post: who, where, what, and whether it has happened yet."""

    actor: User
    url: str
    data: dict[str, str]
    happened: Callable[[], bool]
    confirm: dict[str, str]


YES = {"confirm": "yes"}


def _first_contact(staff: Staff) -> Case:
    return cases.first_contact_create(
        actor=staff["volunteer"],
        values={"name": "Test Person Confirm", "age_method": "document", "stated_age": 30},
        confirm_new_person=True,
    )


def hand_over(staff: Staff) -> Step:
    case = _first_contact(staff)
    return Step(
        staff["volunteer"],
        f"/cases/{case.code}/handover/",
        {},
        lambda: Case.objects.get(pk=case.pk).handed_over,
        YES,
    )


def take_on(staff: Staff) -> Step:
    case = cases.case_handover(actor=staff["volunteer"], case=_first_contact(staff))
    return Step(
        staff["case_manager"],
        f"/cases/{case.code}/open/",
        {},
        lambda: Case.objects.get(pk=case.pk).stage == "screening",
        YES,
    )


def mark_task_done(staff: Staff) -> Step:
    case = north_case(staff)
    task = cases.task_add(
        actor=staff["case_manager"], case=case, due_on=timezone.localdate(), title="Call back"
    )
    return Step(
        staff["case_manager"],
        f"/cases/{case.code}/tasks/{task.pk}/done/",
        {},
        lambda: Task.objects.get(pk=task.pk).done_at is not None,
        YES,
    )


def withdraw_consent(staff: Staff) -> Step:
    case = north_case(staff)
    organisation("CONFIRM-W")
    give_consent(staff, case, "CONFIRM-W")
    consent = Consent.objects.get(case=case, recipient="CONFIRM-W")
    return Step(
        staff["case_manager"],
        f"/cases/{case.code}/consent/{consent.pk}/withdraw/",
        {"reason": "changed_mind", "confirm_no_pressure": "on"},
        lambda: Consent.objects.get(pk=consent.pk).withdrawn_at is not None,
        YES,
    )


def send_referral(staff: Staff) -> Step:
    case = north_case(staff)
    shelter = organisation("CONFIRM-S")
    give_consent(staff, case, shelter.code)
    referral = referrals.referral_draft(
        actor=staff["case_manager"], case=case, organisation=shelter, need_domain="accommodation"
    )
    return Step(
        staff["case_manager"],
        f"/referrals/case/{case.code}/r/{referral.uid}/send/",
        {},
        lambda: Referral.objects.get(pk=referral.pk).status != "draft",
        YES,
    )


def stop_sharing(staff: Staff) -> Step:
    case = north_case(staff)
    organisation("CONFIRM-X")
    give_consent(staff, case, "CONFIRM-X")
    return Step(
        staff["case_manager"],
        f"/referrals/case/{case.code}/stop/",
        {"organisation": "CONFIRM-X", "reason": "changed_mind", "confirm_no_pressure": "on"},
        lambda: SharingStop.objects.filter(case=case).exists(),
        YES,
    )


def _authority_request(staff: Staff) -> AuthorityRequest:
    return referrals.authority_request_register(
        actor=staff["case_manager"],
        case=north_case(staff),
        organisation=organisation("CONFIRM-AUTH", "law_enforcement"),
        legal_basis="Court order 12/2026",
        scope=["case_code"],
        received_on=timezone.localdate(),
        deadline=None,
    )


def approve_disclosure(staff: Staff) -> Step:
    request = _authority_request(staff)
    return Step(
        staff["case_manager"],
        f"/referrals/case/{request.case.code}/authority/{request.pk}/approve/",
        {"reason": "Court order", "person_interest": "Protection"},
        lambda: AuthorityRequest.objects.get(pk=request.pk).manager_approved_by_id is not None,
        YES,
    )


def disclose_to_an_authority(staff: Staff) -> Step:
    request = _authority_request(staff)
    for approver in ("case_manager", "data_protection_officer"):
        referrals.authority_request_approve(
            actor=staff[approver], request=request, reason="Court order", person_interest="Protection"
        )
    return Step(
        staff["case_manager"],
        f"/referrals/case/{request.case.code}/authority/{request.pk}/disclose/",
        {},
        lambda: bool(AuthorityRequest.objects.get(pk=request.pk).disclosed_fields),
        YES,
    )


def close_case(staff: Staff) -> Step:
    case = north_case(staff)
    return Step(
        staff["case_manager"],
        f"/cases/{case.code}/close/",
        {"outcome": "integrated_locally", "note": "Settled", "version": str(case.version)},
        lambda: Case.objects.get(pk=case.pk).stage == "closed",
        {"confirmed": "True"},
    )


def disable_account(staff: Staff) -> Step:
    target = staff["caseworker"]
    return Step(
        staff["admin"],
        f"/manage/accounts/{target.pk}/disable/",
        {},
        lambda: not User.objects.get(pk=target.pk).is_active,
        YES,
    )


def re_enable_account(staff: Staff) -> Step:
    target = accounts.user_disable(actor=staff["admin"], user=staff["caseworker"])
    return Step(
        staff["admin"],
        f"/manage/accounts/{target.pk}/enable/",
        {},
        lambda: User.objects.get(pk=target.pk).is_active,
        YES,
    )


def revoke_token(staff: Staff) -> Step:
    target = staff["caseworker"]
    token, _secret = token_create(actor=staff["admin"], user=target, name="phone app")
    return Step(
        staff["admin"],
        f"/manage/accounts/{target.pk}/tokens/{token.pk}/revoke/",
        {},
        lambda: ApiToken.objects.get(pk=token.pk).revoked_at is not None,
        YES,
    )


def discard_screening(staff: Staff) -> Step:
    started = screening.screening_start(
        actor=staff["volunteer"], kind="quick", age=30, age_in_doubt=False, information_language="en"
    )
    return Step(
        staff["volunteer"],
        f"/screening/{started.uid}/discard/",
        {},
        lambda: not Screening.objects.filter(pk=started.pk).exists(),
        YES,
    )


# The consequential actions of the web, by hand (issue 17, point 4).
CONSEQUENTIAL: dict[str, Callable[[Staff], Step]] = {
    "hand a first contact over to the contact person": hand_over,
    "take on a hand-over": take_on,
    "mark a task done": mark_task_done,
    "withdraw consent": withdraw_consent,
    "send a referral": send_referral,
    "stop sharing with an organisation": stop_sharing,
    "approve a disclosure to an authority": approve_disclosure,
    "disclose data to an authority": disclose_to_an_authority,
    "close a case": close_case,
    "disable an account": disable_account,
    "re-enable a disabled account": re_enable_account,
    "revoke an API token": revoke_token,
    "discard a screening": discard_screening,
}


@pytest.fixture
def staff(make_user: Callable[..., User]) -> Staff:
    return {role.value: make_user(role, None if role == Role.ADMIN else "North") for role in Role}


@pytest.mark.parametrize("name", list(CONSEQUENTIAL))
def test_an_unconfirmed_post_changes_nothing_and_asks_to_confirm(
    name: str, staff: Staff, signed_in: Callable[[User], Client]
) -> None:
    step = CONSEQUENTIAL[name](staff)
    response = signed_in(step.actor).post(step.url, step.data)
    assert response.status_code == 200, response.status_code
    assert b'data-block="confirm' in response.content
    assert not step.happened()


@pytest.mark.parametrize("name", list(CONSEQUENTIAL))
def test_the_confirmed_post_acts_and_says_what_happened(
    name: str, staff: Staff, signed_in: Callable[[User], Client]
) -> None:
    step = CONSEQUENTIAL[name](staff)
    response: Any = signed_in(step.actor).post(step.url, {**step.data, **step.confirm}, follow=True)
    assert response.status_code == 200
    assert step.happened()
    assert b"message success" in response.content


def test_the_success_message_after_an_approval_says_whether_the_data_can_now_be_disclosed(
    staff: Staff, signed_in: Callable[[User], Client]
) -> None:
    request = _authority_request(staff)
    url = f"/referrals/case/{request.case.code}/authority/{request.pk}/approve/"
    answer = {"reason": "Court order", "person_interest": "Protection", **YES}
    first = signed_in(staff["case_manager"]).post(url, answer, follow=True)
    assert "The disclosure needs the second approval." in first.content.decode()
    dpo = staff["data_protection_officer"]
    cases.dpo_purpose_record(actor=dpo, case=request.case, purpose="authority_request", reason="Test request")
    second = signed_in(dpo).post(url, answer, follow=True)
    page = second.content.decode()
    assert "Second approval recorded. The data asked for can now be disclosed." in page
    assert "needs the second approval" not in page
