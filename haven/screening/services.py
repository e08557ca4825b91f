"""Writes for screening: library versions and screenings. Each service is atomic and audited.

Audit entries carry the screening's uid, the library version and codes (kind, outcome, counts), never the
answers themselves.
"""

from __future__ import annotations

import copy
import functools
import json
from collections.abc import Callable, Mapping
from typing import Any, TypeVar, cast

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone

from haven.accounts.actions import authorize
from haven.accounts.models import User
from haven.audit.services import audit_record
from haven.screening.engine import evaluate, parse_request, result_to_json
from haven.screening.library import (
    DEFAULT_PATH,
    PERSON_LANGUAGES,
    Library,
    default_library,
    load_library,
)
from haven.screening.library_checks import library_problems
from haven.screening.models import LibraryDraft, LibraryVersion, Screening

MAX_CASE_CODE = 32


class ScreeningError(ValueError):
    """A screening action that cannot be done in the screening's current state; the message says why."""


def _request_data(screening: Screening, answers: Mapping[str, str]) -> dict[str, Any]:
    return {
        "age": screening.age,
        "age_in_doubt": screening.age_in_doubt,
        "list": screening.list_name or None,
        "answers": dict(answers),
    }


def library_bootstrap() -> LibraryVersion:
    """The active library version, which new screenings use.

    On first use the library bundled with Haven is stored as the active version. A bundled version that a
    newer Haven replaces is replaced in turn (screenings keep the version they used); a version edited by
    the Society stays active until the Society changes it.
    """
    found = LibraryVersion.objects.filter(is_active=True).first()
    if found is not None and not found.is_outdated_bundled():
        return found
    return _library_install_bundled()


@transaction.atomic
def _library_install_bundled() -> LibraryVersion:
    found = LibraryVersion.objects.select_for_update().filter(is_active=True).first()
    if found is not None and not found.is_outdated_bundled():
        return found
    content = json.loads(DEFAULT_PATH.read_text(encoding="utf-8"))
    library = load_library(content)
    if found is not None:
        found.is_active = False
        found.save(update_fields=["is_active"])
    existing = LibraryVersion.objects.filter(version=library.version).first()
    if existing is not None:
        # The bundled version was stored before and later deactivated: bring it back.
        existing.is_active = True
        existing.save(update_fields=["is_active"])
        return existing
    version = LibraryVersion(version=library.version, content=content, is_active=True)
    version.full_clean()
    try:
        with transaction.atomic():
            version.save()
    except IntegrityError:
        # Another request stored it first.
        return LibraryVersion.objects.get(is_active=True)
    audit_record(
        actor_id=None,
        action="screening.library_loaded",
        object_type="screening_library",
        object_id=version.version,
        detail={"indicators": len(library.indicators)},
    )
    return version


def _next_version() -> str:
    numbers = [int(v) for v in LibraryVersion.objects.values_list("version", flat=True) if v.isdigit()]
    bundled = default_library().version
    # Never the bundled version's own number: a later Haven may bring it.
    if bundled.isdigit():
        numbers.append(int(bundled))
    return str(max(numbers, default=0) + 1)


def check_usable(library: Library) -> None:
    """Raise ValueError naming the first problem that stops ``library`` from being activated."""
    problems = library_problems(library)
    if problems:
        raise ValueError(problems[0])


def _library_version_store(*, content: Mapping[str, Any], author: User, approver: User) -> LibraryVersion:
    """Store checked content as the new active version; the previous versions stay for past screenings."""
    data = copy.deepcopy(dict(content))
    data["version"] = _next_version()
    library = load_library(data)
    LibraryVersion.objects.select_for_update().filter(is_active=True).update(is_active=False)
    version = LibraryVersion(
        version=library.version, content=data, created_by=author, approved_by=approver, is_active=True
    )
    version.full_clean()
    version.save()
    return version


# ------------------------------------------------------------------------------------------ library drafts

# What an indicator edit may change. Ids, groups, elements and signals stay: the engine and past screenings
# rely on them.
INDICATOR_TEXTS = ("text", "interpreter", "child_text")


class LibraryRefused(ScreeningError):
    """A library action refused by a rule; ``code`` names the rule in the audit trail."""

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.code = code


_Action = TypeVar("_Action", bound=Callable[..., Any])


def _refusals_audited(action: str) -> Callable[[_Action], _Action]:
    """Write an audit entry for every refusal of a library action, after its transaction rolled back."""

    def decorator(function: _Action) -> _Action:
        @functools.wraps(function)
        def wrapper(*, actor: User, **kwargs: Any) -> Any:
            try:
                return function(actor=actor, **kwargs)
            except (PermissionDenied, LibraryRefused) as exc:
                draft = kwargs.get("draft")
                audit_record(
                    actor_id=actor.pk,
                    action="screening.library_refused",
                    object_type="screening_library_draft",
                    object_id=str(draft.uid) if isinstance(draft, LibraryDraft) else "",
                    detail={"action": action, "reason": getattr(exc, "code", "permission")},
                )
                raise

        return cast(_Action, wrapper)

    return decorator


@_refusals_audited("create")
@transaction.atomic
def library_draft_create(*, actor: User) -> LibraryDraft:
    """Start a draft from the active version. Needs the library edit permission."""
    authorize(actor, "screening.library_draft")
    base = library_bootstrap()
    content = {key: value for key, value in base.content.items() if key != "version"}
    draft = LibraryDraft(base=base, content=content, created_by=actor, editor_ids=[actor.pk])
    draft.full_clean()
    draft.save()
    audit_record(
        actor_id=actor.pk,
        action="screening.library_draft_created",
        object_type="screening_library_draft",
        object_id=str(draft.uid),
        detail={"base_version": base.version},
    )
    return draft


def _open_draft(draft: LibraryDraft) -> LibraryDraft:
    draft = LibraryDraft.objects.select_for_update().select_related("base").get(pk=draft.pk)
    if draft.status != LibraryDraft.Status.DRAFT:
        raise LibraryRefused("this draft was already approved or withdrawn; start a new draft", "not_a_draft")
    return draft


@_refusals_audited("edit")
@transaction.atomic
def library_draft_update_indicator(
    *, actor: User, draft: LibraryDraft, indicator_id: str, changes: Mapping[str, Any]
) -> LibraryDraft:
    """Change one indicator of a draft: its texts (``text``, ``interpreter``, ``child_text``, each
    {"en", "fr"}; ``child_text`` may be None), ``grades`` (list name -> grade; a list left out does not
    grade it), ``quick``.

    Raises ValueError naming the problem when the changed library would not be valid, ScreeningError for a
    draft that is no longer open.
    """
    authorize(actor, "screening.library_draft")
    draft = _open_draft(draft)
    unknown = sorted(set(changes) - {*INDICATOR_TEXTS, "grades", "quick"})
    if unknown:
        raise ValueError(f"these fields cannot be changed: {', '.join(unknown)}")
    content = copy.deepcopy(draft.content)
    found = next((raw for raw in content["indicators"] if raw.get("id") == indicator_id), None)
    if found is None:
        raise ValueError(f"no indicator {indicator_id!r} in this draft")
    for key, value in changes.items():
        if key == "child_text" and value is None:
            found.pop("child_text", None)
        else:
            found[key] = value
    load_library({**content, "version": "draft"})  # ValueError naming the problem
    draft.content = content
    draft.updated_at = timezone.now()
    if actor.pk not in draft.editor_ids:
        draft.editor_ids = [*draft.editor_ids, actor.pk]
    draft.full_clean()
    draft.save()
    audit_record(
        actor_id=actor.pk,
        action="screening.library_draft_changed",
        object_type="screening_library_draft",
        object_id=str(draft.uid),
        detail={"indicator": indicator_id[:64], "fields": sorted(changes)},
    )
    return draft


def library_draft_problems(draft: LibraryDraft) -> list[str]:
    """What stops the draft from being activated (wording, reachability, shape); empty when nothing does."""
    try:
        library = draft.library()
    except ValueError as exc:
        return [str(exc)]
    return library_problems(library)


def library_draft_changes(draft: LibraryDraft) -> list[str]:
    """The ids of the indicators the draft changes, compared with the version it started from."""
    before = {raw["id"]: raw for raw in draft.base.content["indicators"]}
    return [raw["id"] for raw in draft.content["indicators"] if before.get(raw["id"]) != raw]


@_refusals_audited("approve")
@transaction.atomic
def library_draft_approve(*, actor: User, draft: LibraryDraft) -> LibraryVersion:
    """Approve a draft and activate it as the next library version: a second person's decision.

    Needs the approval permission, and the approver must not have created or changed the draft. Every check
    of ``library_problems`` must pass. Screenings keep the version they started with. Refusals are audited.
    """
    authorize(actor, "screening.library_approve")
    draft = _open_draft(draft)
    if actor.pk == draft.created_by_id or actor.pk in draft.editor_ids:
        raise LibraryRefused(
            "a second person must approve this draft: you created or changed it", "own_draft"
        )
    problems = library_draft_problems(draft)
    if problems:
        raise LibraryRefused("the draft does not pass its checks: " + "; ".join(problems), "checks_failed")
    version = _library_version_store(content=draft.content, author=draft.created_by, approver=actor)
    draft.status = LibraryDraft.Status.APPROVED
    draft.version = version
    draft.updated_at = timezone.now()
    draft.save(update_fields=["status", "version", "updated_at"])
    audit_record(
        actor_id=actor.pk,
        action="screening.library_version_created",
        object_type="screening_library",
        object_id=version.version,
        detail={"draft": str(draft.uid), "changed": len(library_draft_changes(draft))},
    )
    return version


@_refusals_audited("withdraw")
@transaction.atomic
def library_draft_withdraw(*, actor: User, draft: LibraryDraft) -> LibraryDraft:
    """Withdraw a draft that will not be approved (its author, or anyone who may approve)."""
    if actor.pk != draft.created_by_id:
        authorize(actor, "screening.library_approve")
    draft = _open_draft(draft)
    draft.status = LibraryDraft.Status.WITHDRAWN
    draft.updated_at = timezone.now()
    draft.save(update_fields=["status", "updated_at"])
    audit_record(
        actor_id=actor.pk,
        action="screening.library_draft_withdrawn",
        object_type="screening_library_draft",
        object_id=str(draft.uid),
        detail={},
    )
    return draft


@transaction.atomic
def screening_start(
    *,
    actor: User,
    kind: str,
    age: int | None,
    age_in_doubt: bool,
    information_language: str,
    list_name: str | None = None,
) -> Screening:
    """Start an anonymous screening on the active library version, once the person has had the information.

    ``information_language`` is the language the information for the person was given in (what this is,
    that every answer is voluntary, what is kept, that nothing goes to police or courts): no question comes
    before it. Raises ScreeningInputError on bad input (AgeRequired without an age answer), ScreeningError
    without the information or with an unknown kind.
    """
    authorize(actor, "screening.run")
    if kind not in Screening.Kind.values:
        raise ScreeningError(f"kind must be one of {', '.join(Screening.Kind.values)}, got {kind!r}")
    if information_language not in PERSON_LANGUAGES:
        raise ScreeningError(
            "give the person the information first, in a language they understand"
            f" ({', '.join(PERSON_LANGUAGES)}), and record which"
        )
    version = library_bootstrap()
    screening = Screening(
        kind=kind,
        library_version=version,
        age=age,
        age_in_doubt=age_in_doubt,
        information_language=information_language,
        list_name=list_name or "",
        created_by=actor,
    )
    parse_request(version.library(), _request_data(screening, {}))
    screening.full_clean()
    screening.save()
    audit_record(
        actor_id=actor.pk,
        action="screening.started",
        object_type="screening",
        object_id=str(screening.uid),
        detail={
            "kind": kind,
            "library_version": version.version,
            "information_language": information_language,
        },
    )
    return screening


@transaction.atomic
def screening_discard(*, actor: User, screening: Screening) -> None:
    """Discard a screening still in progress, with its answers; a complete one stays (it may be handed over).

    Only the person who started it may discard it; raises ScreeningError for a complete screening.
    """
    authorize(actor, "screening.run")
    screening = _locked(screening)
    if screening.created_by_id != actor.pk:
        raise PermissionDenied
    if screening.is_complete:
        raise ScreeningError("a complete screening cannot be discarded")
    uid = str(screening.uid)
    screening.delete()
    audit_record(
        actor_id=actor.pk,
        action="screening.discarded",
        object_type="screening",
        object_id=uid,
        detail={"kind": screening.kind},
    )


def _locked(screening: Screening) -> Screening:
    # Only the screening row: every screening joins the one active library version, and locking that
    # shared row too (FOR UPDATE without OF) queued every screening behind it and deadlocked with the
    # foreign-key checks of concurrent commits on PostgreSQL (bench/load_bench.py found it).
    return (
        Screening.objects.select_for_update(of=("self",))
        .select_related("library_version")
        .get(pk=screening.pk)
    )


@transaction.atomic
def screening_answer(
    *, actor: User, screening: Screening, answers: Mapping[str, str], section: str = ""
) -> Screening:
    """Add or change answers (indicator id -> yes / no / unknown / declined) of an unfinished screening.

    Questions absent from ``answers`` keep their earlier answer, so a full screening can be continued over
    several conversations. Raises ScreeningInputError for an unknown id or value, ScreeningError when the
    screening is already complete.
    """
    authorize(actor, "screening.run")
    screening = _locked(screening)
    if screening.created_by_id != actor.pk:
        raise PermissionDenied
    if screening.is_complete:
        raise ScreeningError("this screening is complete; start a new one to ask again")
    merged = {**screening.answers, **answers}
    parse_request(screening.library(), _request_data(screening, merged))
    screening.answers = merged
    screening.updated_at = timezone.now()
    screening.full_clean()
    screening.save()
    audit_record(
        actor_id=actor.pk,
        action="screening.answered",
        object_type="screening",
        object_id=str(screening.uid),
        detail={"section": section[:64], "answers": len(answers), "total": len(merged)},
    )
    return screening


@transaction.atomic
def screening_complete(*, actor: User, screening: Screening) -> Screening:
    """Run the decision engine on the answers, with the screening's own library version; store the result."""
    authorize(actor, "screening.run")
    screening = _locked(screening)
    if screening.created_by_id != actor.pk:
        raise PermissionDenied
    if screening.is_complete:
        raise ScreeningError("this screening is already complete")
    library = screening.library()
    result = evaluate(library, parse_request(library, _request_data(screening, screening.answers)))
    now = timezone.now()
    screening.result = result_to_json(result)
    screening.outcome = result.outcome.value
    screening.confidence = result.confidence.value
    screening.status = Screening.Status.COMPLETE
    screening.completed_at = now
    screening.updated_at = now
    screening.full_clean()
    screening.save()
    audit_record(
        actor_id=actor.pk,
        action="screening.completed",
        object_type="screening",
        object_id=str(screening.uid),
        detail={
            "outcome": result.outcome.value,
            "confidence": result.confidence.value,
            "library_version": library.version,
        },
    )
    return screening


@transaction.atomic
def screening_link_to_case(
    *, actor: User, screening: Screening, case_code: str, consent_confirmed: bool
) -> Screening:
    """Link an anonymous screening to a case, which needs the person's recorded consent.

    The cases app calls this once consent is recorded; the caller checks that ``actor`` may change the case.
    Raises ScreeningError without consent, with a bad case code, or when already linked to another case.
    """
    if consent_confirmed is not True:
        raise ScreeningError("linking a screening to a case needs the person's recorded consent")
    code = case_code.strip() if isinstance(case_code, str) else ""
    if not code or len(code) > MAX_CASE_CODE or not code.replace("-", "").isalnum():
        raise ScreeningError("case code must be letters, digits and dashes, at most 32 characters")
    screening = _locked(screening)
    if screening.case_code and screening.case_code != code:
        raise ScreeningError("this screening is already linked to another case")
    screening.case_code = code
    screening.linked_with_consent = True
    screening.linked_at = timezone.now()
    screening.full_clean()
    screening.save()
    audit_record(
        actor_id=actor.pk,
        action="screening.linked_to_case",
        object_type="screening",
        object_id=str(screening.uid),
        detail={"case": code},
    )
    return screening


@transaction.atomic
def screening_evaluate(*, actor: User | None, data: object, via: str = "api") -> dict[str, Any]:
    """Evaluate a screening input (the CLI / API shape) on the current library without storing it.

    Returns the result JSON; raises ScreeningInputError naming the problem. Audited with the outcome only,
    on every channel (``actor`` None: the operator's command line).
    """
    authorize(actor, "screening.run")
    from haven.screening.selectors import current_library

    library = current_library()
    result = evaluate(library, parse_request(library, data))
    audit_record(
        actor_id=actor.pk if actor is not None else None,
        action="screening.evaluated",
        object_type="screening",
        object_id="",
        detail={"via": via[:16], "outcome": result.outcome.value, "library_version": library.version},
    )
    return result_to_json(result)
