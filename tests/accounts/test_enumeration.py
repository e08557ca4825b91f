"""Nothing in the answer to a sign-in attempt, nor in its timing, tells whether an account has the address:
not a wrong password, not an unknown address, not an attempt refused during a throttle's wait.

Timings use the suite's password hasher (Argon2id with small parameters, haven/accounts/hashers.py): the
hash is a smaller share of a request than in production, so a path that skipped it or did other work would
stand out more here, not less. Medians over interleaved attempts keep other processes' noise out.
"""

from __future__ import annotations

import re
import statistics
import time
from collections.abc import Callable

import pytest
from django.http import HttpResponse
from django.test import Client

from haven.accounts.models import User
from tests.accounts.conftest import Clock

TRIES = 50
WRONG = "this is not the password"
UNKNOWN = "nobody@example.test"


def attempt(email: str, address: str) -> tuple[float, HttpResponse]:
    client = Client()
    started = time.perf_counter()
    response = client.post("/accounts/login/", {"email": email, "password": WRONG}, REMOTE_ADDR=address)
    return time.perf_counter() - started, response


def answer(response: HttpResponse, email: str) -> tuple[int, str]:
    """The status and the page, less what differs by design: the address typed and the CSRF token."""
    html = response.content.decode().replace(email, "")
    return response.status_code, re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", html)


def relative_gap(first: list[float], second: list[float]) -> float:
    """How far apart the two sides are: the median of the ratios of attempts made one after the other.

    Pairs share whatever else the machine was doing at that moment, so another process's burst slows both
    sides of a pair instead of one side's median."""
    ratio = statistics.median(a / b for a, b in zip(first, second, strict=True))
    return abs(ratio - 1) / min(ratio, 1)


def median_ms(times: list[float]) -> float:
    return round(statistics.median(times) * 1000, 2)


def warm_up() -> None:
    for _ in range(3):
        attempt("warm-up@example.test", "192.0.2.250")


@pytest.mark.parametrize("seconds_between", [0, 24 * 3600 + 1], ids=["mostly-waiting", "all-checked"])
def test_known_and_unknown_addresses_get_the_same_answer_in_the_same_time(
    bob: User, clock: Clock, seconds_between: int, record_property: Callable[[str, object], None]
) -> None:
    """Frozen clock: the sixth and later tries are refused during a wait. A day apart: all are checked."""
    warm_up()
    times: dict[str, list[float]] = {bob.email: [], UNKNOWN: []}
    answers = set()
    for i in range(TRIES):
        # Alternate the order so that neither side always runs on a warmer cache; one address each, so
        # that both meet the same throttle.
        sides = [(bob.email, "192.0.2.1"), (UNKNOWN, "192.0.2.2")]
        for email, address in sides if i % 2 else reversed(sides):
            elapsed, response = attempt(email, address)
            times[email].append(elapsed)
            answers.add(answer(response, email))
        clock.advance(seconds_between)
    assert len(answers) == 1
    assert next(iter(answers))[0] == 400
    known, unknown = times[bob.email], times[UNKNOWN]
    record_property("median_ms", {"known": median_ms(known), "unknown": median_ms(unknown)})
    gap = relative_gap(known, unknown)
    assert gap < 0.20, f"medians differ by {gap:.0%}"


def test_an_attempt_during_a_wait_answers_like_a_checked_one_and_as_slowly(
    bob: User, clock: Clock, record_property: Callable[[str, object], None]
) -> None:
    """A known account under attack (refused unchecked) against fresh unknown addresses (checked)."""
    for _ in range(5):
        attempt(bob.email, "192.0.2.1")
    warm_up()
    times: dict[str, list[float]] = {"waiting": [], "checked": []}
    answers = set()
    for i in range(TRIES):
        sides = [
            ("waiting", bob.email, "192.0.2.1"),
            ("checked", f"nobody-{i}@example.test", f"198.18.{i}.1"),
        ]
        for side, email, address in sides if i % 2 else reversed(sides):
            elapsed, response = attempt(email, address)
            times[side].append(elapsed)
            answers.add(answer(response, email))
    assert len(answers) == 1
    record_property("median_ms", {side: median_ms(t) for side, t in times.items()})
    gap = relative_gap(times["waiting"], times["checked"])
    assert gap < 0.20, f"medians differ by {gap:.0%}"
