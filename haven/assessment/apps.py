"""The assessment app: working with the person after the hand-over (needs, risk and safety, support plan,
restoring family links, child protection steps)."""

from __future__ import annotations

from django.apps import AppConfig


class AssessmentConfig(AppConfig):
    name = "haven.assessment"
    label = "assessment"
    verbose_name = "Assessment and planning"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from haven.assessment.selectors import plan_reviews_for, plan_reviews_of_case, subject_access_sections
        from haven.cases.selectors import register_export_section
        from haven.cases.summary import register_review_source
        from haven.followup.reviews import register_reviews_provider

        # An access request exports what this app holds on the person too.
        register_export_section(subject_access_sections)
        # Risk, safety and support plan reviews show on the case manager's "my work" page and are reminded.
        register_reviews_provider(plan_reviews_for)
        # ... and the soonest of them on the case's summary.
        register_review_source(plan_reviews_of_case)
