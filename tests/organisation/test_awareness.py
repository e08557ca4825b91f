"""Awareness activities: an activity cannot be marked held without its risk assessment (security and
perception risks, seed 4.3); held activities are summed up by year and audience."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from haven.accounts.permissions import Role
from haven.organisation import selectors, services


@pytest.fixture
def programme(make_user):
    return make_user(Role.PROGRAMME_MANAGER)


def plan(actor, held_on: str = "2099-05-01", audience: str = "migrant_workers"):
    return services.awareness_create(
        actor=actor,
        values={
            "title": "Safe work abroad",
            "held_on": held_on,
            "audience": audience,
            "languages": "ro, en",
            "messages": "Know your contract; keep your documents.",
        },
    )


def test_an_activity_cannot_be_marked_held_without_its_risk_assessment(programme):
    activity = plan(programme)
    with pytest.raises(ValidationError, match="risk assessment first"):
        services.awareness_mark_held(actor=programme, activity=activity, reach=40)
    activity.refresh_from_db()
    assert activity.status == "planned"


def test_after_the_risk_assessment_it_can_be_marked_held(programme):
    activity = plan(programme)
    services.awareness_risk_assess(
        actor=programme,
        activity=activity,
        security_risks="Recruiters may attend; no photos, no lists of names.",
        perception_risks="Keep the police away from the venue so that we are not seen as law enforcement.",
        mitigation="Venue chosen with the migrant association.",
    )
    held = services.awareness_mark_held(actor=programme, activity=activity, reach=40)
    assert (held.status, held.reach) == ("held", 40)


def test_the_risk_assessment_needs_both_security_and_perception_risks(programme):
    activity = plan(programme)
    with pytest.raises(ValidationError) as caught:
        services.awareness_risk_assess(
            actor=programme, activity=activity, security_risks="Some", perception_risks=" ", mitigation=""
        )
    assert "perception_risks" in caught.value.error_dict


def test_a_risk_assessment_made_after_the_activity_does_not_count(programme):
    activity = plan(programme, held_on="2020-01-10")
    services.awareness_risk_assess(
        actor=programme, activity=activity, security_risks="a", perception_risks="b", mitigation=""
    )
    with pytest.raises(ValidationError, match="must come before"):
        services.awareness_mark_held(actor=programme, activity=activity, reach=5)


def test_the_page_refuses_to_mark_held_without_the_assessment(programme, signed_in):
    activity = plan(programme)
    response = signed_in(programme).post(f"/organisation/awareness/{activity.uid}/held/", {"reach": "12"})
    assert response.status_code == 400
    assert "Record the risk assessment first" in response.content.decode()


def test_the_summary_counts_held_activities_and_reach_by_year_and_audience(programme):
    for reach, audience in ((40, "migrant_workers"), (25, "migrant_workers"), (100, "public")):
        activity = plan(programme, audience=audience)
        services.awareness_risk_assess(
            actor=programme, activity=activity, security_risks="a", perception_risks="b", mitigation=""
        )
        services.awareness_mark_held(actor=programme, activity=activity, reach=reach)
    plan(programme, audience="children")  # planned, not held: not counted
    lines = {(line.year, line.audience): (line.held, line.reach) for line in selectors.awareness_summary()}
    assert lines == {(2099, "migrant_workers"): (2, 65), (2099, "public"): (1, 100)}
