from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EvidenceConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "haven.evidence"
    verbose_name = _("Evidence")

    def ready(self) -> None:
        from haven.accounts.permissions import Perm
        from haven.core.navigation import NavItem, register
        from haven.evidence.selectors import key_ids_in_use
        from haven.vault.collect import register_key_reference_hook

        # `haven keys gc` keeps every release's sealed noise key.
        register_key_reference_hook(key_ids_in_use)
        register(NavItem("evidence", _("Evidence"), "evidence:dashboard", Perm.STATS_VIEW))
