"""URL × role expectations for the assessment pages and API (see tests/core/test_url_permissions.py).

Each setup makes a fresh North case of the North case manager (the cases table's rule: of the roles with
the permission, only that case manager and the DPO may open it; the others get 404 like a missing case).
Every assessment page needs identifying-data rights on top of opening the case (the person's own words).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta
from typing import Any

from haven.accounts.models import User
from haven.assessment import services
from haven.assessment.rules import RiskFactors
from haven.cases import services as cases
from tests.cases.url_access import (
    ASSIGNERS,
    CASE_WRITERS,
    IDENTITY_READERS,
    REDIRECT,
    _case,
    case_api,
    case_page,
)
from tests.core.access_table import CASE_MANAGER, Access

SOON = (date.today() + timedelta(days=30)).isoformat()
# By hand from the product brief: caseworkers and the case manager work on the assessments, the DPO may read
# them (after recording a purpose), the case manager signs off.
VIEW = IDENTITY_READERS
EDIT = CASE_WRITERS
SIGN = {CASE_MANAGER}


def _with_needs(users: Mapping[str, User]) -> dict[str, Any]:
    case = _case(users)
    services.needs_assessment_record(actor=users["case_manager"], case=case, domains={})
    return {"code": case.code, "number": 1}


def _risk(users: Mapping[str, User]) -> tuple[Any, Any]:
    case = _case(users)
    check = services.risk_assessment_record(
        actor=users["case_manager"],
        case=case,
        factors=RiskFactors(),
        family_involvement="none",
        review_on=date.today() + timedelta(days=30),
    )
    return case, check


def _with_risk(users: Mapping[str, User]) -> dict[str, Any]:
    case, check = _risk(users)
    return {"code": case.code, "pk": check.pk}


def _with_risk_api(users: Mapping[str, User]) -> dict[str, Any]:
    case, check = _risk(users)
    return {"code": case.code, "risk_id": check.pk}


def _with_signed_off_check(users: Mapping[str, User]) -> dict[str, Any]:
    case, check = _risk(users)
    services.risk_sign_off(actor=users["case_manager"], case=case, assessment=check)
    return {"code": case.code}


def _with_goal(users: Mapping[str, User], key: str) -> dict[str, Any]:
    case = _case(users)
    goal = services.support_goal_add(
        actor=users["case_manager"],
        case=case,
        support_type="Health",
        objective="Check-up",
        responsible_partner="Clinic",
        planned_end=date.today() + timedelta(days=30),
    )
    return {"code": case.code, key: goal.pk}


def _child(users: Mapping[str, User]) -> dict[str, Any]:
    values = {"stated_age": 15, "age_method": "statement"}
    return {"code": cases.first_contact_create(actor=users["case_manager"], values=values).code}


RISK_BODY = {"review_on": SOON, "family_involvement": "none"}
GOAL_BODY = {
    "support_type": "Health",
    "objective": "Check-up",
    "responsible_partner": "Clinic",
    "planned_end": SOON,
}
REVIEW_BODY = {"reviewed_on": date.today().isoformat(), "summary": "Going well", "next_review_on": SOON}
STEP_BODY = {"step": "bia", "step_on": date.today().isoformat(), "summary": "Views heard"}

URL_ACCESS: dict[str, Access] = {
    "assessment:overview": case_page(VIEW),
    "assessment:needs": case_page(VIEW),
    "assessment:needs_new": case_page(EDIT),
    "assessment:needs_version": case_page(VIEW, kwargs=_with_needs),
    "assessment:risk": case_page(VIEW),
    "assessment:risk_new": case_page(EDIT),
    "assessment:risk_sign_off": case_page(SIGN, kwargs=_with_risk),
    "assessment:safety_plan": case_page(EDIT),
    "assessment:family_links": case_page(VIEW),
    "assessment:support_plan": case_page(VIEW),
    "assessment:support_goal": case_page(
        EDIT,
        allowed=REDIRECT,
        method="POST",
        kwargs=lambda users: _with_goal(users, "pk"),
        data={"status": "in_progress"},
    ),
    "assessment:support_review": case_page(EDIT),
    "assessment:child_protection": case_page(VIEW),
    "api-v1:list_assessments": case_api(VIEW),
    "api-v1:record_assessment": case_api(EDIT, method="POST", data={"domains": {}}),
    "api-v1:get_assessment": case_api(VIEW, kwargs=_with_needs),
    "api-v1:get_risk": case_api(VIEW),
    "api-v1:record_risk": case_api(EDIT, method="POST", data=RISK_BODY),
    "api-v1:sign_off_risk": case_api(SIGN, method="POST", kwargs=_with_risk_api),
    "api-v1:record_safety_plan": case_api(
        EDIT,
        method="POST",
        kwargs=lambda users: {"code": _with_risk(users)["code"]},
        data={"audience": "person", "measures": "Code word", "review_on": SOON},
    ),
    "api-v1:list_family_links": case_api(VIEW),
    "api-v1:request_family_links": case_api(
        EDIT, method="POST", kwargs=_with_signed_off_check, data={"kind": "contact", "sought": "A cousin"}
    ),
    "api-v1:get_support_plan": case_api(VIEW),
    "api-v1:add_goal": case_api(EDIT, method="POST", data=GOAL_BODY),
    "api-v1:update_goal": case_api(
        EDIT,
        method="POST",
        kwargs=lambda users: _with_goal(users, "goal_id"),
        data={"status": "in_progress"},
    ),
    "api-v1:add_review": case_api(EDIT, method="POST", data=REVIEW_BODY),
    "api-v1:list_child_steps": case_api(VIEW),
    "api-v1:assign_case": case_api(ASSIGNERS, method="POST", data={}),
    "api-v1:record_child_step": case_api(EDIT, method="POST", kwargs=_child, data=STEP_BODY),
}
