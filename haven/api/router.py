"""The REST API under /api/v1/: token auth, uniform JSON errors, OpenAPI at /api/v1/openapi.json.

Each domain app contributes a ninja Router (its `api.py`, which uses the error shapes defined here); the root
URLconf (`haven/urls.py`) adds them, so this module imports no domain app and the apps' APIs depend on it,
not the other way round.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Annotated, Any, Literal

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase, JsonResponse
from django.urls import URLPattern, URLResolver
from ninja import Field, NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.parser import Parser
from ninja.security import HttpBearer
from pydantic import BeforeValidator, ConfigDict

from haven.accounts import reads, throttle
from haven.accounts.models import User
from haven.accounts.refusals import AccessNotFound
from haven.accounts.services import record_refusal
from haven.api.models import ApiToken
from haven.api.services import token_active, token_confirm, token_lookup, token_revoke, tokens_held
from haven.core.parsing import load_json

# Which scope a call needs: the first rule whose path prefix (under /api/v1) matches, the scope for reading
# (GET, HEAD) or the one for the other methods. Calls matching no rule (/me, /tokens/...) need none.
SCOPE_RULES: tuple[tuple[str, str, str], ...] = (
    ("/stats/exports", "export", "export"),
    ("/stats", "statistics", "statistics"),
    ("/cases", "cases.read", "cases.write"),
    ("/screenings", "cases.read", "cases.write"),
)


def scope_needed(path: str, method: str) -> str | None:
    """The scope a call to `path` (the full request path) with `method` needs, or None."""
    _, _, rest = path.partition("/api/v1")
    for prefix, read, write in SCOPE_RULES:
        if rest == prefix or rest.startswith(prefix + "/"):
            return read if method in ("GET", "HEAD") else write
    return None


class ScopeMissing(PermissionDenied):
    """The token was not given the scope this call needs (its argument is the scope)."""


class TokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        found = token_lookup(token)
        if found is None:
            return None
        request.user = found.user
        request.api_token = found  # type: ignore[attr-defined]
        reads.set_reader("token", str(found.pk), found.user.pk)
        needed = scope_needed(request.path, request.method or "GET")
        if needed is not None and needed not in found.scopes:
            raise ScopeMissing(f"scope.{needed}")
        return found.user


def calling_token(request: HttpRequest) -> ApiToken:
    """The token that authenticated this API call."""
    token = getattr(request, "api_token", None)
    assert isinstance(token, ApiToken)
    return token


def _uniform_not_allowed(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """Give ninja's plain-text 405 the API's one error shape (the Allow header stays)."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        response = view(request, *args, **kwargs)
        if response.status_code == 405 and not response.get("Content-Type", "").startswith(
            "application/json"
        ):
            allowed = response.get("Allow", "")
            body = {"error": {"code": "method_not_allowed", "message": f"Use {allowed or 'another method'}."}}
            response = JsonResponse(body, status=405)
            response["Allow"] = allowed
        return response

    wrapper.csrf_exempt = True  # type: ignore[attr-defined]
    return wrapper


class SafeJsonParser(Parser):
    """JSON bodies through the shared parser, which refuses a body nested too deeply to walk safely."""

    def parse_body(self, request: HttpRequest) -> Any:
        # ninja answers any parse error with 400 "Cannot parse request body".
        return load_json(request.body)


class HavenAPI(NinjaAPI):
    def _get_urls(self) -> list[URLResolver | URLPattern]:
        patterns = super()._get_urls()
        for pattern in patterns:
            if isinstance(pattern, URLPattern):
                pattern.callback = _uniform_not_allowed(pattern.callback)
        return patterns


api = HavenAPI(
    title="Haven API",
    version="1",
    description="Haven's REST API. Every call needs a personal access token (`Authorization: Bearer …`), "
    'created with `haven token create`. Errors have one shape: `{"error": {"code", "message"}}`.',
    auth=TokenAuth(),
    parser=SafeJsonParser(),
    urls_namespace="api-v1",
    docs_url=None,
)


class ErrorBody(Schema):
    code: str
    message: str


class Error(Schema):
    error: ErrorBody


def error_response(
    request: HttpRequest,
    status: int,
    code: str,
    message: str,
    extra: dict[str, Any] | None = None,
    *,
    refusal: BaseException | str = "",
) -> HttpResponse:
    """The API's one error shape. A 403 is a refusal and is audited (`refusal`: the PermissionDenied, or
    the permission's code; without it the endpoint's name is recorded)."""
    if status == 403:
        record_refusal(request, refusal)
    body: dict[str, Any] = {"error": {"code": code, "message": message, **(extra or {})}}
    return api.create_response(request, body, status=status)


def invalid_input_response(request: HttpRequest, exc: DjangoValidationError) -> HttpResponse:
    """A service's ValidationError as the API's 400 `invalid_input`, one problem per field."""
    details = (
        [
            {"where": k, "problem": " ".join(str(m) for e in v for m in e.messages)}
            for k, v in exc.error_dict.items()
        ]
        if hasattr(exc, "error_dict")
        else [{"where": "", "problem": m} for m in exc.messages]
    )
    return error_response(request, 400, "invalid_input", "The request is not valid.", {"details": details})


@api.exception_handler(ValidationError)
def on_validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    details = [
        {"where": ".".join(str(part) for part in err.get("loc", [])), "problem": str(err.get("msg", ""))}
        for err in exc.errors
    ]
    return error_response(
        request, 400, "invalid_input", "The request body or parameters are not valid.", {"details": details}
    )


@api.exception_handler(AuthenticationError)
def on_auth_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return error_response(request, 401, "unauthenticated", "A valid API token is required.")


@api.exception_handler(Http404)
def on_not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    if isinstance(exc, AccessNotFound):
        record_refusal(request, exc)  # an access check's "no", answered like a missing object
    return error_response(request, 404, "not_found", "Not found.")


@api.exception_handler(reads.ReadLimited)
def on_read_limited(request: HttpRequest, exc: reads.ReadLimited) -> HttpResponse:
    return error_response(
        request,
        429,
        "too_many_people",
        f"This token read more than {exc.limit} different people within {exc.seconds} seconds; reading "
        "another person is paused to prevent bulk copying, and the data protection officer was alerted. "
        "Wait a minute before reading further.",
    )


@api.exception_handler(ScopeMissing)
def on_scope_missing(request: HttpRequest, exc: ScopeMissing) -> HttpResponse:
    scope = str(exc).removeprefix("scope.")
    return error_response(
        request,
        403,
        "scope_missing",
        f"This token was not given the scope {scope!r} that this call needs; create a token with it.",
        refusal=exc,
    )


@api.exception_handler(PermissionDenied)
def on_permission_denied(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    return error_response(request, 403, "forbidden", "Your role does not allow this.", refusal=exc)


_HTTP_CODES = {
    400: "bad_request",
    401: "unauthenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    429: "too_many_requests",
}


@api.exception_handler(HttpError)
def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    return error_response(request, exc.status_code, _HTTP_CODES.get(exc.status_code, "error"), str(exc))


class Health(Schema):
    status: str


class Me(Schema):
    id: int
    role: str
    team: str | None


@api.get("/health", auth=None, response=Health, tags=["meta"])
def health(request: HttpRequest) -> dict[str, str]:
    """Liveness: the API answers."""
    return {"status": "ok"}


@api.get("/me", response={200: Me, 401: Error}, tags=["meta"])
def me(request: HttpRequest) -> dict[str, Any]:
    """The account that holds the token: id, role and team (no personal data)."""
    user = request.user
    assert isinstance(user, User)
    return {"id": user.pk, "role": user.role, "team": user.team.name if user.team else None}


_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _iso_date(value: object) -> object:
    # pydantic alone takes 0, "0" or 1.5e9 for a date (seconds since 1970): a date of birth sent as 0 would
    # be stored as 1 January 1970. Only the text YYYY-MM-DD (or a date already parsed) is a date here.
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if not isinstance(value, str) or not _ISO_DATE.fullmatch(value):
        raise ValueError("give the date as YYYY-MM-DD")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValueError("not a date of the calendar (YYYY-MM-DD)") from None


# Every date the API takes: written YYYY-MM-DD, nothing else.
IsoDate = Annotated[date, BeforeValidator(_iso_date)]


class StrictSchema(Schema):
    # Unknown fields are refused rather than ignored, so a client cannot set what it was not offered.
    model_config = ConfigDict(extra="forbid")


class ConfirmIn(StrictSchema):
    password: str = Field(..., max_length=1024)
    code: str = Field(..., max_length=16)


class Confirmed(Schema):
    confirmed_until: datetime


@api.post("/tokens/confirm", response={200: Confirmed, 400: Error, 401: Error, 403: Error}, tags=["tokens"])
def tokens_confirm(request: HttpRequest, body: ConfirmIn) -> Any:
    """Confirm your password and a fresh code from your authenticator through this token, as the web asks
    before sensitive actions. For the next few minutes (`confirmed_until`) the token may make the calls
    that need it: the statistics export. A wrong password counts towards the account's lockout."""
    token = calling_token(request)
    if not token_confirm(
        token=token, password=body.password, code=body.code, client=throttle.client_of(request)
    ):
        return error_response(
            request, 403, "not_confirmed", "The password or the code is not right.", refusal="auth.reauth"
        )
    assert token.confirmed_at is not None
    return {"confirmed_until": token.confirmed_at + timedelta(seconds=settings.REAUTH_SECONDS)}


class TokenOut(Schema):
    id: int
    name: str
    prefix: str
    scopes: list[str]
    created_at: datetime
    expires_at: datetime | None
    last_used_at: datetime | None
    revoked_at: datetime | None
    active: bool


@api.get("/tokens", response={200: list[TokenOut], 401: Error}, tags=["tokens"])
def tokens_list(request: HttpRequest) -> list[dict[str, Any]]:
    """Your own tokens, newest first, with their scopes, expiry and last use (never their secrets; the last
    use is recorded to the minute)."""
    user = request.user
    assert isinstance(user, User)
    return [
        {
            "id": t.pk, "name": t.name, "prefix": t.prefix, "scopes": t.scopes, "created_at": t.created_at,
            "expires_at": t.expires_at, "last_used_at": t.last_used_at, "revoked_at": t.revoked_at,
            "active": token_active(t),
        }
        for t in tokens_held(user)
    ]  # fmt: skip


class RevokeIn(StrictSchema):
    reason: Literal["no_longer_needed", "lost", "exposed"]


class Revoked(Schema):
    revoked: int


@api.post("/tokens/revoke", response={200: Revoked, 400: Error, 401: Error}, tags=["tokens"])
def tokens_revoke(request: HttpRequest, body: RevokeIn) -> dict[str, int]:
    """Revoke the token used for this call, e.g. when it is no longer needed or may have been exposed."""
    user = request.user
    assert isinstance(user, User)
    token = calling_token(request)
    token_revoke(actor=user, token=token, reason=body.reason)
    return {"revoked": token.pk}
