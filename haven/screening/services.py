"""Writes for screening: library versions and screenings. Each service is atomic and audited.

Audit entries carry the screening's uid, the library version and codes (kind, outcome, counts), never the
answers themselves.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone

from haven.accounts.models import User
from haven.audit.services import audit_record
from haven.screening.engine import Outcome, evaluate, parse_request, result_to_json
from haven.screening.library import DEFAULT_PATH, LANGUAGES, Library, default_library, load_library
from haven.screening.models import LibraryVersion, Screening
from haven.screening.quick_table import outcome_of, quick_ids

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
    """Raise ValueError unless the library can screen both adults and children and has a quick screening."""
    if not any(name.startswith("adult-") for name in library.lists):
        raise ValueError("the library needs at least one adult list (adult-...)")
    if not any(name.startswith("child-") for name in library.lists):
        raise ValueError("the library needs at least one child list (child-...)")
    if not library.quick():
        raise ValueError("the library needs at least one quick-screening question (quick: true)")
    if not any(ind.signal == "immediate_danger" for ind in library.indicators):
        raise ValueError("the library needs a safety question with the signal immediate_danger")
    # The engine is monotone, so yes to every quick question but the danger one is the most they can show.
    for who, needed in (("adult", Outcome.STRONG_SIGNS), ("child", Outcome.CHILD_SAFEGUARDING)):
        danger = {ind.id for ind in library.with_signal("immediate_danger")}
        asked = [i for i in quick_ids(library, who) if i not in danger]
        if outcome_of(library, who, asked, asked).rank < needed.rank:
            person = "an adult" if who == "adult" else "a child"
            raise ValueError(
                f"the quick screening can no longer reach {needed.value} for {person}:"
                " it needs questions that show recruitment, exploitation and coercion"
            )


@transaction.atomic
def library_version_create(*, actor: User, content: Mapping[str, Any]) -> LibraryVersion:
    """Store an edited library as a new active version; the previous versions stay for past screenings.

    The version number is assigned here (the highest number so far plus one), whatever ``content`` says.
    Raises ValueError naming the problem when the library is not valid.
    """
    from haven.accounts.permissions import Perm

    if not actor.has(Perm.SCREENING_LIBRARY_EDIT):
        raise PermissionDenied
    data = copy.deepcopy(dict(content))
    data["version"] = _next_version()
    library = load_library(data)
    check_usable(library)
    LibraryVersion.objects.select_for_update().filter(is_active=True).update(is_active=False)
    version = LibraryVersion(version=library.version, content=data, created_by=actor, is_active=True)
    version.full_clean()
    version.save()
    audit_record(
        actor_id=actor.pk,
        action="screening.library_version_created",
        object_type="screening_library",
        object_id=version.version,
        detail={"indicators": len(library.indicators)},
    )
    return version


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
    if kind not in Screening.Kind.values:
        raise ScreeningError(f"kind must be one of {', '.join(Screening.Kind.values)}, got {kind!r}")
    if information_language not in LANGUAGES:
        raise ScreeningError(
            "give the person the information first, in a language they understand"
            f" ({', '.join(LANGUAGES)}), and record which"
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
    return Screening.objects.select_for_update().select_related("library_version").get(pk=screening.pk)


@transaction.atomic
def screening_answer(
    *, actor: User, screening: Screening, answers: Mapping[str, str], section: str = ""
) -> Screening:
    """Add or change answers (indicator id -> yes / no / unknown / declined) of an unfinished screening.

    Questions absent from ``answers`` keep their earlier answer, so a full screening can be continued over
    several conversations. Raises ScreeningInputError for an unknown id or value, ScreeningError when the
    screening is already complete.
    """
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
def screening_evaluate(*, actor: User, data: object, via: str = "api") -> dict[str, Any]:
    """Evaluate a screening input (the CLI / API shape) on the current library without storing it.

    Returns the result JSON; raises ScreeningInputError naming the problem. Audited with the outcome only.
    """
    from haven.screening.selectors import current_library

    library = current_library()
    result = evaluate(library, parse_request(library, data))
    audit_record(
        actor_id=actor.pk,
        action="screening.evaluated",
        object_type="screening",
        object_id="",
        detail={"via": via[:16], "outcome": result.outcome.value, "library_version": library.version},
    )
    return result_to_json(result)
