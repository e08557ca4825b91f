"""The holistic needs assessment: by domain, sealed, fitted to age, and a re-assessment keeps history."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection

from haven.assessment import selectors, services
from haven.assessment.models import NeedsAssessment
from haven.audit.models import AuditEvent
from tests.cases.helpers import ApiClient, with_purpose

WORDS = "I want to find safe housing before anything else, near my cousin"


def test_a_reassessment_is_a_new_version_and_the_first_stays_readable(adult_case, bob, alice):
    first = services.needs_assessment_record(
        actor=bob,
        case=adult_case,
        domains={"accommodation": {"level": "urgent", "priorities": WORDS, "agreed_action": "Shelter place"}},
        household_factors=["debt"],
        preferred_worker_gender="woman",
    )
    second = services.needs_assessment_record(
        actor=alice, case=adult_case, domains={"accommodation": {"level": "low", "priorities": "Settled now"}}
    )
    assert (first.number, second.number) == (1, 2)
    latest = selectors.needs_assessment_view(adult_case)
    earlier = selectors.needs_assessment_view(adult_case, 1)
    assert latest is not None and earlier is not None
    assert latest.assessment.number == 2
    accommodation = {d.entry.domain: d for d in earlier.domains}["accommodation"]
    assert accommodation.entry.level == "urgent"
    assert accommodation.priorities.value == WORDS
    assert earlier.assessment.preferred_worker_gender == "woman"
    assert [a.number for a in selectors.needs_assessments_for(adult_case)] == [2, 1]


def test_every_domain_of_the_shared_list_is_recorded_and_the_unspoken_ones_say_so(adult_case, bob):
    services.needs_assessment_record(actor=bob, case=adult_case, domains={"legal": {"level": "high"}})
    view = selectors.needs_assessment_view(adult_case)
    assert view is not None
    levels = {d.entry.domain: d.entry.level for d in view.domains}
    assert len(levels) == 11
    assert levels["legal"] == "high"
    assert levels["safety"] == "not_assessed"


def test_the_persons_words_are_sealed_in_the_database(adult_case, bob):
    services.needs_assessment_record(
        actor=bob, case=adult_case, domains={"family": {"level": "high", "priorities": WORDS}}
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT priorities FROM assessment_needsdomainentry WHERE priorities IS NOT NULL")
        blobs = [bytes(row[0]) for row in cursor.fetchall()]
    assert blobs and all(b"safe housing" not in blob for blob in blobs)


def test_a_childs_assessment_must_talk_about_school(child_case, bob):
    with pytest.raises(ValidationError) as refused:
        services.needs_assessment_record(actor=bob, case=child_case, domains={"safety": {"level": "low"}})
    assert "education" in refused.value.message_dict
    made = services.needs_assessment_record(
        actor=bob, case=child_case, domains={"education": {"level": "high", "priorities": "Wants school"}}
    )
    assert made.as_child is True


def test_an_adults_assessment_does_not_assume_any_domain(adult_case, bob):
    made = services.needs_assessment_record(actor=bob, case=adult_case, domains={})
    assert made.as_child is False


def test_unknown_codes_are_refused(adult_case, bob):
    with pytest.raises(ValidationError):
        services.needs_assessment_record(actor=bob, case=adult_case, domains={"no_such_domain": {}})
    with pytest.raises(ValidationError):
        services.needs_assessment_record(actor=bob, case=adult_case, domains={"legal": {"level": "extreme"}})
    with pytest.raises(ValidationError):
        services.needs_assessment_record(actor=bob, case=adult_case, domains={}, individual_factors=["x"])


def test_the_dpo_reads_but_does_not_write(adult_case, bob, make_user):
    dpo = make_user("data_protection_officer", "North")
    with pytest.raises(PermissionDenied):
        services.needs_assessment_record(actor=dpo, case=adult_case, domains={})
    services.needs_assessment_record(actor=bob, case=adult_case, domains={"legal": {"level": "high"}})
    # The DPO reaches a case's content only for a recorded purpose (break-glass), then reads it.
    assert ApiClient(dpo).get(f"/cases/{adult_case.code}/assessments/1").status_code == 404
    with_purpose(dpo, adult_case, "access_request")
    assert ApiClient(dpo).get(f"/cases/{adult_case.code}/assessments/1").status_code == 200


def test_each_assessment_is_audited_with_who(adult_case, bob):
    services.needs_assessment_record(actor=bob, case=adult_case, domains={"legal": {"level": "high"}})
    event = AuditEvent.objects.get(action="assessment.needs_recorded")
    assert event.actor_id == bob.pk and event.object_id == adult_case.code
    assert WORDS not in str(event.detail)


def test_the_api_records_and_reads_back_each_version(adult_case, bob):
    api = ApiClient(bob)
    body = {
        "domains": {"mental_health": {"level": "high", "priorities": "Sleep", "service_chosen": "PSS group"}}
    }
    assert api.post(f"/cases/{adult_case.code}/assessments", body).status_code == 201
    body["domains"]["mental_health"]["level"] = "low"
    assert api.post(f"/cases/{adult_case.code}/assessments", body).status_code == 201
    listed = api.get(f"/cases/{adult_case.code}/assessments").json()
    assert [row["number"] for row in listed] == [2, 1]
    first = api.get(f"/cases/{adult_case.code}/assessments/1").json()
    domain = next(d for d in first["domains"] if d["domain"] == "mental_health")
    assert (domain["level"], domain["service_chosen"]) == ("high", "PSS group")
    assert NeedsAssessment.objects.filter(case=adult_case).count() == 2


def test_the_web_form_records_and_shows_the_history(adult_case, bob, signed_in):
    client = signed_in(bob)
    url = f"/cases/{adult_case.code}/assessment/needs/new/"
    assert client.get(url).status_code == 200
    form = {
        f"{code}-level": "not_assessed"
        for code in (
            "safety",
            "accommodation",
            "physical_health",
            "mental_health",
            "material",
            "legal",
            "information",
            "family",
            "education",
            "livelihood",
            "inclusion",
        )
    }
    form.update(
        {"legal-level": "high", "legal-priorities": "Residence papers", "household_factors": ["debt"]}
    )
    assert client.post(url, form).status_code == 302
    assert client.post(url, form).status_code == 302
    page = client.get(f"/cases/{adult_case.code}/assessment/needs/1/").content.decode()
    assert "Residence papers" in page
    assert "Household debt" in page
    assert client.get(f"/cases/{adult_case.code}/assessment/needs/9/").status_code == 404


def test_the_access_request_export_includes_the_persons_words_from_the_assessment(adult_case, bob, make_user):
    from haven.cases import services as cases

    services.needs_assessment_record(
        actor=bob, case=adult_case, domains={"family": {"level": "high", "priorities": WORDS}}
    )
    dpo = make_user("data_protection_officer", "North")
    document = cases.subject_access_export(actor=dpo, case=adult_case)
    family = next(d for d in document["needs_assessments"][0]["domains"] if d["domain"] == "family")
    assert family["priorities"] == WORDS
    assert document["support_plan"] == {"objectives": [], "reviews": []}


def test_a_reassessment_starts_from_the_levels_in_force_but_asks_the_words_afresh(adult_case, bob, signed_in):
    services.needs_assessment_record(
        actor=bob, case=adult_case, domains={"legal": {"level": "urgent", "priorities": WORDS}}
    )
    page = signed_in(bob).get(f"/cases/{adult_case.code}/assessment/needs/new/").content.decode()
    assert '<option value="urgent" selected>' in page
    assert WORDS not in page
