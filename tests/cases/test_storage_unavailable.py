"""A read-only or full database: pages that change nothing keep answering, and every write answers 503
with a page (or the API's error shape) that says storage refused it; nothing is half-written.

SQLite's own switches stand in for the disk: `PRAGMA query_only` refuses every write as a read-only file
does (SQLITE_READONLY), and `PRAGMA max_page_count` at the current size refuses growth as a full disk does
(SQLITE_FULL).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.db import connection
from django.test import Client

from haven.cases.models import Note
from tests.cases.helpers import ApiClient

pytestmark = [
    pytest.mark.skipif(connection.vendor != "sqlite", reason="uses SQLite's own write switches"),
    # Outside a test transaction, as in production: a refused write outside an atomic block would
    # otherwise break the test's own transaction.
    pytest.mark.django_db(transaction=True),
]

BIG_NOTE = "Synthetic test note. " * 900  # beyond any free room left in the file's pages


@pytest.fixture
def read_only() -> Iterator[None]:
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA query_only = ON")
    yield
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA query_only = OFF")


@pytest.fixture
def full() -> Iterator[None]:
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA max_page_count")
        before = cursor.fetchone()[0]
        # Free pages left by earlier tests would take the write: give them back first, so that the file
        # is exactly as full as its page count says.
        cursor.execute("VACUUM")
        cursor.execute("PRAGMA page_count")
        cursor.execute(f"PRAGMA max_page_count = {int(cursor.fetchone()[0])}")
    yield
    with connection.cursor() as cursor:
        cursor.execute(f"PRAGMA max_page_count = {int(before)}")


@pytest.fixture
def setting(alice, make_case, signed_in):
    """Alice signed in on the web and on the API, with a case, before the disk stops taking writes."""
    case = make_case(alice)
    web = signed_in(alice)
    web.raise_request_exception = False
    api = ApiClient(alice)
    api.client = Client(raise_request_exception=False)
    return case, web, api


def test_with_a_read_only_database_pages_that_change_nothing_still_open(setting, read_only):
    case, web, api = setting
    assert web.get("/").status_code == 200
    listing = web.get("/cases/")
    assert listing.status_code == 200 and case.code in listing.content.decode()
    assert api.get("/cases").json()["results"][0]["code"] == case.code


def test_with_a_read_only_database_a_write_on_the_web_answers_503_saying_so(setting, read_only):
    case, web, _api = setting
    response = web.post(f"/cases/{case.code}/notes/", {"section": "general", "body": "Synthetic test note"})
    assert response.status_code == 503
    html = response.content.decode()
    assert 'data-storage-state="read_only"' in html and "haven check" in html
    assert response["Retry-After"]
    assert not Note.objects.filter(case=case).exists()


def test_with_a_read_only_database_a_write_on_the_api_answers_503_in_the_error_shape(setting, read_only):
    case, _web, api = setting
    response = api.post(f"/cases/{case.code}/notes", {"section": "general", "body": "Synthetic test note"})
    assert response.status_code == 503
    assert response.json() == {
        "error": {"code": "storage_unavailable", "message": response.json()["error"]["message"]}
    }
    assert "read-only" in response.json()["error"]["message"]
    assert not Note.objects.filter(case=case).exists()


def test_with_a_full_database_a_write_answers_503_saying_it_is_full(setting, full):
    case, web, api = setting
    response = api.post(f"/cases/{case.code}/notes", {"section": "general", "body": BIG_NOTE})
    assert response.status_code == 503, response.content
    assert "full" in response.json()["error"]["message"]
    page = web.post(f"/cases/{case.code}/notes/", {"section": "general", "body": BIG_NOTE})
    assert page.status_code == 503
    assert 'data-storage-state="full"' in page.content.decode()
    assert not Note.objects.filter(case=case).exists()
