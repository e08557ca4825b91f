"""The referral workflow: matching services, consent, minimisation, the letter, status; linking; withdrawal;
authority requests; the gap analysis."""

from __future__ import annotations

import re
import zlib
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from haven.audit.models import AuditEvent
from haven.cases import services as cases
from haven.cases.models import Task
from haven.cases.sealing import open_value
from haven.referrals import outgoing, selectors, services
from haven.referrals.models import Link, Referral, SharingStop
from tests.cases.helpers import ApiClient
from tests.referrals.helpers import give_consent, north_case, organisation


def pdf_text(data: bytes) -> str:
    """Text drawn with the core fonts: the (…) Tj strings of every Flate-compressed content stream."""
    chunks = []
    for stream in re.findall(rb"stream\r?\n(.*?)\r?\nendstream", data, re.S):
        try:
            content = zlib.decompress(stream)
        except zlib.error:
            continue
        chunks += [m.decode("latin-1") for m in re.findall(rb"\((.*?)(?<!\\)\)\s*Tj", content, re.S)]
    return " ".join(chunks).replace("\\(", "(").replace("\\)", ")")


@pytest.fixture
def core_fonts(monkeypatch: pytest.MonkeyPatch) -> None:
    # Without the Unicode font the letter uses the PDF core fonts, whose text can be read back here.
    monkeypatch.setattr(outgoing, "_FONT_DIR", Path("/nonexistent"))


def test_matching_services_meet_the_need_and_have_a_valid_cooperation_assessment(staff) -> None:
    case = north_case(staff)
    today = timezone.localdate()
    good = organisation("GOOD")
    organisation("OTHER-NEED", domains=["legal"])
    organisation("UNSAFE", safe_to_cooperate=False)
    organisation("EXPIRED-AGREEMENT", agreement_expires=today - timedelta(days=1))
    organisation("REVIEW-DUE", review_due=today - timedelta(days=1))
    organisation("FULL", capacity=0)
    organisation("POLICE", "law_enforcement")
    second = organisation("FAR", areas=["south"], languages=["de"], target_groups=["men"], waiting_days=1)
    found = [m.organisation.code for m in selectors.matching_services(case, "accommodation")]
    assert found == [good.code, second.code]


def test_a_referral_without_consent_for_that_recipient_is_refused_on_every_channel(staff) -> None:
    case = north_case(staff)
    shelter = organisation("SHELTER-N")
    other = organisation("SHELTER-S")
    give_consent(staff, case, other.code)  # consent for another organisation does not count
    manager = staff["case_manager"]
    referral = services.referral_draft(
        actor=manager, case=case, organisation=shelter, need_domain="accommodation"
    )
    with pytest.raises(services.ConsentRequired):
        services.referral_send(actor=manager, referral=referral)
    answer = ApiClient(manager).post(f"/cases/{case.code}/referrals/{referral.uid}/send")
    assert answer.status_code == 409
    assert answer.json()["error"]["code"] == "consent_required"
    from tests.parity.test_actions import _web

    response = _web(manager).post(f"/referrals/case/{case.code}/r/{referral.uid}/send/", {"confirm": "yes"})
    assert response.status_code == 409
    assert b'data-refusal="consent_required"' in response.content
    assert Referral.objects.get(pk=referral.pk).status == "draft"
    assert not AuditEvent.objects.filter(action="referral.sent").exists()


def test_a_child_can_be_referred_on_a_best_interests_decision_without_identity(staff) -> None:
    case = north_case(staff, stated_age=15, age_established_adult=False, date_of_birth=None)
    shelter = organisation("SHELTER-N", target_groups=["girls"])
    manager = staff["case_manager"]
    cases.best_interests_record(
        actor=manager,
        case=case,
        decision="shelter now",
        decided_on=timezone.localdate(),
        recipients=[shelter.code],
    )
    referral = services.referral_draft(
        actor=manager, case=case, organisation=shelter, need_domain="accommodation"
    )
    with pytest.raises(ValidationError):
        services.referral_minimise(
            actor=manager,
            referral=referral,
            fields=["case_code", "name"],
            safe_contact_method="through_society",
            language="fr",
        )
    payload = services.referral_send(actor=manager, referral=referral)
    assert set(payload["fields"]) == {"case_code", "needs", "language", "safe_contact_method"}


def test_with_consent_the_letter_and_the_payload_carry_only_the_selected_fields(staff, core_fonts) -> None:
    case = north_case(staff)
    shelter = organisation("SHELTER-N", languages=["en"])
    give_consent(staff, case, shelter.code)
    manager = staff["case_manager"]
    referral = services.referral_draft(
        actor=manager, case=case, organisation=shelter, need_domain="accommodation"
    )
    services.referral_minimise(
        actor=manager,
        referral=referral,
        fields=["case_code", "needs", "name"],
        safe_contact_method="phone_safe",
        language="en",
    )
    text = pdf_text(services.referral_letter(actor=manager, referral=referral, fmt="pdf"))
    assert case.code in text
    assert "Accommodation and shelter" in text
    assert "Test Person Ref" in text
    assert "+33 6" not in text and "1990" not in text  # phone and date of birth were not ticked
    assert "Safe way" not in text and "Language:" not in text
    plain = services.referral_letter(actor=manager, referral=referral, fmt="txt").decode()
    assert "Test Person Ref" in plain and "+33 6" not in plain

    answer = ApiClient(manager).post(f"/cases/{case.code}/referrals/{referral.uid}/send")
    assert answer.status_code == 200
    assert answer.json()["fields"] == {
        "case_code": case.code,
        "needs": ["accommodation"],
        "name": "Test Person Ref",
    }
    sent = AuditEvent.objects.get(action="referral.sent")
    assert sent.detail["fields"] == ["case_code", "needs", "name"]
    assert "Test Person" not in str(sent.detail)


def test_the_letter_is_in_the_recipients_language(staff, core_fonts) -> None:
    case = north_case(staff)
    shelter = organisation("SHELTER-FR", languages=["fr"])
    give_consent(staff, case, shelter.code)
    manager = staff["case_manager"]
    referral = services.referral_draft(
        actor=manager, case=case, organisation=shelter, need_domain="accommodation"
    )
    assert referral.language == "fr"
    plain = services.referral_letter(actor=manager, referral=referral, fmt="txt").decode()
    assert "Orientation vers" in plain


def test_the_partners_answer_moves_the_status_on_and_its_feedback_is_sealed(staff) -> None:
    case = north_case(staff)
    shelter = organisation("SHELTER-N")
    give_consent(staff, case, shelter.code)
    manager = staff["case_manager"]
    referral = services.referral_draft(
        actor=manager, case=case, organisation=shelter, need_domain="accommodation"
    )
    with pytest.raises(ValidationError):
        services.referral_status_set(actor=manager, referral=referral, status="accepted")
    services.referral_send(actor=manager, referral=referral)
    done = services.referral_status_set(
        actor=staff["caseworker"], referral=referral, status="accepted", feedback="Place on Monday"
    )
    assert done.status == "accepted"
    assert b"Monday" not in bytes(done.feedback)
    assert open_value(case.person.key_id, done, "feedback") == "Place on Monday"


def test_linking_shares_nothing_and_the_card_carries_nothing_identifying(staff) -> None:
    case = north_case(staff)
    shelter = organisation("SHELTER-N")
    from tests.parity.test_actions import _web

    web = _web(staff["caseworker"])
    response = web.post(
        f"/referrals/case/{case.code}/link/",
        {"organisation": shelter.code, "need": "accommodation", "language": "fr"},
    )
    assert response.status_code == 302
    link = Link.objects.get()
    card = web.get(response["Location"])
    assert card.status_code == 200
    body = card.content.decode()
    assert shelter.contact_phone in body and shelter.name in body
    assert case.code not in body and "Test Person" not in body
    assert "rien communiqué" in body  # the card is in the person's language (French here)
    assert not Referral.objects.exists()
    assert AuditEvent.objects.filter(action="referral.linked", detail__link=link.pk).exists()


# -- withdrawal ----------------------------------------------------------------------------------------------


def _sent_referral(staff, case, shelter) -> Referral:
    manager = staff["case_manager"]
    referral = services.referral_draft(
        actor=manager, case=case, organisation=shelter, need_domain="accommodation"
    )
    services.referral_send(actor=manager, referral=referral)
    return referral


def test_withdrawal_stops_sharing_at_once_and_creates_a_task_with_the_contact_details(staff) -> None:
    case = north_case(staff)
    shelter = organisation("SHELTER-N")
    give_consent(staff, case, shelter.code)
    referral = _sent_referral(staff, case, shelter)
    second = services.referral_draft(
        actor=staff["case_manager"], case=case, organisation=shelter, need_domain="accommodation"
    )
    result = services.sharing_stop(
        actor=staff["case_manager"],
        case=case,
        organisation=shelter,
        reason="changed_mind",
        confirm_no_pressure=True,
    )
    assert result.withdrawn
    assert len(result.tasks) == 1  # one open referral (the draft never left Haven)
    task = Task.objects.get(pk=result.tasks[0])
    title = open_value(case.person.key_id, task, "title") or ""
    assert shelter.contact_phone in title and shelter.name in title
    assert Referral.objects.get(pk=referral.pk).inform_task_id == task.pk
    with pytest.raises(services.ConsentRequired):
        services.referral_send(actor=staff["case_manager"], referral=second)


def test_a_pending_pressure_review_does_not_keep_sharing_open(staff) -> None:
    case = north_case(staff)
    shelter = organisation("SHELTER-N")
    give_consent(staff, case, shelter.code)
    _sent_referral(staff, case, shelter)
    manager = staff["case_manager"]
    cases.pressure_check_confirm(actor=manager, case=case, kind="withdrawal", signs_of_pressure=True)
    # A caseworker passes on the person's withdrawal; the review (signs of pressure, no sign-off) is pending.
    result = services.sharing_stop(
        actor=staff["caseworker"], case=case, organisation=shelter, reason="changed_mind"
    )
    assert not result.withdrawn
    assert len(result.tasks) == 1
    assert not selectors.may_share(case, shelter)
    draft = services.referral_draft(
        actor=manager, case=case, organisation=shelter, need_domain="accommodation"
    )
    with pytest.raises(services.ConsentRequired):
        services.referral_send(actor=manager, referral=draft)
    stop = SharingStop.objects.get()
    # The review can restore (the DPO signs off continuing after signs of pressure), not the other way round.
    with pytest.raises(ValidationError):
        services.sharing_restore(actor=staff["data_protection_officer"], stop=stop)
    check = cases.pressure_check_confirm(actor=manager, case=case, kind="withdrawal", signs_of_pressure=True)
    cases.pressure_signoff(
        actor=staff["data_protection_officer"],
        check=check,
        basis="vital_interest",
        reason="pressure by a third party",
    )
    with pytest.raises(PermissionDenied):
        services.sharing_restore(actor=manager, stop=stop)
    services.sharing_restore(actor=staff["data_protection_officer"], stop=stop)
    assert selectors.may_share(case, shelter)


def test_a_withdrawal_on_the_consent_page_also_creates_the_tasks(staff) -> None:
    case = north_case(staff)
    shelter = organisation("SHELTER-N")
    give_consent(staff, case, shelter.code)
    _sent_referral(staff, case, shelter)
    consent = case.consents.get(recipient=shelter.code)
    cases.consent_withdraw(
        actor=staff["case_manager"], case=case, consent=consent, reason="safety", confirm_no_pressure=True
    )
    assert Task.objects.filter(case=case, kind="referral").count() == 1


def test_a_consent_naming_an_unknown_code_creates_a_placeholder_that_cannot_be_referred_to(staff) -> None:
    case = north_case(staff)
    give_consent(staff, case, "NEW-CODE")
    from haven.referrals.models import Organisation

    placeholder = Organisation.objects.get(code="NEW-CODE")
    assert placeholder.org_type == "placeholder"
    with pytest.raises(ValidationError):
        services.referral_draft(
            actor=staff["case_manager"], case=case, organisation=placeholder, need_domain="safety"
        )


# -- authority requests --------------------------------------------------------------------------------------


def _request(staff, case):
    police = organisation("POLICE-N", "law_enforcement")
    return services.authority_request_register(
        actor=staff["case_manager"],
        case=case,
        organisation=police,
        legal_basis="Court order 12/2026",
        scope=["case_code", "name"],
        received_on=timezone.localdate(),
        deadline=None,
    )


def test_a_disclosure_cannot_happen_with_one_approver(staff) -> None:
    case = north_case(staff)
    request = _request(staff, case)
    manager, dpo = staff["case_manager"], staff["data_protection_officer"]
    with pytest.raises(ValidationError):
        services.authority_disclose(actor=manager, request=request)
    services.authority_request_approve(
        actor=manager, request=request, reason="order", person_interest="protection"
    )
    with pytest.raises(ValidationError):
        services.authority_request_approve(
            actor=manager, request=request, reason="again", person_interest="again"
        )
    with pytest.raises(ValidationError):
        services.authority_disclose(actor=dpo, request=request)
    assert not AuditEvent.objects.filter(action="authority.disclosed").exists()
    services.authority_request_approve(
        actor=dpo, request=request, reason="order", person_interest="protection"
    )
    document = services.authority_disclose(actor=dpo, request=request)
    assert document["fields"] == {"case_code": case.code, "name": "Test Person Ref"}
    disclosed = AuditEvent.objects.get(action="authority.disclosed")
    assert disclosed.detail["fields"] == ["case_code", "name"]


def test_the_default_answer_to_an_authority_is_refusal(staff) -> None:
    case = north_case(staff)
    request = _request(staff, case)
    assert request.status == "registered"
    assert b"12/2026" not in bytes(request.legal_basis)
    services.authority_request_refuse(actor=staff["data_protection_officer"], request=request)
    with pytest.raises(ValidationError):
        services.authority_disclose(actor=staff["data_protection_officer"], request=request)


# -- the gap analysis ----------------------------------------------------------------------------------------


def test_the_gap_analysis_equals_a_hand_count_and_names_the_groups_with_no_service(staff) -> None:
    manager = staff["case_manager"]
    organisation("SHELTER-W", domains=["accommodation"], target_groups=["women"], areas=["north"])
    organisation(
        "LEGAL-OLD",
        "legal_aid",
        domains=["legal"],
        target_groups=["men", "women"],
        areas=["north"],
        review_due=timezone.localdate() - timedelta(days=1),
    )
    women = [north_case(staff, name=f"Test Woman {i}") for i in range(6)]
    men = [north_case(staff, name=f"Test Man {i}", gender="Masculine") for i in range(2)]
    shelter = organisation(
        "SHELTER-ANY", domains=["accommodation", "legal"], target_groups=["women", "men"], areas=["north"]
    )
    for case in women + men:
        services.link_create(
            actor=manager, case=case, organisation=shelter, need_domain="accommodation", language="fr"
        )
    for case in men:
        services.link_create(
            actor=manager, case=case, organisation=shelter, need_domain="mental_health", language="fr"
        )
    shelter.active = False
    shelter.save()
    report = services.gap_analysis(actor=staff["programme_manager"])
    table = {(r.domain, r.target_group, r.area): (r.shown_cases, r.services) for r in report.rows}
    # By hand: 6 women and 2 men need accommodation in North; one valid service for women, none for men;
    # 2 men need mental health support, no service. Counts under 5 are suppressed.
    assert table == {
        ("accommodation", "women", "north"): ("6", 1),
        ("accommodation", "men", "north"): ("<5", 0),
        ("mental_health", "men", "north"): ("<5", 0),
    }
    assert {(r.domain, r.target_group) for r in report.without_service} == {
        ("accommodation", "men"),
        ("mental_health", "men"),
    }
    assert [o.code for o in report.expired] == ["LEGAL-OLD"]
    assert report.by_domain == {"accommodation": 8, "mental_health": 2}
    with pytest.raises(PermissionDenied):
        services.gap_analysis(actor=manager)
    from tests.parity.test_actions import _web

    web = _web(staff["programme_manager"])
    page = web.get("/referrals/gaps/").content.decode()
    assert 'role="img"' in page and "Cases with a recorded need, by need" in page
    assert 'data-gap="yes"' in page
    exported = web.get("/referrals/gaps.csv").content.decode().splitlines()
    assert exported[0] == "domain;target_group;area;cases;services"
    assert "accommodation;women;north;6;1" in exported and "accommodation;men;north;<5;0" in exported


def test_a_confidential_dialogue_needs_the_persons_consent_and_carries_no_case_file(staff) -> None:
    case = north_case(staff)
    police = organisation("POLICE-N", "law_enforcement")
    manager = staff["case_manager"]
    with pytest.raises(services.ConsentRequired):
        services.dialogue_record(
            actor=manager,
            case=case,
            organisation=police,
            held_on=timezone.localdate(),
            purpose="access_to_protection",
        )
    cases.consent_record(
        actor=manager,
        case=case,
        purpose="authority_dialogue",
        status="given",
        given_on=timezone.localdate(),
        language="fr",
        explained_by=manager,
        interpreter=True,
        information_sheet_version="v1",
    )
    note = services.dialogue_record(
        actor=manager,
        case=case,
        organisation=police,
        held_on=timezone.localdate(),
        purpose="access_to_protection",
    )
    assert note.consent.purpose == "authority_dialogue"
    assert not Referral.objects.exists()


def test_the_directory_and_referral_endpoints_are_in_the_openapi_document(db) -> None:
    from django.test import Client

    paths = Client().get("/api/v1/openapi.json").json()["paths"]
    assert "/api/v1/directory/organisations" in paths
    assert "/api/v1/cases/{code}/referrals" in paths
    assert "/api/v1/cases/{code}/referrals/{uid}/send" in paths


def test_consent_given_again_after_a_withdrawal_opens_sharing_again(staff) -> None:
    case = north_case(staff)
    shelter = organisation("SHELTER-N")
    give_consent(staff, case, shelter.code)
    services.sharing_stop(
        actor=staff["case_manager"],
        case=case,
        organisation=shelter,
        reason="changed_mind",
        confirm_no_pressure=True,
    )
    assert not selectors.may_share(case, shelter)
    give_consent(staff, case, shelter.code)
    assert selectors.may_share(case, shelter)


def test_the_api_proposes_the_same_matching_services(staff) -> None:
    case = north_case(staff)
    good = organisation("GOOD")
    organisation("UNSAFE", safe_to_cooperate=False)
    answer = ApiClient(staff["caseworker"]).get(f"/cases/{case.code}/services?need=accommodation")
    assert answer.status_code == 200
    assert [m["organisation"]["code"] for m in answer.json()] == [good.code]
    assert ApiClient(staff["caseworker"]).get(f"/cases/{case.code}/services?need=nothing").status_code == 400


def test_the_consent_page_offers_the_directorys_organisations_but_never_the_police(staff) -> None:
    case = north_case(staff)
    organisation("SHELTER-N", name="Test Shelter Offered")
    organisation("POLICE-N", "law_enforcement", name="Test Police Not Offered")
    from tests.parity.test_actions import _web

    page = _web(staff["caseworker"]).get(f"/cases/{case.code}/consent/").content.decode()
    assert 'list="recipient-codes"' in page
    assert '<option value="SHELTER-N">Test Shelter Offered</option>' in page
    assert "POLICE-N" not in page
