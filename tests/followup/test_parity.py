"""One way in for the follow-up actions: each role gets the same decision from the service, the web page and
the API, and that decision is the hand-written one of tests/parity/test_actions.py (EXPECTED)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.test import Client

from haven.accounts.models import User
from haven.accounts.permissions import Role
from haven.cases import services as cases
from haven.cases.models import Case
from haven.followup import services as followup
from tests.cases.helpers import ApiClient
from tests.parity.test_actions import EXPECTED

DONE, REFUSED = "done", "refused"
TODAY = date.today().isoformat()


@pytest.fixture
def staff(make_user: Callable[..., User]) -> dict[str, User]:
    return {role.value: make_user(role, None if role == Role.ADMIN else "North") for role in Role}


def _case(staff: dict[str, User], *, closed: bool = False) -> Case:
    """A North case managed by North's case manager, with North's caseworker on it."""
    manager = staff["case_manager"]
    values = {"stated_age": 30, "age_method": "document", "age_established_adult": True}
    case = cases.first_contact_create(actor=manager, values=values, confirm_new_person=True)
    case = cases.case_open(actor=manager, case=case)
    case = cases.case_assign(actor=manager, case=case, caseworkers=[staff["caseworker"]])
    if closed:
        case = cases.case_close(actor=manager, case=case, reason="moved", note="Synthetic reason.")
    return Case.objects.select_related("person").get(pk=case.pk)


def _web(user: User) -> Client:
    from django_otp.plugins.otp_totp.models import TOTPDevice

    client = Client()
    client.force_login(user)
    session = client.session
    session["otp_device_id"] = TOTPDevice.objects.get(user=user, confirmed=True).persistent_id
    session.save()
    return client


def _http(status: int, done: tuple[int, ...]) -> str:
    if status in done:
        return DONE
    assert status in (403, 404), status
    return REFUSED


def _service(call: Callable[[], object]) -> str:
    try:
        call()
    except (PermissionDenied, Http404):
        return REFUSED
    return DONE


CLOSE = {"outcome": "moved", "note": "Synthetic reason."}
CHECK = {"country": "NG", "checked_on": TODAY, "risk": "high", "notes": ""}


def run(action: str, channel: str, user: User, staff: dict[str, User]) -> str:
    case = _case(staff, closed=action == "case.reopen")
    code = case.code
    if action == "case.close":
        if channel == "service":
            return _service(
                lambda: cases.case_close(actor=user, case=case, reason="moved", note="Synthetic.")
            )
        if channel == "web":
            form = {**CLOSE, "version": case.version, "confirmed": "True"}
            return _http(_web(user).post(f"/cases/{code}/close/", form).status_code, (302,))
        body = {"outcome": "moved", "reason": "Synthetic reason."}
        return _http(ApiClient(user).post(f"/cases/{code}/close", body).status_code, (200,))
    if action == "case.reopen":
        if channel == "service":
            return _service(lambda: cases.case_reopen(actor=user, case=case, note="Synthetic reason."))
        if channel == "web":
            form = {"stage": "assessment", "note": "Synthetic reason.", "version": case.version}
            return _http(_web(user).post(f"/cases/{code}/reopen/", form).status_code, (302,))
        return _http(
            ApiClient(user).post(f"/cases/{code}/reopen", {"reason": "Synthetic."}).status_code, (200,)
        )
    if action == "case.return_risk_check":
        if channel == "service":
            return _service(
                lambda: cases.return_risk_check_record(
                    actor=user, case=case, country="NG", checked_on=date.today(), risk="high"
                )
            )
        if channel == "web":
            return _http(_web(user).post(f"/cases/{code}/return-check/", CHECK).status_code, (302,))
        return _http(ApiClient(user).post(f"/cases/{code}/return-risk-checks", CHECK).status_code, (201,))
    assert action == "identification.record"
    if channel == "service":
        return _service(
            lambda: followup.identification_informed(actor=user, case=case, informed_on=date.today())
        )
    if channel == "web":
        form = {"step": "informed", "informed_on": TODAY}
        return _http(_web(user).post(f"/cases/{code}/identification/", form).status_code, (302,))
    body = {"informed_on": TODAY}
    return _http(ApiClient(user).post(f"/cases/{code}/identification", body).status_code, (200,))


ACTIONS = ["case.close", "case.reopen", "case.return_risk_check", "identification.record"]


@pytest.mark.parametrize("action", ACTIONS)
def test_each_role_gets_the_same_decision_on_the_web_and_the_api(staff, action: str) -> None:
    for channel in ("service", "web", "api"):
        decisions = {role: run(action, channel, user, staff) for role, user in staff.items()}
        expected = {role: DONE if role in EXPECTED[action] else REFUSED for role in staff}
        assert decisions == expected, channel
