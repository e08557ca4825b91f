"""Fixtures for the evidence tests: a real key store, and cases made through the cases services."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from haven.accounts.models import User
from haven.accounts.permissions import Role
from haven.cases import services as case_services
from haven.cases.models import Case

# Present only on cases whose consent does not cover statistics: it must never show in any output.
MARKER_COUNTRY = "TV"


@pytest.fixture
def manager(make_user: Callable[..., User]) -> User:
    return make_user(Role.CASE_MANAGER, "North", "alice@example.test")


@pytest.fixture
def dpo(make_user: Callable[..., User]) -> User:
    return make_user(Role.DPO, "North")


@pytest.fixture
def programme_manager(make_user: Callable[..., User]) -> User:
    return make_user(Role.PROGRAMME_MANAGER, "North")


CaseMaker = Callable[..., Case]


@pytest.fixture
def make_stats_case(manager: User) -> CaseMaker:
    """make_stats_case(statistics="given"|"refused"|"withdrawn"|"expired"|None, **person values) -> Case.

    Only coded values are given (plus the obviously fake name every first contact needs).
    """
    counter = {"n": 0}

    def make(
        statistics: str | None = "given",
        *,
        exploitation: list[str] | None = None,
        means: list[str] | None = None,
        exploitation_country: str | None = None,
        **values: Any,
    ) -> Case:
        counter["n"] += 1
        person: dict[str, Any] = {
            "name": f"Test Person {counter['n']:04d}",
            "gender": "Feminine",
            "citizenship": ["RO"],
            "stated_age": 30,
            "age_method": "statement",
            "age_established_adult": True,
        }
        person.update(values)
        case = case_services.first_contact_create(actor=manager, values=person)
        if exploitation or means:
            case = case_services.case_events_set(
                actor=manager, case=case, exploitation_types=exploitation or [], means_of_control=means or []
            )
        if exploitation_country:
            case_services.historic_event_add(
                actor=manager, case=case, type="Exploitation", country=exploitation_country, on=None,
                precision="unknown",
            )  # fmt: skip
        if statistics is not None:
            today = timezone.localdate()
            status = "given" if statistics in ("given", "withdrawn", "expired") else statistics
            consent = case_services.consent_record(
                actor=manager,
                case=case,
                purpose="statistics",
                status=status,
                given_on=today - timedelta(days=30),
                expires_on=today - timedelta(days=1) if statistics == "expired" else None,
                language="en",
                explained_by=manager,
                interpreter=False,
                information_sheet_version="test-1",
            )
            if statistics == "withdrawn":
                case_services.consent_withdraw(
                    actor=manager, case=case, consent=consent, reason="changed_mind", confirm_no_pressure=True
                )
        return case

    return make
