"""The terminology checker: the guide's words to avoid as data, and its page, API and command line."""

from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TermsConfig(AppConfig):
    name = "haven.terms"
    label = "terms"
    verbose_name = _("Terminology")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from haven.core.navigation import NavItem, register

        register(NavItem("terms", _("Words to use"), "terms:check", None))
