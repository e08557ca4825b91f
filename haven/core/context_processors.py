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
    items: list[dict[str, Any]] = []
    urls: list[str] = []
    for item in NAV_ITEMS:
        if item.perm is not None and not user.has(item.perm):
            continue
        try:
            url = reverse(item.url_name)
        except NoReverseMatch:
            continue
        items.append({"key": item.key, "label": item.label, "url": url, "active": False})
        urls.append(url)
    active = active_item(request.path, urls)
    if active is not None:
        items[active]["active"] = True
    return {"nav_items": items, "help_url": help_url}


def active_item(path: str, urls: list[str]) -> int | None:
    """The one menu entry a page belongs to: the entry with the longest URL the path starts with ("/" only
    for the home page itself), so /cases/new/ is "First contact", not also "Cases"; None for none."""
    best: int | None = None
    for index, url in enumerate(urls):
        if path != url and (url == "/" or not path.startswith(url)):
            continue
        if best is None or len(url) > len(urls[best]):
            best = index
    return best
