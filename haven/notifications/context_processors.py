from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from haven.accounts.mfa import is_verified
from haven.accounts.models import User
from haven.notifications.selectors import unread_count


def unread(request: HttpRequest) -> dict[str, Any]:
    """The signed-in account's unread notification count, for the navigation."""
    user = getattr(request, "user", None)
    if not isinstance(user, User) or not is_verified(user):
        return {"unread_notifications": 0}
    return {"unread_notifications": unread_count(user)}
