"""/api/v1/cases: the same access function and services as the web pages.

A case the caller may not open answers 404 exactly like a missing one; a stale version answers 409;
a role without the permission answers 403; bad input answers 400.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import date, datetime
from typing import Any, Literal, TypeVar, cast

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest
from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status

from haven.accounts.models import User
from haven.accounts.permissions import Perm
from haven.api.router import Error, IsoDate, error_response, invalid_input_response
from haven.cases import selectors, services
from haven.cases.access import case_for_purpose, case_for_user, sections_read
from haven.cases.models import Case, Consent, Task
from haven.cases.sealing import Opened
from haven.core.parsing import MAX_PAGE

router: Router = Router(tags=["cases"])
PAGE_SIZE = 50

F = TypeVar("F", bound=Callable[..., Any])


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


def _need(request: HttpRequest, perm: Perm) -> None:
    if not _user(request).has(perm):
        raise PermissionDenied(perm.value)


# Refusals by a rule of a service that an API client can act on, answered with their own error code (the
# service raises ValidationError(message, code=...)); every other ValidationError is "invalid_input".
RULE_CODES = frozenset(
    {
        "return_risk_check_required",
        "assignee_cannot_open_case",
        "best_interests_required",
        "child_closure_case_manager",
        "case_closed",
        "undo_too_late",
    }
)


def rule_code(exc: ValidationError) -> str:
    """The first rule code (see RULE_CODES) among the errors of `exc`, or ""."""
    errors = (
        [e for errs in exc.error_dict.values() for e in errs]
        if hasattr(exc, "error_dict")
        else exc.error_list
    )
    return next((str(e.code) for e in errors if e.code in RULE_CODES), "")


def answers(view: F) -> F:
    """Turn the domain's refusals into the API's uniform error bodies (403, 400, 409)."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        try:
            return view(request, *args, **kwargs)
        except PermissionDenied as exc:
            # A refusal that carries its own code and explanation (the neutrality guard's) keeps them.
            code = getattr(exc, "api_code", "forbidden")
            message = str(getattr(exc, "explanation", "Your role does not allow this."))
            return error_response(request, 403, code, message, refusal=exc)
        except services.Conflict as exc:
            return error_response(
                request,
                409,
                "conflict",
                "The record changed since you read it; nothing was saved.",
                {"current_version": exc.current_version},
            )
        except ValidationError as exc:
            rule = rule_code(exc)
            if rule:
                return error_response(request, 400, rule, " ".join(exc.messages))
            return invalid_input_response(request, exc)

    return cast(F, wrapper)


# -- schemas -----------------------------------------------------------------------------------------------


class CaseRow(Schema):
    code: str
    status: str
    stage: str
    team: str
    is_child: bool
    handed_over: bool
    erased: bool
    updated_at: datetime
    risk_level: str = Field("", description="The latest risk assessment's level: low, medium, high, or blank")


class CaseListRow(CaseRow):
    case_manager: str = Field("", description="The case manager's display name, blank when none yet")
    next_due: date | None = Field(None, description="The due date of the case's earliest open task")


class SearchIn(Schema):
    q: str = Field(
        ...,
        max_length=300,
        description=(
            "A case code or its beginning (HV-2026-0), a name, a name and a four-digit year of birth, or a "
            "phone number. Sent in the body so that it never appears in a URL or a log."
        ),
    )


class SearchOut(Schema):
    kind: str = Field(description="How the text was read: code, name, name_year or phone")
    more: bool = Field(description="More cases matched than are returned: add to the text to narrow it")
    results: list[CaseListRow]


class CasePage(Schema):
    count: int = Field(
        description=(
            "Cases counted from the first. Exact when `count_capped` is false; otherwise the count stopped "
            f"{selectors.LIST_COUNT_AHEAD} cases past the start of this page, and there are more."
        )
    )
    count_capped: bool
    page: int
    results: list[CaseListRow]


class CaseOut(CaseRow):
    version: int
    person_version: int
    legal_basis: str
    closure_reason: str
    case_manager: int | None
    caseworkers: list[int]
    exploitation_types: list[str]
    means_of_control: list[str]
    gender: str
    languages: list[str]
    information_language: str
    name: str | None = Field(None, description="Only for roles that see identifying data")
    preferred_name: str | None = Field(None, description="What the person wants to be called")
    safe_contact: str | None = None


class PersonValues(Schema):
    name: str | None = None
    preferred_name: str | None = None
    aliases: str | None = None
    date_of_birth: IsoDate | None = None
    phone: str | None = None
    contact: str | None = None
    safe_contact: str | None = None
    documents: str | None = None
    document_number: str | None = None
    location: str | None = None
    health: str | None = None
    perpetrator: str | None = None
    guardian: str | None = None
    gender: str | None = None
    languages: list[str] | None = None
    information_language: str | None = None
    citizenship: list[str] | None = None
    legal_status: str | None = None
    stated_age: int | None = Field(None, ge=0, le=120)
    estimated_age: int | None = Field(None, ge=0, le=120)
    age_method: str | None = None
    age_in_doubt: bool | None = Field(
        None, description="Not sure of the age, or looks younger than the age given: treated as a child"
    )
    age_established_adult: bool | None = Field(
        None, description="Older form of age_in_doubt: true means no doubt, false means doubt"
    )
    schooling: str | None = None


class CaseCreateIn(Schema):
    person: PersonValues
    note: str = ""
    hand_over: bool = False
    confirm_new_person: bool = Field(
        False, description="The possible existing cases were checked: create a new person anyway"
    )


class PersonUpdateIn(Schema):
    version: int
    values: PersonValues


class PersonOut(Schema):
    case: str
    version: int
    is_child: bool
    erased: bool
    values: dict[str, str | int | bool | list[str] | None]
    problems: dict[str, str]


class ConsentIn(Schema):
    purpose: Literal[
        "assistance", "data_storage", "referral", "family_links", "statistics", "authority_dialogue"
    ]
    status: Literal["given", "refused"]
    given_on: IsoDate
    language: str
    explained_by: int
    interpreter: bool = False
    information_sheet_version: str = Field(..., max_length=32)
    recipient: str = ""
    expires_on: IsoDate | None = None


class ConsentOut(Schema):
    id: int
    purpose: str
    recipient: str
    status: str
    given_on: date
    expires_on: date | None
    language: str
    explained_by: int
    interpreter: bool
    information_sheet_version: str
    withdrawn_at: datetime | None
    inform: list[str]


class WithdrawIn(Schema):
    reason: str
    confirm_no_pressure: bool = False


class WithdrawOut(Schema):
    consent: int
    inform: list[str]


class NoteIn(Schema):
    section: str = "general"
    body: str = Field(..., max_length=20_000)


class NoteOut(Schema):
    id: int
    section: str
    body: str | None
    author: int
    created_at: datetime


class TaskIn(Schema):
    due_on: IsoDate
    kind: str = ""
    title: str = Field("", max_length=500)
    assignee: int | None = None


class TaskOut(Schema):
    id: int
    kind: str
    title: str | None
    due_on: date
    assignee: int | None
    done: bool
    overdue: bool
    closed_reason: str = Field(
        "", description="Why the task was closed without being done: case_closed, case_erased"
    )


# -- helpers -----------------------------------------------------------------------------------------------


def _row(case: Case) -> dict[str, Any]:
    return {
        "code": case.code,
        "status": case.status,
        "stage": case.stage,
        "team": case.team.name,
        "is_child": case.person.is_child,
        "handed_over": case.handed_over,
        "erased": case.person.erased_at is not None,
        "updated_at": case.updated_at,
        "risk_level": case.risk_level,
    }


def _list_row(case: Case) -> dict[str, Any]:
    manager = case.case_manager
    return {
        **_row(case),
        "case_manager": (manager.display_name or manager.email) if manager else "",
        "next_due": getattr(case, "next_due", None),
    }


def _case_out(case: Case, user: User, opened: dict[str, Opened] | None = None) -> dict[str, Any]:
    if opened is None:
        opened = selectors.person_fields(case, user, selectors.SUMMARY_FIELDS)
    person = case.person
    return {
        **_row(case),
        "version": case.version,
        "person_version": person.version,
        "legal_basis": case.legal_basis,
        "closure_reason": case.closure_reason,
        "case_manager": case.case_manager_id,
        "caseworkers": sorted(case.caseworkers.values_list("pk", flat=True)),
        "exploitation_types": case.exploitation_types,
        "means_of_control": case.means_of_control,
        "gender": person.gender,
        "languages": person.languages,
        "information_language": person.information_language,
        "name": opened["name"].value if "name" in opened else None,
        "preferred_name": opened["preferred_name"].value if "preferred_name" in opened else None,
        "safe_contact": opened["safe_contact"].value if "safe_contact" in opened else None,
    }


def _person_values(values: PersonValues) -> dict[str, Any]:
    return values.dict(exclude_unset=True)


def _consent_out(consent: Consent) -> dict[str, Any]:
    return {
        "id": consent.pk,
        "purpose": consent.purpose,
        "recipient": consent.recipient,
        "status": consent.status,
        "given_on": consent.given_on,
        "expires_on": consent.expires_on,
        "language": consent.language,
        "explained_by": consent.explained_by_id,
        "interpreter": consent.interpreter,
        "information_sheet_version": consent.information_sheet_version,
        "withdrawn_at": consent.withdrawn_at,
        "inform": consent.inform,
    }


def _active_user(pk: int | None, field: str) -> User | None:
    if pk is None:
        return None
    found = User.objects.filter(pk=pk, is_active=True).first()
    if found is None:
        raise ValidationError({field: "No active account with this id."})
    return found


ERRORS: dict[int, Any] = {400: Error, 403: Error, 404: Error}


# -- endpoints ---------------------------------------------------------------------------------------------


@router.get("", response={200: CasePage, **ERRORS})
@answers
def list_cases(
    request: HttpRequest,
    status: str = "",
    stage: str = "",
    child: Literal["", "yes", "no"] = "",
    risk: Literal["", "high", "medium", "low", "none"] = "",
    mine: bool = False,
    page: int = Query(1, ge=1, le=MAX_PAGE, description=f"from 1 to {MAX_PAGE}"),
) -> Any:
    """Cases the caller may list, newest change first (pseudonymous: no identifying data), 50 a page.

    The same selector as the web list. `count` is bounded: it counts at most 500 cases past the start of
    the page (`count_capped` is then true), so a page costs the same whatever the number of cases. Page
    until `results` comes back empty.
    """
    _need(request, Perm.CASE_VIEW)
    found = selectors.case_list_page(
        _user(request),
        status=status,
        stage=stage,
        child=child,
        risk=risk,
        mine=mine,
        page=page,
        per_page=PAGE_SIZE,
        past_the_end="empty",
    )
    return {
        "count": found.counted,
        "count_capped": found.capped,
        "page": found.number,
        "results": [_list_row(c) for c in found.object_list],
    }


@router.post("/search", response={200: SearchOut, **ERRORS})
@answers
def search_cases(request: HttpRequest, payload: SearchIn) -> Any:
    """Find cases you may open: by a case code or its beginning (any role that opens cases), or by name,
    name and year of birth, or phone number (roles that may search by name; others get 403). Names are
    compared whatever their case, accents, spacing and order. Every search is audited (never the text).
    Nothing found is an empty `results`, the same for a case that does not exist and one you may not open.
    """
    _need(request, Perm.CASE_VIEW)
    try:
        found = services.case_search(actor=_user(request), text=payload.q)
    except selectors.SearchInputError:
        raise ValidationError(
            {"q": "Give a case code, a name (with the year of birth if known) or a phone number."}
        ) from None
    return {"kind": found.query.kind, "more": found.more, "results": [_list_row(c) for c in found.cases]}


@router.post("", response={201: CaseOut, 409: Error, **ERRORS})
@answers
def create_case(request: HttpRequest, payload: CaseCreateIn) -> Any:
    """Record a first contact; returns the new case.

    When a case you may open already has a person with the same name and date of birth, nothing is
    created: the answer is 409 with the code `possible_duplicate` and those cases' codes in `cases`.
    Check them; if none is the same person, send the request again with `"confirm_new_person": true`.
    (Only roles that may search by name are warned.)
    """
    _need(request, Perm.CASE_FIRST_CONTACT)
    user = _user(request)
    try:
        case = services.first_contact_create(
            actor=user,
            values=_person_values(payload.person),
            note=payload.note,
            hand_over=payload.hand_over,
            confirm_new_person=payload.confirm_new_person,
        )
    except services.PossibleDuplicate as exc:
        return error_response(
            request,
            409,
            "possible_duplicate",
            "A case you may open may already hold this person; check it, then confirm a new person.",
            {"cases": exc.codes},
        )
    return Status(201, {**_case_out(case, user), "name": None, "preferred_name": None, "safe_contact": None})


@router.get("/{code}", response={200: CaseOut, **ERRORS})
@answers
def get_case(request: HttpRequest, code: str) -> Any:
    """One case (audited read)."""
    _need(request, Perm.CASE_VIEW)
    user = _user(request)
    case = case_for_user(user, code)
    opened = selectors.person_fields(case, user, selectors.SUMMARY_FIELDS)
    # The name and safe contact it returns to roles that may see them are a read of the identity too.
    sections_read(user, case, selectors.sections_of(opened), already=("summary",))
    return _case_out(case, user, opened)


class PurposeIn(Schema):
    purpose: Literal["access_request", "correction", "erasure", "consent_sign_off", "breach_review"]
    reason: str = Field(..., max_length=1000)


class PurposeOut(Schema):
    case: str
    purpose: str
    expires_at: datetime


@router.post("/{code}/purpose", response={201: PurposeOut, **ERRORS})
@answers
def record_purpose(request: HttpRequest, code: str, payload: PurposeIn) -> Any:
    """The data protection officer records why they must open this case (break-glass); the case then opens
    to them, and only to them, for a few hours (`expires_at`). Without one, the DPO's reads of the case
    answer 404 like any case they may not open. The reason is sealed; the audit entry names the purpose."""
    user = _user(request)
    case = case_for_purpose(user, code)
    record = services.dpo_purpose_record(
        actor=user, case=case, purpose=payload.purpose, reason=payload.reason
    )
    return Status(201, {"case": case.code, "purpose": record.purpose, "expires_at": record.expires_at})


@router.get("/{code}/person", response={200: PersonOut, **ERRORS})
@answers
def get_person(request: HttpRequest, code: str) -> Any:
    """The person's values the caller's role may see (sensitive ones need their own permission).

    The read is audited once per section returned: identity, child (the guardian), and location, health
    and perpetrator context for roles that may see them.
    """
    _need(request, Perm.CASE_VIEW_IDENTIFYING)
    user = _user(request)
    sections = selectors.person_sections_for(user)
    case = case_for_user(user, code, section="identity", also=sections)
    fields = tuple(name for section in sections for name in selectors.PERSON_SECTIONS[section])
    opened = selectors.person_fields(case, user, fields)
    person = case.person
    values: dict[str, Any] = {name: o.value for name, o in opened.items()}
    values.update({name: getattr(person, name) for name in services.CODED_PERSON_FIELDS})
    return {
        "case": case.code,
        "version": person.version,
        "is_child": person.is_child,
        "erased": person.erased_at is not None,
        "values": values,
        "problems": {name: o.problem for name, o in opened.items() if o.problem},
    }


@router.put("/{code}/person", response={200: PersonOut, 409: Error, **ERRORS})
@answers
def update_person(request: HttpRequest, code: str, payload: PersonUpdateIn) -> Any:
    """Change the person's values; 409 when `version` is stale (someone saved since)."""
    _need(request, Perm.CASE_EDIT)
    _need(request, Perm.CASE_VIEW_IDENTIFYING)
    user = _user(request)
    case = case_for_user(user, code, section="identity")
    services.person_update(
        actor=user, case=case, expected_version=payload.version, values=_person_values(payload.values)
    )
    return get_person.__wrapped__(request, code)  # type: ignore[attr-defined]


@router.get("/{code}/consents", response={200: list[ConsentOut], **ERRORS})
@answers
def list_consents(request: HttpRequest, code: str) -> Any:
    """Every consent record of the case, newest first."""
    _need(request, Perm.CASE_VIEW)
    case = case_for_user(_user(request), code, section="consent")
    return [_consent_out(c) for c in selectors.consents_for(case)]


@router.post("/{code}/consents", response={201: ConsentOut, **ERRORS})
@answers
def record_consent(request: HttpRequest, code: str, payload: ConsentIn) -> Any:
    """Record consent given or refused, for one purpose (and one recipient for a referral)."""
    _need(request, Perm.CONSENT_RECORD)
    user = _user(request)
    case = case_for_user(user, code, section="consent")
    explained_by = _active_user(payload.explained_by, "explained_by")
    assert explained_by is not None
    consent = services.consent_record(
        actor=user,
        case=case,
        purpose=payload.purpose,
        status=payload.status,
        given_on=payload.given_on,
        language=payload.language,
        explained_by=explained_by,
        interpreter=payload.interpreter,
        information_sheet_version=payload.information_sheet_version,
        recipient=payload.recipient,
        expires_on=payload.expires_on,
    )
    return Status(201, _consent_out(consent))


@router.post("/{code}/consents/{consent_id}/withdraw", response={200: WithdrawOut, **ERRORS})
@answers
def withdraw_consent(request: HttpRequest, code: str, consent_id: int, payload: WithdrawIn) -> Any:
    """Withdraw a consent at once; returns the organisations to inform."""
    _need(request, Perm.CONSENT_RECORD)
    user = _user(request)
    case = case_for_user(user, code, section="consent")
    consent = Consent.objects.filter(case=case, pk=consent_id).first()
    if consent is None:
        raise Http404
    inform = services.consent_withdraw(
        actor=user,
        case=case,
        consent=consent,
        reason=payload.reason,
        confirm_no_pressure=payload.confirm_no_pressure,
    )
    return {"consent": consent.pk, "inform": inform}


@router.get("/{code}/notes", response={200: list[NoteOut], **ERRORS})
@answers
def list_notes(request: HttpRequest, code: str) -> Any:
    """Notes in the sections the caller may read, newest first."""
    _need(request, Perm.CASE_VIEW)
    user = _user(request)
    case = case_for_user(user, code, section="notes")
    notes = selectors.notes_for(case, user)
    # Health, perpetrator or location notes among them are reads of those sections too.
    sections_read(user, case, selectors.note_sections_of(notes), already=("notes",))
    return [
        {
            "id": n.note.pk,
            "section": n.note.section,
            "body": n.body.value,
            "author": n.note.author_id,
            "created_at": n.note.created_at,
        }
        for n in notes
    ]


@router.post("/{code}/notes", response={201: NoteOut, **ERRORS})
@answers
def add_note(request: HttpRequest, code: str, payload: NoteIn) -> Any:
    """Add a sealed note."""
    _need(request, Perm.CASE_EDIT)
    user = _user(request)
    case = case_for_user(user, code, section="notes")
    note = services.note_add(actor=user, case=case, section=payload.section, body=payload.body)
    return Status(
        201,
        {
            "id": note.pk,
            "section": note.section,
            "body": payload.body.strip(),
            "author": user.pk,
            "created_at": note.created_at,
        },
    )


@router.get("/{code}/tasks", response={200: list[TaskOut], **ERRORS})
@answers
def list_tasks(request: HttpRequest, code: str) -> Any:
    """The case's tasks, open ones first."""
    _need(request, Perm.CASE_VIEW)
    case = case_for_user(_user(request), code, section="tasks")
    return [
        {
            "id": t.task.pk,
            "kind": t.task.kind,
            "title": t.title.value,
            "due_on": t.task.due_on,
            "assignee": t.task.assignee_id,
            "done": t.task.done_at is not None,
            "overdue": t.overdue,
            "closed_reason": t.task.closed_reason,
        }
        for t in selectors.tasks_for(case)
    ]


@router.post("/{code}/tasks", response={201: TaskOut, **ERRORS})
@answers
def add_task(request: HttpRequest, code: str, payload: TaskIn) -> Any:
    """Add a task or follow-up date."""
    _need(request, Perm.CASE_EDIT)
    user = _user(request)
    case = case_for_user(user, code, section="tasks")
    task = services.task_add(
        actor=user,
        case=case,
        due_on=payload.due_on,
        kind=payload.kind,
        title=payload.title,
        assignee=_any_user(payload.assignee, "assignee"),
    )
    return Status(201, _task_out(task, payload.title))


def _any_user(pk: int | None, field: str) -> User | None:
    # Any account: the service says why one may not take the task (disabled, another team, …).
    if pk is None:
        return None
    found = User.objects.filter(pk=pk).first()
    if found is None:
        raise ValidationError({field: "No account with this id."})
    return found


def _task_out(task: Task, title: str | None) -> dict[str, Any]:
    return {
        "id": task.pk,
        "kind": task.kind,
        "title": title or None,
        "due_on": task.due_on,
        "assignee": task.assignee_id,
        "done": task.done_at is not None,
        "overdue": task.is_open and task.due_on < timezone.localdate(),
        "closed_reason": task.closed_reason,
    }


@router.post("/{code}/tasks/{task_id}/done", response={200: TaskOut, **ERRORS})
@answers
def finish_task(request: HttpRequest, code: str, task_id: int) -> Any:
    """Mark a task done."""
    _need(request, Perm.CASE_EDIT)
    user = _user(request)
    case = case_for_user(user, code, section="tasks")
    task = Task.objects.filter(case=case, pk=task_id).first()
    if task is None:
        raise Http404
    task = services.task_done(actor=user, case=case, task=task)
    return _task_out(task, None)


class TaskAssignIn(Schema):
    assignee: int | None = Field(None, description="Account id; null takes the task from whoever had it")


@router.post("/{code}/tasks/{task_id}/assign", response={200: TaskOut, **ERRORS})
@answers
def assign_task(request: HttpRequest, code: str, task_id: int, payload: TaskAssignIn) -> Any:
    """Give a task to someone who may open the case (error code `assignee_cannot_open_case` otherwise)."""
    _need(request, Perm.CASE_EDIT)
    user = _user(request)
    case = case_for_user(user, code, section="tasks")
    task = Task.objects.filter(case=case, pk=task_id).first()
    if task is None:
        raise Http404
    assignee = None
    if payload.assignee is not None:
        assignee = User.objects.filter(pk=payload.assignee).first()
        if assignee is None:
            raise ValidationError({"assignee": "No account with this id."})
    task = services.task_assign(actor=user, case=case, task=task, assignee=assignee)
    return _task_out(task, None)


@router.post("/{code}/tasks/{task_id}/undo", response={200: TaskOut, **ERRORS})
@answers
def undo_task(request: HttpRequest, code: str, task_id: int) -> Any:
    """Set a task marked done back to open, within a day (error code `undo_too_late` after that)."""
    _need(request, Perm.CASE_EDIT)
    user = _user(request)
    case = case_for_user(user, code, section="tasks")
    task = Task.objects.filter(case=case, pk=task_id).first()
    if task is None:
        raise Http404
    task = services.task_undo_done(actor=user, case=case, task=task)
    return _task_out(task, None)


class AssignIn(Schema):
    case_manager: int | None = Field(None, description="Account id of the new case manager")
    caseworkers: list[int] | None = Field(None, description="Account ids; replaces the caseworker list")


@router.post("/{code}/assign", response={200: CaseOut, **ERRORS})
@answers
def assign_case(request: HttpRequest, code: str, payload: AssignIn) -> Any:
    """Assign the case manager and/or the caseworkers (active people of the case's team only).

    A high-risk case goes only to people the high-risk rule allows (a valid security training): anyone else
    is refused with 400 and the code `high_risk_assignment`, the reason in `message`.
    """
    _need(request, Perm.CASE_ASSIGN)
    user = _user(request)
    case = case_for_user(user, code)
    manager = _active_user(payload.case_manager, "case_manager")
    workers = None
    if payload.caseworkers is not None:
        workers = [w for w in (_active_user(pk, "caseworkers") for pk in payload.caseworkers) if w]
    try:
        case = services.case_assign(actor=user, case=case, case_manager=manager, caseworkers=workers)
    except ValidationError as exc:
        errors = exc.error_dict if hasattr(exc, "error_dict") else {}
        refused = [e for each in errors.values() for e in each if e.code == services.HIGH_RISK_REFUSED]
        if refused:
            return error_response(request, 400, services.HIGH_RISK_REFUSED, " ".join(refused[0].messages))
        raise
    return _case_out(case, user)
