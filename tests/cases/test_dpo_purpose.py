"""No bulk extraction by the data protection officer: the DPO reaches a case's content only for a purpose
recorded for that case (an access or correction request, an erasure, a consent sign-off, a breach review)
with a reason, audited, for a few hours ("break-glass"). The rule lives in the one access function, so the
web, the API and the command line agree."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from haven.accounts.permissions import Role
from haven.audit.models import AuditEvent
from haven.cases.models import DpoPurpose
from tests.cases.helpers import MISSING_CODE, ApiClient, with_purpose

REASON = "Test access request of 1 March, ref TEST-1"


@pytest.fixture
def dpo(make_user):
    return make_user(Role.DPO, "North", "dpo@example.test")


@pytest.fixture
def case(alice, make_case):
    return make_case(alice, name="Test Person Purpose")


def test_a_dpo_without_a_recorded_purpose_cannot_open_a_case_on_the_web(dpo, case, signed_in):
    browser = signed_in(dpo)
    for path in ("", "identity/", "person/health/", "notes/", "timeline/"):
        assert browser.get(f"/cases/{case.code}/{path}").status_code == 404, path
    refusals = AuditEvent.objects.filter(action="access.denied", actor_id=dpo.pk, object_id=case.code)
    assert refusals.count() == 5
    # The list still shows the code, to pick the case from; it leads to the purpose page.
    listing = browser.get("/cases/").content
    assert case.code.encode() in listing
    assert f"/cases/{case.code}/purpose/".encode() in listing
    assert b"Test Person Purpose" not in listing


def test_a_dpo_without_a_recorded_purpose_cannot_open_a_case_through_the_api(dpo, case):
    api = ApiClient(dpo)
    for path in ("", "/person", "/notes", "/consents"):
        response = api.get(f"/cases/{case.code}{path}")
        assert response.status_code == 404, path
        assert b"Test Person Purpose" not in response.content


def test_a_purpose_recorded_on_the_web_opens_that_case_to_that_dpo_and_is_audited_without_the_reason(
    dpo, case, alice, make_case, make_user, signed_in
):
    browser = signed_in(dpo)
    form = browser.get(f"/cases/{case.code}/purpose/")
    assert form.status_code == 200 and b"Test Person Purpose" not in form.content
    done = browser.post(f"/cases/{case.code}/purpose/", {"purpose": "access_request", "reason": REASON})
    assert done.status_code == 302 and done["Location"] == f"/cases/{case.code}/"
    page = browser.get(f"/cases/{case.code}/", follow=True)
    assert page.status_code == 200 and b"Test Person Purpose" in page.content
    assert b"open to you until" in page.content
    entry = AuditEvent.objects.get(action="case.purpose_recorded")
    assert (entry.actor_id, entry.object_id) == (dpo.pk, case.code)
    assert entry.detail == {"purpose": "access_request", "hours": 8}
    record = DpoPurpose.objects.get()
    assert REASON.encode() not in bytes(record.reason)  # sealed under the person's key
    # Only that case, only for that DPO.
    other_case = make_case(alice)
    assert browser.get(f"/cases/{other_case.code}/").status_code == 404
    other_dpo = make_user(Role.DPO, "North", "dpo2@example.test")
    assert signed_in(other_dpo).get(f"/cases/{case.code}/").status_code == 404


def test_a_purpose_recorded_through_the_api_opens_the_case_until_it_expires(dpo, case):
    api = ApiClient(dpo)
    recorded = api.post(f"/cases/{case.code}/purpose", {"purpose": "erasure", "reason": REASON})
    assert recorded.status_code == 201
    assert recorded.json()["purpose"] == "erasure" and recorded.json()["expires_at"]
    person = api.get(f"/cases/{case.code}/person")
    assert person.status_code == 200 and person.json()["values"]["name"] == "Test Person Purpose"
    DpoPurpose.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    assert api.get(f"/cases/{case.code}/person").status_code == 404


def test_a_purpose_needs_a_known_purpose_and_a_reason(dpo, case, signed_in):
    browser = signed_in(dpo)
    assert browser.post(f"/cases/{case.code}/purpose/", {"purpose": "access_request"}).status_code == 400
    assert (
        browser.post(f"/cases/{case.code}/purpose/", {"purpose": "curiosity", "reason": REASON}).status_code
        == 400
    )
    api = ApiClient(dpo)
    assert api.post(f"/cases/{case.code}/purpose", {"purpose": "erasure", "reason": "  "}).status_code == 400
    assert api.post(f"/cases/{case.code}/purpose", {"purpose": "bulk", "reason": REASON}).status_code == 400
    assert not DpoPurpose.objects.exists()


def test_a_purpose_for_a_missing_case_is_a_404(dpo, signed_in):
    assert signed_in(dpo).get(f"/cases/{MISSING_CODE}/purpose/").status_code == 404
    assert (
        ApiClient(dpo)
        .post(f"/cases/{MISSING_CODE}/purpose", {"purpose": "erasure", "reason": REASON})
        .status_code
        == 404
    )


def test_the_dpo_may_erase_on_the_command_line_only_under_a_recorded_purpose(dpo, case):
    from django.core.management import call_command
    from django.core.management.base import CommandError

    with pytest.raises(CommandError) as refused:
        call_command("erase", case.code, "--reason", "retention_expired", "--actor", dpo.email)
    assert refused.value.returncode == 2
    with_purpose(dpo, case, "erasure")
    call_command("erase", case.code, "--reason", "retention_expired", "--actor", dpo.email)


# Who may record a purpose: the DPO only (hand-written, from the product brief: the DPO answers for
# access requests, erasure and breaches; no other role opens a case this way).
MAY_RECORD = {Role.DPO}


def test_recording_a_purpose_gets_the_same_decision_on_the_web_and_the_api(
    make_user, alice, make_case, signed_in
):
    for role in Role:
        user = make_user(role, None if role == Role.ADMIN else "North", f"purpose-{role.value}@example.test")
        on_web, on_api = make_case(alice), make_case(alice)
        web = signed_in(user).post(
            f"/cases/{on_web.code}/purpose/", {"purpose": "breach_review", "reason": REASON}
        )
        api = ApiClient(user).post(
            f"/cases/{on_api.code}/purpose", {"purpose": "breach_review", "reason": REASON}
        )
        if role in MAY_RECORD:
            assert (web.status_code, api.status_code) == (302, 201), role
        else:
            assert (web.status_code, api.status_code) == (403, 403), role
        recorded = AuditEvent.objects.filter(action="case.purpose_recorded", actor_id=user.pk)
        assert sorted(e.object_id for e in recorded) == (
            sorted([on_web.code, on_api.code]) if role in MAY_RECORD else []
        ), role
