"""Consent: recorded per purpose and recipient; withdrawal takes effect at once, lists whom to inform and
blocks further sharing; a withdrawal first needs the case manager's pressure check."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError

from haven.audit.models import AuditEvent
from haven.cases import services
from haven.cases.consent import may_share_with
from haven.cases.models import Case


def _referral(actor, case: Case, recipient: str = "ORG-HEALTH-7"):
    return services.consent_record(
        actor=actor,
        case=case,
        purpose="referral",
        recipient=recipient,
        status="given",
        given_on=date.today(),
        language="ro",
        explained_by=actor,
        interpreter=True,
        information_sheet_version="v2",
    )


def test_referral_consent_allows_sharing_with_that_recipient_only(alice, make_case):
    case = make_case(alice)
    _referral(alice, case)
    assert may_share_with(case, "ORG-HEALTH-7")
    assert not may_share_with(case, "ORG-OTHER")


def test_withdrawal_is_recorded_lists_the_recipient_and_blocks_sharing(alice, make_case):
    case = make_case(alice)
    consent = _referral(alice, case)
    inform = services.consent_withdraw(
        actor=alice, case=case, consent=consent, reason="changed_mind", confirm_no_pressure=True
    )
    assert inform == ["ORG-HEALTH-7"]
    consent.refresh_from_db()
    assert consent.status == "withdrawn" and consent.withdrawn_at is not None
    assert consent.inform == ["ORG-HEALTH-7"]
    assert not may_share_with(case, "ORG-HEALTH-7")
    event = AuditEvent.objects.get(action="consent.withdrawn", object_id=case.code)
    assert event.detail["inform"] == ["ORG-HEALTH-7"]


def test_withdrawing_storage_consent_lists_every_recipient_that_may_hold_data(alice, make_case):
    case = make_case(alice)
    _referral(alice, case, "ORG-A")
    _referral(alice, case, "ORG-B")
    storage = services.consent_record(
        actor=alice,
        case=case,
        purpose="data_storage",
        status="given",
        given_on=date.today(),
        language="en",
        explained_by=alice,
        interpreter=False,
        information_sheet_version="v2",
    )
    inform = services.consent_withdraw(
        actor=alice, case=case, consent=storage, reason="not_given", confirm_no_pressure=True
    )
    assert inform == ["ORG-A", "ORG-B"]


def test_withdrawal_needs_a_pressure_check_first(alice, bob, make_case):
    case = make_case(alice)
    services.case_assign(actor=alice, case=case, caseworkers=[bob])
    consent = _referral(bob, case)
    with pytest.raises(ValidationError):
        services.consent_withdraw(actor=bob, case=case, consent=consent, reason="changed_mind")
    services.pressure_check_confirm(actor=alice, case=case, kind="withdrawal", signs_of_pressure=False)
    assert services.consent_withdraw(actor=bob, case=case, consent=consent, reason="changed_mind") == [
        "ORG-HEALTH-7"
    ]


def test_signs_of_pressure_hold_the_withdrawal_until_the_dpo_signs_off_another_basis(
    alice, users_by_role, make_case
):
    from haven.accounts.permissions import Role

    dpo = users_by_role[Role.DPO]
    case = make_case(alice)
    consent = _referral(alice, case)
    check = services.pressure_check_confirm(actor=alice, case=case, kind="withdrawal", signs_of_pressure=True)
    with pytest.raises(ValidationError):
        services.consent_withdraw(actor=alice, case=case, consent=consent, reason="changed_mind")
    with pytest.raises(ValidationError):
        services.pressure_signoff(actor=dpo, check=check, basis="vital_interest", reason="  ")
    services.pressure_signoff(
        actor=dpo, check=check, basis="vital_interest", reason="Test reason for continuing"
    )
    case.refresh_from_db()
    assert case.legal_basis == "vital_interest"
    assert case.vital_interest_justification is not None
    assert services.consent_withdraw(actor=alice, case=case, consent=consent, reason="changed_mind")


def test_a_new_consent_after_withdrawal_allows_sharing_again(alice, make_case):
    case = make_case(alice)
    consent = _referral(alice, case)
    services.consent_withdraw(
        actor=alice, case=case, consent=consent, reason="safety", confirm_no_pressure=True
    )
    _referral(alice, case)
    assert may_share_with(case, "ORG-HEALTH-7")


def test_expired_consent_does_not_allow_sharing(alice, make_case):
    case = make_case(alice)
    services.consent_record(
        actor=alice,
        case=case,
        purpose="referral",
        recipient="ORG-X",
        status="given",
        given_on=date.today() - timedelta(days=30),
        expires_on=date.today() - timedelta(days=1),
        language="en",
        explained_by=alice,
        interpreter=False,
        information_sheet_version="v1",
    )
    assert not may_share_with(case, "ORG-X")


def test_referral_consent_without_a_recipient_is_refused(alice, make_case):
    case = make_case(alice)
    with pytest.raises(ValidationError) as caught:
        services.consent_record(
            actor=alice,
            case=case,
            purpose="referral",
            status="given",
            given_on=date.today(),
            language="en",
            explained_by=alice,
            interpreter=False,
            information_sheet_version="v1",
        )
    assert "recipient" in caught.value.error_dict


def test_consent_page_says_assistance_never_depends_on_consent(alice, make_case, signed_in):
    case = make_case(alice)
    content = signed_in(alice).get(f"/cases/{case.code}/consent/").content
    assert b'data-notice="assistance-unconditional"' in content
    assert b"never depends on consent to data processing" in content
    assert b"cooperation with an investigation" in content


def test_withdraw_in_the_web_is_one_click_and_a_confirmation(alice, make_case, signed_in):
    case = make_case(alice)
    consent = _referral(alice, case)
    client = signed_in(alice)
    page = client.get(f"/cases/{case.code}/consent/").content
    assert f"/cases/{case.code}/consent/{consent.pk}/withdraw/".encode() in page
    response = client.post(
        f"/cases/{case.code}/consent/{consent.pk}/withdraw/",
        {"reason": "changed_mind", "confirm_no_pressure": "on", "confirm": "yes"},
        follow=True,
    )
    assert response.status_code == 200
    assert b"ORG-HEALTH-7" in response.content
    assert not may_share_with(case, "ORG-HEALTH-7")


def test_web_withdrawal_without_the_pressure_confirmation_is_refused_with_a_clear_error(
    alice, make_case, signed_in
):
    case = make_case(alice)
    consent = _referral(alice, case)
    response = signed_in(alice).post(
        f"/cases/{case.code}/consent/{consent.pk}/withdraw/", {"reason": "changed_mind", "confirm": "yes"}
    )
    assert response.status_code == 400
    assert b"no sign of pressure" in response.content
    assert may_share_with(case, "ORG-HEALTH-7")
