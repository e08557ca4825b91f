"""Every user-facing text of the screening exists in French: the library's own texts, and the engine's and
pages' texts in the gettext catalogue (checked by code, so a new reason or next step cannot slip through)."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from django.utils import translation

from haven.accounts.permissions import Role
from haven.screening import services
from haven.screening.engine import GROUP_LABELS, NEXT_STEP_TEXT, OUTCOME_TEXT, REASON_TEXT, Outcome
from haven.screening.forms import ANSWER_CHOICES
from haven.screening.library import default_library
from haven.screening.present import CONFIDENCE_TEXT

PO_FILE = Path(__file__).resolve().parents[2] / "haven" / "locale" / "fr" / "LC_MESSAGES" / "django.po"
ENGINE_TEXTS = {
    **{f"outcome:{key}": text for key, text in OUTCOME_TEXT.items()},
    **{f"reason:{key}": text for key, text in REASON_TEXT.items()},
    **{f"next_step:{key}": text for key, text in NEXT_STEP_TEXT.items()},
    **{f"group:{key}": text for key, text in GROUP_LABELS.items()},
    **{f"confidence:{key}": text for key, text in CONFIDENCE_TEXT.items()},
    **{f"answer:{key}": str(label) for key, label in ANSWER_CHOICES},
}


def test_every_library_question_and_interpreter_sentence_has_a_french_text():
    library = default_library()
    same = [ind.id for ind in library.indicators if ind.text.fr.strip() == ind.text.en.strip()]
    assert all(ind.text.fr.strip() and ind.interpreter.fr.strip() for ind in library.indicators)
    assert same == []


@pytest.fixture(scope="module")
def catalogue():
    if not PO_FILE.exists():
        pytest.skip("haven/locale/fr/LC_MESSAGES/django.po does not exist yet")
    with PO_FILE.open("rb") as handle:
        return read_po(handle)


@pytest.mark.parametrize("code", sorted(ENGINE_TEXTS))
def test_each_engine_text_code_has_a_french_translation(code, catalogue):
    message = catalogue.get(ENGINE_TEXTS[code])
    assert message is not None, f"{code}: {ENGINE_TEXTS[code]!r} is not in the French catalogue"
    assert message.string and not message.fuzzy, f"{code}: the French entry is empty or fuzzy"
    if "%(group)s" in ENGINE_TEXTS[code]:
        assert "%(group)s" in message.string


def test_the_compiled_catalogue_gives_french_engine_texts(catalogue):
    with translation.override("fr"):
        translated = {code: translation.gettext(text) for code, text in ENGINE_TEXTS.items()}
    untranslated = [
        code for code, text in translated.items() if text == ENGINE_TEXTS[code] and text != "Sources"
    ]
    assert untranslated == []


@pytest.mark.django_db
def test_the_result_page_is_in_french_for_a_french_interface(make_user, signed_in, catalogue):
    volunteer = make_user(Role.VOLUNTEER)
    screening = services.screening_start(
        actor=volunteer, kind="quick", age=40, age_in_doubt=False, information_language="en"
    )
    services.screening_answer(actor=volunteer, screening=screening, answers={"sa.immediate_danger": "yes"})
    screening = services.screening_complete(actor=volunteer, screening=screening)
    client = signed_in(volunteer)
    client.post("/i18n/setlang/", {"language": "fr", "next": "/"})
    html = client.get(f"/screening/{screening.uid}/result/").content.decode()
    with translation.override("fr"):
        outcome = translation.gettext(OUTCOME_TEXT[Outcome(screening.outcome)])
        step = translation.gettext(NEXT_STEP_TEXT["safety_first"])
        question = default_library().get("sa.immediate_danger").text.fr
    assert outcome != OUTCOME_TEXT[Outcome(screening.outcome)]
    assert outcome in html
    assert step.replace("'", "&#x27;") in html
    assert question.replace("'", "&#x27;") in html
