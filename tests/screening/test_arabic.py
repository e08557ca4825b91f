"""Arabic for the person: the information before a screening and the interpreter sentences, written right to
left; the worker's own screens stay in their interface language."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from haven.screening import services
from haven.screening.library import default_library, load_library

pytestmark = pytest.mark.django_db

HAVEN = Path(__file__).resolve().parents[2] / "haven"
ARABIC_PO = HAVEN / "locale" / "ar" / "LC_MESSAGES" / "django.po"
INFORMATION_TEMPLATES = [
    HAVEN / "screening" / "templates" / "screening" / "_information.html",
    HAVEN / "screening" / "templates" / "screening" / "information.html",
    # The link card given to the person: a service's contact details and that nothing was shared.
    HAVEN / "referrals" / "templates" / "referrals" / "link_card.html",
]
ARABIC_LETTER = re.compile(r"[\u0600-\u06ff]")
# Typed by hand from the information sheet's Arabic wording ("This is not an investigation").
NOT_AN_INVESTIGATION = "هذا ليس تحقيقًا"


def person_texts() -> set[str]:
    """Every text shown to the person on the information page and the link card, read from their templates,
    and the kinds of service a card may name."""
    from django.utils import translation

    from haven.referrals.vocab import ORGANISATION_TYPES

    with translation.override("en"):
        texts: set[str] = {str(label) for _code, label in ORGANISATION_TYPES}
    for template in INFORMATION_TEMPLATES:
        body = template.read_text(encoding="utf-8")
        inside = re.findall(r"{% language lang %}(.*?){% endlanguage %}", body, re.S) or [body]
        for part in inside:
            texts |= set(re.findall(r'{% translate "([^"]+)" %}', part))
    return texts


def arabic_catalogue() -> dict[str, str]:
    with ARABIC_PO.open("rb") as handle:
        catalogue = read_po(handle)
    return {str(m.id): str(m.string) for m in catalogue if m.id}


def test_every_text_for_the_person_has_its_arabic_and_the_catalogue_holds_nothing_else() -> None:
    wanted = person_texts()
    catalogue = arabic_catalogue()
    assert "Information for you" in wanted and len(wanted) >= 9
    assert set(catalogue) == wanted
    assert all(ARABIC_LETTER.search(text) for text in catalogue.values())


def test_every_question_of_the_bundled_library_has_a_short_arabic_interpreter_sentence() -> None:
    library = default_library()
    questions = [ind for ind in library.indicators if not ind.observed]
    assert len(questions) >= 60
    for indicator in questions:
        arabic = indicator.interpreter.for_person("ar")
        assert ARABIC_LETTER.search(arabic), indicator.id
        assert len(arabic.split()) <= 12, indicator.id


def test_a_library_without_arabic_is_still_valid_and_an_unknown_language_is_refused() -> None:
    import json

    from haven.screening.library import DEFAULT_PATH

    data = json.loads(DEFAULT_PATH.read_text(encoding="utf-8"))
    for raw in data["indicators"]:
        raw["interpreter"].pop("ar", None)
    assert load_library(data).get("cd.threats").interpreter.for_person("ar") == ""
    data["indicators"][0]["interpreter"]["de"] = "In Gefahr?"
    with pytest.raises(ValueError, match="unknown de"):
        load_library(data)


def test_the_information_page_in_arabic_is_right_to_left_and_the_rest_of_the_page_stays_english(
    make_user, signed_in
) -> None:
    from haven.accounts.permissions import Role

    page = signed_in(make_user(Role.VOLUNTEER, "North")).get("/screening/information/ar/")
    html = page.content.decode()
    assert page.status_code == 200
    assert 'lang="ar" dir="rtl"' in html
    assert NOT_AN_INVESTIGATION in html
    assert "Back to screening" in html  # the worker's part, in the interface language


def test_in_interpreter_mode_an_arabic_speaking_person_gets_the_arabic_sentence_right_to_left(
    make_user, signed_in
) -> None:
    from haven.accounts.permissions import Role

    volunteer = make_user(Role.VOLUNTEER, "North")
    screening = services.screening_start(
        actor=volunteer, kind="quick", age=40, age_in_doubt=False, information_language="ar"
    )
    client = signed_in(volunteer)
    danger = default_library().get("sa.immediate_danger")
    html = client.get(f"/screening/{screening.uid}/quick/?mode=interpreter").content.decode()
    assert f'lang="ar" dir="rtl" data-spoken>{danger.interpreter.ar}<' in html
    assert f"<legend>{danger.interpreter.en}</legend>" in html  # the worker reads their own language too
    plain = client.get(f"/screening/{screening.uid}/quick/").content.decode()
    assert "data-spoken" not in plain  # outside interpreter mode the worker asks the full question


def test_a_link_card_for_an_arabic_speaking_person_is_in_arabic_right_to_left_and_the_rest_stays_english(
    users_by_role, signed_in
) -> None:
    from haven.accounts.permissions import Role
    from haven.referrals import services as referrals
    from tests.referrals.helpers import north_case, organisation

    users = {role.value: user for role, user in users_by_role.items()}
    manager = users[Role.CASE_MANAGER.value]
    case = north_case(users)
    shelter = organisation("AR-SHELTER", name="Test Shelter Ar", languages=["ar", "fr"])
    link = referrals.link_create(
        actor=manager, case=case, organisation=shelter, need_domain="accommodation", language="ar"
    )
    html = signed_in(manager).get(f"/referrals/case/{case.code}/links/{link.pk}/card/").content.decode()
    assert 'data-card="link" lang="ar" dir="rtl"' in html
    # Typed by hand: "shelter", "languages", and the languages the service speaks by their Arabic names.
    assert "<p>مأوى</p>" in html and "<dt>اللغات</dt>" in html
    assert "العربية" in html and "الفرنسية" in html
    assert "الصليب الأحمر" in html  # "The Red Cross has not shared anything about you"
    assert ">Home</a>" in html  # the worker's link stays in the interface language
    assert case.code not in html
