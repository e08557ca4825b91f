"""Sign in, second factor, enrolment, re-authentication, sign out."""

from __future__ import annotations

import base64
import time
from typing import Any
from urllib.parse import urlencode

import segno
from django.conf import settings
from django.contrib import auth, messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from haven.accounts import services, throttle
from haven.accounts.forms import CodeForm, LoginForm, PasswordChoiceForm, ReauthForm, RecoveryCodeForm
from haven.accounts.mfa import is_verified
from haven.accounts.middleware import LAST_SEEN, LOGIN_AT, REAUTH_AT
from haven.accounts.models import User


def _safe_next(request: HttpRequest, default: str = "/") -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


@require_http_methods(["GET", "POST"])
def login(request: HttpRequest) -> HttpResponse:
    form = LoginForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                user = services.login_check(
                    email=form.cleaned_data["email"],
                    password=form.cleaned_data["password"],
                    client=throttle.client_of(request),
                )
            except services.LoginRefused:
                # One answer for a wrong password, an unknown address and an attempt made during a wait.
                form.add_error(None, _("The e-mail or password is not right."))
                status = 400
            else:
                auth.login(request, user)  # rotates the session key
                now = time.time()
                request.session[LOGIN_AT] = now
                request.session[LAST_SEEN] = now
                return redirect(f"/accounts/mfa/?{urlencode({'next': _safe_next(request)})}")
        else:
            status = 400
    context = {
        "form": form,
        "next": _safe_next(request, ""),
        "expired": request.GET.get("expired") == "1",
        "reset": request.GET.get("reset") == "1",
    }
    return render(request, "accounts/login.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def mfa(request: HttpRequest) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)
    if is_verified(user):
        return redirect(_safe_next(request))
    if not TOTPDevice.objects.filter(user=user, confirmed=True).exists():
        if services.mfa_enrolment_allowed(user=user):
            return redirect("accounts:mfa_enrol")
        return _reset_needed(request)
    form = CodeForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        done = (
            services.mfa_check(user=user, token=form.data.get("code", ""), client=throttle.client_of(request))
            if form.is_valid()
            else None
        )
        if done is not None:
            otp_login(request, done.device)
            # A new session id once fully signed in: an id seen between the two steps is worth nothing.
            request.session.cycle_key()
            if done.failed_attempts:
                messages.warning(request, _failed_attempts_notice(done.failed_attempts))
            response = redirect(_safe_next(request))
            _recognise_device(response, user)
            return response
        # A wrong code and one sent during a wait get the same answer.
        form.add_error(None, _("That code did not work. Codes change every 30 seconds; try the current one."))
        status = 400
    return render(
        request, "accounts/mfa.html", {"form": form, "next": _safe_next(request, "")}, status=status
    )


def _reset_needed(request: HttpRequest) -> HttpResponse:
    """An account with no working authenticator that may not enrol one (re-enabled): out, and told why."""
    auth.logout(request)
    return redirect(f"{reverse('accounts:login')}?reset=1")


def _failed_attempts_notice(count: int) -> str:
    return ngettext(
        "%(count)d failed sign-in attempt since your last sign-in. If it was not you, tell an administrator.",
        "%(count)d failed sign-in attempts since your last sign-in. If it was not you, tell an "
        "administrator.",
        count,
    ) % {"count": count}


def _recognise_device(response: HttpResponse, user: User) -> None:
    """Mark this browser as one the account holder signed in from: failures elsewhere never hold it back."""
    response.set_cookie(
        throttle.DEVICE_COOKIE,
        throttle.device_cookie_for(user.email),
        max_age=throttle.DEVICE_COOKIE_MAX_AGE,
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )


def _qr_svg(uri: str) -> str:
    return str(segno.make(uri, error="m").svg_inline(scale=4, dark="#1a1a1a", light="#ffffff"))


@login_required
@require_http_methods(["GET", "POST"])
def mfa_enrol(request: HttpRequest) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)
    if is_verified(user):
        return redirect("core:home")
    if TOTPDevice.objects.filter(user=user, confirmed=True).exists():
        # Only an account without a working authenticator may enrol one; others prove theirs first.
        return redirect("accounts:mfa")
    device = services.mfa_enrol_start(user=user)
    if device is None:
        return _reset_needed(request)
    form = CodeForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        confirmed = (
            services.mfa_enrol_confirm(user=user, token=form.data.get("code", ""))
            if form.is_valid()
            else None
        )
        if confirmed is not None:
            otp_login(request, confirmed)
            request.session.cycle_key()
            # The recovery codes are shown on this one answer, never again.
            codes = services.recovery_codes_issue(user=user)
            response = render(request, "accounts/recovery_codes.html", {"codes": codes})
            response["Cache-Control"] = "no-store"
            _recognise_device(response, user)
            return response
        form.add_error(None, _("That code did not work. Check the time on your phone and try again."))
        status = 400
    secret = base64.b32encode(device.bin_key).decode("ascii")
    context: dict[str, Any] = {"form": form, "qr_svg": _qr_svg(device.config_url), "secret": secret}
    return render(request, "accounts/mfa_enrol.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def mfa_recovery(request: HttpRequest) -> HttpResponse:
    """The second step with one of the recovery codes, when the authenticator is lost."""
    user = request.user
    assert isinstance(user, User)
    if is_verified(user):
        return redirect(_safe_next(request))
    form = RecoveryCodeForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        done = (
            services.recovery_code_check(
                user=user, code=form.cleaned_data["code"], client=throttle.client_of(request)
            )
            if form.is_valid()
            else None
        )
        if done is not None:
            otp_login(request, done.device)
            request.session.cycle_key()
            left = services.recovery_codes_left(user=user)
            messages.warning(
                request,
                ngettext(
                    "You signed in with a recovery code; %(left)d code is left. Ask an administrator to "
                    "reset your second factor if you lost your authenticator.",
                    "You signed in with a recovery code; %(left)d codes are left. Ask an administrator to "
                    "reset your second factor if you lost your authenticator.",
                    left,
                )
                % {"left": left},
            )
            return redirect(_safe_next(request))
        form.add_error(None, _("That recovery code did not work. Each code works only once."))
        status = 400
    return render(
        request, "accounts/mfa_recovery.html", {"form": form, "next": _safe_next(request, "")}, status=status
    )


@require_http_methods(["GET", "POST"])
def invitation(request: HttpRequest, token: str) -> HttpResponse:
    """The one-time enrolment link: the holder chooses a password, then sets up the second factor."""
    if services.invitation_find(token) is None:
        return render(request, "accounts/invitation_invalid.html", status=404)
    form = PasswordChoiceForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                user = services.invitation_accept(raw=token, password=form.cleaned_data["password"])
            except ValidationError as exc:
                form.add_error("password", exc)
                user = None
            if user is not None:
                auth.login(request, user, backend="haven.accounts.backends.EmailBackend")
                now = time.time()
                request.session[LOGIN_AT] = now
                request.session[LAST_SEEN] = now
                return redirect("accounts:mfa_enrol")
        status = 400
    return render(request, "accounts/invitation.html", {"form": form}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def reauth(request: HttpRequest) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)
    if not is_verified(user):
        return redirect(f"/accounts/mfa/?{urlencode({'next': request.get_full_path()})}")
    form = ReauthForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        client = throttle.client_of(request)
        ok = form.is_valid() and services.reauth_check(
            user=user, password=form.cleaned_data["password"], token=form.cleaned_data["code"], client=client
        )
        if ok:
            request.session[REAUTH_AT] = time.time()
            return redirect(_safe_next(request))
        if services.client_must_wait(user=user, client=client):
            # Guessing at the confirmation ends a session that may have been taken over.
            auth.logout(request)
            return redirect("accounts:login")
        form.add_error(None, _("Password or code not right. Please try again."))
        status = 400
    return render(
        request, "accounts/reauth.html", {"form": form, "next": _safe_next(request, "")}, status=status
    )


@require_POST
def logout(request: HttpRequest) -> HttpResponse:
    user = request.user
    if isinstance(user, User):
        services.record_logout(user=user)
    auth.logout(request)
    return redirect("accounts:login")
