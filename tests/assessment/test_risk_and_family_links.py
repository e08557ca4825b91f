"""Risk and safety: the level reaches the case, a high-risk case goes only to those the one rule allows, and
no family tracing or contact goes ahead before a signed-off risk check that considered family."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from haven.accounts.permissions import Role
from haven.assessment import services
from haven.assessment.models import FamilyLinksRequest
from haven.audit.models import AuditEvent
from haven.cases import services as cases
from haven.cases.access import may_take_high_risk
from haven.cases.models import Case
from tests.assessment.conftest import IN_A_MONTH, record_risk
from tests.cases.helpers import ApiClient

FAMILY_LINKS = {"kind": "tracing", "sought": "A sister, last seen in the home town"}


# -- the level and the flag ---------------------------------------------------------------------------------


def test_a_high_risk_assessment_flags_the_case_on_its_page_and_in_the_list(adult_case, bob, alice, signed_in):
    record_risk(bob, adult_case, reprisal="likely")
    assert Case.objects.get(pk=adult_case.pk).risk_level == "high"
    client = signed_in(alice)
    assert 'data-flag="high-risk"' in client.get(f"/cases/{adult_case.code}/").content.decode()
    listing = client.get("/cases/").content.decode()
    assert 'data-flag="high-risk"' in listing
    row = next(r for r in ApiClient(alice).get("/cases").json()["results"] if r["code"] == adult_case.code)
    assert row["risk_level"] == "high"


def test_a_reassessment_lowers_the_level_again_and_keeps_the_earlier_one(adult_case, bob):
    record_risk(bob, adult_case, safe_house_exposure=True)
    record_risk(bob, adult_case)
    assert Case.objects.get(pk=adult_case.pk).risk_level == "low"
    assert [r.level for r in adult_case.risk_assessments.order_by("number")] == ["high", "low"]


def test_a_review_date_in_the_past_is_refused(adult_case, bob):
    with pytest.raises(ValidationError):
        services.risk_assessment_record(
            actor=bob,
            case=adult_case,
            factors=services.RiskFactors(),
            review_on=date.today() - timedelta(days=1),
        )


# -- who may be assigned to a high-risk case ----------------------------------------------------------------


def test_the_rule_asks_for_a_valid_security_training_whatever_the_role(make_user):
    from haven.staff import services as staff

    today = date.today()
    for role in (Role.CASE_MANAGER, Role.CASEWORKER):
        person = make_user(role, "North")
        assert may_take_high_risk(person) is False, role  # the role alone is not enough
        member = staff.staff_member_create(actor=None, name="Test Worker", kind="staff", user=person)
        staff.training_record(
            actor=None,
            member=member,
            kind="personal_security",
            completed_on=today - timedelta(days=1),
            expires_on=today + timedelta(days=30),
        )
        assert may_take_high_risk(person) is True, role


def test_a_high_risk_case_cannot_be_assigned_to_a_caseworker_in_the_service(
    adult_case, alice, bob, make_user
):
    record_risk(alice, adult_case, re_trafficking="likely")
    other_worker = make_user(Role.CASEWORKER, "North")
    with pytest.raises(ValidationError) as refused:
        cases.case_assign(actor=alice, case=adult_case, caseworkers=[other_worker])
    assert "high risk" in " ".join(refused.value.message_dict["caseworkers"])
    assert not Case.objects.get(pk=adult_case.pk).caseworkers.filter(pk=other_worker.pk).exists()
    refusal = AuditEvent.objects.get(action="case.assign_refused")
    assert refusal.detail["reason"] == "high_risk_assignment"
    other_manager = make_user(Role.CASE_MANAGER, "North")
    with pytest.raises(ValidationError):  # a case manager needs the security training too
        cases.case_assign(actor=alice, case=adult_case, case_manager=other_manager, caseworkers=[])
    assert Case.objects.get(pk=adult_case.pk).case_manager_id == alice.pk


def test_a_high_risk_case_cannot_be_assigned_to_a_caseworker_on_the_web(
    adult_case, alice, make_user, signed_in
):
    record_risk(alice, adult_case, staff_exposure=True)
    newcomer = make_user(Role.CASEWORKER, "North")
    response = signed_in(alice).post(
        f"/cases/{adult_case.code}/assign/", {"case_manager": alice.pk, "caseworkers": [newcomer.pk]}
    )
    assert response.status_code == 400
    assert "This case is high risk" in response.content.decode()


def test_a_case_that_is_not_high_risk_is_assigned_as_before(adult_case, alice, make_user):
    record_risk(alice, adult_case, reprisal="possible")
    worker = make_user(Role.CASEWORKER, "North")
    cases.case_assign(actor=alice, case=adult_case, caseworkers=[worker])
    assert Case.objects.get(pk=adult_case.pk).caseworkers.filter(pk=worker.pk).exists()


# -- sign-off and safety plans ------------------------------------------------------------------------------


def test_only_a_case_manager_signs_off_and_only_the_latest_assessment(adult_case, alice, bob):
    first = record_risk(bob, adult_case)
    with pytest.raises(PermissionDenied):
        services.risk_sign_off(actor=bob, case=adult_case, assessment=first)
    record_risk(bob, adult_case)
    with pytest.raises(ValidationError):
        services.risk_sign_off(actor=alice, case=adult_case, assessment=first)


def test_safety_plans_for_the_person_and_for_staff_keep_their_review_dates(adult_case, bob):
    with pytest.raises(ValidationError):
        services.safety_plan_record(
            actor=bob, case=adult_case, audience="person", measures="Code word", review_on=IN_A_MONTH
        )
    record_risk(bob, adult_case, reprisal="likely")
    services.safety_plan_record(
        actor=bob, case=adult_case, audience="person", measures="Code word", review_on=IN_A_MONTH
    )
    services.safety_plan_record(
        actor=bob, case=adult_case, audience="staff", measures="Meet in pairs", review_on=IN_A_MONTH
    )
    assert sorted(adult_case.safety_plans.values_list("audience", flat=True)) == ["person", "staff"]


# -- the restoring-family-links gate ------------------------------------------------------------------------


def test_family_links_are_refused_in_the_service_until_the_check_is_signed_off(adult_case, alice, bob):
    with pytest.raises(services.GateRefused) as refused:
        services.family_links_request(actor=bob, case=adult_case, **FAMILY_LINKS)
    assert refused.value.code == "rfl_risk_check_required"
    check = record_risk(bob, adult_case, family="")  # family not considered
    with pytest.raises(services.GateRefused):
        services.family_links_request(actor=bob, case=adult_case, **FAMILY_LINKS)
    check = record_risk(bob, adult_case, family="possible")
    with pytest.raises(services.GateRefused):
        services.family_links_request(actor=bob, case=adult_case, **FAMILY_LINKS)  # not signed off
    services.risk_sign_off(actor=alice, case=adult_case, assessment=check)
    made = services.family_links_request(actor=bob, case=adult_case, **FAMILY_LINKS)
    assert made.risk_assessment_id == check.pk
    assert AuditEvent.objects.filter(action="assessment.family_links_refused").count() == 3


def test_family_links_are_refused_on_the_web_with_the_reason_then_allowed(adult_case, alice, bob, signed_in):
    client = signed_in(bob)
    url = f"/cases/{adult_case.code}/assessment/family-links/"
    page = client.get(url)
    assert page.status_code == 200 and "Sometimes the traffickers are family" in page.content.decode()
    refused = client.post(url, FAMILY_LINKS)
    assert refused.status_code == 409
    assert "Before any family tracing or contact" in refused.content.decode()
    assert not FamilyLinksRequest.objects.exists()
    check = record_risk(bob, adult_case, family="none")
    services.risk_sign_off(actor=alice, case=adult_case, assessment=check)
    assert client.post(url, FAMILY_LINKS).status_code == 302
    assert FamilyLinksRequest.objects.filter(case=adult_case).count() == 1


def test_family_links_are_refused_in_the_api_with_the_code_then_allowed(adult_case, alice, bob):
    api = ApiClient(bob)
    path = f"/cases/{adult_case.code}/family-links"
    refused = api.post(path, FAMILY_LINKS)
    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "rfl_risk_check_required"
    check = record_risk(bob, adult_case, family="involved")
    assert ApiClient(bob).post(f"/cases/{adult_case.code}/risk/{check.pk}/sign-off").status_code == 403
    assert ApiClient(alice).post(f"/cases/{adult_case.code}/risk/{check.pk}/sign-off").status_code == 200
    made = api.post(path, FAMILY_LINKS)
    assert made.status_code == 201, made.content
    assert api.get(path).json()[0]["sought"] == FAMILY_LINKS["sought"]


def test_a_new_unsigned_risk_assessment_closes_the_gate_again(adult_case, alice, bob):
    check = record_risk(bob, adult_case, family="none")
    services.risk_sign_off(actor=alice, case=adult_case, assessment=check)
    record_risk(bob, adult_case, family="possible")
    with pytest.raises(services.GateRefused):
        services.family_links_request(actor=bob, case=adult_case, **FAMILY_LINKS)


def test_the_sign_off_page_asks_to_confirm_first(adult_case, alice, bob, signed_in):
    check = record_risk(bob, adult_case, family="none")
    client = signed_in(alice)
    url = f"/cases/{adult_case.code}/assessment/risk/{check.pk}/sign-off/"
    assert "Confirm and sign off" in client.get(url).content.decode()
    assert client.post(url).status_code == 302
    check.refresh_from_db()
    assert check.signed_off_by_id == alice.pk
    assert signed_in(bob).get(url).status_code == 403


def test_a_high_risk_case_cannot_be_assigned_to_a_caseworker_through_the_api(adult_case, alice, make_user):
    record_risk(alice, adult_case, threats_to_family="likely")
    worker = make_user(Role.CASEWORKER, "North")
    refused = ApiClient(alice).post(f"/cases/{adult_case.code}/assign", {"caseworkers": [worker.pk]})
    assert refused.status_code == 400
    assert refused.json()["error"]["code"] == "high_risk_assignment"
    assert "This case is high risk" in refused.json()["error"]["message"]
    manager = make_user(Role.CASE_MANAGER, "North")
    trained(manager)
    allowed = ApiClient(alice).post(f"/cases/{adult_case.code}/assign", {"case_manager": manager.pk})
    assert allowed.status_code == 200 and allowed.json()["case_manager"] == manager.pk


def trained(person):
    """`person` in the staff register with a valid personal security training."""
    from haven.staff import services as staff

    member = staff.staff_member_create(actor=None, name="Test Worker", kind="staff", user=person)
    staff.training_record(
        actor=None, member=member, kind="personal_security", completed_on=date.today() - timedelta(days=1)
    )


def test_reviews_due_lists_the_dates_in_force_up_to_a_day(adult_case, bob):
    from haven.assessment import selectors

    soon = date.today() + timedelta(days=5)
    services.risk_assessment_record(
        actor=bob, case=adult_case, factors=services.RiskFactors(), family_involvement="none", review_on=soon
    )
    services.safety_plan_record(
        actor=bob, case=adult_case, audience="person", measures="Plan A", review_on=soon
    )
    services.safety_plan_record(
        actor=bob, case=adult_case, audience="person", measures="Plan B", review_on=IN_A_MONTH
    )
    due = selectors.reviews_due(Case.objects.filter(pk=adult_case.pk), date.today() + timedelta(days=7))
    assert [(d.kind, d.due_on) for d in due] == [("risk", soon)]  # plan A was replaced by plan B


def test_the_risk_page_names_assignees_the_rule_now_excludes_and_leads_to_reassignment(
    adult_case, alice, bob, signed_in
):
    record_risk(alice, adult_case, reprisal="likely")
    page = signed_in(alice).get(f"/cases/{adult_case.code}/assessment/risk/").content.decode()
    assert 'data-warning="high-risk-assignees"' in page
    assert bob.email in page or (bob.display_name and bob.display_name in page)
    assert f"/cases/{adult_case.code}/assign/" in page
    trained(alice)  # the case manager stays on the case with a valid security training
    cases.case_assign(actor=alice, case=adult_case, caseworkers=[])
    page = signed_in(alice).get(f"/cases/{adult_case.code}/assessment/risk/").content.decode()
    assert 'data-warning="high-risk-assignees"' not in page


def test_the_risk_form_opens_empty_the_first_time_and_prefilled_after(adult_case, bob, signed_in):
    client = signed_in(bob)
    url = f"/cases/{adult_case.code}/assessment/risk/new/"
    assert client.get(url).status_code == 200
    record_risk(bob, adult_case, reprisal="possible")
    page = client.get(url).content.decode()
    assert '<option value="possible" selected>' in page


def test_a_safety_plan_review_due_shows_on_the_case_managers_my_work_page(adult_case, alice, bob, signed_in):
    import re

    soon = date.today() + timedelta(days=5)
    record_risk(bob, adult_case, reprisal="likely")
    services.safety_plan_record(
        actor=bob, case=adult_case, audience="person", measures="Code word agreed", review_on=soon
    )
    page = signed_in(alice).get("/work/").content.decode()
    reviews = re.search(r'data-block="reviews">(.*?)</section>', page, re.S)
    assert reviews is not None
    assert "Safety plan review (the person)" in reviews.group(1)
    assert adult_case.code in reviews.group(1) and soon.isoformat() in reviews.group(1)
    assert "Measures" not in reviews.group(1) and "Code word" not in page  # no content, only what is due
