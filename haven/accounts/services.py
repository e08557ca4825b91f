"""Account services: the only code that changes accounts, each writing its audit entry atomically."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from haven.accounts.models import Organisation, Team, User
from haven.accounts.permissions import Role
from haven.audit.services import audit_record


class LoginRefused(Exception):
    """Login failed. The message is the same for every reason so that accounts cannot be probed."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


@dataclass(frozen=True)
class Credentials:
    email: str
    password: str


def _now() -> datetime:
    return timezone.now()


def login_check(*, email: str, password: str) -> User:
    """Check a password login, counting failures and locking the account after too many in a row.

    Raises LoginRefused("invalid" | "locked"). A locked account stays locked for LOCKOUT_MINUTES even
    when the right password is given, so guessing cannot continue during the lock.
    """
    user, refusal = _login_attempt(email=email, password=password)
    # Raised only after the transaction committed: raising inside it would roll back the failure count
    # and its audit entry, and the lockout would never trigger.
    if user is None or refusal:
        raise LoginRefused(refusal or "invalid")
    return user


@transaction.atomic
def _login_attempt(*, email: str, password: str) -> tuple[User | None, str]:
    from django.contrib.auth import authenticate

    user = User.objects.select_for_update().filter(email__iexact=email).first()
    if user is not None and user.locked_until and user.locked_until > _now():
        audit_record(
            actor_id=user.pk, action="auth.login_refused_locked", object_type="user", object_id=user.pk
        )
        return None, "locked"
    authenticated = authenticate(username=email, password=password)
    if authenticated is None:
        if user is None:
            audit_record(actor_id=None, action="auth.login_failed", detail={"known_account": False})
            return None, "invalid"
        _register_failure(user, reason="password")
        return None, "locked" if user.locked_until else "invalid"
    assert isinstance(authenticated, User)
    authenticated.failed_logins = 0
    authenticated.locked_until = None
    authenticated.save(update_fields=["failed_logins", "locked_until"])
    audit_record(
        actor_id=authenticated.pk, action="auth.login", object_type="user", object_id=authenticated.pk
    )
    return authenticated, ""


def _register_failure(user: User, *, reason: str) -> None:
    fields = ["failed_logins"]
    if user.locked_until and user.locked_until <= _now():
        # A lock that has run out starts a fresh count, rather than re-locking on the next slip.
        user.failed_logins = 0
        user.locked_until = None
        fields.append("locked_until")
    user.failed_logins += 1
    audit_record(
        actor_id=user.pk,
        action="auth.login_failed",
        object_type="user",
        object_id=user.pk,
        detail={"known_account": True, "factor": reason, "count": user.failed_logins},
    )
    if user.failed_logins >= settings.LOGIN_FAILURE_LIMIT:
        user.locked_until = _now() + timedelta(minutes=settings.LOCKOUT_MINUTES)
        if "locked_until" not in fields:
            fields.append("locked_until")
        audit_record(
            actor_id=user.pk,
            action="auth.locked",
            object_type="user",
            object_id=user.pk,
            detail={"minutes": settings.LOCKOUT_MINUTES},
        )
    user.save(update_fields=fields)


@transaction.atomic
def mfa_check(*, user: User, token: str) -> TOTPDevice | None:
    """Verify a TOTP code against the account's confirmed device; failures count towards the lockout."""
    locked = User.objects.select_for_update().get(pk=user.pk)
    if locked.locked_until and locked.locked_until > _now():
        audit_record(
            actor_id=user.pk, action="auth.mfa_refused_locked", object_type="user", object_id=user.pk
        )
        return None
    device = TOTPDevice.objects.filter(user=locked, confirmed=True).first()
    if device is not None and token.isdigit() and device.verify_token(token):
        locked.failed_logins = 0
        locked.save(update_fields=["failed_logins"])
        audit_record(actor_id=user.pk, action="auth.mfa_verified", object_type="user", object_id=user.pk)
        return device
    _register_failure(locked, reason="totp")
    return None


@transaction.atomic
def mfa_enrol_start(*, user: User) -> TOTPDevice:
    """Create (or reuse) the unconfirmed TOTP device shown during enrolment."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="authenticator", confirmed=False)
        audit_record(actor_id=user.pk, action="auth.mfa_enrol_started", object_type="user", object_id=user.pk)
    return device


@transaction.atomic
def mfa_enrol_confirm(*, user: User, token: str) -> TOTPDevice | None:
    """Confirm enrolment with a first code; other devices of the account are removed."""
    if TOTPDevice.objects.filter(user=user, confirmed=True).exists():
        # Enrolling over a working authenticator would let a stolen password replace the second factor.
        audit_record(actor_id=user.pk, action="auth.mfa_enrol_refused", object_type="user", object_id=user.pk)
        return None
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None or not token.isdigit() or not device.verify_token(token):
        audit_record(actor_id=user.pk, action="auth.mfa_enrol_failed", object_type="user", object_id=user.pk)
        return None
    TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    audit_record(actor_id=user.pk, action="auth.mfa_enrolled", object_type="user", object_id=user.pk)
    return device


def record_logout(*, user: User) -> None:
    audit_record(actor_id=user.pk, action="auth.logout", object_type="user", object_id=user.pk)


def record_session_expired(*, user_id: int, kind: str) -> None:
    audit_record(
        actor_id=user_id,
        action="auth.session_expired",
        object_type="user",
        object_id=user_id,
        detail={"kind": kind},
    )


def record_denied(*, user_id: int | None, what: str, object_type: str = "", object_id: str = "") -> None:
    """An authorisation failure: the permission or area refused and the code of the object asked for,
    never the data asked for."""
    audit_record(
        actor_id=user_id,
        action="access.denied",
        object_type=object_type,
        object_id=object_id,
        detail={"what": what[:64]},
    )


@transaction.atomic
def user_create(
    *,
    actor: User | None,
    email: str,
    password: str,
    role: Role | str,
    team: Team | None,
    display_name: str = "",
    is_demo: bool = False,
) -> User:
    """Create an account after checking the password rules."""
    role = Role(role)
    user = User(
        email=email.strip().lower(), role=role.value, team=team, display_name=display_name, is_demo=is_demo
    )
    validate_password(password, user)
    user.set_password(password)
    user.full_clean()
    user.save()
    audit_record(
        actor_id=actor.pk if actor else None,
        action="account.created",
        object_type="user",
        object_id=user.pk,
        detail={"role": role.value},
    )
    return user


@transaction.atomic
def user_disable(*, actor: User | None, user: User) -> User:
    """Disable an account and end all its sessions at once."""
    user.is_active = False
    user.session_epoch += 1
    user.save(update_fields=["is_active", "session_epoch"])
    TOTPDevice.objects.filter(user=user).update(confirmed=False)
    audit_record(
        actor_id=actor.pk if actor else None, action="account.disabled", object_type="user", object_id=user.pk
    )
    return user


@transaction.atomic
def user_unlock(*, actor: User | None, user: User) -> User:
    user.failed_logins = 0
    user.locked_until = None
    user.save(update_fields=["failed_logins", "locked_until"])
    audit_record(
        actor_id=actor.pk if actor else None, action="account.unlocked", object_type="user", object_id=user.pk
    )
    return user


@transaction.atomic
def organisation_create(
    *, actor: User | None, name: str, team_names: list[str], is_demo: bool = False
) -> Organisation:
    """Create the Society and its teams."""
    organisation = Organisation.objects.create(name=name, is_demo=is_demo)
    for team_name in team_names:
        Team.objects.create(organisation=organisation, name=team_name)
    audit_record(
        actor_id=actor.pk if actor else None,
        action="organisation.created",
        object_type="organisation",
        object_id=organisation.pk,
        detail={"teams": len(team_names)},
    )
    return organisation


def reauth_check(*, user: User, password: str, token: str) -> bool:
    """Re-authentication before a sensitive action: the password and a fresh code.

    A wrong password counts towards the lockout like a failed sign-in, so a hijacked session cannot be
    used to guess the password.
    """
    ok = _reauth_password(user=user, password=password)
    if ok and mfa_check(user=user, token=token) is not None:
        audit_record(actor_id=user.pk, action="auth.reauthenticated", object_type="user", object_id=user.pk)
        return True
    return False


@transaction.atomic
def _reauth_password(*, user: User, password: str) -> bool:
    locked = User.objects.select_for_update().get(pk=user.pk)
    if locked.locked_until and locked.locked_until > _now():
        audit_record(
            actor_id=user.pk, action="auth.reauth_refused_locked", object_type="user", object_id=user.pk
        )
        return False
    if locked.check_password(password):
        return True
    _register_failure(locked, reason="reauth_password")
    return False


# What a refusal may name in the audit trail: a permission or check code, an object's code. Anything
# else (free text, a value typed by the caller) is left out.
_WHAT = re.compile(r"[a-z][a-z0-9_.:-]{0,63}")
_OBJECT_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,31}")


def record_refusal(request: HttpRequest, refusal: BaseException | str = "") -> None:
    """Audit one refusal of `request` (a 403 or an access check's 404): who, what refused, which object."""
    user = getattr(request, "user", None)
    user_id = user.pk if user is not None and user.is_authenticated else None
    if isinstance(refusal, str):
        what, object_type, object_id = refusal, "", ""
    else:
        first = refusal.args[0] if refusal.args else ""
        what = getattr(refusal, "what", first if isinstance(first, str) else "")
        object_type = str(getattr(refusal, "object_type", ""))
        object_id = str(getattr(refusal, "object_id", ""))
    if not _WHAT.fullmatch(what):
        match = getattr(request, "resolver_match", None)
        what = (match.view_name if match is not None else "") or "unnamed"
    if not _OBJECT_ID.fullmatch(object_id):
        object_type, object_id = "", ""
    record_denied(user_id=user_id, what=what, object_type=object_type, object_id=object_id)


@transaction.atomic
def team_contacts_set(
    *,
    actor: User | None,
    team: Team,
    contact_person: str,
    contact_how: str,
    safeguarding_contact: str,
    safeguarding_steps: str,
) -> Team:
    """Set who receives the team's hand-overs and the team's child safeguarding procedure.

    Shown on every screening result of the team's members. ``actor`` is None from the command line (the
    operator on the server); the account administration will call it with the administrator.
    """
    team = Team.objects.select_for_update().get(pk=team.pk)
    team.contact_person = contact_person.strip()
    team.contact_how = contact_how.strip()
    team.safeguarding_contact = safeguarding_contact.strip()
    team.safeguarding_steps = safeguarding_steps.strip()
    team.full_clean()
    team.save()
    audit_record(
        actor_id=actor.pk if actor is not None else None,
        action="team.contacts_set",
        object_type="team",
        object_id=team.pk,
        detail={"contact_person": bool(team.contact_person), "safeguarding": bool(team.safeguarding_steps)},
    )
    return team
