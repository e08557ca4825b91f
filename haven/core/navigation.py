"""Navigation by role: each domain app adds its entries here, and the menu shows what the role may use."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from haven.accounts.permissions import Perm


@dataclass(frozen=True)
class NavItem:
    key: str
    label: str | Promise
    url_name: str
    perm: Perm | None


NAV_ITEMS: list[NavItem] = [
    NavItem("home", _("Home"), "core:home", None),
]


def register(item: NavItem) -> None:
    """Add a menu entry (called from an app's AppConfig.ready)."""
    if all(existing.key != item.key for existing in NAV_ITEMS):
        NAV_ITEMS.append(item)
