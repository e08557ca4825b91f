"""Sign-in throttling: who is counted, and how long a key must wait after its failures.

Failed attempts (password, code, re-authentication) are counted under keyed hashes, never under the
address itself: one key for the account (the e-mail address as typed, so an unknown address is counted
exactly like a known one), one for the client address, and one for a *recognised device* — a browser that
completed a full sign-in to that account before and holds a signed cookie saying so.

- A client that is not recognised must be clear on both the account key and the address key: a brute force
  from many addresses meets the account's delay, a password spray from one address meets the address's.
- A recognised device is held back only by its own count. Failures from elsewhere therefore never keep the
  account holder out of their own browser: nobody without the password can lock an account.

After LOGIN_FAILURE_LIMIT failures under a key, each further attempt must wait 2, 4, 8, … seconds (capped at
LOGIN_MAX_DELAY_MINUTES) after the last failure; attempts made during the wait are refused without checking
anything and do not lengthen it. A key's count is forgotten a day after its last failure.

django-axes was considered and not used: it stores the username and client address in clear, locks for a
fixed cool-off rather than growing delays, locks the account for everyone (the abuse this module prevents),
and answers a lockout with a response of its own, which tells a known account from an unknown one.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core import signing
from django.http import HttpRequest
from django.utils.crypto import salted_hmac

# Failures under a key are forgotten this long after the last one.
FAILURE_MEMORY = timedelta(days=1)
DEVICE_COOKIE = "haven_device"
DEVICE_COOKIE_MAX_AGE = 365 * 24 * 3600
_SALT = "haven.accounts.throttle"


@dataclass(frozen=True)
class Client:
    """Where an attempt comes from: the client address, and the device cookie's value if it sent one."""

    address: str
    device_cookie: str = ""


def client_of(request: HttpRequest) -> Client:
    """The client of a request. Behind a proxy (HAVEN_BEHIND_PROXY), the address the proxy appended."""
    address = str(request.META.get("REMOTE_ADDR") or "")
    if settings.BEHIND_PROXY:
        forwarded = str(request.META.get("HTTP_X_FORWARDED_FOR") or "")
        hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
        if hops:
            address = hops[-1]
    return Client(address=address[:64], device_cookie=str(request.COOKIES.get(DEVICE_COOKIE, ""))[:256])


def _digest(kind: str, value: str) -> str:
    return kind + ":" + salted_hmac(_SALT, f"{kind}:{value}", algorithm="sha256").hexdigest()[:40]


def account_key(email: str) -> str:
    """The key of an e-mail address as typed (case and spaces ignored), whether an account has it or not."""
    return _digest("account", email.strip().lower())


def address_key(address: str) -> str:
    return _digest("address", address)


def device_cookie_for(email: str) -> str:
    """A new signed device cookie value for the account, set when a full sign-in succeeds."""
    return signing.dumps(
        {"a": account_key(email), "d": secrets.token_hex(16)}, salt=f"{_SALT}.device", compress=False
    )


def device_key(email: str, client: Client) -> str:
    """The recognised device's key, or "" when the client holds no valid device cookie for this account."""
    if not client.device_cookie:
        return ""
    try:
        value = signing.loads(client.device_cookie, salt=f"{_SALT}.device", max_age=DEVICE_COOKIE_MAX_AGE)
    except signing.BadSignature:
        return ""
    if not isinstance(value, dict) or value.get("a") != account_key(email):
        return ""
    return _digest("device", str(value.get("d", "")))


@dataclass(frozen=True)
class Keys:
    """The keys an attempt is checked against (`gate`) and the keys a failure is counted under (`count`)."""

    gate: tuple[str, ...]
    count: tuple[str, ...]
    device: str


def keys_for(email: str, client: Client) -> Keys:
    account = account_key(email)
    address = address_key(client.address)
    device = device_key(email, client)
    if device:
        return Keys(gate=(device,), count=(account, address, device), device=device)
    return Keys(gate=(account, address), count=(account, address), device="")


def delay_after(failures: int) -> timedelta:
    """How long a key waits after its last failure: nothing below the limit, then 2^k seconds, capped."""
    beyond = failures - settings.LOGIN_FAILURE_LIMIT
    if beyond < 0:
        return timedelta(0)
    cap = settings.LOGIN_MAX_DELAY_MINUTES * 60
    return timedelta(seconds=min(2 ** min(beyond + 1, 32), cap))


def wait_until(failures: int, last_failure_at: datetime) -> datetime | None:
    delay = delay_after(failures)
    return last_failure_at + delay if delay else None
