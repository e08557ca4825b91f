"""The only writes of the referral network. Each service takes `actor=`, checks its action in the one action
table, applies every rule (neutrality guard, consent, minimisation), writes and audits (codes, ids and field
names only, never values).

Outgoing case data is produced only in `outgoing.py`, with the clearance of `neutrality.guard_outgoing`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from haven.accounts.actions import authorize
from haven.accounts.models import User
from haven.accounts.permissions import Perm
from haven.audit.services import audit_record
from haven.cases import services as case_services
from haven.cases import vocab as case_vocab
from haven.cases.consent import consent_in_force, latest_consent
from haven.cases.models import Case, PressureCheck
from haven.cases.sealing import seal
from haven.referrals import outgoing, selectors, vocab
from haven.referrals.models import (
    AuthorityDialogue,
    AuthorityRequest,
    Link,
    Organisation,
    Referral,
    ResidencePermitRequest,
    SharingStop,
)
from haven.referrals.neutrality import ALWAYS_REFUSED, ON_PERSONS_REQUEST, guard_outgoing


class ConsentRequired(ValidationError):
    """No consent for this recipient and purpose (nor the child rule): nothing was shared."""

    api_code = "consent_required"

    def __init__(self) -> None:
        super().__init__(
            _(
                "The person has not consented to a referral to this organisation (or withdrew it), and no "
                "best-interests decision for a child covers it. Record the consent first; nothing was shared."
            )
        )


def _audit(actor: User | None, action: str, case: Case | None, **detail: Any) -> None:
    audit_record(
        actor_id=actor.pk if actor is not None else None,
        action=action,
        object_type="case" if case is not None else "directory",
        object_id=case.code if case is not None else "",
        detail=detail,
    )


def _check_open(case: Case) -> None:
    if case.person.erased_at is not None:
        raise ValidationError(_("This person's data was erased; the case can no longer change."))


# -- the directory -------------------------------------------------------------------------------------------

_CODE_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-")


def _codes(name: str, values: Sequence[str], allowed: frozenset[str], errors: dict[str, str]) -> list[str]:
    bad = [v for v in values if v not in allowed]
    if bad:
        errors[name] = _("Unknown code in this list.")
    return sorted(set(values))


def clean_organisation_values(values: Mapping[str, Any]) -> dict[str, Any]:
    """Check a directory entry's values (every channel and the import use this); ValidationError per field."""
    errors: dict[str, str] = {}
    clean: dict[str, Any] = {}
    code = str(values.get("code", "")).strip()
    if not code or len(code) > 64 or not set(code) <= _CODE_CHARS or not code[0].isalnum():
        errors["code"] = _("A code is letters, digits, dots, dashes and underscores (at most 64).")
    clean["code"] = code
    clean["name"] = str(values.get("name", "")).strip()
    if not clean["name"] or len(clean["name"]) > 200:
        errors["name"] = _("Give the organisation's name (at most 200 characters).")
    org_type = str(values.get("org_type", ""))
    if org_type not in case_vocab.codes(vocab.ORGANISATION_TYPES):
        errors["org_type"] = _("Choose a type of organisation.")
    clean["org_type"] = org_type
    for name, limit in (
        ("mandate_notes", 2000),
        ("contact_phone", 64),
        ("contact_email", 200),
        ("contact_address", 300),
        ("agreement_ref", 64),
    ):
        text = str(values.get(name, "") or "").strip()
        if len(text) > limit:
            errors[name] = _("Too long.")
        clean[name] = text
    clean["areas"] = sorted({str(a).strip().lower() for a in values.get("areas", []) if str(a).strip()})
    clean["languages"] = _codes("languages", values.get("languages", []), case_vocab.language_codes(), errors)
    clean["target_groups"] = _codes(
        "target_groups", values.get("target_groups", []), case_vocab.codes(case_vocab.TARGET_GROUPS), errors
    )
    clean["domains"] = _codes(
        "domains", values.get("domains", []), case_vocab.codes(case_vocab.NEEDS_DOMAINS), errors
    )
    clean["support_types"] = _codes(
        "support_types", values.get("support_types", []), case_vocab.codes(case_vocab.SUPPORT_TYPES), errors
    )
    for name in ("capacity", "waiting_days"):
        number = values.get(name)
        if number is not None and (
            not isinstance(number, int) or isinstance(number, bool) or not 0 <= number <= 100_000
        ):
            errors[name] = _("A whole number from 0, or empty when not known.")
        clean[name] = number
    for name in ("safe_to_cooperate", "mandate_in_line"):
        clean[name] = bool(values.get(name, False))
    protection = str(values.get("data_protection", "unknown") or "unknown")
    if protection not in case_vocab.codes(vocab.DATA_PROTECTION_STANDARDS):
        errors["data_protection"] = _("Choose a data protection standard.")
    clean["data_protection"] = protection
    for name in ("agreement_expires", "reviewed_on", "review_due"):
        day = values.get(name)
        if day is not None and not isinstance(day, date):
            errors[name] = _("Give a date (YYYY-MM-DD).")
        clean[name] = day
    if clean["reviewed_on"] is not None and clean["reviewed_on"] > timezone.localdate():
        errors["reviewed_on"] = _("The date cannot be in the future.")
    if clean["reviewed_on"] is not None and clean["review_due"] is None:
        clean["review_due"] = clean["reviewed_on"] + timedelta(days=365)
    if errors:
        raise ValidationError(errors)
    return clean


def _organisation_write(
    actor: User | None, values: Mapping[str, Any], organisation: Organisation | None
) -> Organisation:
    clean = clean_organisation_values(values)
    if organisation is None:
        organisation = Organisation.objects.filter(code=clean["code"]).first() or Organisation()
    elif clean["code"] != organisation.code:
        raise ValidationError({"code": _("The code of an organisation does not change.")})
    reviewed_before = organisation.reviewed_on
    for name, value in clean.items():
        setattr(organisation, name, value)
    if clean["reviewed_on"] is not None and clean["reviewed_on"] != reviewed_before:
        organisation.reviewed_by = actor
    organisation.updated_at = timezone.now()
    organisation.full_clean()
    organisation.save()
    _audit(actor, "directory.saved", None, organisation=organisation.code, type=organisation.org_type)
    return organisation


@transaction.atomic
def organisation_save(
    *, actor: User, values: Mapping[str, Any], organisation: Organisation | None = None
) -> Organisation:
    """Add a partner service or change one, with its cooperation assessment (the reviewer is the actor)."""
    authorize(actor, "directory.manage")
    return _organisation_write(actor, values, organisation)


def organisation_for_code(code: str) -> Organisation:
    """The organisation named by a code in consent records: a placeholder when the directory lacks it, so
    that every recipient is in the directory (a placeholder is never proposed and is refused for referrals
    until a programme manager describes it)."""
    found = Organisation.objects.filter(code=code).first()
    if found is None:
        found = Organisation.objects.create(code=code, name=code, org_type="placeholder")
        audit_record(
            actor_id=None,
            action="directory.placeholder",
            object_type="directory",
            detail={"organisation": code},
        )
    return found


# -- referrals -----------------------------------------------------------------------------------------------


def _check_partner(organisation: Organisation) -> None:
    if organisation.org_type == "placeholder":
        raise ValidationError(
            _(
                "This organisation is not described in the directory yet; a programme manager must "
                "describe it first."
            )
        )
    if organisation.org_type not in (
        *ALWAYS_REFUSED,
        *ON_PERSONS_REQUEST,
    ) and not selectors.cooperation_valid(organisation):
        raise ValidationError(
            _("The cooperation assessment of this organisation is missing, negative or expired.")
        )


@transaction.atomic
def referral_draft(
    *, actor: User, case: Case, organisation: Organisation, need_domain: str, channel: str = "service"
) -> Referral:
    """Start a referral for one need to one organisation, with the default fields (minimisation)."""
    authorize(actor, "referral.send")
    _check_open(case)
    guard_outgoing(actor=actor, case=case, organisation=organisation, channel=channel, what="referral")
    if need_domain not in case_vocab.codes(case_vocab.NEEDS_DOMAINS):
        raise ValidationError({"need_domain": _("Choose a need.")})
    _check_partner(organisation)
    language = organisation.languages[0] if organisation.languages else "en"
    referral = Referral(
        case=case,
        organisation=organisation,
        need_domain=need_domain,
        fields=list(vocab.DEFAULT_FIELDS),
        language=language,
        created_by=actor,
    )
    referral.full_clean()
    referral.save()
    _audit(
        actor,
        "referral.drafted",
        case,
        referral=referral.pk,
        organisation=organisation.code,
        need=need_domain,
    )
    return referral


@transaction.atomic
def referral_minimise(
    *,
    actor: User,
    referral: Referral,
    fields: Sequence[str],
    safe_contact_method: str,
    language: str,
    channel: str = "service",
) -> Referral:
    """Choose exactly which fields go. The case code always goes; identity only when the person's own
    consent for this recipient covers it."""
    authorize(actor, "referral.send")
    case = referral.case
    _check_open(case)
    guard_outgoing(
        actor=actor, case=case, organisation=referral.organisation, channel=channel, what="referral"
    )
    if referral.status != "draft":
        raise ValidationError(_("Only a draft referral can change."))
    chosen = [name for name in vocab.SHAREABLE_FIELDS if name in set(fields)]
    errors: dict[str, str] = {}
    if set(fields) - set(vocab.SHAREABLE_FIELDS):
        errors["fields"] = _("Unknown field.")
    if "case_code" not in chosen:
        errors["fields"] = _("The case reference always goes with a referral.")
    if set(chosen) & set(vocab.IDENTITY_FIELDS) and not selectors.identity_covered(
        case, referral.organisation
    ):
        errors["fields"] = _("Identity goes only when the person's consent for this organisation covers it.")
    if safe_contact_method not in case_vocab.codes(vocab.SAFE_CONTACT_METHODS):
        errors["safe_contact_method"] = _("Choose a safe way to make contact.")
    if language not in case_vocab.language_codes():
        errors["language"] = _("Unknown language code.")
    if errors:
        raise ValidationError(errors)
    referral.fields = chosen
    referral.safe_contact_method = safe_contact_method
    referral.language = language
    referral.full_clean()
    referral.save()
    _audit(actor, "referral.minimised", case, referral=referral.pk, fields=chosen)
    return referral


def _check_consent(referral: Referral) -> None:
    if not selectors.may_share(referral.case, referral.organisation):
        raise ConsentRequired
    if set(referral.fields) & set(vocab.IDENTITY_FIELDS) and not selectors.identity_covered(
        referral.case, referral.organisation
    ):
        raise ConsentRequired


@transaction.atomic
def referral_send(*, actor: User, referral: Referral, channel: str = "service") -> dict[str, Any]:
    """Send a draft referral: neutrality guard, consent for this recipient (or the child rule), then the
    payload with only the chosen fields; returns the payload. Audits every field name shared."""
    authorize(actor, "referral.send")
    referral = (
        Referral.objects.select_for_update()
        .select_related("case__person", "organisation")
        .get(pk=referral.pk)
    )
    case = referral.case
    _check_open(case)
    clearance = guard_outgoing(
        actor=actor, case=case, organisation=referral.organisation, channel=channel, what="payload"
    )
    if referral.status != "draft":
        raise ValidationError(_("This referral was already sent."))
    _check_consent(referral)
    payload = outgoing.referral_payload(clearance, referral)
    referral.status = "sent"
    referral.sent_at = referral.status_changed_at = timezone.now()
    referral.sent_by = actor
    referral.full_clean()
    referral.save()
    _audit(
        actor,
        "referral.sent",
        case,
        referral=referral.pk,
        organisation=referral.organisation.code,
        fields=list(referral.fields),
        via=channel,
    )
    return payload


@transaction.atomic
def referral_letter(*, actor: User, referral: Referral, fmt: str, channel: str = "service") -> bytes:
    """The referral letter (PDF or plain text) in the recipient's language, with only the chosen fields."""
    authorize(actor, "referral.send")
    case = referral.case
    _check_open(case)
    clearance = guard_outgoing(
        actor=actor, case=case, organisation=referral.organisation, channel=channel, what="letter"
    )
    if referral.status not in ("draft", "sent", "accepted"):
        raise ValidationError(_("No letter for a referral that was declined, completed or withdrawn."))
    _check_consent(referral)
    if fmt == "pdf":
        data = outgoing.letter_pdf(clearance, referral)
    elif fmt == "txt":
        data = outgoing.letter_text(clearance, referral).encode("utf-8")
    else:
        raise ValidationError({"format": _("Choose pdf or txt.")})
    _audit(
        actor,
        "referral.letter",
        case,
        referral=referral.pk,
        fields=list(referral.fields),
        format=fmt,
        via=channel,
    )
    return data


@transaction.atomic
def referral_status_set(*, actor: User, referral: Referral, status: str, feedback: str = "") -> Referral:
    """Record the partner's answer (accepted, declined, completed) or withdraw the referral."""
    authorize(actor, "referral.status")
    referral = Referral.objects.select_for_update().select_related("case__person").get(pk=referral.pk)
    case = referral.case
    _check_open(case)
    if status not in vocab.NEXT_STATUSES.get(referral.status, frozenset()):
        raise ValidationError({"status": _("This referral cannot move to that status.")})
    if len(feedback) > 4000:
        raise ValidationError({"feedback": _("Too long (at most 4000 characters).")})
    referral.status = status
    referral.status_changed_at = timezone.now()
    if feedback.strip():
        referral.feedback = seal(case.person.key_id, referral, "feedback", feedback.strip())
    referral.full_clean()
    referral.save()
    _audit(actor, "referral.status", case, referral=referral.pk, status=status)
    return referral


@transaction.atomic
def link_create(
    *, actor: User, case: Case, organisation: Organisation, need_domain: str, language: str
) -> Link:
    """Linking: the person receives the service's details on a card; nothing is shared with the service."""
    authorize(actor, "referral.link")
    _check_open(case)
    if need_domain not in case_vocab.codes(case_vocab.NEEDS_DOMAINS):
        raise ValidationError({"need_domain": _("Choose a need.")})
    if language not in case_vocab.language_codes():
        raise ValidationError({"language": _("Unknown language code.")})
    if organisation.org_type == "placeholder":
        raise ValidationError(_("This organisation is not described in the directory yet."))
    link = Link(
        case=case, organisation=organisation, need_domain=need_domain, language=language, created_by=actor
    )
    link.full_clean()
    link.save()
    _audit(actor, "referral.linked", case, link=link.pk, organisation=organisation.code, need=need_domain)
    return link


# -- consent withdrawal: stop sharing at once ----------------------------------------------------------------


def inform_tasks(*, actor: User, case: Case, organisation: Organisation) -> list[int]:
    """A task per open referral to this organisation, to tell it of the withdrawal, with its contact details
    (once per referral)."""
    created = []
    open_referrals = Referral.objects.select_for_update().filter(
        case=case, organisation=organisation, status__in=vocab.OPEN_REFERRAL_STATUSES, inform_task=None
    )
    for referral in open_referrals:
        contact = " · ".join(
            part
            for part in (organisation.contact_phone, organisation.contact_email, organisation.contact_address)
            if part
        )
        title = _(
            "Tell %(organisation)s that consent was withdrawn: stop using the referral data (%(contact)s)"
        ) % {
            "organisation": organisation.name,
            "contact": contact or _("no contact details in the directory"),
        }
        task = case_services.task_add(
            actor=actor, case=case, due_on=timezone.localdate(), kind="referral", title=title[:500]
        )
        referral.inform_task = task
        referral.save(update_fields=["inform_task"])
        created.append(task.pk)
    return created


@dataclass(frozen=True)
class StopResult:
    stop: SharingStop
    withdrawn: bool
    tasks: list[int]


@transaction.atomic
def sharing_stop(
    *, actor: User, case: Case, organisation: Organisation, reason: str, confirm_no_pressure: bool = False
) -> StopResult:
    """The person withdraws consent for an organisation: sharing with it stops at once, tasks are created to
    tell it, and the consent is withdrawn when the pressure check allows. While a pressure review is
    pending the stop holds; only that review can lift it (`sharing_restore`)."""
    authorize(actor, "referral.stop_sharing")
    _check_open(case)
    if reason not in case_vocab.codes(case_vocab.WITHDRAWAL_REASONS):
        raise ValidationError({"reason": _("Choose a reason.")})
    stop = SharingStop.objects.filter(case=case, organisation=organisation, lifted_at=None).first()
    if stop is None:
        stop = SharingStop.objects.create(case=case, organisation=organisation, requested_by=actor)
    tasks = inform_tasks(actor=actor, case=case, organisation=organisation)
    withdrawn = False
    consent = latest_consent(case, "referral", organisation.code)
    if consent is not None and consent_in_force(consent):
        try:
            with transaction.atomic():
                case_services.consent_withdraw(
                    actor=actor,
                    case=case,
                    consent=consent,
                    reason=reason,
                    confirm_no_pressure=confirm_no_pressure,
                )
            withdrawn = True
        except ValidationError:
            withdrawn = False  # the pressure review is pending: the stop holds meanwhile
    _audit(
        actor,
        "referral.sharing_stopped",
        case,
        organisation=organisation.code,
        withdrawn=withdrawn,
        tasks=tasks,
    )
    return StopResult(stop, withdrawn, tasks)


@transaction.atomic
def sharing_restore(*, actor: User, stop: SharingStop) -> SharingStop:
    """Lift a stop after the pressure review: only when a case manager found signs of pressure and the DPO
    signed off continuing, after the stop was requested."""
    authorize(actor, "referral.restore_sharing")
    stop = (
        SharingStop.objects.select_for_update().select_related("case__person", "organisation").get(pk=stop.pk)
    )
    if stop.lifted_at is not None:
        raise ValidationError(_("Sharing was already restored."))
    reviewed = PressureCheck.objects.filter(
        case=stop.case,
        kind="withdrawal",
        signs_of_pressure=True,
        signoff_by__isnull=False,
        signoff_at__gte=stop.requested_at,
    ).exists()
    if not reviewed:
        raise ValidationError(
            _(
                "Sharing can be restored only after the pressure review found signs of pressure and "
                "was signed off."
            )
        )
    stop.lifted_at = timezone.now()
    stop.lifted_by = actor
    stop.save()
    _audit(actor, "referral.sharing_restored", stop.case, organisation=stop.organisation.code)
    return stop


@transaction.atomic
def residence_request_record(
    *, actor: User, case: Case, organisation: Organisation
) -> ResidencePermitRequest:
    """The case manager records that the person asked for the immigration service to be contacted, to
    obtain a residence permit: the guard then lets a referral to that service through."""
    authorize(actor, "referral.residence_request")
    _check_open(case)
    if organisation.org_type != "immigration":
        raise ValidationError({"organisation": _("Choose an immigration service.")})
    request = ResidencePermitRequest.objects.create(case=case, organisation=organisation, recorded_by=actor)
    _audit(actor, "referral.residence_request", case, organisation=organisation.code)
    return request


# -- requests from authorities -------------------------------------------------------------------------------

AUTHORITY_SCOPE = ("case_code", *vocab.IDENTITY_FIELDS)


@transaction.atomic
def authority_request_register(
    *,
    actor: User,
    case: Case,
    organisation: Organisation,
    legal_basis: str,
    scope: Sequence[str],
    received_on: date,
    deadline: date | None,
) -> AuthorityRequest:
    """Register a request from an authority for data. Its answer is refusal unless two people approve."""
    authorize(actor, "authority.request")
    _check_open(case)
    errors: dict[str, str] = {}
    if not legal_basis.strip() or len(legal_basis) > 2000:
        errors["legal_basis"] = _("Write the legal basis the authority claims.")
    if not scope or set(scope) - set(AUTHORITY_SCOPE):
        errors["scope"] = _("Choose what the authority asks for.")
    if received_on > timezone.localdate():
        errors["received_on"] = _("The date cannot be in the future.")
    if errors:
        raise ValidationError(errors)
    request = AuthorityRequest(
        case=case,
        organisation=organisation,
        scope=[name for name in AUTHORITY_SCOPE if name in set(scope)],
        received_on=received_on,
        deadline=deadline,
        registered_by=actor,
    )
    request.legal_basis = seal(case.person.key_id, request, "legal_basis", legal_basis.strip())
    request.full_clean()
    request.save()
    _audit(
        actor,
        "authority.registered",
        case,
        request=request.pk,
        organisation=organisation.code,
        scope=request.scope,
    )
    return request


@transaction.atomic
def authority_request_approve(
    *, actor: User, request: AuthorityRequest, reason: str, person_interest: str
) -> AuthorityRequest:
    """One of the two approvals of a disclosure: the case manager's or the DPO's, never both by one person."""
    authorize(actor, "authority.request")
    request = AuthorityRequest.objects.select_for_update().select_related("case__person").get(pk=request.pk)
    case = request.case
    _check_open(case)
    if request.status != "registered":
        raise ValidationError(_("This request was already answered."))
    if not reason.strip() or not person_interest.strip():
        raise ValidationError(_("Write the reason the law compels the disclosure and the person's interest."))
    if actor.pk in (request.manager_approved_by_id, request.dpo_approved_by_id):
        raise ValidationError(_("A second, different person must approve."))
    if actor.has(Perm.CASE_ASSIGN) and request.manager_approved_by_id is None:
        request.manager_approved_by = actor
    elif actor.has(Perm.CONSENT_SIGN_OFF) and request.dpo_approved_by_id is None:
        request.dpo_approved_by = actor
    else:
        raise ValidationError(_("A case manager and the data protection officer approve, one each."))
    request.reason = seal(case.person.key_id, request, "reason", reason.strip())
    request.person_interest = seal(case.person.key_id, request, "person_interest", person_interest.strip())
    request.full_clean()
    request.save()
    _audit(actor, "authority.approved", case, request=request.pk)
    return request


@transaction.atomic
def authority_request_refuse(*, actor: User, request: AuthorityRequest) -> AuthorityRequest:
    """Answer a request with refusal (the default)."""
    authorize(actor, "authority.request")
    request = AuthorityRequest.objects.select_for_update().select_related("case").get(pk=request.pk)
    if request.status != "registered":
        raise ValidationError(_("This request was already answered."))
    request.status = "refused"
    request.decided_at = timezone.now()
    request.save()
    _audit(actor, "authority.refused", request.case, request=request.pk)
    return request


@transaction.atomic
def authority_disclose(*, actor: User, request: AuthorityRequest, channel: str = "service") -> dict[str, Any]:
    """Disclose under a legal obligation: both approvals (two people), reason and interest recorded, and the
    neutrality guard's own check of all that; returns the fields in scope. Audits the field names."""
    authorize(actor, "authority.request")
    request = (
        AuthorityRequest.objects.select_for_update()
        .select_related("case__person", "organisation")
        .get(pk=request.pk)
    )
    case = request.case
    _check_open(case)
    if request.status != "registered":
        raise ValidationError(_("This request was already answered."))
    if (
        request.manager_approved_by_id is None
        or request.dpo_approved_by_id is None
        or request.manager_approved_by_id == request.dpo_approved_by_id
    ):
        raise ValidationError(_("A disclosure needs the approval of a case manager and of the DPO."))
    clearance = guard_outgoing(
        actor=actor,
        case=case,
        organisation=request.organisation,
        channel=channel,
        what="disclosure",
        compelled_by=request,
    )
    document = outgoing.disclosure_document(clearance, request)
    request.status = "disclosed"
    request.disclosed_fields = list(request.scope)
    request.decided_at = timezone.now()
    request.save()
    _audit(actor, "authority.disclosed", case, request=request.pk, fields=list(request.scope))
    return document


@transaction.atomic
def dialogue_record(
    *, actor: User, case: Case, organisation: Organisation, held_on: date, purpose: str
) -> AuthorityDialogue:
    """A confidential dialogue with an authority: a meeting note with the person's consent, no case file."""
    authorize(actor, "referral.send")
    _check_open(case)
    consent = latest_consent(case, "authority_dialogue")
    if not consent_in_force(consent):
        raise ConsentRequired
    if purpose not in case_vocab.codes(vocab.DIALOGUE_PURPOSES):
        raise ValidationError({"purpose": _("Choose a purpose.")})
    assert consent is not None
    dialogue = AuthorityDialogue.objects.create(
        case=case,
        organisation=organisation,
        held_on=held_on,
        purpose=purpose,
        consent=consent,
        recorded_by=actor,
    )
    _audit(actor, "referral.dialogue", case, dialogue=dialogue.pk, purpose=purpose)
    return dialogue


# -- the gap analysis ----------------------------------------------------------------------------------------


def gap_analysis(*, actor: User) -> selectors.GapReport:
    """The gap analysis for programme managers (counts only, small numbers suppressed)."""
    authorize(actor, "referral.gaps")
    report = selectors.gap_report()
    _audit(actor, "referral.gaps_viewed", None, rows=len(report.rows))
    return report
