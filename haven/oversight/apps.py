"""Oversight: the audit trail viewer for the DPO (and the administrator, for account events), and the data
protection officer's registers (access, rectification and restriction requests; retention review)."""

from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OversightConfig(AppConfig):
    name = "haven.oversight"
    label = "oversight"
    verbose_name = "Oversight"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from haven.accounts.permissions import Perm
        from haven.audit.services import register_verification_listener
        from haven.core.navigation import NavItem, register
        from haven.oversight.services import verification_noted

        # Every verification, from the command line or the viewer, is kept for the viewer to show.
        register_verification_listener(verification_noted)

        register(NavItem("audit", _("Audit trail"), "oversight:audit", Perm.AUDIT_VIEW))
        register(NavItem("retention", _("Retention review"), "oversight:retention", Perm.PERSON_ERASE))
        register(NavItem("requests", _("Data requests"), "oversight:requests", Perm.PERSON_EXPORT))
