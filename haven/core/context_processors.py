from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse
from django.utils.translation import get_language

from haven.accounts.mfa import is_verified
from haven.core import guides
from haven.core.navigation import NAV_ITEMS


def _help_url(user: Any) -> str:
    """The page's help: the signed-in role's guide in the interface language; before that, how to sign in."""
    lang = guides.guide_language(get_language())
    slug = guides.role_slug(user.role) if user is not None and user.is_authenticated else None
    if slug is None or not is_verified(user):
        return reverse("core:sign_in_help", args=[lang])
    return reverse("core:guide", args=[lang, slug])


def navigation(request: HttpRequest) -> dict[str, Any]:
    """The menu entries the signed-in person's role may use, and the link to the page's help."""
    user = getattr(request, "user", None)
    help_url = _help_url(user)
    if user is None or not user.is_authenticated or not is_verified(user):
        return {"nav_items": [], "help_url": help_url}
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
    return {"nav_items": items, "help_url": help_url}
