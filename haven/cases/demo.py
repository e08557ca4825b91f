"""Synthetic cases for the demo organisation, made through Haven's own services: every page and the
evidence dashboard have something to show. Synthetic only: names are made of neutral syllables (no real
person's), codes random. `haven.demo` adds the rest of a case's life (assessments, referrals, closure).

    haven demo --cases N --seed S [--if-empty]
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from haven.accounts.models import Organisation, User
from haven.accounts.permissions import Role
from haven.cases import services as cases
from haven.cases import vocab
from haven.cases.models import Case
from haven.screening import services as screening
from haven.screening.library import default_library

GENDERS = ("Feminine", "Masculine", "NonSpecifiedUnknown")
CITIZENSHIPS = ("RO", "NG", "VN", "UA", "AL", "SY", "ER", "BG", "MD", "PH")
LANGUAGES = {"RO": "ro", "NG": "en", "VN": "vi", "UA": "uk", "AL": "sq", "SY": "ar", "ER": "ti"}
# Names are built from these syllables: plausible to read, belonging to no one.
GIVEN = ("la", "mi", "ro", "sa", "ne", "ta", "vi", "do", "ka", "le", "mo", "ri", "na", "te", "zu", "ai")
FAMILY = ("bor", "ven", "sal", "tik", "mar", "dun", "pel", "rov", "lan", "kes", "mir", "tan", "dol", "ser")


def demo_name(rng: random.Random) -> str:
    """A synthetic "Given Family" name of neutral syllables."""
    given = "".join(rng.choice(GIVEN) for _ in range(2)).capitalize()
    family = "".join(rng.choice(FAMILY) for _ in range(2)).capitalize()
    return f"{given} {family}"


NOTES = (
    "Met at the reception centre; prefers to talk in the morning.",
    "Asked for information on health care; given the leaflet in their language.",
    "Follow-up call done; no new concerns raised.",
)


def _demo_staff() -> dict[str, User]:
    organisation = Organisation.objects.filter(is_demo=True).first()
    if organisation is None:
        raise ValueError("there is no demo organisation: run haven init --demo first")
    staff = User.objects.filter(team__organisation=organisation, is_active=True)
    found = {user.role: user for user in staff.order_by("pk")}
    missing = {Role.VOLUNTEER.value, Role.CASE_MANAGER.value} - set(found)
    if missing:
        raise ValueError(f"the demo organisation has no {', '.join(sorted(missing))} account")
    return found


def demo_cases_create(count: int, seed: int, progress: Callable[[int, int], None] | None = None) -> int:
    """Make ``count`` synthetic cases (and screenings, hand-overs, consents, notes, tasks); returns how many.

    The same seed gives the same mix. Every write goes through the services, with the demo accounts as
    actors, so the audit trail and the encryption are the real ones.
    """
    if count < 0:
        raise ValueError("the number of cases cannot be negative")
    staff = _demo_staff()
    volunteer, manager = staff[Role.VOLUNTEER.value], staff[Role.CASE_MANAGER.value]
    caseworker = staff.get(Role.CASEWORKER.value)
    rng = random.Random(seed)  # noqa: S311 - a reproducible mix of synthetic data, not a secret
    library = default_library()
    quick = [ind.id for ind in library.quick() if not ind.observed]
    exploitation = sorted(vocab.codes(vocab.EXPLOITATION_TYPES))
    means = sorted(vocab.codes(vocab.MEANS_OF_CONTROL))
    start = Case.objects.count()
    # One transaction for the whole demo (each service's own becomes a savepoint): one commit, not hundreds.
    with transaction.atomic():
        _make(count, rng, volunteer, manager, caseworker, quick, exploitation, means, progress)
    return Case.objects.count() - start


def _make(
    count: int,
    rng: random.Random,
    volunteer: User,
    manager: User,
    caseworker: User | None,
    quick: list[str],
    exploitation: list[str],
    means: list[str],
    progress: Callable[[int, int], None] | None,
) -> None:
    for number in range(1, count + 1):
        _one(rng, volunteer, manager, caseworker, quick, exploitation, means)
        if progress is not None:
            progress(number, count)


def _one(
    rng: random.Random,
    volunteer: User,
    manager: User,
    caseworker: User | None,
    quick: list[str],
    exploitation: list[str],
    means: list[str],
) -> None:
    citizenship = rng.choice(CITIZENSHIPS)
    age = rng.choice((14, 16, 17, 19, 22, 25, 29, 34, 41, 52))
    doubt = age < 18 or rng.random() < 0.1
    run = screening.screening_start(
        actor=volunteer, kind="quick", age=age, age_in_doubt=doubt, information_language="en"
    )
    # Most people screened show a few signs; some show none (their screening ends there).
    likelihood = rng.choice((0.02, 0.15, 0.3, 0.3))
    answers = {
        qid: ("yes" if rng.random() < likelihood else "no") for qid in quick if qid != "sa.immediate_danger"
    }
    answers["sa.immediate_danger"] = "yes" if rng.random() < 0.03 else "no"
    screening.screening_answer(actor=volunteer, screening=run, answers=answers)
    run = screening.screening_complete(actor=volunteer, screening=run)
    if run.outcome == "no_signs_noted":
        return
    child = run.treated_as_child
    case = cases.handover_from_screening(
        actor=volunteer,
        screening=run,
        values={
            "name": demo_name(rng),
            "gender": rng.choice(GENDERS),
            "citizenship": [citizenship],
            "languages": [LANGUAGES.get(citizenship, "en")],
        },
        basis="child_protection" if child else "consent",
        reason="A child, or age in doubt: protection in the child's best interests." if child else "",
        note=rng.choice(NOTES),
        confirm_new_person=True,
    )
    if rng.random() < 0.2:
        return  # still waiting for the contact person
    case = cases.case_open(actor=manager, case=case)
    if caseworker is not None and rng.random() < 0.5:
        case = cases.case_assign(actor=manager, case=case, caseworkers=[caseworker])
    cases.case_events_set(
        actor=manager,
        case=case,
        exploitation_types=rng.sample(exploitation, k=rng.randint(1, 2)),
        means_of_control=rng.sample(means, k=rng.randint(1, 3)),
    )
    if not child and rng.random() < 0.8:
        cases.consent_record(
            actor=manager,
            case=case,
            purpose="statistics",
            status="given",
            given_on=timezone.localdate() - timedelta(days=rng.randint(1, 300)),
            language="en",
            explained_by=manager,
            interpreter=rng.random() < 0.4,
            information_sheet_version="demo-1",
        )
    cases.note_add(actor=manager, case=case, section="general", body=rng.choice(NOTES))
    cases.task_add(
        actor=manager,
        case=case,
        due_on=timezone.localdate() + timedelta(days=rng.randint(-5, 30)),
        kind=rng.choice(sorted(code for code in vocab.codes(vocab.TASK_KINDS) if code)),
    )
