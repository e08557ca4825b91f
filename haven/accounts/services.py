"""Account services: the only code that changes accounts, each writing its audit entry atomically."""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, F, Q
from django.http import HttpRequest
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from haven.accounts import throttle, totp
from haven.accounts.actions import authorize
from haven.accounts.models import Invitation, LoginThrottle, Organisation, RecoveryCode, Team, User
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
        totp.seal_device(device)
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


def user_disable(*, actor: User | None, user: User) -> User:
    """Disable an account and end all its sessions at once; its authenticator stops counting, and its API
    tokens are refused from the next call (a token works only for an active account).

    Nobody disables their own account, and the last active administrator stays.
    """
    with _authorized(actor, user):
        authorize(actor, "account.disable")
        _not_oneself(actor, user, "account.own")
    return _user_disable(actor=actor, user=user)


@transaction.atomic
def _user_disable(*, actor: User | None, user: User) -> User:
    user = User.objects.select_for_update().get(pk=user.pk)
    if user.role == Role.ADMIN and user.is_active:
        _keep_an_admin(user)
    user.is_active = False
    user.session_epoch += 1
    user.mfa_enrolment_open = False
    user.save(update_fields=["is_active", "session_epoch", "mfa_enrolment_open"])
    TOTPDevice.objects.filter(user=user).update(confirmed=False)
    audit_record(
        actor_id=actor.pk if actor else None, action="account.disabled", object_type="user", object_id=user.pk
    )
    return user


def user_enable(*, actor: User | None, user: User) -> User:
    """Let a disabled account sign in again. Its old authenticator stays void and enrolment stays closed:
    the holder signs in fully only after an administrator's `user_mfa_reset`."""
    with _authorized(actor, user):
        authorize(actor, "account.enable")
    return _user_enable(actor=actor, user=user)


@transaction.atomic
def _user_enable(*, actor: User | None, user: User) -> User:
    user.is_active = True
    user.save(update_fields=["is_active"])
    audit_record(
        actor_id=actor.pk if actor else None, action="account.enabled", object_type="user", object_id=user.pk
    )
    return user


def user_mfa_reset(*, actor: User | None, user: User, identity_check: str = "") -> User:
    """An administrator's reset of the second factor: remove the account's authenticators and recovery
    codes, end its sessions, and let the holder set up a new one at their next sign-in (password, then
    enrolment).

    ``identity_check`` is how the administrator made sure the request came from the holder (one of
    IDENTITY_CHECKS), recorded in the audit entry; a reset from the web or for another account needs one.
    The operator on the server (``actor`` None) may leave it empty.
    """
    with _authorized(actor, user):
        authorize(actor, "account.mfa_reset")
    if identity_check not in IDENTITY_CHECKS and not (actor is None and identity_check == ""):
        raise ValidationError(_("Say how you checked the holder's identity."), code="identity_check")
    return _user_mfa_reset(actor=actor, user=user, identity_check=identity_check)


@transaction.atomic
def _user_mfa_reset(*, actor: User | None, user: User, identity_check: str) -> User:
    TOTPDevice.objects.filter(user=user).delete()
    RecoveryCode.objects.filter(user=user).delete()
    user.mfa_enrolment_open = True
    user.session_epoch += 1
    user.save(update_fields=["mfa_enrolment_open", "session_epoch"])
    audit_record(
        actor_id=actor.pk if actor else None,
        action="account.mfa_reset",
        object_type="user",
        object_id=user.pk,
        detail={"identity_check": identity_check or "operator"},
    )
    return user


def user_throttle_reset(*, actor: User | None, user: User) -> User:
    """Unlock: forget the failed attempts counted against the account, so that no client waits on it."""
    with _authorized(actor, user):
        authorize(actor, "account.unlock")
    return _user_throttle_reset(actor=actor, user=user)


@transaction.atomic
def _user_throttle_reset(*, actor: User | None, user: User) -> User:
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
    if getattr(refusal, "audited", False):
        return  # the service recorded it already (see `_authorized`)
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
    operator on the server); the account administration calls it with the administrator.
    """
    with _authorized(actor, None):
        authorize(actor, "team.manage")
    return _team_contacts_set(
        actor=actor,
        team=team,
        contact_person=contact_person,
        contact_how=contact_how,
        safeguarding_contact=safeguarding_contact,
        safeguarding_steps=safeguarding_steps,
    )


@transaction.atomic
def _team_contacts_set(
    *,
    actor: User | None,
    team: Team,
    contact_person: str,
    contact_how: str,
    safeguarding_contact: str,
    safeguarding_steps: str,
) -> Team:
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


# -- Account administration ----------------------------------------------------------------------

# How an administrator made sure a second-factor reset was asked for by the account's holder.
IDENTITY_CHECKS: dict[str, str | Promise] = {
    "in_person": _("Seen in person, with an identity document"),
    "video_call": _("Video call, face known to the administrator"),
    "call_back": _("Called back on the number held by the Society"),
    "line_manager": _("Confirmed by the holder's line manager"),
}


@contextmanager
def _authorized(actor: User | None, user: User | None) -> Iterator[None]:
    """Audit a refusal of the checks inside, here and once: outside any transaction, so that the entry is
    not rolled back with it, and marked so that the web's and API's refusal audit do not record it again."""
    try:
        yield
    except PermissionDenied as exc:
        what = exc.args[0] if exc.args and isinstance(exc.args[0], str) else Perm.ACCOUNTS_MANAGE.value
        record_denied(
            user_id=actor.pk if actor is not None else None,
            what=what,
            object_type="user" if user is not None else "",
            object_id=str(user.pk) if user is not None else "",
        )
        exc.audited = True  # type: ignore[attr-defined]
        raise


def _not_oneself(actor: User | None, user: User, what: str) -> None:
    if actor is not None and actor.pk == user.pk:
        raise PermissionDenied(what)


def _keep_an_admin(user: User) -> None:
    """Refuse to take away the last active administrator: nobody could manage accounts any more."""
    others = User.objects.filter(role=Role.ADMIN.value, is_active=True).exclude(pk=user.pk)
    if not others.exists():
        raise ValidationError(
            _("This is the last active administrator: appoint another first."), code="last_admin"
        )


def _digest(raw: str) -> str:
    # Invitation secrets and recovery codes carry 256 and 80 random bits: a plain SHA-256 stores them safely.
    return hashlib.sha256(raw.encode("ascii")).hexdigest()


def _audit_account(actor: User | None, action: str, user: User, **detail: object) -> None:
    audit_record(
        actor_id=actor.pk if actor is not None else None,
        action=action,
        object_type="user",
        object_id=user.pk,
        detail=dict(detail),
    )


def user_invite(
    *, actor: User | None, email: str, role: Role | str, team: Team | None, display_name: str = ""
) -> tuple[User, str]:
    """Create an account without a password and a one-time enrolment link for its holder.

    Returns the account and the link's secret, shown once to the administrator to pass on; the holder
    chooses their own password with it (no password travels) and sets up the second factor straight after.
    """
    with _authorized(actor, None):
        authorize(actor, "account.invite")
        if actor is not None and Role(role) == Role.ADMIN and actor.role != Role.ADMIN:
            raise PermissionDenied("account.role")
    return _user_invite(actor=actor, email=email, role=Role(role), team=team, display_name=display_name)


@transaction.atomic
def _user_invite(
    *, actor: User | None, email: str, role: Role, team: Team | None, display_name: str
) -> tuple[User, str]:
    _team_fits(role, team)
    user = User(
        email=email.strip().lower(),
        role=role.value,
        team=team,
        display_name=display_name.strip(),
        mfa_enrolment_open=True,
    )
    user.set_unusable_password()
    user.full_clean()
    user.save()
    raw = _invitation_for(user)
    _audit_account(actor, "account.invited", user, role=role.value)
    return user, raw


def _team_fits(role: Role, team: Team | None) -> None:
    if role != Role.ADMIN and team is None:
        raise ValidationError(_("Choose a team: every role but the administrator works in one."), code="team")


def _invitation_for(user: User) -> str:
    Invitation.objects.filter(user=user, used_at=None).delete()  # one live link per account
    raw = secrets.token_urlsafe(32)
    Invitation.objects.create(
        user=user,
        digest=_digest(raw),
        expires_at=timezone.now() + timedelta(hours=settings.INVITATION_HOURS),
    )
    return raw


def user_invite_again(*, actor: User | None, user: User) -> str:
    """A new enrolment link for an account whose holder has not used theirs (the old one stops working)."""
    with _authorized(actor, user):
        authorize(actor, "account.invite")
    return _user_invite_again(actor=actor, user=user)


@transaction.atomic
def _user_invite_again(*, actor: User | None, user: User) -> str:
    if user.has_usable_password():
        raise ValidationError(_("This account is already set up."), code="set_up")
    raw = _invitation_for(user)
    _audit_account(actor, "account.invited", user, role=user.role, again=True)
    return raw


def invitation_find(raw: str) -> Invitation | None:
    """The live invitation with this secret (unused, unexpired, for an active account), or None."""
    if not raw or len(raw) > 100 or not raw.isascii():
        return None
    invitation = Invitation.objects.select_related("user").filter(digest=_digest(raw), used_at=None).first()
    if invitation is None or invitation.expires_at <= timezone.now() or not invitation.user.is_active:
        return None
    return invitation


@transaction.atomic
def invitation_accept(*, raw: str, password: str) -> User | None:
    """The holder sets their password through the link; the link is spent. None when it does not work."""
    invitation = invitation_find(raw)
    if invitation is None:
        audit_record(actor_id=None, action="account.invitation_refused")
        return None
    user = User.objects.select_for_update().get(pk=invitation.user_id)
    validate_password(password, user)
    user.set_password(password)
    user.save(update_fields=["password"])
    Invitation.objects.filter(pk=invitation.pk).update(used_at=timezone.now())
    audit_record(actor_id=user.pk, action="account.invitation_used", object_type="user", object_id=user.pk)
    return user


def user_set_role(*, actor: User | None, user: User, role: Role | str) -> User:
    """Change an account's role. Nobody changes their own role; only an administrator makes one; the last
    active administrator keeps theirs. The account's sessions end, so the new role applies at once."""
    role = Role(role)
    with _authorized(actor, user):
        authorize(actor, "account.set_role")
        _not_oneself(actor, user, "account.own_role")
        if actor is not None and role == Role.ADMIN and actor.role != Role.ADMIN:
            raise PermissionDenied("account.role")
    return _user_set_role(actor=actor, user=user, role=role)


@transaction.atomic
def _user_set_role(*, actor: User | None, user: User, role: Role) -> User:
    user = User.objects.select_for_update().get(pk=user.pk)
    if user.role == role.value:
        return user
    if user.role == Role.ADMIN and user.is_active:
        _keep_an_admin(user)
    _team_fits(role, user.team)
    before = user.role
    user.role = role.value
    user.session_epoch += 1
    user.full_clean()
    user.save(update_fields=["role", "session_epoch"])
    _audit_account(actor, "account.role_changed", user, before=before, after=role.value)
    return user


def user_set_team(*, actor: User | None, user: User, team: Team | None) -> User:
    """Move an account to another team (its cases stay with the team they belong to)."""
    with _authorized(actor, user):
        authorize(actor, "account.set_team")
    return _user_set_team(actor=actor, user=user, team=team)


@transaction.atomic
def _user_set_team(*, actor: User | None, user: User, team: Team | None) -> User:
    user = User.objects.select_for_update().get(pk=user.pk)
    _team_fits(Role(user.role), team)
    before = user.team_id
    user.team = team
    user.session_epoch += 1
    user.save(update_fields=["team", "session_epoch"])
    _audit_account(actor, "account.team_changed", user, before=before, after=team.pk if team else None)
    return user


def team_create(*, actor: User | None, name: str) -> Team:
    """Add a team (branch or service) to the Society."""
    with _authorized(actor, None):
        authorize(actor, "team.manage")
    return _team_create(actor=actor, name=name)


@transaction.atomic
def _team_create(*, actor: User | None, name: str) -> Team:
    organisation = Organisation.objects.order_by("pk").first()
    if organisation is None:
        raise ValidationError(_("Set up the Society first (haven init)."), code="no_organisation")
    team = Team(organisation=organisation, name=name.strip())
    team.full_clean()
    team.save()
    audit_record(
        actor_id=actor.pk if actor is not None else None,
        action="team.created",
        object_type="team",
        object_id=team.pk,
    )
    return team


def teams_list(*, actor: User | None) -> list[Team]:
    """The Society's teams by name, with how many active accounts each has (``member_count``)."""
    with _authorized(actor, None):
        authorize(actor, "team.manage")
    rows = Team.objects.order_by("name", "pk").annotate(
        member_count=Count("members", filter=Q(members__is_active=True))
    )
    return list(rows)


# -- Recovery codes ----------------------------------------------------------------------

RECOVERY_CODE_COUNT = 10
_RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i to misread


def _normalise_code(code: str) -> str:
    return "".join(ch for ch in code.lower() if ch.isalnum())


@transaction.atomic
def recovery_codes_issue(*, user: User) -> list[str]:
    """Ten new single-use recovery codes for ``user`` (the old ones stop working). Shown once; only their
    hashes are kept."""
    RecoveryCode.objects.filter(user=user).delete()
    codes = []
    for _i in range(RECOVERY_CODE_COUNT):
        raw = "".join(secrets.choice(_RECOVERY_ALPHABET) for _j in range(16))  # 16 of 31 symbols: 79 bits
        codes.append(f"{raw[:4]}-{raw[4:8]}-{raw[8:12]}-{raw[12:]}")
        RecoveryCode.objects.create(user=user, digest=_digest(raw))
    _audit_account(user, "auth.recovery_codes_issued", user, count=RECOVERY_CODE_COUNT)
    return codes


@transaction.atomic
def recovery_code_check(*, user: User, code: str, client: throttle.Client) -> SecondStep | None:
    """The second step with a recovery code instead of the authenticator: each code works once. Wrong codes
    count under the sign-in throttle, like wrong TOTP codes."""
    now = _now()
    keys = throttle.keys_for(user.email, client)
    locked = User.objects.select_for_update().get(pk=user.pk)
    if _must_wait(keys, now):
        _note_attempt(keys, now, checked=False)
        _refused(user=locked, email=locked.email, factor="recovery_code", checked=False)
        return None
    normalised = _normalise_code(code)
    device = TOTPDevice.objects.filter(user=locked, confirmed=True).first()
    used = 0
    if device is not None and normalised.isascii() and len(normalised) == 16:
        used = RecoveryCode.objects.filter(user=locked, digest=_digest(normalised), used_at=None).update(
            used_at=timezone.now()
        )
    if not used or device is None:
        _note_attempt(keys, now, checked=True)
        _refused(user=locked, email=locked.email, factor="recovery_code", checked=True)
        return None
    failed_attempts = locked.failed_logins
    locked.failed_logins = 0
    locked.save(update_fields=["failed_logins"])
    left = RecoveryCode.objects.filter(user=locked, used_at=None).count()
    _audit_account(locked, "auth.recovery_code_used", locked, left=left)
    return SecondStep(device=device, failed_attempts=failed_attempts)


def recovery_codes_left(*, user: User) -> int:
    return RecoveryCode.objects.filter(user=user, used_at=None).count()


# -- Reading accounts ----------------------------------------------------------------------

ACCOUNT_STATUSES = ("active", "disabled", "invited")


@dataclass(frozen=True)
class AccountFilter:
    """What the administrator narrows the account list to; empty values do not filter."""

    role: str = ""
    team: int | None = None
    status: str = ""
    mfa: str = ""  # "yes": a working authenticator; "no": none yet


@dataclass(frozen=True)
class AccountRow:
    user: User
    status: str
    has_mfa: bool
    recovery_codes_left: int
    locked: bool


def accounts_list(*, actor: User | None, filters: AccountFilter | None = None) -> list[AccountRow]:
    """The accounts, filtered, with what the administrator needs to see about each (never case data)."""
    with _authorized(actor, None):
        authorize(actor, "account.list")
    filters = filters or AccountFilter()
    users = User.objects.select_related("team").order_by("email")
    if filters.role:
        users = users.filter(role=filters.role)
    if filters.team is not None:
        users = users.filter(team_id=filters.team)
    with_mfa = set(TOTPDevice.objects.filter(confirmed=True).values_list("user_id", flat=True))
    codes: dict[int, int] = {}
    for user_id in RecoveryCode.objects.filter(used_at=None).values_list("user_id", flat=True):
        codes[user_id] = codes.get(user_id, 0) + 1
    now = _now()
    waiting = set(LoginThrottle.objects.filter(wait_until__gt=now).values_list("key", flat=True))
    rows = []
    for user in users:
        status = "disabled" if not user.is_active else "active" if user.has_usable_password() else "invited"
        row = AccountRow(
            user=user,
            status=status,
            has_mfa=user.pk in with_mfa,
            recovery_codes_left=codes.get(user.pk, 0),
            locked=throttle.account_key(user.email) in waiting,
        )
        if filters.status and row.status != filters.status:
            continue
        if filters.mfa and row.has_mfa != (filters.mfa == "yes"):
            continue
        rows.append(row)
    return rows


def account_get(*, actor: User | None, user_id: int) -> AccountRow:
    """One account as the administrator sees it; LookupError when there is none."""
    with _authorized(actor, None):
        authorize(actor, "account.list")
    user = User.objects.select_related("team").filter(pk=user_id).first()
    if user is None:
        raise LookupError(user_id)
    status = "disabled" if not user.is_active else "active" if user.has_usable_password() else "invited"
    return AccountRow(
        user=user,
        status=status,
        has_mfa=TOTPDevice.objects.filter(user=user, confirmed=True).exists(),
        recovery_codes_left=recovery_codes_left(user=user),
        locked=LoginThrottle.objects.filter(
            key=throttle.account_key(user.email), wait_until__gt=_now()
        ).exists(),
    )
