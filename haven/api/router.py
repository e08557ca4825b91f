"""The REST API under /api/v1/: token auth, uniform JSON errors, OpenAPI at /api/v1/openapi.json.

Each domain app contributes a ninja Router (its `api.py`), added at the bottom of this module.
"""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.security import HttpBearer

from haven.accounts.models import User
from haven.api.services import token_user


class TokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        user = token_user(token)
        if user is not None:
            request.user = user
        return user


api = NinjaAPI(
    title="Haven API",
    version="1",
    description="Haven's REST API. Every call needs a personal access token (`Authorization: Bearer …`), "
    'created with `haven token create`. Errors have one shape: `{"error": {"code", "message"}}`.',
    auth=TokenAuth(),
    urls_namespace="api-v1",
    docs_url=None,
)


class ErrorBody(Schema):
    code: str
    message: str


class Error(Schema):
    error: ErrorBody


def error_response(
    request: HttpRequest, status: int, code: str, message: str, extra: dict[str, Any] | None = None
) -> HttpResponse:
    body: dict[str, Any] = {"error": {"code": code, "message": message, **(extra or {})}}
    return api.create_response(request, body, status=status)


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
    return error_response(request, 404, "not_found", "Not found.")


@api.exception_handler(HttpError)
def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    return error_response(request, exc.status_code, "error", str(exc))


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
