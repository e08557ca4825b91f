"""The accounts app: people who use Haven, their roles, teams and sign-in; the administrator's pages."""

from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "haven.accounts"
    label = "accounts"
    verbose_name = "Accounts"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from haven.accounts import totp
        from haven.accounts.permissions import Perm
        from haven.core.navigation import NavItem, register

        # Authenticator secrets are sealed by the vault: django-otp reads them through Haven.
        totp.install()

        register(NavItem("accounts", _("Accounts"), "manage:accounts", Perm.ACCOUNTS_MANAGE))
        register(NavItem("teams", _("Teams"), "manage:teams", Perm.ACCOUNTS_MANAGE))
