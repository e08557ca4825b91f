"""Languages and countries are stored as ISO codes (as HTCDS and CTDC have them) and shown by their names,
in the reader's language. Expected names typed by hand from CLDR's English and French."""

from __future__ import annotations

import pytest
from django.utils import translation

from haven.cases import vocab

# code -> (English, French)
LANGUAGES = {"ro": ("Romanian", "roumain"), "sq": ("Albanian", "albanais"), "ar": ("Arabic", "arabe")}
COUNTRIES = {"AL": ("Albania", "Albanie"), "NG": ("Nigeria", "Nigeria"), "RO": ("Romania", "Roumanie")}


@pytest.mark.parametrize(("code", "names"), LANGUAGES.items())
def test_a_language_code_reads_as_its_name_in_english_and_french(code: str, names: tuple[str, str]) -> None:
    assert (vocab.language_name(code, "en"), vocab.language_name(code, "fr")) == names


@pytest.mark.parametrize(("code", "names"), COUNTRIES.items())
def test_a_country_code_reads_as_its_name_in_english_and_french(code: str, names: tuple[str, str]) -> None:
    assert (vocab.country_name(code, "en"), vocab.country_name(code, "fr")) == names


def test_an_unknown_code_stays_as_it_is_and_zz_reads_as_unknown() -> None:
    assert vocab.language_name("qqq", "en") == "qqq"
    with translation.override("fr"):
        assert vocab.country_name("ZZ", "fr") == "Inconnu"


@pytest.mark.django_db
def test_the_case_pages_show_languages_and_citizenship_by_name(alice, make_case, signed_in) -> None:
    case = make_case(alice, languages=["ro", "sq"], information_language="ro", citizenship=["AL"])
    client = signed_in(alice)
    summary = client.get(f"/cases/{case.code}/").content.decode()
    assert "Romanian, Albanian" in summary and "information in Romanian" in summary
    assert "ro, sq" not in summary
    person = client.get(f"/cases/{case.code}/person/identity/").content.decode()
    assert "Albania" in person
    client.post("/i18n/setlang/", {"language": "fr", "next": "/"})
    summary_fr = client.get(f"/cases/{case.code}/").content.decode()
    assert "roumain, albanais" in summary_fr
