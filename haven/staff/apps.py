"""The staff and volunteer register (roles, teams, trainings, suitability) and staff wellbeing."""

from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StaffConfig(AppConfig):
    name = "haven.staff"
    label = "staff"
    verbose_name = _("Staff and volunteers")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from haven.accounts.permissions import Perm
        from haven.core.navigation import NavItem, register
        from haven.staff.selectors import key_ids_in_use
        from haven.vault.collect import register_key_reference_hook

        # `haven keys gc` keeps every staff member's key (suitability and wellbeing notes).
        register_key_reference_hook(key_ids_in_use)
        register(NavItem("staff", _("Staff and volunteers"), "staff:list", Perm.STAFF_MANAGE))
        register(NavItem("wellbeing", _("My wellbeing"), "staff:wellbeing", Perm.WELLBEING_OWN))
