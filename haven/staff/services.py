"""The only writes of the staff app (and its audited reads of sealed notes).

Every service checks its action in the one action table, applies every rule of the action, writes, and
records an audit entry with ids and codes only (never a name, a note or a feeling).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from haven.accounts.actions import authorize
from haven.accounts.models import Team, User
from haven.audit.services import audit_record
from haven.staff.access import wellbeing_member_for
from haven.staff.models import (
    CHECK_IN,
    ENTRY_KINDS,
    FEELINGS,
    SUPPORT_OFFERED,
    SUPPORT_REQUESTED,
    TRAININGS,
    StaffMember,
    Training,
    WellbeingEntry,
)
from haven.vault import integration as vault
from haven.vault.errors import VaultDecryptError, VaultKeyMissing

MAX_NOTE = 4000


def _seal(member: StaffMember, instance: models.Model, column: str, value: str) -> bytes | None:
    value = value.strip()
    if not value:
        return None
    if len(value) > MAX_NOTE:
        raise ValidationError(
            {column: _("The note is too long (at most %(n)d characters).") % {"n": MAX_NOTE}}
        )
    uid = str(instance.uid)  # type: ignore[attr-defined]
    return vault.seal_text(
        member.key_id, value=value, table=instance._meta.db_table, column=column, row_id=uid
    )


def _open(member: StaffMember, instance: models.Model, column: str) -> str:
    blob = getattr(instance, column)
    if blob is None:
        return ""
    uid = str(instance.uid)  # type: ignore[attr-defined]
    try:
        return vault.open_text(
            member.key_id, blob=bytes(blob), table=instance._meta.db_table, column=column, row_id=uid
        )
    except (VaultKeyMissing, VaultDecryptError):
        return _("(this note cannot be opened)")


def _audit(actor: User | None, action: str, object_type: str, object_id: object, **detail: object) -> None:
    audit_record(
        actor_id=actor.pk if actor is not None else None,
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        detail=detail,
    )


# -- the register --------------------------------------------------------------------------------------------


@transaction.atomic
def staff_member_create(
    *,
    actor: User | None,
    name: str,
    kind: str,
    role: str = "",
    team: Team | None = None,
    user: User | None = None,
    supporter: User | None = None,
    suitability_notes: str = "",
) -> StaffMember:
    """Add a staff member or volunteer to the register (with a key of their own for sealed notes)."""
    authorize(actor, "staff.edit")
    if user is not None and StaffMember.objects.filter(user=user).exists():
        raise ValidationError({"user": _("This account is already in the register.")})
    if supporter is not None and user is not None and supporter.pk == user.pk:
        raise ValidationError({"supporter": _("A person cannot be their own supporter.")})
    member = StaffMember(
        name=name.strip(),
        kind=kind,
        role=role.strip(),
        team=team,
        user=user,
        supporter=supporter,
        created_by=actor,
        key_id=vault.new_key(),
    )
    member.suitability_notes = _seal(member, member, "suitability_notes", suitability_notes)
    member.full_clean()
    member.save()
    _audit(actor, "staff.member_added", "staff_member", member.pk, kind=kind)
    return member


@transaction.atomic
def staff_member_update(
    *,
    actor: User | None,
    member: StaffMember,
    role: str,
    team: Team | None,
    supporter: User | None,
    active: bool,
    suitability_notes: str | None = None,
) -> StaffMember:
    """Change a register entry: role, team, designated supporter, active; new suitability notes if given."""
    authorize(actor, "staff.edit")
    member = StaffMember.objects.select_for_update().get(pk=member.pk)
    if supporter is not None and member.user_id == supporter.pk:
        raise ValidationError({"supporter": _("A person cannot be their own supporter.")})
    member.role, member.team, member.supporter, member.active = role.strip(), team, supporter, active
    if suitability_notes is not None:
        member.suitability_notes = _seal(member, member, "suitability_notes", suitability_notes)
    member.full_clean()
    member.save()
    _audit(actor, "staff.member_changed", "staff_member", member.pk, active=active)
    return member


def staff_suitability_notes(*, actor: User | None, member: StaffMember) -> str:
    """The member's suitability notes, opened for the programme manager (an audited read)."""
    authorize(actor, "staff.edit")
    if member.suitability_notes is None:
        return ""
    _audit(actor, "staff.notes_read", "staff_member", member.pk)
    return _open(member, member, "suitability_notes")


@transaction.atomic
def training_record(
    *, actor: User | None, member: StaffMember, kind: str, completed_on: date, expires_on: date | None = None
) -> Training:
    """Record a completed training. It cannot be in the future, nor expire before it was completed."""
    authorize(actor, "staff.edit")
    if kind not in dict(TRAININGS):
        raise ValidationError({"kind": _("Choose a kind of training.")})
    if completed_on > timezone.localdate():
        raise ValidationError({"completed_on": _("A training cannot be completed in the future.")})
    if expires_on is not None and expires_on < completed_on:
        raise ValidationError({"expires_on": _("A training cannot expire before it was completed.")})
    training = Training(
        member=member, kind=kind, completed_on=completed_on, expires_on=expires_on, recorded_by=actor
    )
    training.full_clean()
    training.save()
    _audit(actor, "staff.training_recorded", "staff_member", member.pk, kind=kind)
    return training


# -- wellbeing -----------------------------------------------------------------------------------------------


def _own_member(actor: User) -> StaffMember:
    member = StaffMember.objects.select_for_update().filter(user=actor).first()
    if member is not None:
        return member
    # Anyone may look after their wellbeing before the programme manager has registered them.
    member = StaffMember(
        user=actor,
        name=actor.display_name or actor.email,
        kind="staff",
        team=actor.team,
        key_id=vault.new_key(),
        created_by=actor,
    )
    member.full_clean()
    member.save()
    _audit(actor, "staff.member_added", "staff_member", member.pk, kind="staff", via="wellbeing")
    return member


@transaction.atomic
def wellbeing_check_in(
    *, actor: User, feeling: str, wants_support: bool = False, note: str = ""
) -> WellbeingEntry:
    """Record one's own confidential check-in (a feeling, an optional sealed note), or ask for support."""
    authorize(actor, "wellbeing.record")
    if feeling not in dict(FEELINGS):
        raise ValidationError({"feeling": _("Choose how you are.")})
    member = _own_member(actor)
    entry = WellbeingEntry(
        member=member,
        kind=SUPPORT_REQUESTED if wants_support else CHECK_IN,
        feeling=feeling,
        created_by=actor,
    )
    entry.note = _seal(member, entry, "note", note)
    entry.full_clean()
    entry.save()
    # The kind only: the feeling and the note stay between the person and their supporter.
    _audit(actor, "wellbeing.recorded", "staff_member", member.pk, kind=entry.kind)
    return entry


@transaction.atomic
def wellbeing_offer_support(*, actor: User, member_uid: str, note: str = "") -> WellbeingEntry:
    """The designated supporter records an offer of psychosocial support to the person they support."""
    authorize(actor, "wellbeing.record")
    member = wellbeing_member_for(actor, member_uid)
    if member.supporter_id != actor.pk:
        raise ValidationError(_("Only the designated supporter offers support here."))
    entry = WellbeingEntry(member=member, kind=SUPPORT_OFFERED, created_by=actor)
    entry.note = _seal(member, entry, "note", note)
    entry.full_clean()
    entry.save()
    _audit(actor, "wellbeing.recorded", "staff_member", member.pk, kind=SUPPORT_OFFERED)
    return entry


@dataclass(frozen=True)
class OpenedEntry:
    entry: WellbeingEntry
    note: str


def wellbeing_entries(*, actor: User, member_uid: str) -> tuple[StaffMember, list[OpenedEntry]]:
    """One person's entries, notes opened, for that person or their designated supporter only (audited)."""
    authorize(actor, "wellbeing.read")
    member = wellbeing_member_for(actor, member_uid)
    entries = [
        OpenedEntry(e, _open(member, e, "note")) for e in member.wellbeing.select_related("created_by")
    ]
    _audit(actor, "wellbeing.read", "staff_member", member.pk)
    return member, entries


@dataclass(frozen=True)
class SummaryCell:
    label: str
    count: int
    suppressed: bool


@dataclass(frozen=True)
class WellbeingSummary:
    year: int
    threshold: int
    people: SummaryCell
    by_kind: list[SummaryCell]
    by_feeling: list[SummaryCell]


def _cell(label: str, count: int, threshold: int) -> SummaryCell:
    # A count from 1 to threshold - 1 could point at a person: it is never shown.
    small = 0 < count < threshold
    return SummaryCell(label, 0 if small else count, small)


def wellbeing_summary(*, actor: User, year: int | None = None) -> WellbeingSummary:
    """Counts for the whole Society in one year, any count below the threshold suppressed; no individual
    entry, no note, no name (the programme manager)."""
    authorize(actor, "wellbeing.summary")
    threshold = settings.WELLBEING_MIN_COUNT
    year = year or timezone.localdate().year
    entries = WellbeingEntry.objects.filter(created_at__year=year)
    kinds = Counter(entries.values_list("kind", flat=True))
    feelings = Counter(
        entries.filter(kind__in=(CHECK_IN, SUPPORT_REQUESTED)).values_list("feeling", flat=True)
    )
    people = entries.values("member").distinct().count()
    _audit(actor, "wellbeing.summary_read", "wellbeing", year)
    return WellbeingSummary(
        year=year,
        threshold=threshold,
        people=_cell(_("People who recorded anything"), people, threshold),
        by_kind=[_cell(str(label), kinds.get(kind, 0), threshold) for kind, label in ENTRY_KINDS],
        by_feeling=[_cell(str(label), feelings.get(key, 0), threshold) for key, label in FEELINGS],
    )
