"""A differentially private table over fewer people than HAVEN_RELEASE_MIN_RECORDS is refused on every
channel, audited, and spends nothing; the web shows the cost and the people counted before anything is
spent."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from haven.accounts.models import User
from haven.audit.models import AuditEvent
from haven.evidence.models import DpRelease
from haven.evidence.services import TooFewRecords, dp_release, dp_release_preview
from tests.cases.helpers import ApiClient
from tests.evidence.conftest import CaseMaker

pytestmark = pytest.mark.django_db

MINIMUM = 5  # small, so that the tests stay quick; the production default is 20 (README)


@pytest.fixture(autouse=True)
def minimum(settings: Any) -> None:
    settings.RELEASE_MIN_RECORDS = MINIMUM


def people_with_statistics_consent(make_stats_case: CaseMaker, n: int) -> None:
    for _ in range(n):
        make_stats_case("given")


def nothing_spent() -> bool:
    return not DpRelease.objects.exists()


def test_one_person_short_of_the_minimum_the_service_refuses_audits_and_spends_nothing(
    make_stats_case: CaseMaker, programme_manager: User
) -> None:
    people_with_statistics_consent(make_stats_case, MINIMUM - 1)
    with pytest.raises(TooFewRecords, match=f"Only {MINIMUM - 1} people"):
        dp_release(actor=programme_manager, by=["gender"], epsilon=0.5)
    assert nothing_spent()
    refusal = AuditEvent.objects.get(action="stats.release_refused")
    assert refusal.detail["reason"] == "too_few_records"


def test_at_the_minimum_the_table_is_released(make_stats_case: CaseMaker, programme_manager: User) -> None:
    people_with_statistics_consent(make_stats_case, MINIMUM)
    release = dp_release(actor=programme_manager, by=["gender"], epsilon=0.5)
    assert release.records_in_scope == MINIMUM


def test_people_without_statistics_consent_do_not_count_towards_the_minimum(
    make_stats_case: CaseMaker, programme_manager: User
) -> None:
    people_with_statistics_consent(make_stats_case, MINIMUM - 1)
    for _ in range(3):
        make_stats_case("refused")
    with pytest.raises(TooFewRecords):
        dp_release(actor=programme_manager, by=["gender"], epsilon=0.5)


def test_the_preview_says_the_cost_the_budget_left_and_the_people_counted_and_spends_nothing(
    make_stats_case: CaseMaker, programme_manager: User
) -> None:
    people_with_statistics_consent(make_stats_case, MINIMUM + 2)
    preview = dp_release_preview(actor=programme_manager, by=["gender"], epsilon=0.5)
    assert (preview.epsilon, preview.remaining, preview.total) == (0.5, 3.0, 3.0)  # default budget ε = 3
    assert preview.records == MINIMUM + 2
    assert preview.allowed
    assert nothing_spent()


def test_the_web_shows_the_refusal_before_anything_is_spent_and_offers_no_release_button(
    make_stats_case: CaseMaker, programme_manager: User, signed_in: Callable[[User], Client]
) -> None:
    people_with_statistics_consent(make_stats_case, MINIMUM - 2)
    client = signed_in(programme_manager)
    page = client.post("/evidence/releases/new/", {"first": "gender", "second": "", "epsilon": "0.5"})
    shown = page.content.decode()
    assert page.status_code == 200
    assert f"Only {MINIMUM - 2} people are in scope" in shown
    assert 'data-action="confirm-release"' not in shown
    # Even a forged confirmation is refused by the service.
    forged = client.post(
        "/evidence/releases/new/",
        {"first": "gender", "second": "", "epsilon": "0.5", "confirmed": "yes"},
        follow=True,
    )
    assert "Too few people are in scope" in forged.content.decode()
    assert nothing_spent()


def test_the_api_answers_409_too_few_records(make_stats_case: CaseMaker, programme_manager: User) -> None:
    people_with_statistics_consent(make_stats_case, 1)
    response = ApiClient(programme_manager).post("/stats/releases", {"by": ["gender"], "epsilon": 0.5})
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "too_few_records"
    assert nothing_spent()


def test_the_command_line_exits_2(make_stats_case: CaseMaker, tmp_path: Path) -> None:
    people_with_statistics_consent(make_stats_case, 1)
    out = tmp_path / "dp.csv"
    with pytest.raises(CommandError, match="Only 1 people") as raised:
        call_command("stats", "dp", "--epsilon", "0.5", "--by", "gender", "--out", str(out))
    assert raised.value.returncode == 2
    assert not out.exists()
    assert nothing_spent()
