"""The cases app: person, case, consent, notes, tasks, attachments and the access rules around them."""

from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "haven.cases"
    label = "cases"
    verbose_name = "Cases"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from haven.accounts.permissions import Perm
        from haven.cases.selectors import key_ids_in_use
        from haven.cases.services import erasure_reapply, imports_abandoned_hook
        from haven.core.navigation import NavItem, register
        from haven.vault.collect import register_abandoned_rows_hook, register_key_reference_hook
        from haven.vault.reapply import register_erasure_hook

        # A restore erases again, through this app, the people erased after the backup was taken.
        register_erasure_hook(erasure_reapply)
        # `haven keys gc` keeps every key a person row refers to.
        register_key_reference_hook(key_ids_in_use)
        # ... after deleting the rows of imports killed before they could publish or clean up.
        register_abandoned_rows_hook(imports_abandoned_hook)

        register(NavItem("cases", _("Cases"), "cases:list", Perm.CASE_VIEW))
        register(NavItem("first_contact", _("First contact"), "cases:first_contact", Perm.CASE_FIRST_CONTACT))
        register(NavItem("handovers", _("Hand-overs waiting"), "cases:handovers", Perm.CASE_ASSIGN))
        register(NavItem("tasks_overdue", _("Overdue tasks"), "cases:overdue", Perm.CASE_EDIT))
