from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReferralsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "haven.referrals"
    verbose_name = _("Referrals")

    def ready(self) -> None:
        from haven.accounts.permissions import Perm
        from haven.cases import consent
        from haven.cases.summary import register_panel
        from haven.cases.timeline import register_timeline_source
        from haven.core.navigation import NavItem, register
        from haven.referrals import hooks

        # The cases app names recipients by organisation code and cannot import this app (the apps would
        # import each other): it calls these hooks, so its consent paths pass the neutrality guard too, and
        # a withdrawal creates the tasks to tell the organisations.
        consent.register_recipient_guard(hooks.guard_recipient)
        consent.register_withdrawal_listener(hooks.on_withdrawal)
        consent.register_recipient_choices(hooks.recipient_choices)
        consent.register_recipient_names(hooks.recipient_names)
        register_panel(hooks.open_referrals_panel)
        register_timeline_source(hooks.referral_events)
        register(NavItem("directory", _("Service directory"), "referrals:directory", Perm.DIRECTORY_VIEW))
        register(NavItem("gaps", _("Gap analysis"), "referrals:gaps", Perm.DIRECTORY_MANAGE))
