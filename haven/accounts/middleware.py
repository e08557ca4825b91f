"""Session timeouts and mandatory MFA, enforced before any view runs."""

from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from haven.accounts import reads, services
from haven.accounts.mfa import is_verified
from haven.accounts.refusals import is_refusal
from haven.accounts.services import record_refusal

LOGIN_AT = "haven_login_at"
LAST_SEEN = "haven_last_seen"
REAUTH_AT = "haven_reauth_at"

# Paths reachable after the password step but before the second factor.
_MFA_EXEMPT_PREFIXES = ("/accounts/", "/static/", "/i18n/", "/api/", "/health", "/about/", "/help/sign-in/")


class SessionTimeoutMiddleware:
    """End a session after SESSION_IDLE_SECONDS without a request, or SESSION_ABSOLUTE_SECONDS after login."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if user.is_authenticated:
            now = time.time()
            login_at = float(request.session.get(LOGIN_AT, now))
            last_seen = float(request.session.get(LAST_SEEN, now))
            kind = ""
            if now - last_seen > settings.SESSION_IDLE_SECONDS:
                kind = "idle"
            elif now - login_at > settings.SESSION_ABSOLUTE_SECONDS:
                kind = "absolute"
            if kind:
                user_id = user.pk
                logout(request)
                services.record_session_expired(user_id=user_id, kind=kind)
                if request.path.startswith("/api/"):
                    return self.get_response(request)
                # A query flag rather than a flash message: the session that would carry one is gone.
                return redirect(f"{reverse(settings.LOGIN_URL)}?expired=1")
            request.session[LAST_SEEN] = now
            request.session.setdefault(LOGIN_AT, now)
        return self.get_response(request)


class RequireMfaMiddleware:
    """Every signed-in page needs a verified second factor: every role reaches case data or its statistics."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if (
            user.is_authenticated
            and not is_verified(user)
            and not request.path.startswith(_MFA_EXEMPT_PREFIXES)
        ):
            return redirect("accounts:mfa")
        return self.get_response(request)


class RefusalAuditMiddleware:
    """Audit every refusal a web view raises (a permission check's 403, an access check's 404).

    Runs after the view's transactions ended, so the entry stays even when a service refused.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> None:
        if is_refusal(exception):
            record_refusal(request, exception)


class ReadLimitMiddleware:
    """Count the case reads of a signed-in web session (see `haven.accounts.reads`), and answer a read past
    the limit with a 429 page that says why and when reading can go on. API calls are counted per token
    by the API's authentication; their 429 is the API's own error shape."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        with reads.request_reads():
            user = getattr(request, "user", None)
            session_key = request.session.session_key if hasattr(request, "session") else None
            if user is not None and user.is_authenticated and session_key:
                reads.set_reader("session", session_key, user.pk)
            return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, reads.ReadLimited):
            return None
        context = {"status": 429, "limit": exception.limit, "seconds": exception.seconds}
        return render(request, "errors/error.html", context, status=429)
