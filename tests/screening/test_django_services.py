"""Screening services: library versions in the database, the screening life cycle, consent to link, audit."""

from __future__ import annotations

import json

import pytest
from django.core.exceptions import PermissionDenied

from haven.accounts.permissions import Role
from haven.audit.models import AuditEvent
from haven.screening import selectors, services
from haven.screening.engine import ScreeningInputError
from haven.screening.library import DEFAULT_PATH, default_library
from haven.screening.models import LibraryVersion, Screening

pytestmark = pytest.mark.django_db


def bundled_content() -> dict:
    return json.loads(DEFAULT_PATH.read_text(encoding="utf-8"))


@pytest.fixture
def volunteer(make_user):
    return make_user(Role.VOLUNTEER)


@pytest.fixture
def programme_manager(make_user):
    return make_user(Role.PROGRAMME_MANAGER)


def test_first_use_stores_the_bundled_library_as_the_active_version():
    assert LibraryVersion.objects.count() == 0
    version = services.library_bootstrap()
    assert version.is_active
    assert version.version == default_library().version
    assert version.library() == default_library()
    assert services.library_bootstrap().pk == version.pk
    assert LibraryVersion.objects.count() == 1


def test_a_bundled_version_from_an_older_haven_gives_way_to_todays_and_old_screenings_keep_theirs(volunteer):
    content = bundled_content()
    content["version"] = "0"
    older = LibraryVersion.objects.create(version="0", content=content, is_active=True)
    before = Screening.objects.create(kind="quick", library_version=older, age=30, created_by=volunteer)
    assert selectors.current_library() == default_library()
    after = services.screening_start(
        actor=volunteer, kind="quick", age=30, age_in_doubt=False, information_language="en"
    )
    assert after.library_version.version == default_library().version
    before.refresh_from_db()
    assert before.library_version.version == "0"
    assert LibraryVersion.objects.get(is_active=True).version == default_library().version


def test_current_library_reads_the_bundled_file_without_writing_when_nothing_is_stored():
    assert selectors.current_library() == default_library()
    assert LibraryVersion.objects.count() == 0


def test_a_full_screening_can_be_answered_over_several_conversations_and_completed(volunteer):
    screening = services.screening_start(
        actor=volunteer, kind="full", age=34, age_in_doubt=False, information_language="en"
    )
    services.screening_answer(actor=volunteer, screening=screening, answers={"dr.job_nature": "yes"})
    services.screening_answer(
        actor=volunteer, screening=screening, answers={"ec.excessive_hours": "yes", "dr.job_nature": "no"}
    )
    screening.refresh_from_db()
    assert screening.answers == {"dr.job_nature": "no", "ec.excessive_hours": "yes"}
    assert screening.status == Screening.Status.IN_PROGRESS

    done = services.screening_complete(actor=volunteer, screening=screening)
    assert done.status == Screening.Status.COMPLETE
    assert done.result is not None
    assert done.outcome == done.result["outcome"]
    assert done.result["library_version"] == default_library().version
    with pytest.raises(services.ScreeningError):
        services.screening_answer(actor=volunteer, screening=done, answers={"cd.threats": "yes"})


def test_an_answer_with_an_unknown_id_or_value_is_refused_and_nothing_is_saved(volunteer):
    screening = services.screening_start(
        actor=volunteer, kind="full", age=34, age_in_doubt=False, information_language="en"
    )
    with pytest.raises(ScreeningInputError, match="xx.unknown"):
        services.screening_answer(actor=volunteer, screening=screening, answers={"xx.unknown": "yes"})
    with pytest.raises(ScreeningInputError, match="perhaps"):
        services.screening_answer(actor=volunteer, screening=screening, answers={"dr.job_nature": "perhaps"})
    screening.refresh_from_db()
    assert screening.answers == {}


def test_someone_else_cannot_answer_or_complete_a_screening(volunteer, make_user):
    other = make_user(Role.CASEWORKER)
    screening = services.screening_start(
        actor=volunteer, kind="quick", age=None, age_in_doubt=True, information_language="en"
    )
    with pytest.raises(PermissionDenied):
        services.screening_answer(actor=other, screening=screening, answers={"cd.threats": "yes"})
    with pytest.raises(PermissionDenied):
        services.screening_complete(actor=other, screening=screening)


def test_a_bad_age_is_refused_at_start(volunteer):
    with pytest.raises(ScreeningInputError, match="age"):
        services.screening_start(
            actor=volunteer, kind="quick", age=150, age_in_doubt=False, information_language="en"
        )
    with pytest.raises(services.ScreeningError, match="kind"):
        services.screening_start(
            actor=volunteer, kind="long", age=20, age_in_doubt=False, information_language="en"
        )
    assert Screening.objects.count() == 0


def test_linking_to_a_case_needs_recorded_consent(volunteer):
    screening = services.screening_start(
        actor=volunteer, kind="quick", age=25, age_in_doubt=False, information_language="en"
    )
    with pytest.raises(services.ScreeningError, match="consent"):
        services.screening_link_to_case(
            actor=volunteer, screening=screening, case_code="HV-0001", consent_confirmed=False
        )
    screening.refresh_from_db()
    assert screening.case_code == ""
    assert not screening.linked_with_consent

    linked = services.screening_link_to_case(
        actor=volunteer, screening=screening, case_code="HV-0001", consent_confirmed=True
    )
    assert linked.case_code == "HV-0001"
    assert linked.linked_with_consent
    with pytest.raises(services.ScreeningError, match="another case"):
        services.screening_link_to_case(
            actor=volunteer, screening=screening, case_code="HV-0002", consent_confirmed=True
        )


def test_audit_entries_carry_codes_and_counts_but_never_the_answers(volunteer):
    screening = services.screening_start(
        actor=volunteer, kind="quick", age=25, age_in_doubt=False, information_language="en"
    )
    services.screening_answer(
        actor=volunteer, screening=screening, answers={"cd.threats": "yes", "cd.documents_held": "declined"}
    )
    services.screening_complete(actor=volunteer, screening=screening)
    events = list(AuditEvent.objects.filter(object_id=str(screening.uid)).order_by("seq"))
    assert [event.action for event in events] == [
        "screening.started",
        "screening.answered",
        "screening.completed",
    ]
    text = json.dumps([event.detail for event in events])
    assert "cd.threats" not in text
    assert "declined" not in text
    assert events[1].detail["answers"] == 2


def test_answering_locks_only_the_screening_row_never_the_shared_library_version(volunteer):
    """Every screening joins the one active library version: locking that row too queued every screening
    behind it and deadlocked with concurrent commits on PostgreSQL (bench/load_bench.py found it)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    screening = services.screening_start(
        actor=volunteer, kind="full", age=30, age_in_doubt=False, information_language="en"
    )
    with CaptureQueriesContext(connection) as queries:
        services.screening_answer(actor=volunteer, screening=screening, answers={"dr.job_nature": "yes"})
    locks = [q["sql"] for q in queries.captured_queries if "FOR UPDATE" in q["sql"]]
    if connection.vendor == "sqlite":
        assert locks == []  # SQLite has no row locks; the rule is checked on PostgreSQL
        return
    assert locks, "answering must lock the screening row"
    assert all('FOR UPDATE OF "screening_screening"' in sql for sql in locks if "screening_screening" in sql)
    assert not any(
        "FOR UPDATE" in sql and '"screening_libraryversion"' in sql.split("FOR UPDATE")[1] for sql in locks
    )
