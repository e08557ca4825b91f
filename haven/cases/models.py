"""Person, case and everything recorded on a case.

Every identifying or sensitive value is a sealed BinaryField: ciphertext from the vault under the person's
own data key, bound to its table, column and row (`uid`), so erasing the key makes all of it unreadable at
once. Everything else is a code from `vocab.py` (HTCDS/CTDC/ISO values). Rows are written only by
`services.py` and fetched only through `access.py`.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone

from haven.cases import vocab


def _choices(items: vocab.Choices) -> list[tuple[str, Any]]:
    # The labels stay lazy: each is translated when shown, in the reader's language.
    return list(items)


class Person(models.Model):
    """The person Haven's Society assists (never a user account)."""

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    key_id = models.CharField(max_length=64, unique=True)

    # Sealed (vault) values. Text, each under the person's key; null = not recorded.
    name = models.BinaryField(null=True, blank=True)
    # What the person wants to be called, when it is not the name they gave (the case summary leads with it).
    preferred_name = models.BinaryField(null=True, blank=True)
    aliases = models.BinaryField(null=True, blank=True)
    date_of_birth = models.BinaryField(null=True, blank=True)
    contact = models.BinaryField(null=True, blank=True)
    safe_contact = models.BinaryField(null=True, blank=True)
    location = models.BinaryField(null=True, blank=True)
    documents = models.BinaryField(null=True, blank=True)
    document_number = models.BinaryField(null=True, blank=True)
    phone = models.BinaryField(null=True, blank=True)
    health = models.BinaryField(null=True, blank=True)
    perpetrator = models.BinaryField(null=True, blank=True)
    guardian = models.BinaryField(null=True, blank=True)

    # Coded values.
    gender = models.CharField(max_length=32, choices=_choices(vocab.GENDERS), default="NonSpecifiedUnknown")
    languages = models.JSONField(default=list, blank=True)
    information_language = models.CharField(max_length=3, blank=True)
    citizenship = models.JSONField(default=list, blank=True)
    legal_status = models.CharField(max_length=32, choices=_choices(vocab.LEGAL_STATUSES), default="unknown")
    stated_age = models.PositiveSmallIntegerField(null=True, blank=True)
    estimated_age = models.PositiveSmallIntegerField(null=True, blank=True)
    age_method = models.CharField(max_length=16, choices=_choices(vocab.AGE_METHODS), default="unknown")
    # Doubt about the age: the person is not sure, or looks younger than the age given.
    age_in_doubt = models.BooleanField(default=False)
    # The one age rule's answer (haven.screening.engine.is_treated_as_child), kept for lists and filters.
    age_established_adult = models.BooleanField(default=False)
    schooling = models.CharField(max_length=16, choices=_choices(vocab.SCHOOLING), blank=True)

    # Blind indexes (truncated keyed HMACs) for duplicate search; deleted on erasure.
    name_dob_bi = models.CharField(max_length=16, blank=True, default="", db_index=True)
    document_bi = models.CharField(max_length=16, blank=True, default="", db_index=True)
    phone_bi = models.CharField(max_length=16, blank=True, default="", db_index=True)
    # For finding people: the name alone (any order of the names), and the name with the year of birth.
    name_bi = models.CharField(max_length=16, blank=True, default="", db_index=True)
    name_year_bi = models.CharField(max_length=16, blank=True, default="", db_index=True)

    version = models.PositiveIntegerField(default=1)
    erased_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    # The person's field groups: Haven declares the person's values here, once. The services take exactly
    # FIELDS (SEALED_FIELDS sealed by the vault, CODED_FIELDS in clear); the API schema, the web forms and
    # the access-request document are tested against these groups (tests/cases/test_person_fields.py), and
    # the case sections a read is audited as are derived from IDENTIFYING_FIELDS and SENSITIVE_FIELDS.
    SEALED_FIELDS = (
        "name",
        "preferred_name",
        "aliases",
        "date_of_birth",
        "phone",
        "contact",
        "safe_contact",
        "documents",
        "document_number",
        "location",
        "health",
        "perpetrator",
        "guardian",
    )
    IDENTIFYING_FIELDS = (
        "name",
        "preferred_name",
        "aliases",
        "date_of_birth",
        "phone",
        "contact",
        "safe_contact",
        "documents",
        "document_number",
        "guardian",
    )
    SENSITIVE_FIELDS = ("location", "health", "perpetrator")
    CODED_FIELDS = (
        "gender",
        "languages",
        "information_language",
        "citizenship",
        "legal_status",
        "stated_age",
        "estimated_age",
        "age_method",
        "age_established_adult",
        "age_in_doubt",
        "schooling",
    )
    FIELDS = SEALED_FIELDS + CODED_FIELDS

    def __str__(self) -> str:
        return f"person {self.pk}"

    @property
    def is_child(self) -> bool:
        """Treated as a child: under 18, or of doubtful or unrecorded age (the services apply the rule)."""
        return not self.age_established_adult


class CaseSequence(models.Model):
    """The last case number given out in a year (codes are sequential, never derived from identity)."""

    year = models.PositiveIntegerField(primary_key=True)
    last = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.year}: {self.last}"


class PublishedCases(models.Manager["Case"]):
    """Cases as every page, list, search, statistic and access function sees them: without the rows of an
    import still being written (`Case.staged_import` set), which appear together when the import ends."""

    def get_queryset(self) -> models.QuerySet[Case]:
        return super().get_queryset().filter(staged_import=None)


class Case(models.Model):
    """A case: the Society's work with one person, under a pseudonymous code."""

    code = models.CharField(max_length=16, unique=True)
    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="cases")
    team = models.ForeignKey("accounts.Team", on_delete=models.PROTECT, related_name="cases")
    case_manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="managed_cases",
    )
    caseworkers = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="assigned_cases")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=16, choices=_choices(vocab.CASE_STATUSES), default="Active")
    stage = models.CharField(max_length=16, choices=_choices(vocab.STAGES), default="first_contact")
    closure_reason = models.CharField(max_length=32, choices=_choices(vocab.CLOSURE_REASONS), blank=True)
    legal_basis = models.CharField(max_length=32, choices=_choices(vocab.LEGAL_BASES), default="consent")
    # Sealed under the person's key: the written justification a vital-interest basis needs.
    vital_interest_justification = models.BinaryField(null=True, blank=True)
    handed_over = models.BooleanField(default=False)
    handed_over_at = models.DateTimeField(null=True, blank=True)
    # A hand-over from a screening: why details could be passed on, and whether it cannot wait.
    handover_basis = models.CharField(max_length=24, choices=_choices(vocab.HANDOVER_BASES), blank=True)
    handover_urgent = models.BooleanField(default=False)
    exploitation_types = models.JSONField(default=list, blank=True)
    means_of_control = models.JSONField(default=list, blank=True)
    # The level of the latest risk assessment (low, medium, high; blank before one): set only by
    # `haven.assessment.services`, read by lists and by the high-risk assignment rule.
    risk_level = models.CharField(max_length=8, blank=True, default="")
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    closed_at = models.DateTimeField(null=True, blank=True)
    # The import batch writing this case, until the whole file is in: such rows are invisible (see
    # `PublishedCases`), and deleted with their people and keys when the import fails or is killed.
    staged_import = models.UUIDField(null=True, blank=True, editable=False, db_index=True)

    # The first manager is the default one: every query, related manager included, leaves staged rows out.
    objects = PublishedCases()
    # Published and staged rows alike: only for the importer's bulk services and their clean-up.
    with_staged = models.Manager()  # noqa: DJ012 (a second manager, not a field)

    class Meta:
        # The case list reads one branch of the access rule at a time (own team, own cases, everything),
        # newest change first: each index below serves one branch, with or without the status filter,
        # in list order, so a page reads about a page of index entries instead of sorting every match.
        indexes = [
            models.Index(fields=["team", "status", "-updated_at", "-id"], name="case_team_status_idx"),
            models.Index(fields=["team", "-updated_at", "-id"], name="case_team_updated_idx"),
            models.Index(
                fields=["case_manager", "status", "-updated_at", "-id"], name="case_manager_status_idx"
            ),
            models.Index(fields=["case_manager", "-updated_at", "-id"], name="case_manager_updated_idx"),
            models.Index(fields=["status", "-updated_at", "-id"], name="case_status_updated_idx"),
            models.Index(fields=["-updated_at", "-id"], name="case_updated_idx"),
        ]

    def __str__(self) -> str:
        return self.code

    def get_closure_reason_display(self) -> str:  # type: ignore[no-redef]
        # In the reader's language, and a former outcome by its label too (Django's own shows its code).
        return vocab.closure_label(self.closure_reason)


class StageChange(models.Model):
    """Who moved a case to which stage and status, and when."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="stage_changes")
    from_stage = models.CharField(max_length=16, blank=True)
    to_stage = models.CharField(max_length=16, choices=_choices(vocab.STAGES))
    status = models.CharField(max_length=16, choices=_choices(vocab.CASE_STATUSES))
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    changed_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.case_id}: {self.from_stage}->{self.to_stage}"


class Consent(models.Model):
    """Consent for one purpose (and, for referrals, one recipient), as the person gave or refused it."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="consents")
    purpose = models.CharField(max_length=24, choices=_choices(vocab.CONSENT_PURPOSES))
    # An organisation code (the referrals app will bring the directory); blank unless purpose is referral.
    recipient = models.CharField(max_length=64, blank=True)
    status = models.CharField(max_length=16, choices=_choices(vocab.CONSENT_STATUSES))
    given_on = models.DateField()
    expires_on = models.DateField(null=True, blank=True)
    language = models.CharField(max_length=3)
    explained_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    interpreter = models.BooleanField(default=False)
    information_sheet_version = models.CharField(max_length=32)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    withdrawal_reason = models.CharField(
        max_length=24, choices=_choices(vocab.WITHDRAWAL_REASONS), blank=True
    )
    # Recipient codes to tell about the withdrawal (those that may hold data shared under this consent).
    inform = models.JSONField(default=list, blank=True)

    def __str__(self) -> str:
        return f"consent {self.pk}"


class PressureCheck(models.Model):
    """Before a withdrawal or erasure runs: the case manager's check for signs of third-party pressure.

    Continuing on another legal basis after such a request needs the DPO's sign-off with a reason.
    """

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="pressure_checks")
    kind = models.CharField(max_length=16, choices=_choices(vocab.PRESSURE_KINDS))
    consent = models.ForeignKey(Consent, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    signs_of_pressure = models.BooleanField()
    confirmed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    confirmed_at = models.DateTimeField(default=timezone.now)
    used_at = models.DateTimeField(null=True, blank=True)
    signoff_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    signoff_at = models.DateTimeField(null=True, blank=True)
    signoff_basis = models.CharField(max_length=32, choices=_choices(vocab.LEGAL_BASES), blank=True)
    signoff_reason = models.BinaryField(null=True, blank=True)  # sealed

    def __str__(self) -> str:
        return f"pressure check {self.pk}"


class BestInterests(models.Model):
    """A best-interests decision for a child: the basis for protection without the child's consent."""

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="best_interests")
    decision = models.BinaryField()  # sealed
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decided_on = models.DateField()
    # Organisation codes the decision allows a referral to, when the child cannot consent.
    recipients = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"best interests {self.pk}"


class HistoricEvent(models.Model):
    """HTCDS hte_: a recruitment, transit or exploitation event, with country and how precise the date is."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events")
    type = models.CharField(max_length=16, choices=_choices(vocab.EVENT_TYPES))
    country = models.CharField(max_length=2)
    date = models.DateField(null=True, blank=True)
    date_precision = models.CharField(
        max_length=8, choices=_choices(vocab.DATE_PRECISIONS), default="unknown"
    )
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"event {self.pk}"


class Note(models.Model):
    """A sealed case note. Health, perpetrator and location notes need the sensitive-sections permission."""

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="notes")
    section = models.CharField(max_length=16, choices=_choices(vocab.NOTE_SECTIONS), default="general")
    body = models.BinaryField()
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["case", "-created_at"], name="note_case_idx")]

    def __str__(self) -> str:
        return f"note {self.pk}"


class Task(models.Model):
    """A task or follow-up date on a case. The title is sealed (free text may name people)."""

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="tasks")
    kind = models.CharField(max_length=24, choices=_choices(vocab.TASK_KINDS), blank=True)
    title = models.BinaryField(null=True, blank=True)
    due_on = models.DateField()
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    done_at = models.DateTimeField(null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # Closed without being done, because the case was closed or the person erased: never open again.
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_reason = models.CharField(max_length=16, choices=_choices(vocab.TASK_CLOSE_REASONS), blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        indexes = [models.Index(fields=["done_at", "due_on"], name="task_open_due_idx")]

    def __str__(self) -> str:
        return f"task {self.pk}"

    @property
    def is_open(self) -> bool:
        """Neither done nor closed with its case."""
        return self.done_at is None and self.closed_at is None


class CaseClosure(models.Model):
    """One closure of a case, with its outcome and written reason; a reopening fills in the second half.

    Rows are never deleted, so a case closed, reopened and closed again keeps each step with who and when.
    """

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="closures")
    outcome = models.CharField(max_length=32, choices=_choices(vocab.CLOSURE_REASONS))
    reason = models.BinaryField(null=True, blank=True)  # sealed
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    closed_at = models.DateTimeField(default=timezone.now)
    tasks_closed = models.PositiveIntegerField(default=0)
    reopened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reopened_at = models.DateTimeField(null=True, blank=True)
    reopen_reason = models.BinaryField(null=True, blank=True)  # sealed

    def __str__(self) -> str:
        return f"closure {self.pk}"

    def get_outcome_display(self) -> str:  # type: ignore[no-redef]
        # In the reader's language, and a former outcome by its label too (Django's own shows its code).
        return vocab.closure_label(self.outcome)


class ReturnRiskCheck(models.Model):
    """Before a voluntary return: the case manager's check of the re-trafficking risk at the place of return.

    The guidance asks for extreme caution with voluntary return; a case closes as "returned voluntarily"
    only once such a check is on record.
    """

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="return_risk_checks")
    country = models.CharField(max_length=2)
    checked_on = models.DateField()
    risk = models.CharField(max_length=16, choices=_choices(vocab.RETURN_RISKS))
    notes = models.BinaryField(null=True, blank=True)  # sealed
    checked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"return risk check {self.pk}"


class Attachment(models.Model):
    """A sealed file under ATTACHMENTS_DIR; the row holds the sealed original file name and checked type."""

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="attachments")
    filename = models.BinaryField()  # sealed
    kind = models.CharField(max_length=8)  # pdf, png, jpeg, txt: checked by magic bytes
    size = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(default=timezone.now)
    file_deleted = models.BooleanField(default=False)

    def __str__(self) -> str:
        return f"attachment {self.pk}"


class DpoPurpose(models.Model):
    """A purpose the data protection officer recorded to open one case's content for a limited time
    ("break-glass"): without one, the DPO lists cases by code only and opens none (`access.open_rule`)."""

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="dpo_purposes")
    dpo = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    purpose = models.CharField(max_length=24, choices=_choices(vocab.DPO_PURPOSES))
    # Sealed under the person's key: the reason may name the person or the request.
    reason = models.BinaryField(null=True, blank=True)
    granted_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"purpose {self.pk}"


class ErasureTombstone(models.Model):
    """What remains after an erasure: which case, when, by whom, and the legal reason (codes only)."""

    case_code = models.CharField(max_length=16, unique=True)
    erased_at = models.DateTimeField(default=timezone.now)
    erased_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reason_code = models.CharField(max_length=32, choices=_choices(vocab.ERASURE_REASONS))

    def __str__(self) -> str:
        return f"tombstone {self.case_code}"
