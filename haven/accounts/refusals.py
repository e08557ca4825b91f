"""Refusals: a permission or access check said no. Each one is audited once, where the request ends.

Permission checks raise `PermissionDenied(<permission>)` and access functions raise `AccessNotFound` (a
forbidden object answers exactly like a missing one). Neither writes the audit entry itself: a refusal
raised inside a service's transaction would be rolled back with it. The web's `RefusalAuditMiddleware`
and the API's error answers record them instead (`services.record_refusal`), after any transaction has
ended, with codes and ids only: the permission or check that refused, and the pseudonymous code of the
object asked for.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404


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
