"""Refusals: a permission or access check said no. Each one is audited once, where the request ends.

Permission checks raise `PermissionDenied(<permission>)` and access functions raise `AccessNotFound` (a
forbidden object answers exactly like a missing one). Neither writes the audit entry itself: a refusal
raised inside a service's transaction would be rolled back with it. The web's `RefusalAuditMiddleware`
and the API's error answers record them instead, after any transaction has ended, with codes and ids
only: the permission or check that refused, and the pseudonymous code of the object asked for.
"""

from __future__ import annotations

import re

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest

from haven.accounts import services

# What a refusal may name in the audit trail: a permission or check code, an object's code. Anything
# else (free text, a value typed by the caller) is left out.
_WHAT = re.compile(r"[a-z][a-z0-9_.:-]{0,63}")
_OBJECT_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,31}")


class AccessNotFound(Http404):
    """An access check's "no", answered as "not found" so that codes cannot be probed; audited."""

    def __init__(self, what: str, *, object_type: str = "", object_id: str = "") -> None:
        super().__init__(what)
        self.what = what
        self.object_type = object_type
        self.object_id = object_id


class RecentAuthRequired(PermissionDenied):
    """The action needs the password and a fresh second-factor code confirmed within REAUTH_SECONDS."""

    def __init__(self) -> None:
        super().__init__("auth.recent")


def is_refusal(exc: BaseException) -> bool:
    """True for what a permission or access check raises."""
    return isinstance(exc, PermissionDenied | AccessNotFound)


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
    services.record_denied(user_id=user_id, what=what, object_type=object_type, object_id=object_id)
