"""The service directory, referrals, links, stops of sharing, authority requests and dialogues.

An organisation is identified by its `code` everywhere (consent recipients and best-interests decisions of
the cases app name organisations by this code). Free text about a person (feedback, reasons) is sealed under
the person's key like every case note; the directory itself holds no data about the person assisted.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone

from haven.cases import vocab as case_vocab
from haven.referrals import vocab


def _choices(items: case_vocab.Choices) -> list[tuple[str, Any]]:
    # The labels stay lazy: each is translated when shown, in the reader's language.
    return list(items)


class Organisation(models.Model):
    """A partner service (or an authority) in the Society's directory, with its cooperation assessment."""

    code = models.CharField(max_length=64, unique=True)
    name = models.CharField(max_length=200)
    org_type = models.CharField(max_length=24, choices=_choices(vocab.ORGANISATION_TYPES))
    mandate_notes = models.TextField(blank=True, max_length=2000)
    contact_phone = models.CharField(max_length=64, blank=True)
    contact_email = models.CharField(max_length=200, blank=True)
    contact_address = models.CharField(max_length=300, blank=True)
    areas = models.JSONField(default=list, blank=True)  # area codes the Society uses (e.g. "north")
    languages = models.JSONField(default=list, blank=True)  # ISO 639 codes
    capacity = models.PositiveIntegerField(null=True, blank=True)  # places free now; null = not known
    waiting_days = models.PositiveIntegerField(null=True, blank=True)
    target_groups = models.JSONField(default=list, blank=True)  # haven.cases.vocab.TARGET_GROUPS
    domains = models.JSONField(default=list, blank=True)  # haven.cases.vocab.NEEDS_DOMAINS it meets
    support_types = models.JSONField(default=list, blank=True)  # haven.cases.vocab.SUPPORT_TYPES
    # Cooperation assessment (Annex II: "which institutions we can cooperate with safely").
    safe_to_cooperate = models.BooleanField(default=False)
    mandate_in_line = models.BooleanField(default=False)
    data_protection = models.CharField(
        max_length=16, choices=_choices(vocab.DATA_PROTECTION_STANDARDS), default="unknown"
    )
    agreement_ref = models.CharField(max_length=64, blank=True)
    agreement_expires = models.DateField(null=True, blank=True)
    reviewed_on = models.DateField(null=True, blank=True)
    review_due = models.DateField(null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name", "code"]

    def __str__(self) -> str:
        return self.code


class ResidencePermitRequest(models.Model):
    """The person asked that the Society contact the immigration service to obtain a residence permit,
    and the case manager recorded that request: the one case where the guard lets data go to it."""

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="+")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"residence permit request {self.pk}"


class Referral(models.Model):
    """The Society contacts a service on the person's behalf, with the fields the minimisation step chose."""

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="referrals")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="referrals")
    need_domain = models.CharField(max_length=24, choices=_choices(case_vocab.NEEDS_DOMAINS))
    status = models.CharField(max_length=16, choices=_choices(vocab.REFERRAL_STATUSES), default="draft")
    fields = models.JSONField(default=list, blank=True)  # names of the values shared (never the values)
    language = models.CharField(max_length=3)  # the recipient's language for the letter
    safe_contact_method = models.CharField(
        max_length=24, choices=_choices(vocab.SAFE_CONTACT_METHODS), default="through_society"
    )
    feedback = models.BinaryField(null=True, blank=True)  # sealed: the partner's feedback
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    status_changed_at = models.DateTimeField(default=timezone.now)
    # The task to tell the organisation, once consent for it was withdrawn.
    inform_task = models.ForeignKey(
        "cases.Task", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    def __str__(self) -> str:
        return f"referral {self.pk}"


class Link(models.Model):
    """Linking: the person got a card with the service's details; nothing was shared with the service."""

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="links")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    need_domain = models.CharField(max_length=24, choices=_choices(case_vocab.NEEDS_DOMAINS))
    language = models.CharField(max_length=3)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"link {self.pk}"


class SharingStop(models.Model):
    """Sharing with an organisation stopped at once when the person withdrew consent for it.

    It holds even while a pressure review is pending; only the review (a DPO sign-off after signs of
    pressure) can lift it.
    """

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="+")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(default=timezone.now)
    lifted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    lifted_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"sharing stop {self.pk}"


class AuthorityRequest(models.Model):
    """A request from an authority for data. The default answer is refusal; a disclosure needs a case
    manager's and the DPO's approval (two people), a written reason and the person's interest."""

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="+")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    legal_basis = models.BinaryField(null=True, blank=True)  # sealed: the legal basis the authority claims
    scope = models.JSONField(default=list, blank=True)  # the field names asked for
    received_on = models.DateField()
    deadline = models.DateField(null=True, blank=True)
    status = models.CharField(
        max_length=16, choices=_choices(vocab.AUTHORITY_REQUEST_STATUSES), default="registered"
    )
    registered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    registered_at = models.DateTimeField(default=timezone.now)
    manager_approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    dpo_approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reason = models.BinaryField(null=True, blank=True)  # sealed: why disclosure is legally compelled
    person_interest = models.BinaryField(null=True, blank=True)  # sealed: the person's interest recorded
    disclosed_fields = models.JSONField(default=list, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"authority request {self.pk}"


class AuthorityDialogue(models.Model):
    """A confidential dialogue with an authority (seed 4.3): a meeting note, no case file attached."""

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="+")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    held_on = models.DateField()
    purpose = models.CharField(max_length=24, choices=_choices(vocab.DIALOGUE_PURPOSES))
    consent = models.ForeignKey("cases.Consent", on_delete=models.PROTECT, related_name="+")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"dialogue {self.pk}"
