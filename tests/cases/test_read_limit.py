"""No bulk extraction: one API token or one web session reading more different people than the limit within
the window is refused with 429 and a clear message, and an alert entry appears in the audit trail (once per
window). Reading the same people again is never refused, and other readers are not affected."""

from __future__ import annotations

import pytest

from haven.accounts.reads import ALERT_ACTION
from haven.audit.models import AuditEvent
from tests.cases.helpers import ApiClient

LIMIT = 3


@pytest.fixture(autouse=True)
def small_limit(settings):
    settings.READ_LIMIT_PEOPLE = LIMIT
    settings.READ_LIMIT_SECONDS = 60


@pytest.fixture
def four_people(alice, make_case):
    return [make_case(alice).code for _ in range(LIMIT + 1)]


def alerts() -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=ALERT_ACTION))


def test_an_api_token_reading_more_people_than_the_limit_in_a_minute_is_throttled_and_alerts(
    alice, four_people
):
    api = ApiClient(alice)
    for code in four_people[:LIMIT]:
        assert api.get(f"/cases/{code}").status_code == 200
    refused = api.get(f"/cases/{four_people[LIMIT]}")
    assert refused.status_code == 429
    assert refused.json()["error"]["code"] == "too_many_people"
    assert "data protection officer" in refused.json()["error"]["message"]
    [alert] = alerts()
    assert alert.actor_id == alice.pk
    assert alert.detail == {"alert": True, "channel": "token", "limit": LIMIT, "seconds": 60}
    assert not AuditEvent.objects.filter(action="case.viewed", object_id=four_people[LIMIT]).exists()
    # Going on raises no second alert in the window; people already read stay readable.
    assert api.get(f"/cases/{four_people[LIMIT]}/person").status_code == 429
    assert api.get(f"/cases/{four_people[0]}").status_code == 200
    assert len(alerts()) == 1


def test_another_token_of_the_same_account_counts_on_its_own(alice, four_people):
    first, second = ApiClient(alice), ApiClient(alice)
    for code in four_people[:LIMIT]:
        assert first.get(f"/cases/{code}").status_code == 200
    assert second.get(f"/cases/{four_people[LIMIT]}").status_code == 200


def test_a_web_session_reading_more_people_than_the_limit_is_throttled_with_a_page_that_says_why(
    alice, four_people, signed_in
):
    browser = signed_in(alice)
    for code in four_people[:LIMIT]:
        assert browser.get(f"/cases/{code}/").status_code == 200
    refused = browser.get(f"/cases/{four_people[LIMIT]}/")
    assert refused.status_code == 429
    assert b"Too many people read" in refused.content
    assert b"data protection officer" in refused.content
    [alert] = alerts()
    assert alert.detail["channel"] == "session"


def test_reading_the_same_person_again_and_again_is_never_throttled(alice, four_people):
    api = ApiClient(alice)
    for _ in range(3 * LIMIT):
        assert api.get(f"/cases/{four_people[0]}").status_code == 200
    assert not alerts()
