"""Fixtures for the follow-up tests: the case fixtures of the cases tests, and a clock that stands still."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from haven.accounts.models import User
from haven.accounts.permissions import Role
from tests.cases.conftest import make_case  # noqa: F401 (a fixture, used by name)


class Clock:
    """A frozen `timezone.now()` that the test moves by hand."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    frozen = Clock(timezone.now().replace(microsecond=0))
    now: Callable[[], datetime] = lambda: frozen.now  # noqa: E731
    monkeypatch.setattr(timezone, "now", now)
    return frozen


@pytest.fixture
def dpo(make_user: Callable[..., User]) -> User:
    return make_user(Role.DPO, None, "dpo@example.test")
