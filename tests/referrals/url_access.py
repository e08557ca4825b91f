"""URL × role expectations for the referral pages and API (see tests/core/test_url_permissions.py).

Each case setup creates a North case managed by North's case manager with North's caseworker assigned: the
case manager, the caseworker and the DPO may open it; the other roles get 404 like a missing case. The
directory is the programme manager's to change; referring is the case manager's; recording a partner's
answer and linking are also the caseworker's; authority requests are the case manager's and the DPO's.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from typing import Any

from haven.accounts.models import User
from haven.referrals import services
from haven.referrals.models import AuthorityRequest, Referral, SharingStop
from tests.core.access_table import (
    ANONYMOUS,
    CASE_MANAGER,
    CASEWORKER,
    FORBIDDEN,
    LOGIN,
    MFA,
    NO_MFA,
    NOT_FOUND,
    OK,
    PROGRAMME_MANAGER,
    REDIRECT,
    UNAUTHORISED,
    Access,
    api,
    page,
)
from tests.referrals.helpers import give_consent, north_case, organisation

_numbers = itertools.count(1)
V, CW, CM, PM, DPO, AD = (
    "volunteer",
    "caseworker",
    "case_manager",
    "programme_manager",
    "data_protection_officer",
    "admin",
)


def _org(code: str = "") -> Any:
    return organisation(code or f"URL-ORG-{next(_numbers)}")


def _case_kwargs(users: Mapping[str, User]) -> dict[str, Any]:
    return {"code": north_case(users, name=f"Test Url {next(_numbers)}").code}


def _referral(users: Mapping[str, User]) -> Referral:
    case = north_case(users, name=f"Test Url {next(_numbers)}")
    org = _org()
    give_consent(users, case, org.code)
    return services.referral_draft(actor=users[CM], case=case, organisation=org, need_domain="accommodation")


def _referral_kwargs(users: Mapping[str, User]) -> dict[str, Any]:
    referral = _referral(users)
    return {"code": referral.case.code, "uid": referral.uid}


def _link_kwargs(users: Mapping[str, User]) -> dict[str, Any]:
    case = north_case(users, name=f"Test Url {next(_numbers)}")
    link = services.link_create(
        actor=users[CM], case=case, organisation=_org(), need_domain="safety", language="fr"
    )
    return {"code": case.code, "pk": link.pk}


def _stop_kwargs(users: Mapping[str, User]) -> dict[str, Any]:
    case = north_case(users, name=f"Test Url {next(_numbers)}")
    stop = SharingStop.objects.create(case=case, organisation=_org(), requested_by=users[CM])
    return {"code": case.code, "pk": stop.pk}


def _request_kwargs(users: Mapping[str, User]) -> dict[str, Any]:
    case = north_case(users, name=f"Test Url {next(_numbers)}")
    request = AuthorityRequest.objects.create(
        case=case,
        organisation=_org(),
        scope=["case_code"],
        received_on=case.created_at.date(),
        registered_by=users[CM],
    )
    return {"code": case.code, "pk": request.pk, "decision": "refuse"}


def _org_code(users: Mapping[str, User]) -> dict[str, Any]:
    return {"org_code": _org().code}


def _org_form(users: Mapping[str, User]) -> dict[str, Any]:
    return {"organisation": _org().code, "need": "accommodation", "language": "fr", "reason": "changed_mind"}


def _web(outcomes: Mapping[str, str], **kw: Any) -> Access:
    return Access(expect={ANONYMOUS: LOGIN, NO_MFA: MFA, **outcomes}, **kw)


def _api(outcomes: Mapping[str, str], **kw: Any) -> Access:
    return Access(expect={ANONYMOUS: UNAUTHORISED, NO_MFA: UNAUTHORISED, **outcomes}, json=True, **kw)


# Openers of the case: the case manager and the assigned caseworker. The DPO reaches a case's content only
# for a purpose recorded first ("break-glass", tests/cases/test_dpo_purpose.py): without one, 404 like a
# missing case, whatever the page.
READ = {V: NOT_FOUND, CW: OK, CM: OK, PM: NOT_FOUND, DPO: NOT_FOUND, AD: FORBIDDEN}


def _case_write(cw: str, cm: str, dpo: str) -> dict[str, str]:
    del dpo  # without a recorded purpose the DPO meets a missing case first
    return {V: NOT_FOUND, CW: cw, CM: cm, PM: NOT_FOUND, DPO: NOT_FOUND, AD: FORBIDDEN}


URL_ACCESS: dict[str, Access] = {
    "referrals:directory": page(roles={CASEWORKER, CASE_MANAGER, PROGRAMME_MANAGER, DPO}),
    "referrals:organisation_new": page(roles={PROGRAMME_MANAGER}),
    "referrals:organisation_edit": page(roles={PROGRAMME_MANAGER}, kwargs=_org_code),
    "referrals:gaps": page(roles={PROGRAMME_MANAGER}),
    "referrals:gaps_export": page(roles={PROGRAMME_MANAGER}),
    "referrals:case": _web(READ, kwargs=_case_kwargs),
    "referrals:link": _web(
        _case_write(REDIRECT, REDIRECT, FORBIDDEN), method="POST", kwargs=_case_kwargs, data=_org_form
    ),
    "referrals:link_card": _web(READ, kwargs=_link_kwargs),
    "referrals:refer": _web(
        _case_write(FORBIDDEN, REDIRECT, FORBIDDEN), method="POST", kwargs=_case_kwargs, data=_org_form
    ),
    "referrals:referral": _web(READ, kwargs=_referral_kwargs),
    "referrals:send": _web(
        _case_write(FORBIDDEN, REDIRECT, FORBIDDEN),
        method="POST",
        kwargs=_referral_kwargs,
        data={"confirm": "yes"},
    ),
    "referrals:letter": _web(
        _case_write(FORBIDDEN, OK, FORBIDDEN), kwargs=lambda users: {**_referral_kwargs(users), "fmt": "txt"}
    ),
    "referrals:status": _web(
        _case_write(REDIRECT, REDIRECT, FORBIDDEN),
        method="POST",
        kwargs=_referral_kwargs,
        data={"status": "withdrawn"},
    ),
    "referrals:stop": _web(
        _case_write(REDIRECT, REDIRECT, FORBIDDEN),
        method="POST",
        kwargs=_case_kwargs,
        data=lambda users: {**_org_form(users), "confirm": "yes"},
    ),
    "referrals:restore": _web(
        _case_write(FORBIDDEN, FORBIDDEN, REDIRECT),
        method="POST",
        kwargs=_stop_kwargs,
        data={"confirm": "yes"},
    ),
    "referrals:residence": _web(
        _case_write(FORBIDDEN, REDIRECT, FORBIDDEN), method="POST", kwargs=_case_kwargs, data=_org_form
    ),
    # Without the person's consent to the dialogue the page says so and goes back: a redirect either way.
    "referrals:dialogue": _web(
        _case_write(FORBIDDEN, REDIRECT, FORBIDDEN),
        method="POST",
        kwargs=_case_kwargs,
        data=lambda users: {"organisation": _org().code, "held_on": "2026-01-05", "purpose": "other"},
    ),
    "referrals:authority": page(roles={CASE_MANAGER, DPO}, kwargs=_case_kwargs, override={DPO: NOT_FOUND}),
    "referrals:authority_decide": page(
        roles={CASE_MANAGER, DPO},
        method="POST",
        kwargs=_request_kwargs,
        data={"confirm": "yes"},
        allowed=REDIRECT,
        override={DPO: NOT_FOUND},
    ),
    "api-v1:organisations_list": api(roles={CASEWORKER, CASE_MANAGER, PROGRAMME_MANAGER, DPO}),
    "api-v1:organisations_get": api(
        roles={CASEWORKER, CASE_MANAGER, PROGRAMME_MANAGER, DPO}, kwargs=_org_code
    ),
    "api-v1:organisations_save": api(
        roles={PROGRAMME_MANAGER},
        method="POST",
        data=lambda users: {
            "code": f"API-ORG-{next(_numbers)}",
            "name": "Test Api Org",
            "org_type": "shelter",
        },
        allowed=OK,
    ),
    "api-v1:services_matching": _api(
        {**READ, AD: NOT_FOUND}, kwargs=_case_kwargs, data={"need": "accommodation"}
    ),
    "api-v1:referrals_list": _api({**READ, AD: NOT_FOUND}, kwargs=_case_kwargs),
    "api-v1:referrals_create": _api(
        {**_case_write(FORBIDDEN, OK, FORBIDDEN), AD: NOT_FOUND},
        method="POST",
        kwargs=_case_kwargs,
        data=lambda users: {"organisation": _org().code, "need_domain": "accommodation"},
    ),
    "api-v1:referrals_fields": _api(
        {**_case_write(FORBIDDEN, OK, FORBIDDEN), AD: NOT_FOUND},
        method="POST",
        kwargs=_referral_kwargs,
        data={"fields": ["case_code", "needs"], "safe_contact_method": "through_society", "language": "fr"},
    ),
    "api-v1:referrals_send": _api(
        {**_case_write(FORBIDDEN, OK, FORBIDDEN), AD: NOT_FOUND}, method="POST", kwargs=_referral_kwargs
    ),
    "api-v1:referrals_letter": _api(
        {**_case_write(FORBIDDEN, OK, FORBIDDEN), AD: NOT_FOUND}, kwargs=_referral_kwargs
    ),
    "api-v1:referrals_status": _api(
        {**_case_write(OK, OK, FORBIDDEN), AD: NOT_FOUND},
        method="POST",
        kwargs=_referral_kwargs,
        data={"status": "withdrawn"},
    ),
}
