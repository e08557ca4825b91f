"""View decorators: the permission check in one place, and re-authentication before sensitive actions."""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from typing import Any, TypeVar, cast
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

from haven.accounts.mfa import is_verified
from haven.accounts.middleware import REAUTH_AT
from haven.accounts.permissions import Perm

View = TypeVar("View", bound=Callable[..., HttpResponse])


def require_perm(perm: Perm) -> Callable[[View], View]:
    """Signed in, second factor verified, and the role grants `perm`; a refusal is a 403, audited by
    `RefusalAuditMiddleware` (see `haven.accounts.refusals`)."""

    def decorator(view: View) -> View:
        @functools.wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            user = request.user
            if not user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not is_verified(user):
                return redirect("accounts:mfa")
            if not user.has(perm):
                raise PermissionDenied(perm.value)
            return view(request, *args, **kwargs)

        return cast(View, wrapper)

    return decorator


def require_login(view: View) -> View:
    """Signed in with a verified second factor; no particular permission."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not is_verified(request.user):
            return redirect("accounts:mfa")
        return view(request, *args, **kwargs)

    return cast(View, wrapper)


def recently_authenticated(request: HttpRequest) -> bool:
    """True when this session confirmed password and a fresh TOTP code within REAUTH_SECONDS."""
    at = float(request.session.get(REAUTH_AT, 0))
    return time.time() - at <= settings.REAUTH_SECONDS


def require_recent_auth(view: View) -> View:
    """Password and a fresh TOTP code within REAUTH_SECONDS before the view runs (export, erasure)."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not recently_authenticated(request):
            query = urlencode({"next": request.get_full_path()})
            return redirect(f"{reverse('accounts:reauth')}?{query}")
        return view(request, *args, **kwargs)

    return cast(View, wrapper)
