"""The support plan (HTCDS support types, who is responsible, end dates, reviews with the person) and the
child protection steps (best-interests assessment before determination, guardian, school, safeguarding)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError

from haven.accounts.permissions import Role
from haven.assessment import selectors, services
from haven.cases.models import BestInterests, Person
from tests.cases.helpers import ApiClient

TODAY = date.today()


def test_an_objective_needs_someone_responsible_a_colleague_or_a_partner(adult_case, bob, charlie):
    common = {
        "actor": bob,
        "case": adult_case,
        "support_type": "Accommodation",
        "objective": "Stable housing",
    }
    with pytest.raises(ValidationError):
        services.support_goal_add(**common, planned_end=TODAY)
    with pytest.raises(ValidationError):  # a caseworker of another team
        services.support_goal_add(**common, responsible_user=charlie, planned_end=TODAY)
    mine = services.support_goal_add(**common, responsible_user=bob, planned_end=TODAY)
    partner = services.support_goal_add(**common, responsible_partner="Housing partner", planned_end=TODAY)
    goals = {g.goal.pk: g for g in selectors.support_goals_for(adult_case)}
    assert goals[mine.pk].goal.responsible_user_id == bob.pk
    assert goals[partner.pk].responsible_partner.value == "Housing partner"


def test_an_objective_done_needs_its_actual_end_date(adult_case, bob):
    goal = services.support_goal_add(
        actor=bob,
        case=adult_case,
        support_type="Legal",
        objective="Residence advice",
        responsible_user=bob,
        planned_end=TODAY + timedelta(days=60),
    )
    with pytest.raises(ValidationError):
        services.support_goal_update(actor=bob, case=adult_case, goal=goal, status="done")
    services.support_goal_update(actor=bob, case=adult_case, goal=goal, status="done", actual_end=TODAY)
    goal.refresh_from_db()
    assert (goal.status, goal.actual_end) == ("done", TODAY)


def test_reviews_with_the_person_follow_each_other(adult_case, bob):
    with pytest.raises(ValidationError):
        services.support_review_add(
            actor=bob,
            case=adult_case,
            reviewed_on=TODAY,
            with_person=True,
            summary="Fine",
            next_review_on=TODAY,
        )
    services.support_review_add(
        actor=bob,
        case=adult_case,
        reviewed_on=TODAY,
        with_person=True,
        summary="Going well",
        next_review_on=TODAY + timedelta(days=30),
    )
    assert selectors.support_reviews_for(adult_case)[0].summary.value == "Going well"


def test_the_support_plan_api_adds_and_reads(adult_case, bob):
    api = ApiClient(bob)
    body = {
        "support_type": "Psychosocial",
        "objective": "Weekly group",
        "responsible_user": bob.pk,
        "planned_end": (TODAY + timedelta(days=90)).isoformat(),
    }
    made = api.post(f"/cases/{adult_case.code}/support-plan/goals", body)
    assert made.status_code == 201, made.content
    assert (
        api.post(f"/cases/{adult_case.code}/support-plan/goals", {**body, "support_type": "Nope"}).status_code
        == 400
    )
    plan = api.get(f"/cases/{adult_case.code}/support-plan").json()
    assert plan["goals"][0]["objective"] == "Weekly group"


def test_a_determination_needs_an_assessment_first_and_becomes_the_best_interests_decision(child_case, bob):
    with pytest.raises(ValidationError):
        services.child_step_record(actor=bob, case=child_case, step="bid", step_on=TODAY, summary="Stay here")
    services.child_step_record(actor=bob, case=child_case, step="bia", step_on=TODAY, summary="Views heard")
    step = services.child_step_record(
        actor=bob, case=child_case, step="bid", step_on=TODAY, summary="Stay here"
    )
    assert step.best_interests is not None
    assert BestInterests.objects.filter(case=child_case).count() == 1


def test_guardian_school_and_safeguarding_steps_record_what_they_need(child_case, bob):
    with pytest.raises(ValidationError):
        services.child_step_record(actor=bob, case=child_case, step="guardian", step_on=TODAY, summary="Met")
    services.child_step_record(
        actor=bob,
        case=child_case,
        step="guardian",
        step_on=TODAY,
        summary="Met",
        guardian_involvement="involved",
    )
    services.child_step_record(
        actor=bob, case=child_case, step="school", step_on=TODAY, summary="Place found", schooling="arranging"
    )
    assert Person.objects.get(pk=child_case.person_id).schooling == "arranging"
    with pytest.raises(ValidationError):
        services.child_step_record(
            actor=bob, case=child_case, step="safeguarding_referral", step_on=TODAY, summary="Referred"
        )
    services.child_step_record(
        actor=bob,
        case=child_case,
        step="safeguarding_referral",
        step_on=TODAY,
        summary="Referred",
        referred_to="Child protection service",
    )
    steps = {s.step.step: s for s in selectors.child_steps_for(child_case)}
    assert steps["safeguarding_referral"].referred_to.value == "Child protection service"


def test_child_steps_are_for_a_childs_case_only(adult_case, bob):
    with pytest.raises(ValidationError):
        services.child_step_record(actor=bob, case=adult_case, step="bia", step_on=TODAY, summary="x")


def test_a_volunteer_cannot_record_child_steps(child_case, make_user):
    volunteer = make_user(Role.VOLUNTEER, "North")
    with pytest.raises(Exception):  # noqa: B017 (PermissionDenied from the action table)
        services.child_step_record(actor=volunteer, case=child_case, step="bia", step_on=TODAY, summary="x")
