"""The screening app: the indicator library in the database, screenings, and their pages, API and CLI."""

from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ScreeningConfig(AppConfig):
    name = "haven.screening"
    label = "screening"
    verbose_name = "Screening"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from haven.accounts.permissions import Perm
        from haven.core.navigation import NavItem, register

        register(NavItem("screening", _("Screening"), "screening:start", Perm.SCREENING_RUN))
        register(
            NavItem(
                "screening_library",
                _("Indicator library"),
                "screening:library",
                Perm.SCREENING_LIBRARY_APPROVE,
            )
        )
