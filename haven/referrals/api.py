"""/api/v1/directory/organisations and /api/v1/cases/{code}/referrals: the same services as the web pages.

A refusal by the neutrality guard answers 403 with the code `neutrality_refused`; a referral without consent
for its recipient answers 409 with `consent_required`; both are audited like every refusal.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import date, datetime
from typing import Any, Literal, TypeVar, cast
from uuid import UUID

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from ninja import Field, Router, Schema, Status

from haven.accounts.models import User
from haven.accounts.permissions import Perm
from haven.api.router import Error, IsoDate, StrictSchema, error_response
from haven.cases.access import case_for_user
from haven.cases.models import Case
from haven.cases.vocab import NEEDS_DOMAINS
from haven.referrals import selectors, services
from haven.referrals.models import Organisation, Referral
from haven.referrals.neutrality import NeutralityRefused, guard_outgoing

router: Router = Router(tags=["referrals"])
F = TypeVar("F", bound=Callable[..., Any])


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


def answers(view: F) -> F:
    """The domain's refusals as the API's error bodies: neutrality 403, consent 409, role 403, input 400."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        try:
            return view(request, *args, **kwargs)
        except NeutralityRefused as exc:
            return error_response(request, 403, exc.api_code, str(exc.explanation), refusal=exc)
        except PermissionDenied as exc:
            return error_response(request, 403, "forbidden", "Your role does not allow this.", refusal=exc)
        except services.ConsentRequired as exc:
            return error_response(request, 409, exc.api_code, " ".join(exc.messages))
        except ValidationError as exc:
            details = (
                [{"where": k, "problem": " ".join(v)} for k, v in exc.message_dict.items()]
                if hasattr(exc, "error_dict")
                else [{"where": "", "problem": m} for m in exc.messages]
            )
            return error_response(
                request, 400, "invalid_input", "The request is not valid.", {"details": details}
            )

    return cast(F, wrapper)


def _need(request: HttpRequest, perm: Perm) -> None:
    if not _user(request).has(perm):
        raise PermissionDenied(perm.value)


def _organisation(code: str) -> Organisation:
    found = Organisation.objects.filter(code=code).first()
    if found is None:
        raise Http404
    return found


def _referral(case: Case, uid: UUID) -> Referral:
    found = Referral.objects.select_related("case__person", "organisation").filter(case=case, uid=uid).first()
    if found is None:
        raise Http404
    return found


class OrganisationIn(StrictSchema):
    code: str = Field(..., max_length=64)
    name: str = Field(..., max_length=200)
    org_type: str
    mandate_notes: str = Field("", max_length=2000)
    contact_phone: str = Field("", max_length=64)
    contact_email: str = Field("", max_length=200)
    contact_address: str = Field("", max_length=300)
    areas: list[str] = []
    languages: list[str] = []
    capacity: int | None = Field(None, ge=0, le=100_000)
    waiting_days: int | None = Field(None, ge=0, le=100_000)
    target_groups: list[str] = []
    domains: list[str] = []
    support_types: list[str] = []
    safe_to_cooperate: bool = False
    mandate_in_line: bool = False
    data_protection: str = "unknown"
    agreement_ref: str = Field("", max_length=64)
    agreement_expires: IsoDate | None = None
    reviewed_on: IsoDate | None = None
    review_due: IsoDate | None = None


class OrganisationOut(Schema):
    code: str
    name: str
    org_type: str
    mandate_notes: str
    contact_phone: str
    contact_email: str
    contact_address: str
    areas: list[str]
    languages: list[str]
    capacity: int | None
    waiting_days: int | None
    target_groups: list[str]
    domains: list[str]
    support_types: list[str]
    safe_to_cooperate: bool
    mandate_in_line: bool
    data_protection: str
    agreement_ref: str
    agreement_expires: date | None
    reviewed_on: date | None
    review_due: date | None
    cooperation_valid: bool


def _org_out(o: Organisation) -> dict[str, Any]:
    return {
        **{name: getattr(o, name) for name in OrganisationOut.model_fields if name != "cooperation_valid"},
        "cooperation_valid": selectors.cooperation_valid(o),
    }


class ReferralIn(StrictSchema):
    organisation: str = Field(..., max_length=64)
    need_domain: str


class FieldsIn(StrictSchema):
    fields: list[str]
    safe_contact_method: str = "through_society"
    language: str = "en"


class StatusIn(StrictSchema):
    status: Literal["accepted", "declined", "completed", "withdrawn"]
    feedback: str = Field("", max_length=4000)


class ReferralOut(Schema):
    id: UUID
    organisation: str
    need_domain: str
    status: str
    fields: list[str]
    language: str
    safe_contact_method: str
    created_at: datetime
    sent_at: datetime | None


class Payload(Schema):
    referral: str
    organisation: str
    fields: dict[str, Any]


def _ref_out(r: Referral) -> dict[str, Any]:
    return {
        "id": r.uid,
        "organisation": r.organisation.code,
        "need_domain": r.need_domain,
        "status": r.status,
        "fields": r.fields,
        "language": r.language,
        "safe_contact_method": r.safe_contact_method,
        "created_at": r.created_at,
        "sent_at": r.sent_at,
    }


ERRORS: dict[int, Any] = {400: Error, 403: Error, 404: Error, 409: Error}


@router.get("/directory/organisations", response={200: list[OrganisationOut], **ERRORS})
@answers
def organisations_list(request: HttpRequest) -> Any:
    """The service directory, with each entry's cooperation assessment."""
    _need(request, Perm.DIRECTORY_VIEW)
    return [_org_out(o) for o in Organisation.objects.all()]


@router.post("/directory/organisations", response={201: OrganisationOut, **ERRORS})
@answers
def organisations_save(request: HttpRequest, payload: OrganisationIn) -> Any:
    """Add a partner service or change the one with this code (the caller becomes its reviewer)."""
    organisation = services.organisation_save(actor=_user(request), values=payload.dict())
    return Status(201, _org_out(organisation))


@router.get("/directory/organisations/{org_code}", response={200: OrganisationOut, **ERRORS})
@answers
def organisations_get(request: HttpRequest, org_code: str) -> Any:
    """One directory entry."""
    _need(request, Perm.DIRECTORY_VIEW)
    return _org_out(_organisation(org_code))


class MatchOut(Schema):
    organisation: OrganisationOut
    serves_group: bool
    serves_area: bool
    speaks_language: bool


@router.get("/cases/{code}/services", response={200: list[MatchOut], **ERRORS})
@answers
def services_matching(request: HttpRequest, code: str, need: str) -> Any:
    """Services that could meet one of the person's needs (domain, cooperation assessment valid, room), best
    matches first (the person's group, area and language). Nothing about the person goes anywhere."""
    case = case_for_user(_user(request), code, section="consent")
    if need not in {c for c, _label in NEEDS_DOMAINS}:
        raise ValidationError({"need": "Unknown needs domain."})
    return [
        {
            "organisation": _org_out(m.organisation),
            "serves_group": m.target_group,
            "serves_area": m.area,
            "speaks_language": m.language,
        }
        for m in selectors.matching_services(case, need)
    ]


@router.get("/cases/{code}/referrals", response={200: list[ReferralOut], **ERRORS})
@answers
def referrals_list(request: HttpRequest, code: str) -> Any:
    """The referrals of a case."""
    case = case_for_user(_user(request), code, section="consent")
    return [_ref_out(r) for r in selectors.referrals_of(case)]


@router.post("/cases/{code}/referrals", response={201: ReferralOut, **ERRORS})
@answers
def referrals_create(request: HttpRequest, code: str, payload: ReferralIn) -> Any:
    """Draft a referral for a need to a directory organisation (neutrality guard first)."""
    organisation = _organisation(payload.organisation)
    guard_outgoing(actor=_user(request), case=None, organisation=organisation, channel="api", what="referral")
    case = case_for_user(_user(request), code, section="consent")
    referral = services.referral_draft(
        actor=_user(request),
        case=case,
        organisation=organisation,
        need_domain=payload.need_domain,
        channel="api",
    )
    return Status(201, _ref_out(referral))


@router.post("/cases/{code}/referrals/{uid}/fields", response={200: ReferralOut, **ERRORS})
@answers
def referrals_fields(request: HttpRequest, code: str, uid: UUID, payload: FieldsIn) -> Any:
    """The minimisation step: exactly which fields go."""
    case = case_for_user(_user(request), code, section="consent")
    referral = services.referral_minimise(
        actor=_user(request),
        referral=_referral(case, uid),
        fields=payload.fields,
        safe_contact_method=payload.safe_contact_method,
        language=payload.language,
        channel="api",
    )
    return _ref_out(referral)


@router.post("/cases/{code}/referrals/{uid}/send", response={200: Payload, **ERRORS})
@answers
def referrals_send(request: HttpRequest, code: str, uid: UUID) -> Any:
    """Send the referral (consent for this recipient checked); answers with exactly what was shared."""
    case = case_for_user(_user(request), code, section="consent")
    return services.referral_send(actor=_user(request), referral=_referral(case, uid), channel="api")


@router.get("/cases/{code}/referrals/{uid}/letter", response={200: None, **ERRORS})
@answers
def referrals_letter(
    request: HttpRequest, code: str, uid: UUID, format: Literal["pdf", "txt"] = "pdf"
) -> Any:
    """The referral letter, PDF or plain text, in the recipient's language."""
    case = case_for_user(_user(request), code, section="consent")
    data = services.referral_letter(
        actor=_user(request), referral=_referral(case, uid), fmt=format, channel="api"
    )
    content_type = "application/pdf" if format == "pdf" else "text/plain; charset=utf-8"
    return HttpResponse(data, content_type=content_type)


@router.post("/cases/{code}/referrals/{uid}/status", response={200: ReferralOut, **ERRORS})
@answers
def referrals_status(request: HttpRequest, code: str, uid: UUID, payload: StatusIn) -> Any:
    """Record the partner's answer, or withdraw the referral."""
    case = case_for_user(_user(request), code, section="consent")
    referral = services.referral_status_set(
        actor=_user(request), referral=_referral(case, uid), status=payload.status, feedback=payload.feedback
    )
    return _ref_out(referral)
