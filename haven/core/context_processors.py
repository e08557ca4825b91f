from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse

from haven.accounts.mfa import is_verified
from haven.core.navigation import NAV_ITEMS


def navigation(request: HttpRequest) -> dict[str, Any]:
    """The menu entries the signed-in person's role may use."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not is_verified(user):
        return {"nav_items": []}
    items = []
    for item in NAV_ITEMS:
        if item.perm is not None and not user.has(item.perm):
            continue
        try:
            url = reverse(item.url_name)
        except NoReverseMatch:
            continue
        items.append(
            {
                "key": item.key,
                "label": item.label,
                "url": url,
                "active": request.path == url or (url != "/" and request.path.startswith(url)),
            }
        )
    return {"nav_items": items}
