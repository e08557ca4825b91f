"""Languages and countries are chosen by their names in the reader's language, and kept as codes.

Expectations are written by hand from the French and English names everyone reads (CLDR's, as Babel has
them): "Albanais" is sq, "Roumanie" is RO; in French, Égypte sorts among the E, after Danemark.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from django.test import Client
from django.utils import translation

from haven.accounts.models import User
from haven.cases import forms as f
from haven.cases.models import HistoricEvent

pytestmark = pytest.mark.django_db


def options(html: str, field: str) -> list[tuple[str, str]]:
    """(value, label) of the options of the <select name=field> on a page."""
    select = re.search(rf'<select name="{field}"[^>]*>(.*?)</select>', html, re.S)
    assert select, f"no <select> for {field}"
    return re.findall(r'<option value="([^"]*)"[^>]*>([^<]*)</option>', select.group(1))


def french(client: Client) -> Client:
    client.cookies["django_language"] = "fr"
    return client


def test_in_french_the_first_contact_offers_languages_by_their_french_names(
    alice: User, signed_in: Callable[[User], Client]
) -> None:
    html = french(signed_in(alice)).get("/cases/new/").content.decode()
    spoken = dict((label, value) for value, label in options(html, "languages"))
    assert spoken["Albanais"] == "sq"
    assert spoken["Roumain"] == "ro"
    assert spoken["Arabe"] == "ar"
    information = dict((label, value) for value, label in options(html, "information_language"))
    assert information["Albanais"] == "sq"


def test_in_english_the_same_languages_have_their_english_names(
    alice: User, signed_in: Callable[[User], Client]
) -> None:
    html = signed_in(alice).get("/cases/new/").content.decode()
    spoken = dict((label, value) for value, label in options(html, "languages"))
    assert spoken["Albanian"] == "sq"
    assert spoken["Romanian"] == "ro"


def test_countries_are_sorted_by_their_name_in_the_readers_language_accents_aside() -> None:
    with translation.override("fr"):
        names = [label for _code, label in f.country_options()]
    assert names.index("Danemark") < names.index("Égypte") < names.index("Espagne") < names.index("Roumanie")
    with translation.override("en"):
        names = [label for _code, label in f.country_options()]
    assert names.index("Denmark") < names.index("Egypt") < names.index("Romania") < names.index("Spain")


def test_a_country_chosen_by_its_french_name_is_kept_as_its_code(
    alice: User, make_case: Callable[..., object], signed_in: Callable[[User], Client]
) -> None:
    case = make_case(alice)
    client = french(signed_in(alice))
    page = client.get(f"/cases/{case.code}/events/").content.decode()  # type: ignore[attr-defined]
    chosen = dict((label, value) for value, label in options(page, "country"))["Roumanie"]
    response = client.post(
        f"/cases/{case.code}/events/",  # type: ignore[attr-defined]
        {"type": "Recruitment", "country": chosen, "precision": "unknown"},
    )
    assert response.status_code == 302
    assert list(HistoricEvent.objects.values_list("country", flat=True)) == ["RO"]


def test_an_unknown_country_code_is_refused_with_a_clear_message(
    alice: User, make_case: Callable[..., object], signed_in: Callable[[User], Client]
) -> None:
    case = make_case(alice)
    response = signed_in(alice).post(
        f"/cases/{case.code}/events/",  # type: ignore[attr-defined]
        {"type": "Recruitment", "country": "XQ", "precision": "unknown"},
    )
    assert response.status_code == 400
    assert "Unknown country code: XQ." in response.content.decode()
    assert not HistoricEvent.objects.exists()


def test_an_unknown_language_code_is_refused_with_a_clear_message(
    alice: User, signed_in: Callable[[User], Client]
) -> None:
    response = signed_in(alice).post(
        "/cases/new/", {"name": "Test Person Pick", "languages": ["ro", "qqq"], "age_method": "unknown"}
    )
    assert response.status_code == 400
    assert "Unknown language code: qqq." in response.content.decode()
