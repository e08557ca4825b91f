"""A controlled clock for the sign-in throttle: tests move time forward instead of sleeping."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from haven.accounts import services


class Clock:
    """The time `haven.accounts.services` goes by, frozen until a test advances it."""

    def __init__(self) -> None:
        self.now = timezone.now()

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    frozen = Clock()
    monkeypatch.setattr(services, "_now", frozen)
    return frozen
