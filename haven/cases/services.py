"""The only writes to case data. Each service takes the acting user as `actor=`, runs in one transaction,
validates with `full_clean()` and writes its audit entry (codes and ids only) in the same transaction.

Callers fetch the case with `access.case_for_user` first; the services check the role's permissions again
(defence in depth) and the business rules (child safeguarding, consent, pressure checks).
"""

from __future__ import annotations

import logging
import os
import re
import uuid
from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, Protocol

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, models, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from haven.accounts.actions import authorize, may
from haven.accounts.models import Team, User
from haven.accounts.permissions import Perm, Role
from haven.audit.services import audit_record
from haven.cases import vocab
from haven.cases.access import (
    CASE_PARTS,
    WrongTeam,
    cases_openable_by,
    eligible_for,
    is_eligible,
    may_act_for_team,
    may_take_high_risk,
)
from haven.cases.consent import check_recipient, recipients_to_inform, withdrawn
from haven.cases.models import (
    Attachment,
    BestInterests,
    Case,
    CaseClosure,
    CaseSequence,
    Consent,
    DpoPurpose,
    ErasureTombstone,
    HistoricEvent,
    Note,
    Person,
    PressureCheck,
    ReturnRiskCheck,
    StageChange,
    Task,
)
from haven.cases.sealing import PERSON_INDEXES, open_value, person_indexes, seal
from haven.cases.selectors import SearchResult, find_cases, possible_existing, read_search
from haven.notifications.services import notify
from haven.screening.engine import HANDOVER_OUTCOMES, URGENT_OUTCOMES, is_treated_as_child
from haven.screening.models import Screening
from haven.screening.services import screening_link_to_case
from haven.vault import integration as vault

log = logging.getLogger("haven.cases")

NOTE_MAX_CHARS = 20_000
FIELD_MAX_CHARS = 4_000
PRESSURE_CHECK_VALID = timedelta(days=7)
# How long a task marked done can be set back to open (a slip of the finger, or done too early).
TASK_UNDO_WINDOW = timedelta(days=1)
_RECIPIENT_CODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")

# Person values a caller may set, and what each needs (mass-assignment protection: nothing else is taken).
CODED_PERSON_FIELDS = Person.CODED_FIELDS
PERSON_FIELDS = frozenset(Person.FIELDS)


class PossibleDuplicate(Exception):
    """A person with the same name and date of birth may already have a case: nothing was created.

    `codes` are the cases the caller may open that match; the caller checks them and, when none is the
    same person, asks again with `confirm_new_person=True`.
    """

    def __init__(self, codes: Sequence[str]) -> None:
        super().__init__(f"{len(codes)} possible existing case(s)")
        self.codes = list(codes)


class Conflict(Exception):
    """The record changed since the caller read it (optimistic locking): nothing was saved."""

    def __init__(self, current_version: int) -> None:
        super().__init__(f"the record is now at version {current_version}")
        self.current_version = current_version


class ImportIncomplete(Exception):
    """Rows an import staged were removed (as abandoned) before it could publish them: nothing published."""


def _audit(actor: User, action: str, case: Case, **detail: Any) -> None:
    audit_record(actor_id=actor.pk, action=action, object_type="case", object_id=case.code, detail=detail)


def _check_not_erased(case: Case) -> None:
    if case.person.erased_at is not None:
        raise ValidationError(_("This person's data was erased; the case can no longer change."))


# -- person values -----------------------------------------------------------------------------------------


def _age_from_dob(dob: date, today: date) -> int:
    return today.year - dob.year - ((today.month, today.day) < (dob.month, dob.day))


def _clean_codes(name: str, values: Any, allowed: frozenset[str]) -> list[str]:
    if not isinstance(values, list | tuple) or not all(isinstance(v, str) for v in values):
        raise ValidationError({name: _("Give a list of codes.")})
    unknown = [v for v in values if v not in allowed]
    if unknown:
        raise ValidationError({name: _("Unknown codes: %(codes)s") % {"codes": ", ".join(unknown[:5])}})
    return list(dict.fromkeys(values))


def _apply_person_values(person: Person, values: Mapping[str, Any], *, actor: User) -> set[str]:
    """Seal and set the given values on `person`; returns the names of the fields given."""
    unknown = set(values) - PERSON_FIELDS
    if unknown:
        raise ValidationError(_("Unknown person fields: %(f)s") % {"f": ", ".join(sorted(unknown))})
    for name in values:
        if name in Person.SENSITIVE_FIELDS:
            authorize(actor, "person.sensitive")
    dob: date | None = None
    for name, value in values.items():
        if name in Person.SEALED_FIELDS:
            if name == "date_of_birth":
                if value in (None, ""):
                    value = None
                elif isinstance(value, date):
                    dob = value
                    value = value.isoformat()
                else:
                    try:
                        dob = date.fromisoformat(str(value))
                    except ValueError:
                        raise ValidationError({name: _("Give the date as YYYY-MM-DD.")}) from None
                    value = dob.isoformat()
                if dob is not None and not date(1900, 1, 1) <= dob <= timezone.localdate():
                    raise ValidationError({name: _("This date of birth is not possible.")})
            elif value is not None and not isinstance(value, str):
                raise ValidationError({name: _("Give text.")})
            elif value is not None and len(value) > FIELD_MAX_CHARS:
                raise ValidationError(
                    {name: _("Too long (at most %(n)s characters).") % {"n": FIELD_MAX_CHARS}}
                )
            setattr(person, name, seal(person.key_id, person, name, (value or "").strip() or None))
        elif name == "languages":
            person.languages = _clean_codes(name, value, vocab.language_codes())
        elif name == "citizenship":
            person.citizenship = _clean_codes(name, value, vocab.country_codes())
        elif name == "information_language":
            if value and value not in vocab.language_codes():
                raise ValidationError({name: _("Unknown language code.")})
            person.information_language = value or ""
        else:
            field = Person._meta.get_field(name)
            if value is None and isinstance(field, models.Field) and not field.null:
                # An explicit null clears a coded field back to "not recorded".
                value = field.get_default()
            setattr(person, name, value)
    _check_age(person, values, dob)
    _refresh_blind_indexes(person, set(values), dob)
    return set(values)


def _check_age(person: Person, values: Mapping[str, Any], dob: date | None) -> None:
    """Haven's one age rule (``is_treated_as_child``, the screening's too) on the recorded age answer.

    The age answer is the youngest of the ages recorded (date of birth, the age the person gives, an
    estimate). A person who gives an adult age, or whose date of birth says so, is an adult unless doubt is
    recorded; an estimate alone (appearance) never makes an adult; no age at all is doubt. Callers that
    still say ``age_established_adult`` (the import file, the API) mean: no doubt (true) or doubt (false).
    """
    age_fields = {"date_of_birth", "stated_age", "estimated_age", "age_in_doubt", "age_established_adult"}
    if person.pk is not None and not age_fields & set(values):
        return  # nothing about the age changed: the recorded answer stands
    if dob is None and "date_of_birth" not in values and person.date_of_birth is not None:
        opened = open_value(person.key_id, person, "date_of_birth")
        dob = date.fromisoformat(opened) if opened else None
    established = values.get("age_established_adult") if "age_in_doubt" not in values else None
    ages = decide_age(person, dob, established=established)
    if established is True:
        _check_established(person, ages)


def decide_age(person: Person, dob: date | None, *, established: bool | None = None) -> list[int]:
    """Set ``person.age_established_adult`` by the one age rule; returns the ages recorded.

    ``established`` is the older callers' word (true: no doubt; false: doubt); None keeps the recorded doubt.
    """
    if established is not None:
        person.age_in_doubt = not established
    ages = [a for a in (person.stated_age, person.estimated_age) if a is not None]
    if dob is not None:
        ages.append(_age_from_dob(dob, timezone.localdate()))
    given = dob is not None or person.stated_age is not None
    age = min(ages) if ages else None
    person.age_established_adult = not is_treated_as_child(age, person.age_in_doubt or not given)
    return ages


def check_established(person: Person, ages: list[int]) -> None:
    """The age rule for an explicit "18 or over" (ValidationError on `age_established_adult`), for callers
    that validate values before writing them in bulk (the importer)."""
    _check_established(person, ages)


def _check_established(person: Person, ages: list[int]) -> None:
    """A caller's explicit "18 or over" must be backed by an age and a method that can establish it."""
    errors: list[str] = []
    if person.age_method not in vocab.AGE_METHODS_THAT_ESTABLISH:
        errors.append(
            _(
                "Only a document, a professional assessment or the person's own statement can establish "
                "that someone is 18 or over."
            )
        )
    if not ages:
        errors.append(_("Record an age or date of birth before confirming the person is 18 or over."))
    elif min(ages) < 18:
        errors.append(
            _("An age under 18 is recorded: while there is doubt, the person is treated as a child.")
        )
    if errors:
        raise ValidationError({"age_established_adult": errors})


def _refresh_blind_indexes(person: Person, changed: set[str], dob: date | None) -> None:
    # The indexes whose values changed, from the values as now sealed on the row (`sealing.person_indexes`).
    wanted = {name for index, names in PERSON_INDEXES.items() if changed & set(names) for name in names}
    if not wanted:
        return
    values: dict[str, str | date | None] = {name: open_value(person.key_id, person, name) for name in wanted}
    if "date_of_birth" in values and dob:
        values["date_of_birth"] = dob.isoformat()
    for index, value in person_indexes(values).items():
        setattr(person, index, value)


# -- case lifecycle ----------------------------------------------------------------------------------------


def _next_code(year: int) -> str:
    CaseSequence.objects.get_or_create(year=year)
    sequence = CaseSequence.objects.select_for_update().get(year=year)
    sequence.last += 1
    sequence.save(update_fields=["last"])
    return f"HV-{year}-{sequence.last:05d}"


def _record_stage(case: Case, actor: User, from_stage: str) -> None:
    change = StageChange(
        case=case, from_stage=from_stage, to_stage=case.stage, status=case.status, changed_by=actor
    )
    change.full_clean()
    change.save()


def case_search(*, actor: User, text: str) -> SearchResult:
    """The one search box: the cases `actor` may open that `text` finds (`selectors.find_cases`, audited).

    A case code or its beginning is for every role that opens cases; a name, a name and year of birth or a
    phone number is finding a person by who they are (`case.find_person`). Raises SearchInputError for a
    text that asks for nothing, PermissionDenied for a role that may not search that way.
    """
    if read_search(text).needs_name_search:
        authorize(actor, "case.find_person")
    return find_cases(actor, text)


def _possible_duplicates(actor: User, values: Mapping[str, Any]) -> list[str]:
    """Cases `actor` may open whose person has the given name and date of birth (none asked for when the
    role may not search by name: it must not learn of records it cannot open, nor probe for them)."""
    if not actor.has(Perm.CASE_SEARCH_NAME):
        return []
    name, dob = values.get("name"), values.get("date_of_birth")
    if not isinstance(name, str) or not name.strip() or dob in (None, ""):
        return []
    if not isinstance(dob, date):
        try:
            dob = date.fromisoformat(str(dob))
        except ValueError:
            return []  # the value checks refuse it with a clear message
    return possible_existing(actor, name=name, dob=dob)


def first_contact_create(
    *,
    actor: User,
    values: Mapping[str, Any],
    team: Team | None = None,
    note: str = "",
    hand_over: bool = False,
    confirm_new_person: bool = False,
) -> Case:
    """Record a first contact with the least data possible; returns the new case (stage first contact).

    A volunteer keeps access to it only until it is handed over to the contact person. When a case the
    actor may open already has a person with this name and date of birth, raises PossibleDuplicate and
    creates nothing, unless `confirm_new_person` says the actor checked those cases first.
    """
    authorize(actor, "case.first_contact")
    if not confirm_new_person:
        # Outside the write's transaction: the name search stays in the audit trail when this refuses.
        codes = _possible_duplicates(actor, values)
        if codes:
            raise PossibleDuplicate(codes)
    return _with_new_person_key(
        lambda key_id: _first_contact_write(
            actor=actor, key_id=key_id, values=values, team=team, note=note, hand_over=hand_over
        )
    )


def _with_new_person_key(write: Callable[[str], Case]) -> Case:
    """Run `write` (one transaction that saves a new person under the key it is given) with a new data key;
    if it fails, delete the key again."""
    key_id = vault.new_key()
    try:
        return write(key_id)
    except BaseException:
        # Refused by a rule or interrupted: the person's row rolled back, so the key made for it protects
        # nothing. Left in the key store it would be re-wrapped by every rotation.
        try:
            vault.discard_keys([key_id])
        except Exception:  # noqa: BLE001 (the refusal matters more; `haven keys gc` collects the key)
            log.warning("the key of a refused new person could not be deleted now; haven keys gc will")
        raise


@transaction.atomic
def _first_contact_write(
    *, actor: User, key_id: str, values: Mapping[str, Any], team: Team | None, note: str, hand_over: bool
) -> Case:
    team = team or actor.team
    if team is None:
        raise ValidationError(_("Your account belongs to no team; ask an administrator to add you to one."))
    person = Person(key_id=key_id)
    _apply_person_values(person, values, actor=actor)
    person.full_clean()
    person.save()
    now = timezone.now()
    case = Case(
        code=_next_code(now.year),
        person=person,
        team=team,
        created_by=actor,
        case_manager=actor if actor.role == Role.CASE_MANAGER else None,
        stage="first_contact",
        status="Active",
        legal_basis="consent",
        handed_over=hand_over,
        handed_over_at=now if hand_over else None,
    )
    case.full_clean()
    case.save()
    if actor.role == Role.CASEWORKER:
        case.caseworkers.add(actor)
    _record_stage(case, actor, "")
    if note.strip():
        _note_create(actor=actor, case=case, section="general", body=note)
    _audit(actor, "case.first_contact", case, child=person.is_child, handed_over=hand_over)
    if hand_over:
        _notify_handover(case, actor)
    return case


# The version of the information for the person that a hand-over's consent was explained with.
SCREENING_INFORMATION_VERSION = "screening-information-1"


def handover_from_screening(
    *,
    actor: User,
    screening: Screening,
    values: Mapping[str, Any],
    basis: str,
    reason: str = "",
    note: str = "",
    confirm_new_person: bool = False,
) -> Case:
    """Hand a screening over to the team's contact person: a first contact pre-filled from it, the reason
    the person's details may be passed on, a short note, the screening linked to the new case.

    The screening must be the actor's own, complete, and show more than "no signs noted". ``basis``: the
    person agrees (``consent``, recorded as consent to pass details to the contact person, in the language
    the information was given in); ``child_protection`` (only for a child, with the reason); or
    ``vital_interest`` (with the reason). Child safeguarding and immediate danger are urgent. Raises
    ValidationError naming what is missing, PossibleDuplicate like ``first_contact_create``.
    """
    authorize(actor, "case.handover")
    errors: dict[str, str] = {}
    if screening.created_by_id != actor.pk:
        raise PermissionDenied("screening.own")
    if not screening.is_complete or screening.outcome not in HANDOVER_OUTCOMES:
        errors["screening"] = _("Only a completed screening with signs can be handed over.")
    if screening.case_code:
        errors["screening"] = _("This screening was already handed over.")
    if basis not in vocab.codes(vocab.HANDOVER_BASES):
        errors["basis"] = _("Say why the person's details may go to the contact person.")
    elif basis != "consent" and len(reason.strip()) < 10:
        errors["reason"] = _("Without the person's agreement, write the reason (a sentence or two).")
    if basis == "child_protection" and not screening.treated_as_child:
        errors["basis"] = _("The child's best interests apply to a child, or when the age is in doubt.")
    if errors:
        raise ValidationError(errors)
    # The age answer comes from the screening: nothing is typed twice, and the two cannot disagree.
    person_values = {**values, **screening_age_values(screening)}
    if not confirm_new_person:
        codes = _possible_duplicates(actor, person_values)
        if codes:
            raise PossibleDuplicate(codes)
    return _with_new_person_key(
        lambda key_id: _handover_write(
            actor=actor,
            key_id=key_id,
            screening=screening,
            values=person_values,
            basis=basis,
            reason=reason,
            note=note,
        )
    )


def screening_age_values(screening: Screening) -> dict[str, Any]:
    """The person's age fields as the screening recorded them (doubt keeps the person a child)."""
    values: dict[str, Any] = {
        "stated_age": screening.age,
        "age_method": "statement" if screening.age is not None else "unknown",
        "age_in_doubt": screening.age_in_doubt,
    }
    if screening.information_language:
        values["information_language"] = screening.information_language
    return values


@transaction.atomic
def _handover_write(
    *,
    actor: User,
    key_id: str,
    screening: Screening,
    values: Mapping[str, Any],
    basis: str,
    reason: str,
    note: str,
) -> Case:
    body = note.strip()
    if basis != "consent":
        why = _("Why details were passed on:")  # outside the f-string, so that makemessages finds it
        body = f"{body}\n\n{why} {reason.strip()}".strip()
    case = _first_contact_write(
        actor=actor, key_id=key_id, values=values, team=None, note=body, hand_over=True
    )
    case.handover_basis = basis
    case.handover_urgent = screening.outcome in URGENT_OUTCOMES
    if basis == "vital_interest":
        _set_basis(case, "vital_interest", reason)
    case.save(update_fields=["handover_basis", "handover_urgent", "updated_at"])
    if basis == "consent":
        consent = Consent(
            case=case,
            purpose="contact_person",
            status="given",
            given_on=timezone.localdate(),
            language=screening.information_language or "en",
            explained_by=actor,
            interpreter=False,
            information_sheet_version=SCREENING_INFORMATION_VERSION,
            recorded_by=actor,
        )
        consent.full_clean()
        consent.save()
    screening_link_to_case(actor=actor, screening=screening, case_code=case.code, consent_confirmed=True)
    _audit(
        actor,
        "case.handed_over_from_screening",
        case,
        outcome=screening.outcome,
        basis=basis,
        urgent=case.handover_urgent,
    )
    return case


@transaction.atomic
def case_handover(*, actor: User, case: Case) -> Case:
    """Hand a first contact over to the contact person (the volunteer loses access)."""
    authorize(actor, "case.handover")
    case = Case.objects.select_for_update().select_related("person").get(pk=case.pk)
    _check_not_erased(case)
    if not case.handed_over:
        case.handed_over = True
        case.handed_over_at = timezone.now()
        case.version += 1
        case.save(update_fields=["handed_over", "handed_over_at", "version", "updated_at"])
        _notify_handover(case, actor)
    _audit(actor, "case.handed_over", case)
    return case


def _notify_handover(case: Case, actor: User) -> None:
    # Everyone who takes hand-overs on for the case's team (its case managers) is told: code only.
    managers = eligible_for(case.team_id, "case_manager").values_list("pk", flat=True)
    notify(user_ids=managers, kind="handover_waiting", case_code=case.code, skip=actor.pk)


@transaction.atomic
def case_open(*, actor: User, case: Case) -> Case:
    """The contact person takes on a first contact: becomes its case manager, and screening starts."""
    authorize(actor, "case.open")
    case = Case.objects.select_for_update().select_related("person").get(pk=case.pk)
    _check_not_erased(case)
    if case.stage != "first_contact":
        raise ValidationError(_("This case is already open."))
    from_stage = case.stage
    case.case_manager = case.case_manager or actor
    case.handed_over = True
    case.handed_over_at = case.handed_over_at or timezone.now()
    case.stage = "screening"
    case.status = "Active"
    case.version += 1
    case.updated_at = timezone.now()
    case.full_clean()
    case.save()
    _record_stage(case, actor, from_stage)
    _audit(actor, "case.opened", case)
    return case


HIGH_RISK_REFUSED = "high_risk_assignment"


def _check_high_risk(actor: User, case: Case, people: Sequence[User], field: str) -> None:
    """A high-risk case goes only to people the one rule (`access.may_take_high_risk`) allows; the refusal
    names the reason and is audited (called before the assignment's transaction, so the entry stays)."""
    if case.risk_level != "high":
        return
    excluded = [person.pk for person in people if not may_take_high_risk(person)]
    if not excluded:
        return
    audit_record(
        actor_id=actor.pk,
        action="case.assign_refused",
        object_type="case",
        object_id=case.code,
        detail={"reason": HIGH_RISK_REFUSED, "accounts": excluded},
    )
    raise ValidationError(
        {
            field: ValidationError(
                _(
                    "This case is high risk: only people whose personal security training is valid (in the "
                    "staff register) can be assigned to it."
                ),
                code=HIGH_RISK_REFUSED,
            )
        }
    )


def case_assign(
    *, actor: User, case: Case, case_manager: User | None = None, caseworkers: Sequence[User] | None = None
) -> Case:
    """Assign the case manager and/or the caseworkers (replacing the caseworker list when given).

    Only active people of the case's own team may be assigned: an assignment opens the person's data. A
    high-risk case only to people `access.may_take_high_risk` allows (refused with the reason, audited).
    """
    authorize(actor, "case.assign")
    current = Case.objects.get(pk=case.pk)
    if case_manager is not None:
        _check_high_risk(actor, current, _newcomers(current, [case_manager]), "case_manager")
    if caseworkers is not None:
        _check_high_risk(actor, current, _newcomers(current, caseworkers), "caseworkers")
    return _case_assign_write(actor=actor, case=case, case_manager=case_manager, caseworkers=caseworkers)


def _newcomers(case: Case, people: Sequence[User]) -> list[User]:
    """Those of `people` who have no part in `case` yet: an assignment that keeps someone on the case
    gives them nothing new, so the high-risk rule asks only about the others."""
    on_case = {case.case_manager_id, *case.caseworkers.values_list("pk", flat=True)}
    return [person for person in people if person.pk not in on_case]


@transaction.atomic
def _case_assign_write(
    *, actor: User, case: Case, case_manager: User | None, caseworkers: Sequence[User] | None
) -> Case:
    case = Case.objects.select_for_update().select_related("person").get(pk=case.pk)
    _check_not_erased(case)
    # Again under the row lock: the risk level may have been raised since the check above.
    _check_high_risk(
        actor,
        case,
        _newcomers(case, [*([case_manager] if case_manager else []), *(caseworkers or [])]),
        "caseworkers",
    )
    # Only those who get a new part in the case are told.
    before = {case.case_manager_id, *case.caseworkers.values_list("pk", flat=True)}
    if case_manager is not None:
        if not is_eligible(case, case_manager, "case_manager"):
            raise ValidationError({"case_manager": _("Choose an active case manager of this case's team.")})
        case.case_manager = case_manager
    if caseworkers is not None:
        if not all(is_eligible(case, worker, "caseworker") for worker in caseworkers):
            raise ValidationError({"caseworkers": _("Choose active caseworkers of this case's team only.")})
        case.caseworkers.set(caseworkers)
    case.version += 1
    case.updated_at = timezone.now()
    case.full_clean()
    case.save()
    _audit(
        actor,
        "case.assigned",
        case,
        case_manager=case.case_manager_id,
        caseworkers=sorted(w.pk for w in caseworkers or []),
    )
    newly = [case_manager.pk] if case_manager is not None else []
    newly += [w.pk for w in caseworkers or []]
    notify(
        user_ids=[pk for pk in newly if pk not in before],
        kind="case_assigned",
        case_code=case.code,
        skip=actor.pk,
    )
    return case


def _check_version(case: Case, expected_version: int | None) -> None:
    if expected_version is not None and case.version != expected_version:
        raise Conflict(case.version)


@transaction.atomic
def case_stage_change(*, actor: User, case: Case, stage: str, expected_version: int | None = None) -> Case:
    """Move an open case to another stage (not "closed": use `case_close`; a closed case: `case_reopen`)."""
    authorize(actor, "case.edit")
    case = Case.objects.select_for_update().select_related("person").get(pk=case.pk)
    _check_not_erased(case)
    _check_version(case, expected_version)
    if stage not in vocab.STAGE_STATUS or stage == "closed":
        raise ValidationError({"stage": _("Choose a stage; to close a case, use Close.")})
    if case.stage == "closed":
        raise ValidationError(_("This case is closed: reopen it first."), code="case_closed")
    from_stage = case.stage
    case.stage = stage
    case.status = vocab.STAGE_STATUS[stage]
    case.closure_reason = ""
    case.closed_at = None
    case.version += 1
    case.updated_at = timezone.now()
    case.full_clean()
    case.save()
    _record_stage(case, actor, from_stage)
    _audit(actor, "case.stage_changed", case, stage=stage)
    return case


REASON_MAX_CHARS = 2_000


def _close_open_tasks(case: Case, actor: User | None, reason: str, now: Any) -> int:
    """Close every open task of `case` (closed or erased), with the reason: none stays in an overdue list."""
    return Task.objects.filter(case=case, done_at=None, closed_at=None).update(
        closed_at=now, closed_reason=reason, closed_by=actor
    )


def _written_reason(text: str, field: str) -> str:
    text = text.strip()
    if not text:
        raise ValidationError({field: _("Write the reason.")})
    if len(text) > REASON_MAX_CHARS:
        raise ValidationError(
            {field: _("The reason is too long (at most %(n)s characters).") % {"n": REASON_MAX_CHARS}}
        )
    return text


def return_risk_check_needed(case: Case) -> bool:
    """True while no re-trafficking risk check for the place of return is on record since the case was
    last reopened (a return planned again needs a fresh look at the place)."""
    checks = ReturnRiskCheck.objects.filter(case=case)
    last_reopened = (
        CaseClosure.objects.filter(case=case, reopened_at__isnull=False).order_by("-reopened_at").first()
    )
    if last_reopened is not None and last_reopened.reopened_at is not None:
        checks = checks.filter(recorded_at__gte=last_reopened.reopened_at)
    return not checks.exists()


@transaction.atomic
def case_close(
    *, actor: User, case: Case, reason: str, note: str = "", expected_version: int | None = None
) -> Case:
    """Close the case with an outcome (`reason`, a code) and a written reason (`note`, sealed).

    "referred" gives the HTCDS status ClosedReferred. "returned_voluntarily" needs a re-trafficking risk
    check for the place of return first (error code `return_risk_check_required`). A child's case is
    closed only by a case manager, with a best-interests decision on record. Every open task of the case
    is closed with it, with the reason "case_closed".
    """
    authorize(actor, "case.close")
    case = Case.objects.select_for_update().select_related("person").get(pk=case.pk)
    _check_not_erased(case)
    _check_version(case, expected_version)
    if case.stage == "closed":
        raise ValidationError(_("This case is already closed."), code="case_closed")
    if reason not in vocab.codes(vocab.CLOSURE_REASONS):
        raise ValidationError({"closure_reason": _("Choose an outcome.")})
    text = _written_reason(note, "note")
    if reason == "returned_voluntarily" and return_risk_check_needed(case):
        raise ValidationError(
            _(
                "Record the re-trafficking risk check for the place of return first: a voluntary return "
                "is approached with extreme caution."
            ),
            code="return_risk_check_required",
        )
    if case.person.is_child:
        if actor.role != Role.CASE_MANAGER:
            raise ValidationError(
                _("A child's case is closed only by a case manager."), code="child_closure_case_manager"
            )
        if not BestInterests.objects.filter(case=case).exists():
            raise ValidationError(
                _("Record the best-interests decision for the child before closing the case."),
                code="best_interests_required",
            )
    now = timezone.now()
    from_stage = case.stage
    case.stage = "closed"
    case.status = "ClosedReferred" if reason == "referred" else "Closed"
    case.closure_reason = reason
    case.closed_at = now
    case.version += 1
    case.updated_at = now
    case.full_clean()
    case.save()
    _record_stage(case, actor, from_stage)
    closed = _close_open_tasks(case, actor, "case_closed", now)
    closure = CaseClosure(case=case, outcome=reason, closed_by=actor, closed_at=now, tasks_closed=closed)
    closure.reason = seal(case.person.key_id, closure, "reason", text)
    closure.full_clean()
    closure.save()
    _audit(actor, "case.closed", case, reason=reason, closure=closure.pk, tasks_closed=closed)
    return case


@transaction.atomic
def case_reopen(
    *, actor: User, case: Case, note: str, stage: str = "assessment", expected_version: int | None = None
) -> Case:
    """Reopen a closed case at `stage`, with a written reason (sealed). The closure stays on record with
    who reopened it and when; the tasks closed with the case stay closed (add new ones)."""
    authorize(actor, "case.reopen")
    case = Case.objects.select_for_update().select_related("person").get(pk=case.pk)
    _check_not_erased(case)
    _check_version(case, expected_version)
    if case.stage != "closed":
        raise ValidationError(_("Only a closed case can be reopened."))
    if stage not in vocab.STAGE_STATUS or stage in ("closed", "first_contact"):
        raise ValidationError({"stage": _("Choose the stage the case goes back to.")})
    text = _written_reason(note, "note")
    now = timezone.now()
    closure = (
        CaseClosure.objects.select_for_update()
        .filter(case=case, reopened_at=None)
        .order_by("-closed_at", "-pk")
        .first()
    )
    if closure is not None:
        closure.reopened_by = actor
        closure.reopened_at = now
        closure.reopen_reason = seal(case.person.key_id, closure, "reopen_reason", text)
        closure.full_clean()
        closure.save()
    from_stage = case.stage
    case.stage = stage
    case.status = vocab.STAGE_STATUS[stage]
    case.closure_reason = ""
    case.closed_at = None
    case.version += 1
    case.updated_at = now
    case.full_clean()
    case.save()
    _record_stage(case, actor, from_stage)
    _audit(actor, "case.reopened", case, stage=stage, closure=closure.pk if closure else None)
    return case


@transaction.atomic
def return_risk_check_record(
    *, actor: User, case: Case, country: str, checked_on: date, risk: str, notes: str = ""
) -> ReturnRiskCheck:
    """Record the case manager's check of the re-trafficking risk at the place of return (notes sealed)."""
    authorize(actor, "case.return_risk_check")
    _check_open_case(case)
    country = country.strip().upper()
    if country not in vocab.country_codes():
        raise ValidationError({"country": _("Choose the country of return.")})
    if checked_on > timezone.localdate():
        raise ValidationError({"checked_on": _("The date cannot be in the future.")})
    if risk not in vocab.codes(vocab.RETURN_RISKS):
        raise ValidationError({"risk": _("Choose the risk at the place of return.")})
    if len(notes) > NOTE_MAX_CHARS:
        raise ValidationError({"notes": _("The text is too long.")})
    check = ReturnRiskCheck(case=case, country=country, checked_on=checked_on, risk=risk, checked_by=actor)
    check.notes = seal(case.person.key_id, check, "notes", notes.strip())
    check.full_clean()
    check.save()
    _audit(actor, "case.return_risk_checked", case, check=check.pk, risk=risk)
    return check


@transaction.atomic
def case_legal_basis_set(*, actor: User, case: Case, basis: str, justification: str = "") -> Case:
    """Set the legal basis. Vital interest needs a written justification; a child's best interests need
    a child and a recorded best-interests decision."""
    authorize(actor, "case.edit")
    case = Case.objects.select_for_update().select_related("person").get(pk=case.pk)
    _check_not_erased(case)
    _set_basis(case, basis, justification)
    _audit(actor, "case.legal_basis_set", case, basis=basis)
    return case


def _set_basis(case: Case, basis: str, justification: str) -> None:
    if basis not in vocab.codes(vocab.LEGAL_BASES):
        raise ValidationError({"legal_basis": _("Choose a legal basis.")})
    if basis == "vital_interest" and not justification.strip():
        raise ValidationError({"justification": _("Vital interest needs a written justification.")})
    if basis == "child_best_interests":
        if not case.person.is_child:
            raise ValidationError(
                {"legal_basis": _("The best interests of the child apply to children only.")}
            )
        if not BestInterests.objects.filter(case=case).exists():
            raise ValidationError({"legal_basis": _("Record the best-interests decision first.")})
    case.legal_basis = basis
    case.vital_interest_justification = (
        seal(case.person.key_id, case, "vital_interest_justification", justification.strip())
        if basis == "vital_interest"
        else None
    )
    case.version += 1
    case.updated_at = timezone.now()
    case.full_clean()
    case.save()


@transaction.atomic
def case_events_set(
    *, actor: User, case: Case, exploitation_types: Sequence[str], means_of_control: Sequence[str]
) -> Case:
    """Record the types of exploitation and means of control (HTCDS codes, multi-select)."""
    authorize(actor, "case.edit")
    case = Case.objects.select_for_update().select_related("person").get(pk=case.pk)
    _check_not_erased(case)
    case.exploitation_types = _clean_codes(
        "exploitation_types", list(exploitation_types), vocab.codes(vocab.EXPLOITATION_TYPES)
    )
    case.means_of_control = _clean_codes(
        "means_of_control", list(means_of_control), vocab.codes(vocab.MEANS_OF_CONTROL)
    )
    case.version += 1
    case.updated_at = timezone.now()
    case.full_clean()
    case.save()
    _audit(actor, "case.context_set", case, types=case.exploitation_types, means=case.means_of_control)
    return case


@transaction.atomic
def historic_event_add(
    *, actor: User, case: Case, type: str, country: str, on: date | None, precision: str
) -> HistoricEvent:
    """Add a recruitment, transit or exploitation event (HTCDS hte_)."""
    authorize(actor, "case.edit")
    _check_not_erased(case)
    if country not in vocab.country_codes():
        raise ValidationError({"country": _("Unknown country code.")})
    if on is None and precision != "unknown":
        raise ValidationError({"date": _("Give a date, or choose the precision Unknown.")})
    event = HistoricEvent(
        case=case, type=type, country=country, date=on, date_precision=precision, recorded_by=actor
    )
    event.full_clean()
    event.save()
    _audit(actor, "case.event_added", case, event=event.pk, type=type, country=country)
    return event


# -- person ------------------------------------------------------------------------------------------------


def _person_write(
    *, actor: User, case: Case, expected_version: int, values: Mapping[str, Any], action: str
) -> Person:
    person = Person.objects.select_for_update().get(pk=case.person_id)
    if person.erased_at is not None:
        raise ValidationError(_("This person's data was erased; the case can no longer change."))
    if person.version != expected_version:
        raise Conflict(person.version)
    fields = _apply_person_values(person, values, actor=actor)
    person.version += 1
    person.updated_at = timezone.now()
    person.full_clean()
    person.save()
    case.person = person
    _audit(actor, action, case, fields=sorted(fields), version=person.version)
    return person


@transaction.atomic
def person_update(*, actor: User, case: Case, expected_version: int, values: Mapping[str, Any]) -> Person:
    """Change the person's values; raises Conflict when someone saved since `expected_version`."""
    authorize(actor, "person.update")
    authorize(actor, "person.identifying")
    return _person_write(
        actor=actor, case=case, expected_version=expected_version, values=values, action="person.updated"
    )


@transaction.atomic
def person_correct(*, actor: User, case: Case, expected_version: int, values: Mapping[str, Any]) -> Person:
    """Correct the person's data at their request (right to rectification), recorded as such."""
    authorize(actor, "person.correct")
    authorize(actor, "person.identifying")
    return _person_write(
        actor=actor, case=case, expected_version=expected_version, values=values, action="person.corrected"
    )


# -- consent -----------------------------------------------------------------------------------------------


@transaction.atomic
def consent_record(
    *,
    actor: User,
    case: Case,
    purpose: str,
    status: str,
    given_on: date,
    language: str,
    explained_by: User,
    interpreter: bool,
    information_sheet_version: str,
    recipient: str = "",
    expires_on: date | None = None,
) -> Consent:
    """Record consent (given or refused) for one purpose and, for a referral, one recipient.

    Whoever explained it is an active volunteer, caseworker or case manager of the case's team.
    """
    authorize(actor, "consent.record")
    _check_not_erased(case)
    errors: dict[str, str] = {}
    if status not in ("given", "refused"):
        errors["status"] = _("Record consent as given or refused.")
    if purpose == "referral" and not _RECIPIENT_CODE.fullmatch(recipient or ""):
        errors["recipient"] = _("A referral consent names its recipient (an organisation code).")
    if purpose != "referral" and recipient:
        errors["recipient"] = _("Only a referral consent names a recipient.")
    if language not in vocab.language_codes():
        errors["language"] = _("Unknown language code.")
    if given_on > timezone.localdate():
        errors["given_on"] = _("The date cannot be in the future.")
    if expires_on is not None and expires_on < given_on:
        errors["expires_on"] = _("The expiry date is before the date given.")
    if not is_eligible(case, explained_by, "consent_explainer"):
        errors["explained_by"] = _("Choose an active member of this case's team.")
    if errors:
        raise ValidationError(errors)
    if recipient:
        check_recipient(actor=actor, case=case, recipient=recipient, what="consent")
    consent = Consent(
        case=case,
        purpose=purpose,
        recipient=recipient,
        status=status,
        given_on=given_on,
        expires_on=expires_on,
        language=language,
        explained_by=explained_by,
        interpreter=interpreter,
        information_sheet_version=information_sheet_version,
        recorded_by=actor,
    )
    consent.full_clean()
    consent.save()
    _audit(
        actor,
        "consent.recorded",
        case,
        consent=consent.pk,
        purpose=purpose,
        status=status,
        recipient=recipient,
    )
    return consent


def _pressure_cleared(case: Case, kind: str, consent: Consent | None) -> PressureCheck | None:
    """An unused check of this kind (and consent) that clears the request, newest first."""
    since = timezone.now() - PRESSURE_CHECK_VALID
    checks = PressureCheck.objects.select_for_update().filter(
        case=case, kind=kind, used_at=None, confirmed_at__gte=since
    )
    if consent is not None:
        checks = checks.filter(Q(consent=consent) | Q(consent=None))
    for check in checks.order_by("-confirmed_at"):
        if not check.signs_of_pressure or (kind == "withdrawal" and check.signoff_by_id is not None):
            return check
    return None


@transaction.atomic
def pressure_check_confirm(
    *, actor: User, case: Case, kind: str, signs_of_pressure: bool, consent: Consent | None = None
) -> PressureCheck:
    """The case manager's check of a withdrawal or erasure request for signs of third-party pressure."""
    authorize(actor, "pressure.confirm")
    _check_not_erased(case)
    if kind not in vocab.codes(vocab.PRESSURE_KINDS):
        raise ValidationError({"kind": _("Unknown request kind.")})
    if consent is not None and consent.case_id != case.pk:
        raise ValidationError({"consent": _("This consent belongs to another case.")})
    check = PressureCheck(
        case=case, kind=kind, consent=consent, signs_of_pressure=signs_of_pressure, confirmed_by=actor
    )
    check.full_clean()
    check.save()
    _audit(actor, "case.pressure_checked", case, kind=kind, signs=signs_of_pressure, check=check.pk)
    return check


@transaction.atomic
def pressure_signoff(*, actor: User, check: PressureCheck, basis: str, reason: str) -> PressureCheck:
    """DPO sign-off: after a request under possible pressure, Haven continues on another legal basis.

    Only a check that found signs of pressure and has no sign-off yet can be signed off, once.
    """
    authorize(actor, "pressure.sign_off")
    check = PressureCheck.objects.select_for_update().select_related("case__person").get(pk=check.pk)
    _check_not_erased(check.case)
    if not check.signs_of_pressure:
        raise ValidationError(_("No signs of pressure were recorded; no sign-off is needed."))
    if check.signoff_by_id is not None:
        raise ValidationError(_("This check was already signed off."))
    if basis not in ("vital_interest", "child_best_interests"):
        raise ValidationError({"basis": _("Choose vital interest or the child's best interests.")})
    if not reason.strip():
        raise ValidationError({"reason": _("Write the reason for continuing.")})
    case = check.case
    _set_basis(case, basis, reason)
    check.signoff_by = actor
    check.signoff_at = timezone.now()
    check.signoff_basis = basis
    check.signoff_reason = seal(case.person.key_id, check, "signoff_reason", reason.strip())
    check.full_clean()
    check.save()
    _audit(actor, "case.pressure_signed_off", case, check=check.pk, basis=basis)
    return check


@transaction.atomic
def consent_withdraw(
    *, actor: User, case: Case, consent: Consent, reason: str, confirm_no_pressure: bool = False
) -> list[str]:
    """Withdraw a consent that was given (not one refused or already withdrawn) at once; returns the
    recipient codes to inform.

    Needs a pressure check first: a case manager confirms "no sign of pressure" in the same step
    (`confirm_no_pressure`), anyone else needs a case manager's recent check on record.
    """
    authorize(actor, "consent.record")
    _check_not_erased(case)
    consent = Consent.objects.select_for_update().get(pk=consent.pk, case=case)
    if consent.status != "given":
        raise ValidationError(_("Only a consent that is in force can be withdrawn."))
    if reason not in vocab.codes(vocab.WITHDRAWAL_REASONS):
        raise ValidationError({"reason": _("Choose a reason.")})
    check = None
    if confirm_no_pressure and actor.has(Perm.CASE_ASSIGN):
        check = pressure_check_confirm(
            actor=actor, case=case, kind="withdrawal", signs_of_pressure=False, consent=consent
        )
    else:
        check = _pressure_cleared(case, "withdrawal", consent)
    if check is None:
        raise ValidationError(
            _("A case manager must first confirm that there is no sign of pressure from a third party.")
        )
    check.used_at = timezone.now()
    check.save(update_fields=["used_at"])
    consent.status = "withdrawn"
    consent.withdrawn_at = timezone.now()
    consent.withdrawn_by = actor
    consent.withdrawal_reason = reason
    consent.inform = recipients_to_inform(case, consent)
    consent.full_clean()
    consent.save()
    withdrawn(actor=actor, case=case, consent=consent)
    _audit(
        actor,
        "consent.withdrawn",
        case,
        consent=consent.pk,
        purpose=consent.purpose,
        inform=consent.inform,
        check=check.pk,
    )
    workers = [case.case_manager_id, *case.caseworkers.values_list("pk", flat=True)]
    notify(
        user_ids=workers,
        kind="consent_withdrawn",
        case_code=case.code,
        ref=f"consent:{consent.pk}",
        skip=actor.pk,
    )
    return list(consent.inform)


# -- child safeguarding ------------------------------------------------------------------------------------


@transaction.atomic
def best_interests_record(
    *, actor: User, case: Case, decision: str, decided_on: date, recipients: Sequence[str] = ()
) -> BestInterests:
    """Record a best-interests decision for a child (the basis for protection without the child's consent)."""
    authorize(actor, "case.edit")
    _check_not_erased(case)
    if not case.person.is_child:
        raise ValidationError(_("A best-interests decision is recorded for children only."))
    if not decision.strip():
        raise ValidationError({"decision": _("Write the decision and its reasons.")})
    if decided_on > timezone.localdate():
        raise ValidationError({"decided_on": _("The date cannot be in the future.")})
    bad = [r for r in recipients if not _RECIPIENT_CODE.fullmatch(r)]
    if bad:
        raise ValidationError({"recipients": _("Recipients are organisation codes.")})
    for recipient in recipients:
        check_recipient(actor=actor, case=case, recipient=recipient, what="best_interests")
    record = BestInterests(case=case, decided_by=actor, decided_on=decided_on, recipients=list(recipients))
    record.decision = seal(case.person.key_id, record, "decision", decision.strip()) or b""
    record.full_clean()
    record.save()
    _audit(actor, "case.best_interests_recorded", case, record=record.pk)
    return record


# -- notes, tasks, attachments -----------------------------------------------------------------------------


def _note_create(*, actor: User, case: Case, section: str, body: str) -> Note:
    if section not in vocab.codes(vocab.NOTE_SECTIONS):
        raise ValidationError({"section": _("Choose a section.")})
    if section in vocab.SENSITIVE_SECTIONS:
        authorize(actor, "person.sensitive")
    body = body.strip()
    if not body:
        raise ValidationError({"body": _("The note is empty.")})
    if len(body) > NOTE_MAX_CHARS:
        raise ValidationError(
            {"body": _("The note is too long (at most %(n)s characters).") % {"n": NOTE_MAX_CHARS}}
        )
    note = Note(case=case, section=section, author=actor)
    note.body = seal(case.person.key_id, note, "body", body) or b""
    note.full_clean()
    note.save()
    _audit(actor, "case.note_added", case, note=note.pk, section=section)
    return note


@transaction.atomic
def note_add(*, actor: User, case: Case, section: str, body: str) -> Note:
    """Add a sealed note; health, perpetrator and location notes need the sensitive-sections permission."""
    authorize(actor, "case.notes_tasks")
    _check_not_erased(case)
    return _note_create(actor=actor, case=case, section=section, body=body)


def _check_task_assignee(actor: User, case: Case, assignee: User) -> bool:
    """Refuse, with the reason, an assignee who may not open the case and cannot be given access.

    Returns True when the assignment must also give the assignee access: a caseworker of the case's team,
    assigned by someone who may assign cases, becomes one of its caseworkers.
    """

    def refuse(message: str) -> ValidationError:
        return ValidationError({"assignee": ValidationError(message, code="assignee_cannot_open_case")})

    if assignee.role not in CASE_PARTS["task_assignee"]:
        raise refuse(_("Tasks go to caseworkers and case managers only."))
    if not assignee.is_active:
        raise refuse(_("This account is disabled."))
    if cases_openable_by(assignee).filter(pk=case.pk).exists():
        return False
    if assignee.team_id != case.team_id:
        raise refuse(_("This person is not in the case's team and may not open the case."))
    if not may(actor, "case.assign"):
        raise refuse(
            _(
                "This person may not open the case yet. Only a case manager can give them access: ask the "
                "case manager to assign them to the case, or assign the task to someone on the case."
            )
        )
    # Giving the task gives access to the case: the high-risk rule applies as to any assignment.
    _check_high_risk(actor, case, [assignee], "assignee")
    return True


def _give_task_access(actor: User, case: Case, assignee: User) -> None:
    case.caseworkers.add(assignee)
    Case.objects.filter(pk=case.pk).update(version=models.F("version") + 1, updated_at=timezone.now())
    _audit(actor, "case.assigned", case, caseworker_added=assignee.pk, via="task")
    notify(user_ids=[assignee.pk], kind="case_assigned", case_code=case.code, skip=actor.pk)


def is_closed(case: Case) -> bool:
    """True when the case is closed now (read afresh: the caller's copy may predate a closure)."""
    return Case.objects.filter(pk=case.pk, stage="closed").exists()


def _check_open_case(case: Case) -> None:
    _check_not_erased(case)
    # Locks the case row until the caller's transaction ends, so a closure running at the same time either
    # waits for this write (and then closes what it added) or has already happened (and this is refused).
    stage = Case.objects.select_for_update().filter(pk=case.pk).values_list("stage", flat=True).first()
    if stage == "closed":
        raise ValidationError(_("This case is closed: reopen it first."), code="case_closed")


@transaction.atomic
def task_add(
    *, actor: User, case: Case, due_on: date, kind: str = "", title: str = "", assignee: User | None = None
) -> Task:
    """Add a task or follow-up date; the free-text title is sealed.

    The assignee, if any, must be able to open the case: a caseworker of the case's team gets access when
    a case manager assigns the task; anyone else is refused with the reason (see `_check_task_assignee`).
    """
    authorize(actor, "case.notes_tasks")
    _check_open_case(case)
    if not kind and not title.strip():
        raise ValidationError({"title": _("Give a kind of task or a title.")})
    if len(title) > 500:
        raise ValidationError({"title": _("The title is too long (at most 500 characters).")})
    give_access = assignee is not None and _check_task_assignee(actor, case, assignee)
    task = Task(case=case, kind=kind, due_on=due_on, assignee=assignee, created_by=actor)
    task.title = seal(case.person.key_id, task, "title", title.strip())
    task.full_clean()
    task.save()
    _audit(actor, "case.task_added", case, task=task.pk, kind=kind)
    if assignee is not None:
        if give_access:
            _give_task_access(actor, case, assignee)
        notify(user_ids=[assignee.pk], kind="task_assigned", case_code=case.code, skip=actor.pk)
    return task


def _open_task(case: Case, task: Task) -> Task:
    task = Task.objects.select_for_update().get(pk=task.pk, case=case)
    if task.closed_at is not None:
        raise ValidationError(_("This task was closed with the case."))
    return task


@transaction.atomic
def task_assign(*, actor: User, case: Case, task: Task, assignee: User | None) -> Task:
    """Give an open task to someone who may open the case (same rule as `task_add`), or to no one."""
    authorize(actor, "case.notes_tasks")
    _check_open_case(case)
    task = _open_task(case, task)
    if task.done_at is not None:
        raise ValidationError(_("This task is done."))
    give_access = assignee is not None and _check_task_assignee(actor, case, assignee)
    task.assignee = assignee
    task.full_clean()
    task.save(update_fields=["assignee"])
    _audit(actor, "case.task_assigned", case, task=task.pk, assignee=assignee.pk if assignee else None)
    if assignee is not None:
        if give_access:
            _give_task_access(actor, case, assignee)
        notify(user_ids=[assignee.pk], kind="task_assigned", case_code=case.code, skip=actor.pk)
    return task


def pressure_check_request(*, actor: User, case: Case, kind: str = "erasure") -> Task:
    """The DPO asks the case's manager for the possible-pressure check an erasure (or withdrawal) waits
    for: a task on the case, assigned to the case manager and due in three days, which shows in their
    tasks. Nothing is erased until the check is done and someone erases."""
    authorize(actor, "pressure.request")
    return _pressure_check_request(actor=actor, case=case, kind=kind)


@transaction.atomic
def _pressure_check_request(*, actor: User, case: Case, kind: str) -> Task:
    _check_not_erased(case)
    if kind not in ("erasure", "withdrawal"):
        raise ValidationError(_("Choose what the check is for."))
    if case.case_manager is None:
        raise ValidationError(_("The case has no case manager yet: assign one first."))
    title = (
        _("Check the erasure request for signs of pressure (asked by the data protection officer)")
        if kind == "erasure"
        else _("Check the consent withdrawal for signs of pressure (asked by the data protection officer)")
    )
    task = Task(
        case=case, kind="", due_on=timezone.localdate() + timedelta(days=3), assignee=case.case_manager,
        created_by=actor,
    )  # fmt: skip
    task.title = seal(case.person.key_id, task, "title", str(title))
    task.full_clean()
    task.save()
    _audit(actor, "case.pressure_check_requested", case, task=task.pk, kind=kind)
    return task


@transaction.atomic
def task_done(*, actor: User, case: Case, task: Task) -> Task:
    """Mark a task done (once)."""
    authorize(actor, "case.notes_tasks")
    _check_not_erased(case)
    task = _open_task(case, task)
    if task.done_at is None:
        task.done_at = timezone.now()
        task.done_by = actor
        task.full_clean()
        task.save()
        _audit(actor, "case.task_done", case, task=task.pk)
    return task


@transaction.atomic
def task_undo_done(*, actor: User, case: Case, task: Task) -> Task:
    """Set a task marked done back to open, within a day of marking it (TASK_UNDO_WINDOW)."""
    authorize(actor, "case.notes_tasks")
    _check_open_case(case)
    task = _open_task(case, task)
    if task.done_at is None:
        raise ValidationError(_("This task is not marked done."))
    if timezone.now() - task.done_at > TASK_UNDO_WINDOW:
        raise ValidationError(
            _("A task can be set back to open only within a day of marking it done; add a new task instead."),
            code="undo_too_late",
        )
    task.done_at = None
    task.done_by = None
    task.full_clean()
    task.save(update_fields=["done_at", "done_by"])
    _audit(actor, "case.task_reopened", case, task=task.pk)
    return task


_MAGIC: tuple[tuple[str, bytes], ...] = (
    ("pdf", b"%PDF-"),
    ("png", b"\x89PNG\r\n\x1a\n"),
    ("jpeg", b"\xff\xd8\xff"),
)


def attachment_kind(data: bytes) -> str | None:
    """The file type by its first bytes (pdf, png, jpeg), or txt for UTF-8 text; None when not allowed."""
    for kind, magic in _MAGIC:
        if data.startswith(magic):
            return kind
    if b"\x00" in data:
        return None
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    return "txt"


def attachment_path(attachment: Attachment) -> Path:
    """Where the sealed bytes of an attachment live."""
    return Path(settings.ATTACHMENTS_DIR) / f"{attachment.uid}.sealed"


class Upload(Protocol):
    """A file as a web upload gives it: its size is known before any of it is read."""

    size: int | None

    def read(self, size: int = -1, /) -> bytes: ...


def _too_large() -> ValidationError:
    return ValidationError(
        {
            "file": _("The file is too large (at most %(n)s MB).")
            % {"n": settings.ATTACHMENT_MAX_BYTES // 2**20}
        }
    )


def _upload_bytes(data: bytes | Upload) -> bytes:
    """The content, refused before it is read when the upload says it is too large."""
    limit = settings.ATTACHMENT_MAX_BYTES
    if isinstance(data, bytes):
        content = data
    else:
        if data.size is not None and data.size > limit:
            raise _too_large()
        content = data.read(limit + 1)  # never more than the limit, whatever the size said
    if len(content) > limit:
        raise _too_large()
    return content


@transaction.atomic
def attachment_add(*, actor: User, case: Case, filename: str, data: bytes | Upload) -> Attachment:
    """Store a sealed file: size-limited (checked before an upload is read), type-checked by its content
    (not its name)."""
    authorize(actor, "case.notes_tasks")
    _check_not_erased(case)
    data = _upload_bytes(data)
    if not data:
        raise ValidationError({"file": _("The file is empty.")})
    kind = attachment_kind(data)
    if kind is None:
        raise ValidationError({"file": _("Only PDF, PNG, JPEG and plain-text files can be attached.")})
    attachment = Attachment(case=case, kind=kind, size=len(data), uploaded_by=actor)
    key_id = case.person.key_id
    attachment.filename = seal(key_id, attachment, "filename", (filename or "file")[:200]) or b""
    attachment.full_clean()
    attachment.save()
    _audit(actor, "case.attachment_added", case, attachment=attachment.pk, kind=kind, size=len(data))
    sealed = vault.seal_bytes(
        key_id, table=Attachment._meta.db_table, column="content", row_id=str(attachment.uid), value=data
    )
    path = attachment_path(attachment)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    with open(tmp, "wb") as handle:
        handle.write(sealed)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)
    return attachment


def attachment_read(*, case: Case, attachment: Attachment) -> bytes:
    """The plaintext of an attachment (raises VaultKeyMissing for an erased person)."""
    blob = attachment_path(attachment).read_bytes()
    return vault.open_bytes(
        case.person.key_id,
        table=Attachment._meta.db_table,
        column="content",
        row_id=str(attachment.uid),
        blob=blob,
    )


# -- rights of the person ----------------------------------------------------------------------------------


PURPOSE_REASON_MAX_CHARS = 1_000


@transaction.atomic
def dpo_purpose_record(*, actor: User, case: Case, purpose: str, reason: str) -> DpoPurpose:
    """Record why the DPO must open `case` (fetched with `access.case_for_purpose`): one of
    `vocab.DPO_PURPOSES` and a written reason (sealed under the person's key). The case then opens to
    this DPO, and only to them, for DPO_PURPOSE_HOURS. Audited with the purpose code, never the reason."""
    authorize(actor, "case.purpose_record")
    if purpose not in vocab.codes(vocab.DPO_PURPOSES):
        raise ValidationError({"purpose": _("Choose the purpose.")})
    text = reason.strip()
    if not text:
        raise ValidationError({"reason": _("Say why you need to open this case (e.g. the request's date).")})
    if len(text) > PURPOSE_REASON_MAX_CHARS:
        raise ValidationError({"reason": _("At most %(n)d characters.") % {"n": PURPOSE_REASON_MAX_CHARS}})
    now = timezone.now()
    hours = settings.DPO_PURPOSE_HOURS
    record = DpoPurpose(
        case=case, dpo=actor, purpose=purpose, granted_at=now, expires_at=now + timedelta(hours=hours)
    )
    if case.person.erased_at is None:
        # After an erasure the key is gone: only the purpose code remains (a breach review of a tombstone).
        record.reason = seal(case.person.key_id, record, "reason", text)
    record.full_clean()
    record.save()
    _audit(actor, "case.purpose_recorded", case, purpose=purpose, hours=hours)
    return record


@transaction.atomic
def person_erase(
    *, actor: User, case: Case, reason: str, confirm_code: str | None = None
) -> ErasureTombstone:
    """Crypto-shred the person: destroy their key, delete blind indexes and attachment files, keep a
    tombstone. An erasure the person asked for needs a case manager's pressure check first.

    `confirm_code` is the case code as the person erasing typed it to confirm (the web asks for it);
    it must match. `haven erase` names the case on its command line, which is its confirmation.
    """
    authorize(actor, "person.erase")
    if confirm_code is not None and confirm_code.strip().upper() != case.code:
        raise ValidationError({"confirm_code": _("The code does not match this case.")})
    if reason not in vocab.codes(vocab.ERASURE_REASONS):
        raise ValidationError({"reason": _("Choose the legal reason.")})
    person = Person.objects.select_for_update().get(pk=case.person_id)
    if person.erased_at is not None:
        raise ValidationError(_("This person's data was already erased."))
    if reason == "person_request":
        check = _pressure_cleared(case, "erasure", None)
        if check is None:
            raise ValidationError(
                _("A case manager must first confirm that there is no sign of pressure from a third party.")
            )
        check.used_at = timezone.now()
        check.save(update_fields=["used_at"])
    attachments = _erase_person_rows(person, actor=actor, now=timezone.now())[0]
    tombstone = ErasureTombstone(case_code=case.code, erased_by=actor, reason_code=reason)
    tombstone.full_clean()
    tombstone.save()
    _audit(actor, "person.erased", case, reason=reason, attachments=len(attachments))
    # Last step inside the transaction: if the key store refuses, nothing above is kept.
    vault.erase_key(person.key_id, actor_id=actor.pk, case_code=case.code, reason_code=reason)
    for attachment in attachments:
        attachment_path(attachment).unlink(missing_ok=True)
    if connection.vendor == "sqlite":
        transaction.on_commit(_checkpoint_wal)
    return tombstone


def _erase_person_rows(person: Person, *, actor: User | None, now: datetime) -> tuple[list[Attachment], int]:
    """Haven's one erasure writer, for `person_erase` and for `erasure_reapply` after a restore: marks the
    person's attachment files deleted, empties the person's blind indexes, marks the person erased and
    closes their open cases (a stage record names `actor`; a restore has none, its ledger is the record).

    Returns the attachments whose files the caller deletes (after the key is destroyed, for an erasure)
    and the number of rows changed; a second run changes nothing.
    """
    changed = 0
    attachments = list(Attachment.objects.filter(case__person=person, file_deleted=False))
    changed += Attachment.objects.filter(pk__in=[a.pk for a in attachments]).update(file_deleted=True)
    indexes = tuple(PERSON_INDEXES)
    if person.erased_at is None or any(getattr(person, index) for index in indexes):
        for index in indexes:
            setattr(person, index, "")
        _scrub_coded_values(person)
        person.erased_at = person.erased_at or now
        person.version += 1
        person.save()
        changed += 1
    for each in Case.objects.select_for_update().filter(person=person).exclude(stage="closed"):
        from_stage = each.stage
        each.stage, each.status, each.closed_at = "closed", "Closed", each.closed_at or now
        each.version += 1
        each.updated_at = now
        each.save()
        changed += 1
        if actor is not None:
            _record_stage(each, actor, from_stage)
    _scrub_case_codes(list(Case.objects.filter(person=person)))
    # No task of an erased person stays open in anyone's list (nor comes back after a restore).
    changed += Task.objects.filter(case__person=person, done_at=None, closed_at=None).update(
        closed_at=now, closed_reason="case_erased", closed_by=actor
    )
    return attachments, changed


def _scrub_coded_values(person: Person) -> None:
    """Erasure leaves the tombstone alone: case code, dates and reason. The coded values that, put
    together, could still point at one person (age, gender, languages, citizenship…) go back to "unknown"."""
    person.gender = "NonSpecifiedUnknown"
    person.languages = []
    person.information_language = ""
    person.citizenship = []
    person.legal_status = "unknown"
    person.stated_age = None
    person.estimated_age = None
    person.age_method = "unknown"
    person.age_in_doubt = False
    person.schooling = ""


def _scrub_case_codes(cases: list[Case]) -> None:
    """The erased person's cases keep their stages and dates; the organisation codes a consent or a
    best-interests decision named, the countries of events and the forms of exploitation go."""
    ids = [each.pk for each in cases]
    Consent.objects.filter(case_id__in=ids).update(recipient="")
    BestInterests.objects.filter(case_id__in=ids).update(recipients=[])
    HistoricEvent.objects.filter(case_id__in=ids).delete()
    Case.objects.filter(pk__in=ids).update(exploitation_types=[], means_of_control=[])


def _checkpoint_wal() -> None:
    # Freed pages are overwritten (secure_delete) in the main file, but older page images stay in the WAL
    # until a checkpoint; TRUNCATE empties it.
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")


@transaction.atomic
def subject_access_export(*, actor: User, case: Case) -> dict[str, Any]:
    """Everything Haven holds on the person, as a readable document (the DPO answers an access request).

    Nothing is readable once the person was erased: refused then (ValidationError).
    """
    from haven.cases.selectors import subject_access_document

    authorize(actor, "person.export")
    _check_not_erased(case)
    document = subject_access_document(case)
    _audit(actor, "person.exported", case)
    return document


def erasure_reapply(*, key_id: str, case_code: str) -> int:
    """After a restore, erase again what an older backup brought back for an already-erased person.

    Called by the vault's restore for every entry of the erasure ledger (which lives with the keys). The
    key is already destroyed; this clears the blind indexes, marks the person erased, closes their cases
    and deletes their attachment files. The tombstone comes back with the database when it was taken
    after the erasure; otherwise the ledger entry is the record. Returns the number of rows changed.
    """
    person = Person.objects.select_for_update().filter(key_id=key_id).first()
    if person is None:
        return 0
    attachments, changed = _erase_person_rows(person, actor=None, now=timezone.now())
    for attachment in attachments:
        attachment_path(attachment).unlink(missing_ok=True)
    audit_record(actor_id=None, action="person.erasure_reapplied", object_type="case", object_id=case_code)
    return changed


# -- bulk variants, for the importer ------------------------------------------------------------------------
#
# An import writes in short transactions so that the service keeps answering meanwhile: codes are reserved
# in one, each batch of people is written *staged* (`Case.staged_import`, invisible to every query through
# `Case.objects`) in one each, and one last short transaction publishes the whole file at once. A failure or
# interruption deletes the staged rows and their data keys (`cases_import_discard`); after a kill -9 nothing
# runs, and `haven keys gc` removes the abandoned rows with their keys (`imports_abandoned_discard`).


@transaction.atomic
def case_codes_reserve(*, actor: User, year: int, count: int) -> list[str]:
    """Reserve `count` consecutive case codes of `year` in one short transaction (the bulk `_next_code`)."""
    authorize(actor, "case.import")
    if count < 1:
        return []
    CaseSequence.objects.get_or_create(year=year)
    sequence = CaseSequence.objects.select_for_update().get(year=year)
    first = sequence.last + 1
    sequence.last += count
    sequence.save(update_fields=["last"])
    return [f"HV-{year}-{number:05d}" for number in range(first, sequence.last + 1)]


@transaction.atomic
def cases_stage_bulk(
    *,
    actor: User,
    team: Team,
    batch: uuid.UUID,
    people: Sequence[Person],
    codes: Sequence[str],
    now: datetime,
) -> None:
    """Write new people (already sealed under their own keys), one new case each (stage first contact,
    handed over to `actor`, who manages them when a case manager) and their stage records, staged under
    `batch`: nobody sees them until `cases_import_publish`. One short transaction per call."""
    authorize(actor, "case.import")
    if not may_act_for_team(actor, team.pk):
        raise WrongTeam("case.own_team")
    case_manager = actor if actor.role == Role.CASE_MANAGER else None
    persons = Person.objects.bulk_create(list(people))
    cases = Case.with_staged.bulk_create(
        [
            Case(
                code=code,
                person=person,
                team=team,
                created_by=actor,
                case_manager=case_manager,
                stage="first_contact",
                status="Active",
                legal_basis="consent",
                # Imported records are already with the Society's contact person, who imports them.
                handed_over=True,
                handed_over_at=now,
                created_at=now,
                updated_at=now,
                staged_import=batch,
            )
            for person, code in zip(persons, codes, strict=True)
        ]
    )
    StageChange.objects.bulk_create(
        [
            StageChange(
                case=case, from_stage="", to_stage="first_contact", status="Active", changed_by=actor,
                changed_at=now,
            )
            for case in cases
        ]
    )  # fmt: skip


@transaction.atomic
def cases_import_publish(
    *, actor: User, team: Team, batch: uuid.UUID, expected: int, first: str, last: str
) -> int:
    """Make the `expected` cases staged under `batch` visible at once, with one audit entry for the import;
    returns how many. One short transaction: one UPDATE of an indexed column. Publishes nothing (Conflict)
    when some staged rows are missing (removed as abandoned meanwhile): an import is all or nothing."""
    authorize(actor, "case.import")
    count = Case.with_staged.filter(staged_import=batch).update(staged_import=None)
    if count != expected:
        raise ImportIncomplete(f"{count} of {expected} staged rows left")
    # One entry for the whole import, not one per case: the codes were reserved as one range, so first
    # and last name every case created. Codes and counts only, as every audit entry.
    audit_record(
        actor_id=actor.pk,
        action="cases.imported",
        object_type="team",
        object_id=team.pk,
        detail={"count": count, "first": first, "last": last},
    )
    return count


def _discard_staged(cases: models.QuerySet[Case]) -> list[str]:
    """Delete staged cases, their stage records and people; returns the people's key ids (caller: atomic)."""
    rows = list(cases.values_list("pk", "person_id", "person__key_id"))
    case_ids = [pk for pk, _person, _key in rows]
    person_ids = [person for _pk, person, _key in rows]
    for start in range(0, len(case_ids), 500):  # under SQLite's limit of variables per statement
        StageChange.objects.filter(case_id__in=case_ids[start : start + 500]).delete()
        Case.with_staged.filter(pk__in=case_ids[start : start + 500]).delete()
        Person.objects.filter(pk__in=person_ids[start : start + 500]).delete()
    return [key for _pk, _person, key in rows]


@transaction.atomic
def cases_import_discard(*, batch: uuid.UUID, codes: Sequence[str] = ()) -> list[str]:
    """Delete what a failed or interrupted import staged under `batch`; returns the data key ids its people
    used (the caller deletes those keys after this commits). When no code was reserved after the
    import's own (`codes`), the reservation is given back: those codes were never seen by anyone."""
    key_ids = _discard_staged(Case.with_staged.filter(staged_import=batch))
    if codes:
        year, first = int(codes[0].split("-")[1]), int(codes[0].split("-")[2])
        last = int(codes[-1].split("-")[2])
        CaseSequence.objects.filter(year=year, last=last).update(last=first - 1)
    return key_ids


def imports_abandoned_discard(*, older_than: timedelta, now: datetime, dry_run: bool = False) -> int:
    """Delete the rows of imports killed before they could clean up (staged before `now - older_than`);
    returns how many cases. Their data keys are then referred to by no row (`haven keys gc` deletes them)."""
    abandoned = Case.with_staged.filter(staged_import__isnull=False, created_at__lt=now - older_than)
    if dry_run:
        return abandoned.count()
    with transaction.atomic():
        return len(_discard_staged(abandoned))


def imports_abandoned_hook(older_than: timedelta, now: datetime, dry_run: bool) -> int:
    """`imports_abandoned_discard` in the shape `haven.vault.collect` calls its abandoned-rows hooks."""
    return imports_abandoned_discard(older_than=older_than, now=now, dry_run=dry_run)
