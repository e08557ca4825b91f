"""The administrator's pages: accounts, teams and their API tokens (the services live in accounts and api)."""

from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AdministrationConfig(AppConfig):
    name = "haven.administration"
    label = "administration"
    verbose_name = "Administration"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from haven.accounts.permissions import Perm
        from haven.core.navigation import NavItem, register

        register(NavItem("accounts", _("Accounts"), "manage:accounts", Perm.ACCOUNTS_MANAGE))
        register(NavItem("teams", _("Teams"), "manage:teams", Perm.ACCOUNTS_MANAGE))
