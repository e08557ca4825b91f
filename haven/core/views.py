"""Home, health, and the error pages (which show no traceback and no data)."""

from __future__ import annotations

import sys

from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.template import loader

from haven.accounts.decorators import require_login
from haven.accounts.permissions import ROLE_LABELS, Role
from haven.core.storage import storage_failure


@require_login
def home(request: HttpRequest) -> HttpResponse:
    role = Role(request.user.role)  # type: ignore[union-attr]
    return render(request, "core/home.html", {"role_label": ROLE_LABELS[role]})


def health(request: HttpRequest) -> HttpResponse:
    """Liveness for a load balancer: the database answers. Says nothing else."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


_API_ERRORS = {
    400: ("bad_request", "The request could not be understood."),
    403: ("forbidden", "Not allowed."),
    404: ("not_found", "Not found."),
    500: ("server_error", "The server could not finish this request."),
}


def _error(request: HttpRequest, status: int) -> HttpResponse:
    # API clients get the API's one error shape, even for paths the API router never saw.
    if request.path.startswith("/api/"):
        code, message = _API_ERRORS[status]
        return JsonResponse({"error": {"code": code, "message": message}}, status=status)
    return render(request, "errors/error.html", {"status": status}, status=status)


def error_400(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error(request, 400)


def error_403(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error(request, 403)


def error_404(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error(request, 404)


_STORAGE_MESSAGES = {
    "read_only": "Haven cannot save anything at the moment: its storage is read-only. Nothing was changed; "
    "reading still works. An administrator must run 'haven check' on the server.",
    "full": "Haven cannot save anything at the moment: its storage is full. Nothing was changed; reading "
    "still works. An administrator must run 'haven check' on the server.",
}


def storage_unavailable(request: HttpRequest, failure: str) -> HttpResponse:
    """503 when a write met a read-only or full disk: the API's error shape, or a page saying what happened
    (rendered without the request context, which may itself need to write)."""
    response: HttpResponse
    if request.path.startswith("/api/"):
        body = {"error": {"code": "storage_unavailable", "message": _STORAGE_MESSAGES[failure]}}
        response = JsonResponse(body, status=503)
    else:
        page = loader.get_template("errors/storage.html").render({"failure": failure})
        response = HttpResponse(page, status=503)
    response["Retry-After"] = "300"
    response["Cache-Control"] = "no-store"
    return response


def error_500(request: HttpRequest) -> HttpResponse:
    # Django calls this inside its exception handler, so the exception is at hand: a write refused by a
    # read-only or full disk is not a bug of Haven's, and says so (503) instead of "something went wrong".
    failure = storage_failure(sys.exc_info()[1])
    if failure is not None:
        return storage_unavailable(request, failure)
    # Rendered without the request context: the failure may lie in a context processor or the session.
    if request.path.startswith("/api/"):
        return _error(request, 500)
    return HttpResponse(loader.get_template("errors/error.html").render({"status": 500}), status=500)
