"""The programme manager's organisation tools: readiness self-assessment (Annex II), awareness activities,
legal framework (Annex III), guidance cards and the advocacy log."""

from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrganisationConfig(AppConfig):
    name = "haven.organisation"
    label = "organisation"
    verbose_name = _("Organisation")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from haven.accounts.permissions import Perm
        from haven.core.navigation import NavItem, register

        register(NavItem("readiness", _("Readiness"), "organisation:readiness", Perm.ORG_MANAGE))
        register(NavItem("awareness", _("Awareness"), "organisation:awareness", Perm.ORG_MANAGE))
        register(NavItem("advocacy", _("Advocacy"), "organisation:advocacy", Perm.ORG_MANAGE))
        register(NavItem("guidance", _("Guidance"), "organisation:guidance", None))
