"""Fail closed when the keys cannot be used: every page answers 503 with a plain explanation.

`VaultHealthMiddleware` belongs right after `csp.middleware.CSPMiddleware` in MIDDLEWARE, before the session
and authentication middleware, so that a request refused here reads and writes nothing (no session, no
audit entry). It asks `integration.health()` (cached a few seconds per process) before every request except
static files, and turns a `VaultKeyError` raised by a view (a key that stopped opening between two checks)
into the same 503 page instead of a 500 traceback.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template import loader

from haven.vault import integration
from haven.vault.errors import VaultKeyError, VaultLocked

_API_MESSAGES = {
    "locked": "The encryption keys of this Haven were destroyed (emergency lock). No case data can be read.",
    "restoring": "Haven is being restored from a backup. Try again when the restore has finished.",
    "keys": "Haven cannot use its encryption keys. An administrator must run 'haven check' on the server.",
}


def unavailable_response(request: HttpRequest, reason: str) -> HttpResponse:
    """The 503 answer: JSON for the API, a page without any request context for everything else."""
    if request.path.startswith("/api/"):
        response: HttpResponse = JsonResponse(
            {"error": {"code": f"vault_{reason}", "message": _API_MESSAGES[reason]}}, status=503
        )
    else:
        # No request context: the session and context processors must not run (they read the database).
        body = loader.get_template("vault/unavailable.html").render({"reason": reason})
        response = HttpResponse(body, status=503)
    response["Cache-Control"] = "no-store"
    if reason == "restoring":
        response["Retry-After"] = "60"
    return response


class VaultHealthMiddleware:
    """Refuse every request with a 503 page while the vault cannot be used (see the module docstring)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path.startswith(settings.STATIC_URL or "/static/"):
            return self.get_response(request)
        state = integration.health()
        if not state.ok:
            return unavailable_response(request, state.reason)
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, VaultKeyError):
            return None
        integration.reset()
        return unavailable_response(request, "locked" if isinstance(exception, VaultLocked) else "keys")
