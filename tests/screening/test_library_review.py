"""Library changes: drafted indicator by indicator, checked, and activated only by a second person."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied

from haven.accounts.permissions import Role
from haven.audit.models import AuditEvent
from haven.screening import services
from haven.screening.library import default_library
from haven.screening.library_checks import library_problems
from haven.screening.models import LibraryDraft, LibraryVersion

LIBRARY = default_library()


@pytest.fixture
def author(make_user):
    return make_user(Role.PROGRAMME_MANAGER)


@pytest.fixture
def reviewer(make_user):
    return make_user(Role.CASE_MANAGER)


def reworded(indicator_id: str, en: str) -> dict:
    indicator = LIBRARY.get(indicator_id)
    return {"text": {"en": en, "fr": indicator.text.fr}}


def refusals(reason: str) -> int:
    return sum(
        1
        for event in AuditEvent.objects.filter(action="screening.library_refused")
        if event.detail.get("reason") == reason
    )


def test_a_draft_approved_by_a_second_person_becomes_the_active_version(author, reviewer):
    draft = services.library_draft_create(actor=author)
    draft = services.library_draft_update_indicator(
        actor=author,
        draft=draft,
        indicator_id="cd.threats",
        changes=reworded("cd.threats", "Has anyone threatened you?"),
    )
    assert services.library_draft_changes(draft) == ["cd.threats"]
    version = services.library_draft_approve(actor=reviewer, draft=draft)
    assert version.is_active and version.approved_by == reviewer and version.created_by == author
    assert version.library().get("cd.threats").text.en == "Has anyone threatened you?"
    draft.refresh_from_db()
    assert (draft.status, draft.version) == (LibraryDraft.Status.APPROVED, version)


def test_a_library_change_by_one_person_cannot_be_activated(author, make_user):
    draft = services.library_draft_create(actor=author)
    with pytest.raises(services.ScreeningError, match="a second person must approve"):
        services.library_draft_approve(actor=author, draft=draft)
    # Nor by a second person who also changed it.
    other = make_user(Role.PROGRAMME_MANAGER)
    services.library_draft_update_indicator(
        actor=other,
        draft=draft,
        indicator_id="cd.threats",
        changes=reworded("cd.threats", "Were you threatened?"),
    )
    with pytest.raises(services.ScreeningError, match="a second person must approve"):
        services.library_draft_approve(actor=other, draft=draft)
    assert LibraryVersion.objects.get(is_active=True).version == LIBRARY.version
    assert refusals("own_draft") == 2


def test_a_change_that_makes_strong_signs_unreachable_from_the_quick_set_is_refused_with_the_reason(
    author, reviewer
):
    draft = services.library_draft_create(actor=author)
    # Take the coercion questions out of the quick screening, one by one, as an editor would.
    for raw in draft.content["indicators"]:
        if raw["quick"] and (
            raw["group"] == "coercion_at_destination" or raw.get("signal") == "ongoing_control"
        ):
            draft = services.library_draft_update_indicator(
                actor=author, draft=draft, indicator_id=raw["id"], changes={"quick": False}
            )
    assert "the quick screening can no longer reach strong_signs for an adult" in " ".join(
        services.library_draft_problems(draft)
    )
    with pytest.raises(services.ScreeningError, match="can no longer reach strong_signs for an adult"):
        services.library_draft_approve(actor=reviewer, draft=draft)
    assert LibraryVersion.objects.get(is_active=True).version == LIBRARY.version
    assert refusals("checks_failed") == 1


def test_a_question_in_words_the_terminology_guide_avoids_is_refused(author, reviewer):
    draft = services.library_draft_create(actor=author)
    draft = services.library_draft_update_indicator(
        actor=author,
        draft=draft,
        indicator_id="sa.someone_controls",
        changes=reworded("sa.someone_controls", "Do you need to be rescued from someone who controls you?"),
    )
    problems = services.library_draft_problems(draft)
    assert any("'rescued'" in p and "sa.someone_controls" in p for p in problems)
    with pytest.raises(services.ScreeningError, match="rescued"):
        services.library_draft_approve(actor=reviewer, draft=draft)


def test_a_list_that_can_no_longer_show_an_outcome_is_named() -> None:
    data = {"version": "x", "lists": list(LIBRARY.lists), "indicators": []}
    import json

    from haven.screening.library import DEFAULT_PATH, load_library

    raw = json.loads(DEFAULT_PATH.read_text(encoding="utf-8"))
    # Without any exploitation question on the labour list, strong signs are out of reach there.
    for indicator in raw["indicators"]:
        if indicator["group"] == "exploitative_conditions":
            indicator["grades"].pop("adult-labour", None)
    data["indicators"] = raw["indicators"]
    problems = library_problems(load_library(data))
    assert "list 'adult-labour' can no longer reach strong_signs" in problems


def test_the_bundled_library_passes_every_check() -> None:
    assert library_problems(LIBRARY) == []


def test_an_edit_that_would_make_the_library_invalid_is_refused_and_the_draft_unchanged(author):
    draft = services.library_draft_create(actor=author)
    with pytest.raises(ValueError, match="very strong"):
        services.library_draft_update_indicator(
            actor=author,
            draft=draft,
            indicator_id="cd.threats",
            changes={"grades": {"adult-labour": "very strong"}},
        )
    with pytest.raises(ValueError, match="cannot be changed: group"):
        services.library_draft_update_indicator(
            actor=author, draft=draft, indicator_id="cd.threats", changes={"group": "safety"}
        )
    draft.refresh_from_db()
    assert services.library_draft_changes(draft) == []


def test_only_roles_with_the_library_permissions_may_draft_or_approve(make_user, author):
    volunteer = make_user(Role.VOLUNTEER)
    with pytest.raises(PermissionDenied):
        services.library_draft_create(actor=volunteer)
    draft = services.library_draft_create(actor=author)
    with pytest.raises(PermissionDenied):
        services.library_draft_approve(actor=volunteer, draft=draft)
    assert refusals("permission") == 2


def test_an_approved_or_withdrawn_draft_is_closed(author, reviewer):
    draft = services.library_draft_create(actor=author)
    services.library_draft_withdraw(actor=author, draft=draft)
    with pytest.raises(services.ScreeningError, match="already approved or withdrawn"):
        services.library_draft_approve(actor=reviewer, draft=draft)
    with pytest.raises(services.ScreeningError, match="already approved or withdrawn"):
        services.library_draft_update_indicator(
            actor=author, draft=draft, indicator_id="cd.threats", changes={}
        )


def test_each_screening_keeps_the_library_version_it_was_evaluated_with(author, reviewer, make_user):
    volunteer = make_user(Role.VOLUNTEER)
    before = services.screening_start(
        actor=volunteer, kind="quick", age=30, age_in_doubt=False, information_language="en"
    )
    draft = services.library_draft_create(actor=author)
    services.library_draft_update_indicator(
        actor=author,
        draft=draft,
        indicator_id="cd.threats",
        changes=reworded("cd.threats", "Were you threatened?"),
    )
    new = services.library_draft_approve(actor=reviewer, draft=draft)
    services.screening_answer(actor=volunteer, screening=before, answers={"cd.threats": "yes"})
    done = services.screening_complete(actor=volunteer, screening=before)
    assert done.library_version.version == LIBRARY.version
    assert done.result["library_version"] == LIBRARY.version
    after = services.screening_start(
        actor=volunteer, kind="quick", age=30, age_in_doubt=False, information_language="en"
    )
    assert after.library_version == new
