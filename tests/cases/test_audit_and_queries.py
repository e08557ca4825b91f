"""Every case view is in the audit trail, the chain verifies after many mixed operations, and the case
list and detail pages run a fixed number of queries however many rows there are."""

from __future__ import annotations

import random
from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from haven.audit.models import AuditEvent
from haven.audit.services import audit_verify
from haven.cases import services
from haven.cases.access import case_for_user


def _views(code: str, section: str | None = None):
    events = AuditEvent.objects.filter(action="case.viewed", object_id=code)
    if section:
        events = events.filter(detail__section=section)
    return events


def test_every_web_case_page_writes_an_audited_read_with_its_section(alice, make_case, signed_in):
    case = make_case(alice)
    client = signed_in(alice)
    for page, section in (
        ("", "summary"),
        ("identity/", "identity"),
        ("person/health/", "health"),
        ("notes/", "notes"),
        ("tasks/", "tasks"),
        ("consent/", "consent"),
        ("timeline/", "timeline"),
        ("attachments/", "attachments"),
    ):
        before = _views(case.code, section).count()
        assert client.get(f"/cases/{case.code}/{page}").status_code == 200
        event = _views(case.code, section).order_by("-seq").first()
        assert _views(case.code, section).count() == before + 1, page
        assert event is not None and event.actor_id == alice.pk


def test_api_reads_are_audited_too(alice, make_case):
    from django.test import Client

    from haven.api.services import token_create

    case = make_case(alice)
    _t, raw = token_create(actor=alice, user=alice)
    before = _views(case.code).count()
    Client().get(f"/api/v1/cases/{case.code}/notes", HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert _views(case.code, "notes").count() == 1
    assert _views(case.code).count() == before + 1


def test_a_refused_read_writes_no_case_view(bob, make_case, alice, signed_in, charlie):
    case = make_case(alice)
    signed_in(charlie).get(f"/cases/{case.code}/")
    assert not _views(case.code).filter(actor_id=charlie.pk).exists()


def test_audit_entries_hold_no_personal_data(alice, make_case):
    case = make_case(alice, name="Test Person Unique-8812")
    services.note_add(actor=alice, case=case, section="general", body="Test secret note 8812")
    for event in AuditEvent.objects.all():
        assert "8812" not in repr((event.detail, event.object_id))


@pytest.mark.slow
def test_audit_chain_verifies_after_ten_thousand_mixed_operations(alice, bob, make_case):
    rng = random.Random(4)
    cases = [make_case(alice) for _ in range(20)]
    for case in cases:
        services.case_assign(actor=alice, case=case, caseworkers=[bob])
    operations = 0
    while operations < 10_000:
        case = rng.choice(cases)
        choice = rng.random()
        if choice < 0.6:
            case_for_user(
                rng.choice([alice, bob]), case.code, section=rng.choice(["summary", "notes", "tasks"])
            )
        elif choice < 0.8:
            services.note_add(actor=bob, case=case, section="general", body=f"Test note {operations}")
        elif choice < 0.95:
            services.task_add(actor=alice, case=case, due_on=date(2030, 1, 1), kind="appointment")
        else:
            services.case_stage_change(actor=alice, case=case, stage=rng.choice(["assessment", "support"]))
        operations += 1
    verdict = audit_verify()
    assert verdict.ok, verdict
    assert AuditEvent.objects.filter(action="case.viewed").count() >= 5_000


def _count_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_case_list_query_count_does_not_grow_with_rows(alice, bob, make_case, signed_in):
    client = signed_in(alice)
    make_case(alice)
    few = _count_queries(client, "/cases/?status=Active")
    for _ in range(12):
        case = make_case(alice)
        services.case_assign(actor=alice, case=case, caseworkers=[bob])
    many = _count_queries(client, "/cases/?status=Active")
    assert few == many


def test_case_list_page_runs_a_pinned_number_of_queries(
    alice, make_case, signed_in, django_assert_num_queries
):
    for _ in range(5):
        make_case(alice)
    client = signed_in(alice)
    client.get("/cases/")  # warm the session and the key store
    # session, user, OTP device, page count, page rows, and the session's last-seen update (savepoint,
    # update, release), and the unread notification count of the navigation: the rows arrive with team,
    # person and case manager joined in.
    with django_assert_num_queries(9):
        client.get("/cases/?status=Active&child=no")


def test_case_detail_query_count_does_not_grow_with_notes_or_workers(
    alice, bob, make_user, make_case, signed_in
):
    case = make_case(alice)
    # One note and one task first: the summary shows the last notes (an audited read of the notes) and the
    # next task; more of them must not cost more.
    services.note_add(actor=alice, case=case, section="general", body="Test note")
    services.note_add(actor=alice, case=case, section="health", body="Test note")
    services.task_add(actor=alice, case=case, due_on=date(2030, 1, 1), kind="appointment")
    client = signed_in(alice)
    client.get(f"/cases/{case.code}/")
    before = _count_queries(client, f"/cases/{case.code}/")
    for _ in range(5):
        services.task_add(actor=alice, case=case, due_on=date(2030, 1, 1), kind="appointment")
        services.note_add(actor=alice, case=case, section="health", body="Test note")
        services.note_add(actor=alice, case=case, section="general", body="Test note")
    services.case_assign(
        actor=alice, case=case, caseworkers=[bob, make_user("caseworker"), make_user("caseworker")]
    )
    assert _count_queries(client, f"/cases/{case.code}/") == before


def test_case_detail_page_runs_a_pinned_number_of_queries(
    alice, make_case, signed_in, django_assert_num_queries
):
    case = make_case(alice)
    client = signed_in(alice)
    client.get(f"/cases/{case.code}/")  # warm the session and the key store
    # session, user, OTP device, the case (person, team and case manager joined in), the audit entry
    # (read the head, insert, move the head), the caseworkers' names, the screenings linked to the case,
    # the session's last-seen update (savepoint, update, release), the session's reads of people in the
    # last minute (the bulk-extraction limit; this person was counted already), the identity's audit
    # entry (the summary shows the name: read the head, insert, move the head), and the unread
    # notification count. Then one query per block of the summary built around the work: the consents,
    # the open tasks, the last notes, the formal identification's dates, the risk, safety and support plan
    # reviews (the case's id, then one query each), and the open referrals.
    with django_assert_num_queries(26):
        client.get(f"/cases/{case.code}/")
