"""Follow-up: the "my work" page, reviews due, formal identification and the reflection period, and the
printable case summary."""

from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FollowupConfig(AppConfig):
    name = "haven.followup"
    label = "followup"
    verbose_name = "Follow-up"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from haven.cases.summary import register_review_source
        from haven.core.navigation import NavItem, register
        from haven.followup import reviews

        register(NavItem("my_work", _("My work"), "followup:my_work", None))
        reviews.register_reviews_provider(reviews.consent_expiry_reviews)
        reviews.register_reviews_provider(reviews.identification_reviews)
        register_review_source(reviews.identification_dates_of_case)
