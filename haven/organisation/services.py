"""The only writes of the organisation app: readiness, awareness activities, national references, advocacy.

Each service checks its action in the one action table, applies every rule of the action, writes after
``full_clean``, and records an audit entry (ids and codes only).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from haven.accounts.actions import authorize
from haven.accounts.models import User
from haven.audit.services import audit_record
from haven.evidence.models import DpRelease
from haven.organisation import catalogue
from haven.organisation.models import (
    CANCELLED,
    HELD,
    STATUSES,
    AdvocacyAsk,
    AdvocacyMeeting,
    AwarenessActivity,
    NationalReference,
    ReadinessAnswer,
    ReadinessAssessment,
    ReadinessOwnItem,
)
from haven.organisation.selectors import item_keys


def _audit(actor: User | None, action: str, object_type: str, object_id: object, **detail: Any) -> None:
    audit_record(
        actor_id=actor.pk if actor is not None else None,
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        detail=detail,
    )


# -- readiness -----------------------------------------------------------------------------------------------


@transaction.atomic
def readiness_start(*, actor: User | None, year: int) -> ReadinessAssessment:
    """Start the self-assessment of ``year``. A yearly re-assessment starts from the latest earlier year's
    answers (copied, so that year stays exactly as it was: the history)."""
    authorize(actor, "readiness.edit")
    if ReadinessAssessment.objects.filter(year=year).exists():
        raise ValidationError(_("The assessment of %(year)d has already started.") % {"year": year})
    if ReadinessAssessment.objects.filter(year__gt=year).exists():
        raise ValidationError(_("A later year is already assessed; earlier years are kept as history."))
    previous = ReadinessAssessment.objects.filter(year__lt=year).order_by("-year").first()
    assessment = ReadinessAssessment(year=year, started_by=actor)
    assessment.full_clean()
    assessment.save()
    copied = 0
    if previous is not None:
        for old in previous.answers.all():
            ReadinessAnswer.objects.create(
                assessment=assessment,
                item_key=old.item_key,
                status=old.status,
                evidence=old.evidence,
                owner=old.owner,
                review_on=old.review_on,
                updated_by=actor,
            )
            copied += 1
    _audit(actor, "readiness.started", "readiness", year, copied=copied)
    return assessment


@transaction.atomic
def readiness_answer(
    *,
    actor: User | None,
    assessment: ReadinessAssessment,
    item_key: str,
    status: str,
    evidence: str = "",
    owner: User | None = None,
    review_on: date | None = None,
) -> ReadinessAnswer:
    """Say where one item stands this year: status, evidence (a document link or a note), owner, review
    date. Only the latest year changes; earlier years are history."""
    authorize(actor, "readiness.edit")
    latest = ReadinessAssessment.objects.order_by("-year").first()
    if latest is None or latest.pk != assessment.pk:
        raise ValidationError(_("Only the latest year's assessment can change; earlier years are history."))
    if item_key not in item_keys():
        raise ValidationError({"item_key": _("There is no such checklist item.")})
    if status not in dict(STATUSES):
        raise ValidationError({"status": _("Choose a status.")})
    answer, _created = ReadinessAnswer.objects.select_for_update().get_or_create(
        assessment=assessment, item_key=item_key
    )
    answer.status, answer.evidence, answer.owner, answer.review_on = (
        status,
        evidence.strip(),
        owner,
        review_on,
    )
    answer.updated_at, answer.updated_by = timezone.now(), actor
    answer.full_clean()
    answer.save()
    _audit(actor, "readiness.answered", "readiness", assessment.year, item=item_key, status=status)
    return answer


@transaction.atomic
def readiness_item_add(*, actor: User | None, checklist: str, text: str) -> ReadinessOwnItem:
    """Add the Society's own item to a checklist (it appears in this and every later year)."""
    authorize(actor, "readiness.edit")
    if checklist not in catalogue.checklist_titles("en"):
        raise ValidationError({"checklist": _("Choose a checklist.")})
    if not text.strip():
        raise ValidationError({"text": _("Say what should be in place.")})
    item = ReadinessOwnItem(checklist=checklist, text=text.strip(), created_by=actor)
    item.full_clean()
    item.save()
    _audit(actor, "readiness.item_added", "readiness_item", item.pk, checklist=checklist)
    return item


# -- awareness -----------------------------------------------------------------------------------------------


_ACTIVITY_FIELDS = ("title", "held_on", "audience", "place", "languages", "messages", "partners")


@transaction.atomic
def awareness_create(*, actor: User | None, values: dict[str, Any]) -> AwarenessActivity:
    """Plan an awareness-raising activity (it is held only after its risk assessment)."""
    authorize(actor, "awareness.edit")
    activity = AwarenessActivity(created_by=actor, **{k: values.get(k) or "" for k in _ACTIVITY_FIELDS})
    activity.full_clean()
    activity.save()
    _audit(actor, "awareness.planned", "awareness", activity.pk, audience=activity.audience)
    return activity


@transaction.atomic
def awareness_risk_assess(
    *,
    actor: User | None,
    activity: AwarenessActivity,
    security_risks: str,
    perception_risks: str,
    mitigation: str,
) -> AwarenessActivity:
    """Record the risk assessment the seed asks for before any awareness activity: security risks and
    perception risks (how the Red Cross will be seen), and what is done about them."""
    authorize(actor, "awareness.edit")
    activity = AwarenessActivity.objects.select_for_update().get(pk=activity.pk)
    errors = {}
    if not security_risks.strip():
        errors["security_risks"] = _("Describe the security risks (or say why there are none).")
    if not perception_risks.strip():
        errors["perception_risks"] = _("Describe the perception risks (or say why there are none).")
    if errors:
        raise ValidationError(errors)
    activity.security_risks, activity.perception_risks = security_risks.strip(), perception_risks.strip()
    activity.mitigation = mitigation.strip()
    activity.risk_assessed_on, activity.risk_assessed_by = timezone.localdate(), actor
    activity.full_clean()
    activity.save()
    _audit(actor, "awareness.risk_assessed", "awareness", activity.pk)
    return activity


@transaction.atomic
def awareness_mark_held(
    *, actor: User | None, activity: AwarenessActivity, reach: int | None
) -> AwarenessActivity:
    """Mark an activity held, with how many people it reached. Refused without a risk assessment made
    on or before the day of the activity."""
    authorize(actor, "awareness.edit")
    activity = AwarenessActivity.objects.select_for_update().get(pk=activity.pk)
    if activity.status == CANCELLED:
        raise ValidationError(_("A cancelled activity cannot be marked held."))
    if activity.risk_assessed_on is None:
        raise ValidationError(_("Record the risk assessment first: an activity is held only after it."))
    if activity.risk_assessed_on > activity.held_on:
        raise ValidationError(_("The risk assessment was made after the activity; it must come before."))
    if reach is not None and reach < 0:
        raise ValidationError({"reach": _("Reach cannot be negative.")})
    activity.status, activity.reach = HELD, reach
    activity.full_clean()
    activity.save()
    _audit(actor, "awareness.held", "awareness", activity.pk)
    return activity


# -- legal framework -----------------------------------------------------------------------------------------


@transaction.atomic
def national_reference_add(
    *, actor: User | None, kind: str, title: str, description: str = "", link: str = ""
) -> NationalReference:
    """Record a national law, referral mechanism or institution beside the international framework."""
    authorize(actor, "legal.edit")
    reference = NationalReference(
        kind=kind, title=title.strip(), description=description.strip(), link=link.strip(), created_by=actor
    )
    reference.full_clean()
    reference.save()
    _audit(actor, "legal.reference_added", "national_reference", reference.pk, kind=kind)
    return reference


# -- advocacy ------------------------------------------------------------------------------------------------


@transaction.atomic
def advocacy_ask_create(
    *, actor: User | None, text: str, authority: str, template: str = "", release: DpRelease | None = None
) -> AdvocacyAsk:
    """Log an ask to the authorities, optionally from a template and backed by an anonymised release."""
    authorize(actor, "advocacy.edit")
    if template and template not in {t.key for t in catalogue.ask_templates("en")}:
        raise ValidationError({"template": _("There is no such template.")})
    ask = AdvocacyAsk(
        text=text.strip(), authority=authority.strip(), template=template, release=release, created_by=actor
    )
    ask.full_clean()
    ask.save()
    _audit(actor, "advocacy.ask_logged", "advocacy_ask", ask.pk, template=template)
    return ask


@transaction.atomic
def advocacy_meeting_add(
    *, actor: User | None, ask: AdvocacyAsk, met_on: date, with_whom: str, outcome: str, status: str
) -> AdvocacyMeeting:
    """Log a meeting about an ask, its outcome, and where the ask now stands."""
    authorize(actor, "advocacy.edit")
    meeting = AdvocacyMeeting(
        ask=ask, met_on=met_on, with_whom=with_whom.strip(), outcome=outcome.strip(), created_by=actor
    )
    meeting.full_clean()
    meeting.save()
    ask.status = status
    ask.full_clean()
    ask.save(update_fields=["status"])
    _audit(actor, "advocacy.meeting_logged", "advocacy_ask", ask.pk, status=status)
    return meeting
