"""The accounts app: people who use Haven, their roles, teams and sign-in."""

from __future__ import annotations

from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "haven.accounts"
    label = "accounts"
    verbose_name = "Accounts"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from haven.accounts import totp

        # Authenticator secrets are sealed by the vault: django-otp reads them through Haven.
        totp.install()
