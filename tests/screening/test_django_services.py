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


def test_a_version_the_society_edited_stays_active_whatever_haven_bundles(volunteer, programme_manager):
    edited = services.library_version_create(actor=programme_manager, content=bundled_content())
    assert services.library_bootstrap().pk == edited.pk
    assert (
        services.screening_start(
            actor=volunteer, kind="quick", age=30, age_in_doubt=False, information_language="en"
        ).library_version
        == edited
    )


def test_current_library_reads_the_bundled_file_without_writing_when_nothing_is_stored():
    assert selectors.current_library() == default_library()
    assert LibraryVersion.objects.count() == 0


def test_a_library_edit_creates_a_new_version_and_an_old_screening_keeps_its_own(
    volunteer, programme_manager
):
    old = services.screening_start(
        actor=volunteer, kind="quick", age=30, age_in_doubt=False, information_language="en"
    )
    content = bundled_content()
    first = content["indicators"][0]
    first["text"]["en"] = "Edited question text for the test?"
    new = services.library_version_create(actor=programme_manager, content=content)

    bundled = default_library().version
    assert new.version == str(int(bundled) + 1)
    assert new.is_active
    assert LibraryVersion.objects.filter(is_active=True).count() == 1
    assert selectors.current_library().get(first["id"]).text.en == "Edited question text for the test?"
    old.refresh_from_db()
    assert old.library_version.version == bundled
    assert old.library().get(first["id"]).text.en != "Edited question text for the test?"
    fresh = services.screening_start(
        actor=volunteer, kind="quick", age=30, age_in_doubt=False, information_language="en"
    )
    assert fresh.library_version.pk == new.pk
    assert AuditEvent.objects.filter(
        action="screening.library_version_created", object_id=new.version
    ).exists()


def test_a_library_edit_is_refused_when_the_library_is_invalid(programme_manager):
    content = bundled_content()
    content["indicators"][0]["grades"] = {"adult-labour": "very strong"}
    with pytest.raises(ValueError, match="very strong"):
        services.library_version_create(actor=programme_manager, content=content)
    assert not LibraryVersion.objects.filter(created_by=programme_manager).exists()


def test_a_library_edit_that_leaves_the_quick_screening_unable_to_reach_strong_signs_is_refused(
    programme_manager,
):
    content = bundled_content()
    # Without the quick coercion questions, a quick screening of an adult can no longer show coercion.
    for indicator in content["indicators"]:
        if indicator["group"] == "coercion_at_destination" or indicator["id"] == "sc.organisers_control_now":
            indicator["quick"] = False
    with pytest.raises(ValueError, match="can no longer reach strong_signs for an adult"):
        services.library_version_create(actor=programme_manager, content=content)
    assert not LibraryVersion.objects.filter(created_by=programme_manager).exists()


def test_a_library_without_child_lists_is_refused(programme_manager):
    content = bundled_content()
    content["lists"] = [name for name in content["lists"] if name.startswith("adult-")]
    for indicator in content["indicators"]:
        indicator["grades"] = {k: v for k, v in indicator["grades"].items() if k.startswith("adult-")}
    with pytest.raises(ValueError, match="child list"):
        services.library_version_create(actor=programme_manager, content=content)


def test_only_a_role_with_the_library_permission_can_create_a_version(volunteer):
    with pytest.raises(PermissionDenied):
        services.library_version_create(actor=volunteer, content=bundled_content())


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
