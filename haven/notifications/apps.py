"""In-app notifications: a case code and a coded kind for one account, nothing more."""

from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "haven.notifications"
    label = "notifications"
    verbose_name = "Notifications"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from haven.accounts.permissions import Perm
        from haven.core.navigation import NavItem, register

        register(NavItem("notifications", _("Notifications"), "notifications:list", Perm.CASE_VIEW))
