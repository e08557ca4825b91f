"""Needs, risk and safety, support plan, restoring family links and child protection on a case.

Free text about the person is sealed under the person's own key like every case value (`haven.cases.sealing`,
bound to table, column and row `uid`), so erasing the person makes it unreadable with the rest. Assessments
are never edited: a re-assessment is a new row with the next number, the earlier ones stay readable.
Rows are written only by `services.py` and read only through `selectors.py` after `case_for_user`.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone

from haven.assessment import vocab as av
from haven.cases import vocab


def _choices(items: vocab.Choices) -> list[tuple[str, Any]]:
    # The labels stay lazy: each is translated when shown, in the reader's language.
    return list(items)


class NeedsAssessment(models.Model):
    """One holistic needs assessment (number `number` of the case): vulnerability factors and preferences."""

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="needs_assessments")
    number = models.PositiveIntegerField()
    # Whether the child's sections were shown (the one age rule, at the time of the assessment).
    as_child = models.BooleanField(default=False)
    individual_factors = models.JSONField(default=list, blank=True)
    household_factors = models.JSONField(default=list, blank=True)
    community_factors = models.JSONField(default=list, blank=True)
    preferred_worker_gender = models.CharField(max_length=8, choices=_choices(av.WORKER_GENDERS), blank=True)
    preferred_interpreter_gender = models.CharField(
        max_length=8, choices=_choices(av.WORKER_GENDERS), blank=True
    )
    interpreter_language = models.CharField(max_length=3, blank=True)
    summary = models.BinaryField(null=True, blank=True)  # sealed: the person's own words overall
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["case", "number"], name="needs_assessment_number_unique")
        ]

    def __str__(self) -> str:
        return f"needs assessment {self.pk}"


class NeedsDomainEntry(models.Model):
    """One domain of a needs assessment: the level, the person's priorities and words, what was agreed."""

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    assessment = models.ForeignKey(NeedsAssessment, on_delete=models.CASCADE, related_name="domains")
    domain = models.CharField(max_length=24, choices=_choices(vocab.NEEDS_DOMAINS))
    level = models.CharField(max_length=16, choices=_choices(av.NEED_LEVELS), default="not_assessed")
    priorities = models.BinaryField(null=True, blank=True)  # sealed: the person's own priorities and words
    agreed_action = models.BinaryField(null=True, blank=True)  # sealed
    service_chosen = models.BinaryField(null=True, blank=True)  # sealed free text until the directory exists
    # Hook for the referral directory (built separately): the chosen service's id there. No foreign key yet.
    directory_service_id = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["assessment", "domain"], name="needs_domain_once_unique")
        ]

    def __str__(self) -> str:
        return f"needs domain {self.pk}"


class RiskAssessment(models.Model):
    """A risk and safety assessment (number `number` of the case); the level comes from the service's rule.

    Signing off (a case manager) is what the restoring-family-links gate and the safety plans rely on.
    """

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="risk_assessments")
    number = models.PositiveIntegerField()
    reprisal = models.CharField(max_length=8, choices=_choices(av.LIKELIHOODS), default="none")
    re_trafficking = models.CharField(max_length=8, choices=_choices(av.LIKELIHOODS), default="none")
    exploiting_others = models.CharField(max_length=8, choices=_choices(av.LIKELIHOODS), default="none")
    threats_to_family = models.CharField(max_length=8, choices=_choices(av.LIKELIHOODS), default="none")
    relationship = models.CharField(max_length=16, choices=_choices(av.RELATIONSHIPS), default="unknown")
    dependency = models.BooleanField(default=False)
    debts = models.BooleanField(default=False)
    staff_exposure = models.BooleanField(default=False)
    safe_house_exposure = models.BooleanField(default=False)
    family_involvement = models.CharField(max_length=8, choices=_choices(av.FAMILY_INVOLVEMENT), blank=True)
    level = models.CharField(max_length=8, choices=_choices(av.RISK_LEVELS))
    notes = models.BinaryField(null=True, blank=True)  # sealed
    review_on = models.DateField()
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)
    signed_off_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    signed_off_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["case", "number"], name="risk_assessment_number_unique")
        ]

    def __str__(self) -> str:
        return f"risk assessment {self.pk}"


class SafetyPlan(models.Model):
    """A safety plan for the person or for staff and volunteers, with its review date. A newer plan for the
    same audience replaces it; the earlier ones stay readable."""

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="safety_plans")
    risk_assessment = models.ForeignKey(RiskAssessment, on_delete=models.PROTECT, related_name="plans")
    audience = models.CharField(max_length=8, choices=_choices(av.SAFETY_AUDIENCES))
    measures = models.BinaryField()  # sealed
    review_on = models.DateField()
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"safety plan {self.pk}"


class FamilyLinksRequest(models.Model):
    """A family tracing or contact request, made only after a signed-off risk check that considered family."""

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="family_links_requests")
    kind = models.CharField(max_length=8, choices=_choices(av.FAMILY_LINKS_KINDS))
    sought = models.BinaryField()  # sealed: who the person wants to find or reach
    details = models.BinaryField(null=True, blank=True)  # sealed
    risk_assessment = models.ForeignKey(RiskAssessment, on_delete=models.PROTECT, related_name="+")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"family links request {self.pk}"


class SupportGoal(models.Model):
    """One objective of the support plan: HTCDS support type, the actions, who is responsible, end dates."""

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="support_goals")
    support_type = models.CharField(max_length=16, choices=_choices(vocab.SUPPORT_TYPES))
    objective = models.BinaryField()  # sealed
    actions = models.BinaryField(null=True, blank=True)  # sealed
    responsible_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    responsible_partner = models.BinaryField(null=True, blank=True)  # sealed free text (a partner)
    # Hook for the referral directory (built separately): the partner service's id there. No foreign key yet.
    directory_service_id = models.PositiveIntegerField(null=True, blank=True)
    status = models.CharField(max_length=12, choices=_choices(av.SUPPORT_STATUSES), default="planned")
    planned_end = models.DateField()
    actual_end = models.DateField(null=True, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"support goal {self.pk}"


class SupportReview(models.Model):
    """A periodic review of the support plan with the person."""

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="support_reviews")
    reviewed_on = models.DateField()
    with_person = models.BooleanField(default=True)
    summary = models.BinaryField()  # sealed: what the person said and what changes
    next_review_on = models.DateField()
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"support review {self.pk}"


class ChildProtectionStep(models.Model):
    """A step of child protection: best-interests assessment or determination (the determination is the
    case's `cases.BestInterests` decision, linked here), guardian involvement, school access, or the child
    safeguarding referral."""

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="child_steps")
    step = models.CharField(max_length=24, choices=_choices(av.CHILD_STEPS))
    step_on = models.DateField()
    summary = models.BinaryField()  # sealed
    guardian_involvement = models.CharField(
        max_length=16, choices=_choices(av.GUARDIAN_INVOLVEMENT), blank=True
    )
    schooling = models.CharField(max_length=16, choices=_choices(vocab.SCHOOLING), blank=True)
    referred_to = models.BinaryField(null=True, blank=True)  # sealed: the safeguarding service
    best_interests = models.ForeignKey(
        "cases.BestInterests", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"child protection step {self.pk}"
