"""Account services: the only code that changes accounts, each writing its audit entry atomically."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import F
from django.http import HttpRequest
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from haven.accounts import throttle
from haven.accounts.models import LoginThrottle, Organisation, Team, User
from haven.accounts.permissions import Perm, Role
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
    """The time the throttle goes by; tests replace it with a controlled clock."""
    return timezone.now()


def _spend_a_hash(password: str) -> None:
    """Hash the password as a check would, so that a refusal without a check takes as long as one."""
    User().set_password(password)


def _must_wait(keys: throttle.Keys, now: datetime) -> bool:
    # Locking the rows makes parallel attempts under one key queue, so a burst cannot slip through
    # together the moment a wait ends.
    rows = LoginThrottle.objects.select_for_update().filter(key__in=keys.gate)
    return any(row.wait_until is not None and row.wait_until > now for row in rows)


def _note_attempt(keys: throttle.Keys, now: datetime, *, checked: bool) -> None:
    """Count a failed check under every key of the attempt, or a refusal during a wait (which changes no
    wait). Both run the same statements, whether the keys had rows or not, so no path answers faster."""
    LoginThrottle.objects.filter(last_failure_at__lt=now - throttle.FAILURE_MEMORY).delete()
    # Insert-if-missing in one statement: no race between two first failures under one key.
    LoginThrottle.objects.bulk_create(
        [LoginThrottle(key=key, last_failure_at=now) for key in keys.count], ignore_conflicts=True
    )
    rows = list(LoginThrottle.objects.select_for_update().filter(key__in=keys.count))
    for row in rows:
        if checked:
            row.failures += 1
            row.last_failure_at = now
            row.wait_until = throttle.wait_until(row.failures, now)
        else:
            row.refused += 1
    LoginThrottle.objects.bulk_update(rows, ["failures", "last_failure_at", "wait_until", "refused"])


def _refused(*, user: User | None, email: str, factor: str, checked: bool) -> None:
    """Audit a refused attempt and count it for the account holder's notice at their next sign-in.

    The counting statement runs for an unknown address too (and changes nothing), so that both cost the
    same; the audit entry names the account by its id only.
    """
    User.objects.filter(email__iexact=email).update(failed_logins=F("failed_logins") + 1)
    action = "auth.login_failed" if checked else "auth.login_throttled"
    if user is None:
        audit_record(actor_id=None, action=action, detail={"known_account": False})
        return
    detail: dict[str, object] = {"known_account": True, "factor": factor}
    if checked:
        detail["count"] = user.failed_logins + 1
    audit_record(actor_id=user.pk, action=action, object_type="user", object_id=user.pk, detail=detail)


def login_check(*, email: str, password: str, client: throttle.Client) -> User:
    """Check the password step of a sign-in, under the throttle of `haven.accounts.throttle`.

    Raises LoginRefused("invalid" | "throttled"); the two are answered alike, and an unknown address costs
    the same work as a known one: the same queries, a password hash, the same writes.
    """
    user, refusal = _login_attempt(email=email, password=password, client=client)
    # Raised only after the transaction committed: raising inside it would roll back the failure count
    # and its audit entry.
    if user is None or refusal:
        raise LoginRefused(refusal or "invalid")
    return user


@transaction.atomic
def _login_attempt(*, email: str, password: str, client: throttle.Client) -> tuple[User | None, str]:
    now = _now()
    email = email.strip()
    keys = throttle.keys_for(email, client)
    user = User.objects.select_for_update().filter(email__iexact=email).first()
    if _must_wait(keys, now):
        _spend_a_hash(password)
        _note_attempt(keys, now, checked=False)
        _refused(user=user, email=email, factor="password", checked=False)
        return None, "throttled"
    # The account found above is checked here rather than through authenticate(), whose backend would
    # look it up a second time: that lookup would be the one step a throttled attempt does not take.
    if user is None:
        _spend_a_hash(password)
        ok = False
    else:
        ok = user.check_password(password) and user.is_active
    if not ok:
        _note_attempt(keys, now, checked=True)
        _refused(user=user, email=email, factor="password", checked=True)
        return None, "invalid"
    assert user is not None
    audit_record(actor_id=user.pk, action="auth.login", object_type="user", object_id=user.pk)
    return user, ""


def client_must_wait(*, user: User, client: throttle.Client) -> bool:
    """True while the throttle refuses this client's attempts on this account (unchecked)."""
    keys = throttle.keys_for(user.email, client)
    return LoginThrottle.objects.filter(key__in=keys.gate, wait_until__gt=_now()).exists()


def _code_ok(user: User, token: str) -> TOTPDevice | None:
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is not None and token.isdigit() and device.verify_token(token):
        return device
    return None


@dataclass(frozen=True)
class SecondStep:
    """A completed sign-in: the device that verified it, and the failed attempts since the previous one."""

    device: TOTPDevice
    failed_attempts: int


@transaction.atomic
def mfa_check(*, user: User, token: str, client: throttle.Client) -> SecondStep | None:
    """Verify the second step's TOTP code; wrong codes count under the same throttle as passwords.

    On success the account's count of failed attempts since the last sign-in is returned (to tell the
    holder) and starts again from zero.

    During a wait the code is not checked, whatever it is. django-otp's own per-device back-off is off
    (OTP_TOTP_THROTTLE_FACTOR = 0): it refused the right code to the account holder while someone with
    the password guessed codes elsewhere.
    """
    now = _now()
    keys = throttle.keys_for(user.email, client)
    locked = User.objects.select_for_update().get(pk=user.pk)
    if _must_wait(keys, now):
        _note_attempt(keys, now, checked=False)
        _refused(user=locked, email=locked.email, factor="totp", checked=False)
        return None
    device = _code_ok(locked, token)
    if device is None:
        _note_attempt(keys, now, checked=True)
        _refused(user=locked, email=locked.email, factor="totp", checked=True)
        return None
    if keys.device:
        # The holder's own browser starts afresh; the account's and the address's counts only fade, so
        # signing in never hands a guesser a fresh allowance.
        LoginThrottle.objects.filter(key=keys.device).delete()
    failed_attempts = locked.failed_logins
    locked.failed_logins = 0
    locked.save(update_fields=["failed_logins"])
    audit_record(
        actor_id=user.pk,
        action="auth.mfa_verified",
        object_type="user",
        object_id=user.pk,
        detail={"failed_attempts_since_last": failed_attempts},
    )
    return SecondStep(device=device, failed_attempts=failed_attempts)


@transaction.atomic
def mfa_enrol_start(*, user: User) -> TOTPDevice | None:
    """Create (or reuse) the unconfirmed TOTP device shown during enrolment, if the account may enrol."""
    if not _may_enrol(user):
        return None
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="authenticator", confirmed=False)
        audit_record(actor_id=user.pk, action="auth.mfa_enrol_started", object_type="user", object_id=user.pk)
    return device


def mfa_enrolment_allowed(*, user: User) -> bool:
    """Whether the account may set up an authenticator now: a new account, or after an administrator's
    reset, and never over a working authenticator. Otherwise a password alone (stolen, or of a re-enabled
    account) could set up a second factor."""
    fresh = User.objects.get(pk=user.pk)
    return fresh.mfa_enrolment_open and not TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def _may_enrol(user: User) -> bool:
    if mfa_enrolment_allowed(user=user):
        return True
    audit_record(actor_id=user.pk, action="auth.mfa_enrol_refused", object_type="user", object_id=user.pk)
    return False


@transaction.atomic
def mfa_enrol_confirm(*, user: User, token: str) -> TOTPDevice | None:
    """Confirm enrolment with a first code; other devices of the account are removed and enrolment closes."""
    if not _may_enrol(user):
        return None
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None or not token.isdigit() or not device.verify_token(token):
        audit_record(actor_id=user.pk, action="auth.mfa_enrol_failed", object_type="user", object_id=user.pk)
        return None
    TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    User.objects.filter(pk=user.pk).update(mfa_enrolment_open=False)
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
        email=email.strip().lower(),
        role=role.value,
        team=team,
        display_name=display_name,
        is_demo=is_demo,
        mfa_enrolment_open=True,  # the holder sets up an authenticator at first sign-in
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
    """Disable an account and end all its sessions at once; its authenticator stops counting."""
    user.is_active = False
    user.session_epoch += 1
    user.mfa_enrolment_open = False
    user.save(update_fields=["is_active", "session_epoch", "mfa_enrolment_open"])
    TOTPDevice.objects.filter(user=user).update(confirmed=False)
    audit_record(
        actor_id=actor.pk if actor else None, action="account.disabled", object_type="user", object_id=user.pk
    )
    return user


def _require_account_manager(actor: User | None) -> None:
    # actor=None is the operator at the command line, who already holds the server. Called outside the
    # service's transaction, so that the refusal's audit entry is not rolled back with it.
    if actor is not None and not actor.has(Perm.ACCOUNTS_MANAGE):
        record_denied(user_id=actor.pk, what=Perm.ACCOUNTS_MANAGE.value)
        raise PermissionDenied


def user_enable(*, actor: User | None, user: User) -> User:
    """Let a disabled account sign in again. Its old authenticator stays void and enrolment stays closed:
    the holder signs in fully only after an administrator's `user_mfa_reset`."""
    _require_account_manager(actor)
    return _user_enable(actor=actor, user=user)


@transaction.atomic
def _user_enable(*, actor: User | None, user: User) -> User:
    user.is_active = True
    user.save(update_fields=["is_active"])
    audit_record(
        actor_id=actor.pk if actor else None, action="account.enabled", object_type="user", object_id=user.pk
    )
    return user


def user_mfa_reset(*, actor: User | None, user: User) -> User:
    """An administrator's reset of the second factor: remove the account's authenticators, end its
    sessions, and let the holder set up a new one at their next sign-in (password, then enrolment)."""
    _require_account_manager(actor)
    return _user_mfa_reset(actor=actor, user=user)


@transaction.atomic
def _user_mfa_reset(*, actor: User | None, user: User) -> User:
    TOTPDevice.objects.filter(user=user).delete()
    user.mfa_enrolment_open = True
    user.session_epoch += 1
    user.save(update_fields=["mfa_enrolment_open", "session_epoch"])
    audit_record(
        actor_id=actor.pk if actor else None,
        action="account.mfa_reset",
        object_type="user",
        object_id=user.pk,
    )
    return user


@transaction.atomic
def user_throttle_reset(*, actor: User | None, user: User) -> User:
    """Forget the failed attempts counted against the account, so that no client waits on its account."""
    LoginThrottle.objects.filter(key=throttle.account_key(user.email)).delete()
    audit_record(
        actor_id=actor.pk if actor else None,
        action="account.throttle_reset",
        object_type="user",
        object_id=user.pk,
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


@transaction.atomic
def reauth_check(*, user: User, password: str, token: str, client: throttle.Client) -> bool:
    """Re-authentication before a sensitive action: the password and a fresh code.

    Failures count under the sign-in throttle, so a hijacked session cannot be used to guess the password
    or codes; during a wait nothing is checked.
    """
    now = _now()
    keys = throttle.keys_for(user.email, client)
    locked = User.objects.select_for_update().get(pk=user.pk)
    if _must_wait(keys, now):
        _spend_a_hash(password)
        _note_attempt(keys, now, checked=False)
        _refused(user=locked, email=locked.email, factor="reauth_password", checked=False)
        return False
    if not locked.check_password(password):
        _note_attempt(keys, now, checked=True)
        _refused(user=locked, email=locked.email, factor="reauth_password", checked=True)
        return False
    if _code_ok(locked, token) is None:
        _note_attempt(keys, now, checked=True)
        _refused(user=locked, email=locked.email, factor="totp", checked=True)
        return False
    audit_record(actor_id=user.pk, action="auth.reauthenticated", object_type="user", object_id=user.pk)
    return True


# What a refusal may name in the audit trail: a permission or check code, an object's code. Anything
# else (free text, a value typed by the caller) is left out.
_WHAT = re.compile(r"[a-z][a-z0-9_.:-]{0,63}")
_OBJECT_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,31}")


def record_refusal(request: HttpRequest, refusal: BaseException | str = "") -> None:
    """Audit one refusal of `request` (a 403 or an access check's 404): who, what refused, which object."""
    user = getattr(request, "user", None)
    user_id = user.pk if user is not None and user.is_authenticated else None
    match = getattr(request, "resolver_match", None)
    _record_refusal(user_id, refusal, (match.view_name if match is not None else "") or "unnamed")


def record_command_refusal(
    *, actor: User, command: str, refusal: BaseException | str, object_type: str = "", object_id: str = ""
) -> None:
    """Audit one refusal met by a command acting for `actor` (`haven import_people`, `haven erase`)."""
    _record_refusal(actor.pk, refusal, f"command.{command}", object_type=object_type, object_id=object_id)


def _record_refusal(
    user_id: int | None,
    refusal: BaseException | str,
    fallback: str,
    *,
    object_type: str = "",
    object_id: str = "",
) -> None:
    if isinstance(refusal, str):
        what = refusal
    else:
        first = refusal.args[0] if refusal.args else ""
        what = getattr(refusal, "what", first if isinstance(first, str) else "")
        object_type = str(getattr(refusal, "object_type", "")) or object_type
        object_id = str(getattr(refusal, "object_id", "")) or object_id
    if not _WHAT.fullmatch(what):
        what = fallback
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
