"""The only writes of the follow-up app: formal identification steps, the printed case summary (audited)
and the review reminders. Keyword-only, the actor first checked against the one action table."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from haven.accounts.actions import authorize
from haven.accounts.models import User
from haven.audit.services import audit_record
from haven.cases.models import Case
from haven.cases.services import is_closed
from haven.core import dates
from haven.followup import vocab
from haven.followup.models import FormalIdentification, IdentificationStep
from haven.followup.reviews import reviews_due
from haven.followup.summary import SECTIONS, render_summary, sections_allowed
from haven.notifications.services import notify

# Council of Europe Convention on Action against Trafficking in Human Beings, Art. 13: at least 30 days.
REFLECTION_MINIMUM_DAYS = 30


def reflection_days() -> int:
    """The recovery and reflection period of this country (setting HAVEN_REFLECTION_DAYS, never below 30)."""
    return max(int(settings.REFLECTION_DAYS), REFLECTION_MINIMUM_DAYS)


def _audit(actor: User, action: str, case: Case, **detail: Any) -> None:
    audit_record(actor_id=actor.pk, action=action, object_type="case", object_id=case.code, detail=detail)


def _record(actor: User, case: Case) -> FormalIdentification:
    authorize(actor, "identification.record")
    if case.person.erased_at is not None:
        raise ValidationError(_("This person's data was erased; the case can no longer change."))
    if is_closed(case):
        raise ValidationError(_("This case is closed: reopen it first."), code="case_closed")
    record, _created = FormalIdentification.objects.select_for_update().get_or_create(case=case)
    return record


def _save(actor: User, case: Case, record: FormalIdentification, step: str, values: dict[str, Any]) -> None:
    record.updated_at = timezone.now()
    record.full_clean()
    record.save()
    shown = {k: v.isoformat() if isinstance(v, date) else v for k, v in values.items()}
    IdentificationStep.objects.create(case=case, step=step, values=shown, recorded_by=actor)
    _audit(actor, "case.identification_recorded", case, step=step, **shown)


def _not_future(day: date, field: str) -> None:
    if day > timezone.localdate():
        raise ValidationError({field: _("The date cannot be in the future.")})


@transaction.atomic
def identification_informed(*, actor: User, case: Case, informed_on: date) -> FormalIdentification:
    """Record that the person was given the neutral information on formal identification."""
    record = _record(actor, case)
    _not_future(informed_on, "informed_on")
    record.informed_on = informed_on
    _save(actor, case, record, "informed", {"informed_on": informed_on})
    return record


@transaction.atomic
def identification_choice(*, actor: User, case: Case, choice: str, on: date) -> FormalIdentification:
    """Record the person's own choice (chosen, declined or not decided yet); assistance never depends on
    it."""
    record = _record(actor, case)
    if choice not in vocab.codes(vocab.IDENTIFICATION_CHOICES):
        raise ValidationError({"choice": _("Choose what the person decided.")})
    _not_future(on, "choice_on")
    record.choice = choice
    record.choice_on = on
    _save(actor, case, record, "choice", {"choice": choice, "on": on})
    return record


@transaction.atomic
def identification_decision(
    *, actor: User, case: Case, status: str, decided_by: str, decided_on: date
) -> FormalIdentification:
    """Record the authority's decision as a fact received (HTCDS status and who decided). Haven never
    decides it, and nothing in Haven changes with it but the dates below."""
    record = _record(actor, case)
    if record.choice != "chosen":
        raise ValidationError(_("Record first that the person chose to go through formal identification."))
    if status not in vocab.codes(vocab.DECISION_STATUSES):
        raise ValidationError({"status": _("Choose the decision as the authority gave it.")})
    if decided_by not in vocab.codes(vocab.DECISION_ORGS):
        raise ValidationError({"decided_by": _("Choose who decided.")})
    _not_future(decided_on, "decided_on")
    record.decision_status, record.decision_org, record.decided_on = status, decided_by, decided_on
    _save(actor, case, record, "decision", {"status": status, "decided_by": decided_by, "on": decided_on})
    return record


@transaction.atomic
def reflection_period_set(
    *, actor: User, case: Case, starts_on: date, ends_on: date | None = None
) -> FormalIdentification:
    """Record the recovery and reflection period: from `starts_on` for this country's length
    (`reflection_days()`, at least 30 days), or until a later `ends_on` when the authority granted more."""
    record = _record(actor, case)
    if record.choice != "chosen":
        raise ValidationError(_("Record first that the person chose to go through formal identification."))
    shortest = starts_on + timedelta(days=reflection_days())
    end = ends_on or shortest
    if end < shortest:
        raise ValidationError(
            {
                "ends_on": _("The period lasts at least %(n)s days here; the end cannot be before %(day)s.")
                % {"n": reflection_days(), "day": dates.day(shortest)}
            }
        )
    record.reflection_start, record.reflection_end = starts_on, end
    _save(actor, case, record, "reflection", {"starts_on": starts_on, "ends_on": end})
    return record


@transaction.atomic
def residence_permit_set(
    *, actor: User, case: Case, valid_from: date, valid_until: date
) -> FormalIdentification:
    """Record the dates of a residence permit granted to the person."""
    record = _record(actor, case)
    if valid_until <= valid_from:
        raise ValidationError({"valid_until": _("The permit must end after it starts.")})
    record.permit_from, record.permit_until = valid_from, valid_until
    _save(actor, case, record, "permit", {"valid_from": valid_from, "valid_until": valid_until})
    return record


@transaction.atomic
def case_summary_print(*, actor: User, case: Case, sections: Sequence[str], language: str) -> bytes:
    """The case summary as PDF with the chosen sections only (none by default), in `language`; each
    printing is audited (sections and language, never the content)."""
    authorize(actor, "case.summary_print")
    if case.person.erased_at is not None:
        raise ValidationError(_("This person's data was erased; nothing can be printed."))
    if any(s not in SECTIONS for s in sections):
        raise ValidationError({"sections": _("Choose sections from the list.")})
    wanted = [s for s in SECTIONS if s in sections]
    if any(s not in sections_allowed(actor) for s in wanted):
        raise ValidationError({"sections": _("Your role may not print these sections.")})
    if language not in {code for code, _name in settings.LANGUAGES}:
        raise ValidationError({"language": _("Choose a language.")})
    document = render_summary(case, wanted, language, user=actor)
    _audit(actor, "case.summary_printed", case, sections=wanted, language=language)
    return document


@transaction.atomic
def reminders_send(*, today: date | None = None) -> int:
    """Notify each case manager of the reviews due on their cases (once per case, kind and date); the
    operator runs it daily (`haven reminders`). Returns how many notifications were written."""
    today = today or timezone.localdate()
    written = 0
    managers = User.objects.filter(is_active=True, managed_cases__isnull=False).distinct()
    for manager in managers:
        for item in reviews_due(manager, today):
            written += notify(
                user_ids=[manager.pk],
                kind="review_due",
                case_code=item.case_code,
                ref=f"{item.kind}:{item.due_on.isoformat()}"[:64],
            )
    if written:
        audit_record(actor_id=None, action="reminders.sent", detail={"count": written})
    return written
