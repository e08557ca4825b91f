"""Home, health, and the error pages (which show no traceback and no data)."""

from __future__ import annotations

import sys

from django.db import connection
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.template import loader
from django.urls import reverse
from django.utils.translation import get_language

from haven.accounts.decorators import require_login
from haven.accounts.permissions import ROLE_LABELS, Role
from haven.core import guides
from haven.core.storage import storage_failure


@require_login
def home(request: HttpRequest) -> HttpResponse:
    role = Role(request.user.role)  # type: ignore[union-attr]
    return render(request, "core/home.html", {"role_label": ROLE_LABELS[role]})


@require_login
def help_index(request: HttpRequest) -> HttpResponse:
    """Every role's guide, in the interface language first and the other one beside it; one's own first."""
    own = Role(request.user.role)  # type: ignore[union-attr]
    lang = guides.guide_language(get_language())
    other = guides.other_language(lang)
    rows = [
        {
            "label": ROLE_LABELS[role],
            "own": role == own,
            "url": reverse("core:guide", args=[lang, slug]),
            "other_url": reverse("core:guide", args=[other, slug]),
        }
        for role, slug in sorted(guides.ROLE_SLUGS.items(), key=lambda item: item[0] != own)
    ]
    context = {
        "rows": rows,
        "other_lang": other,
        "other_name": guides.LANGUAGE_NAMES[other],
        "sign_in_url": reverse("core:sign_in_help", args=[lang]),
    }
    return render(request, "core/help.html", context)


def _guide_page(request: HttpRequest, lang: str, slug: str) -> HttpResponse:
    found = guides.load(lang, slug)
    if found is None:
        raise Http404("no such guide")
    other = guides.other_language(lang)
    name = "core:sign_in_help" if slug == guides.SIGN_IN else "core:guide"
    args = [other] if slug == guides.SIGN_IN else [other, slug]
    context = {
        "guide": found,
        "other_lang": other,
        "other_name": guides.LANGUAGE_NAMES[other],
        "other_url": reverse(name, args=args),
    }
    return render(request, "core/guide.html", context)


@require_login
def guide(request: HttpRequest, lang: str, slug: str) -> HttpResponse:
    """One role's guide; every signed-in role may read every guide."""
    if slug not in guides.ROLE_SLUGS.values():
        raise Http404("no such guide")
    return _guide_page(request, lang, slug)


def sign_in_help(request: HttpRequest, lang: str) -> HttpResponse:
    """How to sign in and set up the authenticator app. Public: it holds no data."""
    return _guide_page(request, lang, guides.SIGN_IN)


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
