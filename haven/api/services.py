"""API token services: creation (the secret is shown once), lookup and revocation."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from datetime import datetime, timedelta

from django.conf import settings
from django.db import DatabaseError, transaction
from django.utils import timezone

from haven.accounts import throttle
from haven.accounts.actions import authorize
from haven.accounts.models import User
from haven.accounts.permissions import Perm
from haven.accounts.services import reauth_check
from haven.api.models import SCOPES, ApiToken
from haven.audit.services import audit_record
from haven.core.storage import storage_failure

TOKEN_PREFIX = "hvn_"  # noqa: S105 (a public prefix that makes leaked tokens recognisable)
# A token's last-used time is written at most this often: a write per call would queue every API read
# behind whatever else is writing (an import), for a time nobody needs to the second.
LAST_USED_RESOLUTION = timedelta(minutes=1)


def _digest(raw: str) -> str:
    # Tokens are 256-bit random values, so a plain SHA-256 (no slow hash) is enough to store them safely.
    return hashlib.sha256(raw.encode("ascii")).hexdigest()


class BadTokenRequest(ValueError):
    """Unknown scopes or a life outside 1..API_TOKEN_MAX_DAYS days; the message says which."""


@transaction.atomic
def token_create(
    *,
    actor: User,
    user: User,
    name: str = "cli",
    scopes: Iterable[str] = tuple(SCOPES),
    days: int | None = None,
) -> tuple[ApiToken, str]:
    """Create a token for `user` with `scopes` (keys of SCOPES), expiring after `days` (default
    API_TOKEN_DEFAULT_DAYS, at most API_TOKEN_MAX_DAYS); returns the row and the secret, which is never
    stored or shown again."""
    if not user.has(Perm.API_TOKEN):
        raise PermissionError("this account's role may not hold API tokens")
    chosen = sorted(set(scopes))
    unknown = [scope for scope in chosen if scope not in SCOPES]
    if unknown or not chosen:
        raise BadTokenRequest(f"choose one or more scopes among: {', '.join(SCOPES)}")
    days = settings.API_TOKEN_DEFAULT_DAYS if days is None else days
    if not 1 <= days <= settings.API_TOKEN_MAX_DAYS:
        raise BadTokenRequest(f"a token lives from 1 to {settings.API_TOKEN_MAX_DAYS} days")
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user,
        name=name[:80],
        prefix=raw[:12],
        digest=_digest(raw),
        scopes=chosen,
        expires_at=timezone.now() + timedelta(days=days),
    )
    audit_record(
        actor_id=actor.pk,
        action="api.token_created",
        object_type="user",
        object_id=user.pk,
        detail={"token": token.pk, "scopes": chosen, "days": days},
    )
    return token, raw


def tokens_held(user: User) -> list[ApiToken]:
    """Every token `user` holds or held, newest first (revoked and expired ones too, marked as such)."""
    return list(ApiToken.objects.filter(user=user).order_by("-created_at", "-pk"))


def token_active(token: ApiToken, now: datetime | None = None) -> bool:
    """Not revoked and not expired."""
    now = now or timezone.now()
    return token.revoked_at is None and (token.expires_at is None or token.expires_at > now)


def token_lookup(raw: str) -> ApiToken | None:
    """The unrevoked, unexpired token with this secret, held by an active account; None otherwise."""
    if not raw.startswith(TOKEN_PREFIX) or len(raw) > 100 or not raw.isascii():
        return None
    token = ApiToken.objects.select_related("user").filter(digest=_digest(raw), revoked_at=None).first()
    now = timezone.now()
    if token is None or not token.user.is_active or not token_active(token, now):
        return None
    if token.last_used_at is not None and now - token.last_used_at < LAST_USED_RESOLUTION:
        return token
    try:
        with transaction.atomic():
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    except DatabaseError as exc:
        # Bookkeeping a read does not need: with a read-only or full disk the call goes on without it.
        if storage_failure(exc) is None:
            raise
    return token


def token_user(raw: str) -> User | None:
    """The active user holding this unrevoked token, or None."""
    token = token_lookup(raw)
    return token.user if token is not None else None


def token_confirm(*, token: ApiToken, password: str, code: str, client: throttle.Client) -> bool:
    """Its holder confirms password and a fresh TOTP code through `token`, as on the web's re-authentication
    page (a wrong password counts towards the lockout). True when confirmed; the token then passes
    `token_recently_confirmed` for REAUTH_SECONDS."""
    user = token.user
    if not reauth_check(user=user, password=password, token=code, client=client):
        return False
    ApiToken.objects.filter(pk=token.pk).update(confirmed_at=timezone.now())
    token.refresh_from_db(fields=["confirmed_at"])
    audit_record(
        actor_id=user.pk, action="api.token_confirmed", object_type="user", object_id=user.pk,
        detail={"token": token.pk},
    )  # fmt: skip
    return True


def token_recently_confirmed(token: ApiToken) -> bool:
    """True when the holder confirmed password and code through this token within REAUTH_SECONDS."""
    if token.confirmed_at is None:
        return False
    return timezone.now() - token.confirmed_at <= timedelta(seconds=settings.REAUTH_SECONDS)


@transaction.atomic
def token_revoke(*, actor: User, token: ApiToken, reason: str = "") -> None:
    """Revoke a token for good; the audit entry records the reason code."""
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    audit_record(
        actor_id=actor.pk,
        action="api.token_revoked",
        object_type="user",
        object_id=token.user_id,
        detail={"token": token.pk, "reason": reason[:32]},
    )


def tokens_of(*, actor: User | None, user: User) -> list[ApiToken]:
    """An account's API tokens, newest first, for the administrator (names, dates, never secrets)."""
    authorize(actor, "account.tokens")
    return list(ApiToken.objects.filter(user=user).order_by("-created_at", "-pk"))


def token_revoke_for(*, actor: User | None, token: ApiToken) -> None:
    """The administrator revokes another account's token (a lost laptop, a leaving colleague)."""
    authorize(actor, "account.tokens")
    if token.revoked_at is not None:
        return
    _token_revoke_by(actor=actor, token=token)


@transaction.atomic
def _token_revoke_by(*, actor: User | None, token: ApiToken) -> None:
    ApiToken.objects.filter(pk=token.pk).update(revoked_at=timezone.now())
    audit_record(
        actor_id=actor.pk if actor is not None else None,
        action="api.token_revoked",
        object_type="user",
        object_id=token.user_id,
        detail={"token": token.pk, "reason": "administrator"},
    )
