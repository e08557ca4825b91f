from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EvidenceConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "haven.evidence"
    verbose_name = _("Evidence")

    def ready(self) -> None:
        from haven.accounts.permissions import Perm
        from haven.core.navigation import NavItem, register

        register(NavItem("evidence", _("Evidence"), "evidence:dashboard", Perm.STATS_VIEW))
