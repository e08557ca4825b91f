"""Formal identification is the person's choice: neutral information, the choice recorded, the authority's
decision as a fact received, the recovery and reflection period (at least 30 days, Council of Europe
Convention Art. 13; the country's length from a setting) and the residence permit dates."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError

from haven.followup import services
from haven.followup.models import FormalIdentification, IdentificationStep
from tests.cases.helpers import ApiClient
from tests.conftest import production_environ
from tests.core.test_settings_env import load_settings

TODAY = date.today()


@pytest.fixture
def case(alice, make_case):
    return make_case(alice)


def test_the_information_page_is_neutral_and_says_help_does_not_depend_on_the_choice(alice, case, signed_in):
    page = signed_in(alice).get(f"/cases/{case.code}/identification/").content.decode()
    assert "the person's own choice" in page
    assert "Our help does not depend on that choice" in page
    assert "What it can offer:" in page and "What it asks:" in page
    assert "at least 30 days" in page


def test_the_decision_and_dates_are_recorded_only_once_the_person_chose_it(alice, case):
    with pytest.raises(ValidationError, match="chose to go through formal identification"):
        services.identification_decision(
            actor=alice, case=case, status="ActualVictimOfTrafficking", decided_by="Police", decided_on=TODAY
        )
    with pytest.raises(ValidationError):
        services.reflection_period_set(actor=alice, case=case, starts_on=TODAY)


def test_the_whole_path_on_the_web_keeps_every_step_with_who_and_when(alice, case, signed_in):
    client = signed_in(alice)
    url = f"/cases/{case.code}/identification/"
    steps = [
        {"step": "informed", "informed_on": TODAY.isoformat()},
        {"step": "choice", "choice": "chosen", "on": TODAY.isoformat()},
        {
            "step": "decision",
            "status": "PossibleVictimOfTrafficking",
            "decided_by": "NonPoliceGovernmentalOrganization",
            "decided_on": TODAY.isoformat(),
        },
        {"step": "reflection", "starts_on": TODAY.isoformat(), "ends_on": ""},
        {
            "step": "permit",
            "valid_from": TODAY.isoformat(),
            "valid_until": (TODAY + timedelta(days=365)).isoformat(),
        },
    ]
    for form in steps:
        assert client.post(url, form).status_code == 302, form
    record = FormalIdentification.objects.get(case=case)
    assert record.reflection_end == TODAY + timedelta(days=30)
    assert record.decision_org == "NonPoliceGovernmentalOrganization"
    history = IdentificationStep.objects.filter(case=case).order_by("pk")
    assert [s.step for s in history] == ["informed", "choice", "decision", "reflection", "permit"]
    assert all(s.recorded_by == alice for s in history)


def test_a_reflection_period_shorter_than_30_days_is_refused(alice, case):
    services.identification_choice(actor=alice, case=case, choice="chosen", on=TODAY)
    with pytest.raises(ValidationError, match="at least 30 days"):
        services.reflection_period_set(
            actor=alice, case=case, starts_on=TODAY, ends_on=TODAY + timedelta(days=29)
        )
    record = services.reflection_period_set(
        actor=alice, case=case, starts_on=TODAY, ends_on=TODAY + timedelta(days=60)
    )
    assert record.reflection_end == TODAY + timedelta(days=60)


def test_the_country_length_comes_from_the_setting(alice, case, settings):
    settings.REFLECTION_DAYS = 90
    services.identification_choice(actor=alice, case=case, choice="chosen", on=TODAY)
    record = services.reflection_period_set(actor=alice, case=case, starts_on=TODAY)
    assert record.reflection_end == TODAY + timedelta(days=90)
    with pytest.raises(ValidationError):
        services.reflection_period_set(
            actor=alice, case=case, starts_on=TODAY, ends_on=TODAY + timedelta(days=45)
        )


def test_a_setting_below_30_days_is_refused_at_start_up(tmp_path: Path) -> None:
    env = production_environ(tmp_path)
    env["HAVEN_REFLECTION_DAYS"] = "29"
    result = load_settings(env)
    assert result.returncode != 0
    assert "HAVEN_REFLECTION_DAYS must be at least 30" in result.stderr


def test_the_api_records_the_steps_and_refuses_a_short_period(alice, case):
    api = ApiClient(alice)
    body = {
        "choice": {"choice": "chosen", "on": TODAY.isoformat()},
        "reflection": {"starts_on": TODAY.isoformat()},
    }
    response = api.post(f"/cases/{case.code}/identification", body)
    assert response.status_code == 200, response.content
    assert response.json()["reflection_end"] == (TODAY + timedelta(days=30)).isoformat()
    short = {
        "reflection": {"starts_on": TODAY.isoformat(), "ends_on": (TODAY + timedelta(days=10)).isoformat()}
    }
    assert api.post(f"/cases/{case.code}/identification", short).status_code == 400
    assert api.get(f"/cases/{case.code}/identification").json()["choice"] == "chosen"


def test_declining_is_recorded_and_changes_nothing_else(alice, case, signed_in):
    services.identification_choice(actor=alice, case=case, choice="declined", on=TODAY)
    page = signed_in(alice).get(f"/cases/{case.code}/").content.decode()
    assert case.code in page  # the case and its help go on
    assert FormalIdentification.objects.get(case=case).choice == "declined"
