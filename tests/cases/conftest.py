"""Fixtures for the case tests: a real key store in the test data dir, and cases in North and South."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from haven.accounts.models import Team, User
from haven.cases import services
from haven.cases.models import Case

ADULT = {
    "name": "Test Person Alpha",
    "date_of_birth": "1990-04-01",
    "age_method": "document",
    "age_established_adult": True,
    "gender": "Feminine",
    "languages": ["ro", "en"],
    "information_language": "en",
    "citizenship": ["RO"],
    "safe_contact": "Only by phone; never leave a message",
}


@pytest.fixture
def make_case() -> Callable[..., Case]:
    """make_case(actor, team=None, **person values) -> a case at stage first contact, opened by default."""

    def make(actor: User, team: Team | None = None, *, open_case: bool = True, **values: Any) -> Case:
        person = dict(ADULT, **values)
        # A new person on purpose, even when the same synthetic name and birth date are already on record.
        case = services.first_contact_create(actor=actor, values=person, team=team, confirm_new_person=True)
        if open_case and actor.has(services.Perm.CASE_ASSIGN):
            case = services.case_open(actor=actor, case=case)
        return case

    return make
