"""One typed question for the rest of Haven: did this request's user pass the second factor?"""

from __future__ import annotations

from typing import Any


def is_verified(user: Any) -> bool:
    """True when OTPMiddleware marked the signed-in user as verified by a TOTP device in this session."""
    check = getattr(user, "is_verified", None)
    return bool(user.is_authenticated and check is not None and check())
