"""The screening library's review uses the one terminology checker, with the rules for each text's
language: a French question with a word French usage avoids cannot be activated, and the problem says what
to write instead."""

from __future__ import annotations

import pytest

from haven.accounts.permissions import Role
from haven.screening import services
from haven.screening.library import default_library


def test_a_french_question_with_a_word_to_avoid_is_refused_with_the_french_suggestion(make_user):
    author, reviewer = make_user(Role.PROGRAMME_MANAGER), make_user(Role.CASE_MANAGER)
    indicator = default_library().get("sa.someone_controls")
    draft = services.library_draft_create(actor=author)
    draft = services.library_draft_update_indicator(
        actor=author,
        draft=draft,
        indicator_id="sa.someone_controls",
        changes={"text": {"en": indicator.text.en, "fr": "Avez-vous besoin qu'on vienne vous sauver ?"}},
    )
    problems = services.library_draft_problems(draft)
    assert any("text.fr says 'sauver'" in p and "accompagner" in p for p in problems), problems
    with pytest.raises(services.ScreeningError, match="sauver"):
        services.library_draft_approve(actor=reviewer, draft=draft)
