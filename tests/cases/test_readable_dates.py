"""People read dates in words, day before month, in their language ("9 March 2026", "9 mars 2026"); machines
read ISO 8601 in attributes. The expected texts are written out by hand below."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from html.parser import HTMLParser

import pytest
from django import forms
from django.utils import formats, timezone, translation

from haven.cases import services
from haven.cases.models import Note

ISO_DAY = re.compile(r"\b(?:19|20)\d\d-\d\d-\d\d\b")


class _VisibleText(HTMLParser):
    """The text a person sees: element contents, without attributes, scripts or styles."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in {"script", "style"}:
            self._hidden += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in {"script", "style"} and self._hidden:
            self._hidden -= 1

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self.parts.append(data)


def _visible(page: str) -> str:
    parser = _VisibleText()
    parser.feed(page)
    return " ".join(" ".join(parser.parts).split())


def _field(page: str, name: str) -> str:
    match = re.search(rf'data-field="{name}">(.*?)</dd>', page, flags=re.S)
    assert match, f"no {name} on the page"
    return _visible(match.group(1))


@pytest.fixture
def dated_case(alice, make_case):
    """A case with consent given on 2 March 2026 until 30 June 2030, a task due on 9 March 2026 for Alice
    and a note written on 5 March 2026 at 11:00 UTC."""
    case = make_case(alice)
    services.consent_record(
        actor=alice,
        case=case,
        purpose="data_storage",
        status="given",
        given_on=date(2026, 3, 2),
        expires_on=date(2030, 6, 30),
        language="en",
        explained_by=alice,
        interpreter=False,
        information_sheet_version="v1",
    )
    services.task_add(actor=alice, case=case, due_on=date(2026, 3, 9), kind="follow_up_call", assignee=alice)
    services.note_add(actor=alice, case=case, section="general", body="Test note")
    Note.objects.filter(case=case).update(created_at=datetime(2026, 3, 5, 11, 0, tzinfo=UTC))
    return case


def test_the_case_page_gives_the_next_task_date_in_english_words(dated_case, alice, signed_in):
    page = signed_in(alice).get(f"/cases/{dated_case.code}/").content.decode()
    assert "9 March 2026" in _field(page, "next-task")


def test_the_same_case_page_in_french_gives_the_date_in_french_words(dated_case, alice, signed_in):
    client = signed_in(alice)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "fr"
    page = client.get(f"/cases/{dated_case.code}/").content.decode()
    assert "9 mars 2026" in _field(page, "next-task")


def test_the_task_list_shows_the_date_in_words_and_keeps_iso_for_machines(dated_case, alice, signed_in):
    page = signed_in(alice).get(f"/cases/{dated_case.code}/tasks/").content.decode()
    assert '<time datetime="2026-03-09">9 March 2026</time>' in page


def test_a_note_shows_its_day_and_time_in_french(dated_case, alice, signed_in):
    client = signed_in(alice)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "fr"
    page = client.get(f"/cases/{dated_case.code}/notes/").content.decode()
    assert '<time datetime="2026-03-05T11:00:00+00:00">5 mars 2026, 11:00</time>' in page


@pytest.mark.parametrize("language", ["en", "fr"])
def test_no_main_page_shows_an_iso_date_to_the_reader(dated_case, alice, signed_in, language):
    client = signed_in(alice)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = language
    code = dated_case.code
    for url in [
        "/cases/",
        f"/cases/{code}/",
        f"/cases/{code}/identity/",
        f"/cases/{code}/tasks/",
        f"/cases/{code}/consent/",
        f"/cases/{code}/notes/",
        f"/cases/{code}/timeline/",
        "/work/",
    ]:
        response = client.get(url)
        assert response.status_code == 200, url
        assert ISO_DAY.findall(_visible(response.content.decode())) == [], url


@pytest.mark.parametrize(
    ("language", "long", "short", "moment"),
    [
        ("en", "9 March 2026", "09/03/2026", "9 March 2026, 14:05"),
        ("fr", "9 mars 2026", "09/03/2026", "9 mars 2026, 14:05"),
    ],
)
def test_both_languages_put_the_day_before_the_month(language, long, short, moment):
    with translation.override(language):
        assert formats.date_format(date(2026, 3, 9), "DATE_FORMAT") == long
        assert formats.date_format(date(2026, 3, 9), "SHORT_DATE_FORMAT") == short
        assert formats.date_format(datetime(2026, 3, 9, 14, 5), "DATETIME_FORMAT") == moment


def test_a_date_typed_day_first_in_english_is_read_day_first():
    with translation.override("en"):
        assert forms.DateField().clean("09/03/2026") == date(2026, 3, 9)
        assert forms.DateField().clean("2026-03-09") == date(2026, 3, 9)


@pytest.mark.parametrize("language", ["en", "fr"])
def test_a_date_input_is_given_its_value_in_iso_in_both_languages(dated_case, alice, signed_in, language):
    """A browser's date input understands only ISO 8601: "today" prefilled on the consent form stays ISO."""
    client = signed_in(alice)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = language
    page = client.get(f"/cases/{dated_case.code}/consent/").content.decode()
    field = re.search(r'<input type="date" name="given_on"[^>]*>', page)
    assert field, "no date input for the day consent was given"
    assert f'value="{timezone.localdate().isoformat()}"' in field.group(0)


def test_the_date_of_birth_reads_in_words(dated_case, alice, signed_in):
    """The synthetic person was born on 1 April 1990 (tests/cases/conftest.py)."""
    client = signed_in(alice)
    assert "1 April 1990" in _visible(client.get(f"/cases/{dated_case.code}/identity/").content.decode())
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "fr"
    assert "1 avril 1990" in _visible(client.get(f"/cases/{dated_case.code}/identity/").content.decode())
