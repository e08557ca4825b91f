"""Reads for screening: the library in use, one's own screenings, and the questions of a screening."""

from __future__ import annotations

import uuid

from django.db import DatabaseError
from django.db.models import QuerySet
from django.http import Http404

from haven.accounts.models import User
from haven.accounts.refusals import AccessNotFound
from haven.screening.engine import quick_questions_for
from haven.screening.library import CONTEXT_GROUPS, ILO_GROUPS, Indicator, Library, default_library
from haven.screening.models import LibraryDraft, LibraryVersion, Screening

# Full screening: one page per group, safety first, the journey questions, then what the worker observed.
OBSERVED = "observed"
SECTION_ORDER: tuple[str, ...] = (CONTEXT_GROUPS[0], *ILO_GROUPS, CONTEXT_GROUPS[1], OBSERVED)


def current_library() -> Library:
    """The library new evaluations use: the active stored version, else the bundled one. Never writes.

    Falls back to the bundled library when the database is not reachable or not migrated, so that the
    command-line tools answer with nothing more than the repository.
    """
    try:
        found = LibraryVersion.objects.filter(is_active=True).first()
    except DatabaseError:
        return default_library()
    if found is None or found.is_outdated_bundled():
        return default_library()
    return found.library()


def library_versions() -> QuerySet[LibraryVersion]:
    """Every stored version, newest first."""
    return LibraryVersion.objects.select_related("created_by").order_by("-created_at", "-pk")


def library_drafts() -> QuerySet[LibraryDraft]:
    """Every library draft, open ones first, newest first."""
    return LibraryDraft.objects.select_related("base", "created_by", "version").order_by(
        "status", "-updated_at"
    )


def library_draft(uid: uuid.UUID | str) -> LibraryDraft:
    """One draft by uid (only roles that may edit or approve the library reach the pages); Http404 if none."""
    found = LibraryDraft.objects.select_related("base", "created_by").filter(uid=uid).first()
    if found is None:
        raise Http404
    return found


def screenings_in_progress(user: User) -> QuerySet[Screening]:
    """The user's own screenings still in progress, most recently touched first."""
    return Screening.objects.filter(created_by=user, status=Screening.Status.IN_PROGRESS).order_by(
        "-updated_at", "-pk"
    )


def recent_completed(user: User, limit: int = 10) -> QuerySet[Screening]:
    """The user's own most recent completed screenings."""
    return Screening.objects.filter(created_by=user, status=Screening.Status.COMPLETE).order_by(
        "-completed_at", "-pk"
    )[:limit]


def screening_for_user(user: User, uid: uuid.UUID | str) -> Screening:
    """The screening with this uid if ``user`` ran it; Http404 for both missing and someone else's."""
    found = (
        Screening.objects.select_related("library_version").filter(uid=uid, created_by=user).first()
        if user.is_authenticated
        else None
    )
    if found is None:
        # Audited where the request ends, like every access refusal; names no screening.
        raise AccessNotFound("screening.own")
    return found


def quick_questions(library: Library, child: bool) -> tuple[Indicator, ...]:
    """The quick-screening questions for an adult or a child, safety questions first, then library order."""
    quick = quick_questions_for(library, child)
    return tuple(sorted(quick, key=lambda ind: 0 if ind.group == CONTEXT_GROUPS[0] else 1))


def observed_signs(library: Library, child: bool) -> tuple[Indicator, ...]:
    """What the worker may have noticed (not questions to the person), for an adult or a child."""
    age = "child" if child else "adult"
    return tuple(ind for ind in library.indicators if ind.observed and age in ind.ages)


def sections(library: Library, child: bool) -> tuple[str, ...]:
    """The sections of the full screening that have questions for this person, in page order."""
    return tuple(group for group in SECTION_ORDER if section_questions(library, group, child))


def section_questions(library: Library, group: str, child: bool) -> tuple[Indicator, ...]:
    """The questions of one section of the full screening for an adult or a child, in library order."""
    if group == OBSERVED:
        return observed_signs(library, child)
    age = "child" if child else "adult"
    return tuple(
        ind for ind in library.indicators if ind.group == group and not ind.observed and age in ind.ages
    )
