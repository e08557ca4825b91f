"""Home, health, and the error pages (which show no traceback and no data)."""

from __future__ import annotations

from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from haven.accounts.decorators import require_login
from haven.accounts.permissions import ROLE_LABELS, Role


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


def error_500(request: HttpRequest) -> HttpResponse:
    # Rendered without the request context: the failure may lie in a context processor or the session.
    if request.path.startswith("/api/"):
        return _error(request, 500)
    from django.template import loader

    return HttpResponse(loader.get_template("errors/error.html").render({"status": 500}), status=500)
