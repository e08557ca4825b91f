"""Each assessment action gets the same decision for each role in the service, on the web and in the API,
and that decision is the hand-written table's (tests/parity/test_actions.py EXPECTED, from the product
brief: caseworkers and the case manager work on assessments, the DPO may read, sign-off is the manager's)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from haven.accounts.models import User
from haven.accounts.permissions import Role
from haven.assessment import services
from haven.assessment.rules import RiskFactors
from haven.cases import services as cases
from haven.cases.models import Case
from tests.cases.helpers import ApiClient
from tests.parity.test_actions import EXPECTED

DONE, REFUSED = "done", "refused"
SOON = date.today() + timedelta(days=30)
LEVELS = {
    f"{code}-level": "not_assessed"
    for code in (
        "safety accommodation physical_health mental_health material legal information family education "
        "livelihood inclusion"
    ).split()
}


@pytest.fixture
def staff(make_user: Callable[..., User]) -> dict[str, User]:
    return {role.value: make_user(role, None if role == Role.ADMIN else "North") for role in Role}


def _case(staff: dict[str, User], **values: Any) -> Case:
    manager = staff["case_manager"]
    case = cases.first_contact_create(actor=manager, values=values, confirm_new_person=True)
    case = cases.case_open(actor=manager, case=case)
    return cases.case_assign(actor=manager, case=case, caseworkers=[staff["caseworker"]])


def _web(user: User) -> Any:
    from django.test import Client
    from django_otp.plugins.otp_totp.models import TOTPDevice

    client = Client()
    client.force_login(user)
    session = client.session
    session["otp_device_id"] = TOTPDevice.objects.get(user=user, confirmed=True).persistent_id
    session.save()
    return client


def _service(call: Callable[[], object]) -> str:
    try:
        call()
    except (PermissionDenied, Http404):
        return REFUSED
    return DONE


def _http(response: Any, done: tuple[int, ...]) -> str:
    if response.status_code in done:
        return DONE
    assert response.status_code in (403, 404), (response.status_code, response.content[:300])
    return REFUSED


def _fresh_risk(staff: dict[str, User], case: Case, family: str = "none") -> Any:
    return services.risk_assessment_record(
        actor=staff["case_manager"],
        case=case,
        factors=RiskFactors(),
        family_involvement=family,
        review_on=SOON,
    )


def run(action: str, channel: str, user: User, staff: dict[str, User], case: Case) -> str:
    code = case.code
    base = f"/cases/{code}/assessment"
    if action == "assessment.needs":
        if channel == "service":
            return _service(lambda: services.needs_assessment_record(actor=user, case=case, domains={}))
        if channel == "web":
            return _http(_web(user).post(f"{base}/needs/new/", LEVELS), (302,))
        return _http(ApiClient(user).post(f"/cases/{code}/assessments", {"domains": {}}), (201,))
    if action == "assessment.risk":
        form = {k: "none" for k in ("reprisal", "re_trafficking", "exploiting_others", "threats_to_family")}
        form.update(relationship="unknown", review_on=SOON.isoformat())
        if channel == "service":
            return _service(
                lambda: services.risk_assessment_record(
                    actor=user, case=case, factors=RiskFactors(), review_on=SOON
                )
            )
        if channel == "web":
            return _http(_web(user).post(f"{base}/risk/new/", form), (302,))
        return _http(ApiClient(user).post(f"/cases/{code}/risk", form), (201,))
    if action == "assessment.risk_sign_off":
        check = _fresh_risk(staff, case)
        if channel == "service":
            return _service(lambda: services.risk_sign_off(actor=user, case=case, assessment=check))
        if channel == "web":
            return _http(_web(user).post(f"{base}/risk/{check.pk}/sign-off/"), (302,))
        return _http(ApiClient(user).post(f"/cases/{code}/risk/{check.pk}/sign-off"), (200,))
    if action == "family_links.request":
        body = {"kind": "contact", "sought": "A cousin"}
        if channel == "service":
            return _service(lambda: services.family_links_request(actor=user, case=case, **body))
        if channel == "web":
            return _http(_web(user).post(f"{base}/family-links/", body), (302,))
        return _http(ApiClient(user).post(f"/cases/{code}/family-links", body), (201,))
    if action == "support_plan.edit":
        body = {"support_type": "Health", "objective": "Check-up", "responsible_partner": "Clinic"}
        body["planned_end"] = SOON.isoformat()
        if channel == "service":
            return _service(
                lambda: services.support_goal_add(
                    actor=user,
                    case=case,
                    support_type="Health",
                    objective="Check-up",
                    responsible_partner="Clinic",
                    planned_end=SOON,
                )
            )
        if channel == "web":
            return _http(_web(user).post(f"{base}/support-plan/", body), (302,))
        return _http(ApiClient(user).post(f"/cases/{code}/support-plan/goals", body), (201,))
    assert action == "child.protection"
    body = {"step": "bia", "step_on": date.today().isoformat(), "summary": "Views heard"}
    if channel == "service":
        return _service(
            lambda: services.child_step_record(
                actor=user, case=case, step="bia", step_on=date.today(), summary="Views heard"
            )
        )
    if channel == "web":
        return _http(_web(user).post(f"{base}/child/", body), (302,))
    return _http(ApiClient(user).post(f"/cases/{code}/child-protection", body), (201,))


ACTIONS = (
    "assessment.needs",
    "assessment.risk",
    "assessment.risk_sign_off",
    "family_links.request",
    "support_plan.edit",
    "child.protection",
)


@pytest.mark.parametrize("action", ACTIONS)
def test_each_role_gets_the_same_decision_on_every_channel(staff, action: str) -> None:
    child = action == "child.protection"
    case = _case(staff, stated_age=15 if child else 30, age_method="statement")
    if action == "family_links.request":
        services.risk_sign_off(actor=staff["case_manager"], case=case, assessment=_fresh_risk(staff, case))
    expected = {role: DONE if role in EXPECTED[action] else REFUSED for role in staff}
    for channel in ("service", "web", "api"):
        decisions = {role: run(action, channel, user, staff, case) for role, user in staff.items()}
        assert decisions == expected, channel


def test_each_role_gets_the_same_assignment_decision_everywhere(staff) -> None:
    """case.assign: the service, the assignment page and the API decide alike for every role."""
    case = _case(staff, stated_age=30, age_method="statement")
    worker = staff["caseworker"]

    def assign(channel: str, user: User) -> str:
        if channel == "service":
            return _service(lambda: cases.case_assign(actor=user, case=case, caseworkers=[worker]))
        if channel == "web":
            form = {"case_manager": staff["case_manager"].pk, "caseworkers": [worker.pk]}
            return _http(_web(user).post(f"/cases/{case.code}/assign/", form), (302,))
        return _http(ApiClient(user).post(f"/cases/{case.code}/assign", {"caseworkers": [worker.pk]}), (200,))

    expected = {role: DONE if role in EXPECTED["case.assign"] else REFUSED for role in staff}
    for channel in ("service", "web", "api"):
        assert {role: assign(channel, user) for role, user in staff.items()} == expected, channel
