"""Bad input to the web forms gets a 4xx with a clear message, never a 500, and changes nothing."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client

from haven.accounts.models import User
from haven.audit.models import AuditEvent
from tests.conftest import PASSWORD

FORM = "application/x-www-form-urlencoded"


def login_raw(body: bytes, content_type: str = FORM):  # type: ignore[no-untyped-def]
    return Client(raise_request_exception=False).generic("POST", "/accounts/login/", body, content_type)


@pytest.mark.parametrize(
    ("data", "field"),
    [({}, "email"), ({"email": "bob@example.test"}, "password"), ({"password": PASSWORD}, "email")],
)
def test_a_login_with_a_missing_field_says_which_is_missing(
    bob: User, data: dict[str, str], field: str
) -> None:
    response = Client().post("/accounts/login/", data)
    assert response.status_code == 400
    html = response.content.decode()
    assert "This field is required." in html
    assert f'id="id_{field}"' in html and "has-error" in html


def test_a_ten_kilobyte_email_is_refused_with_the_limit(bob: User) -> None:
    response = Client().post(
        "/accounts/login/", {"email": "a" * 10_240 + "@example.test", "password": PASSWORD}
    )
    assert response.status_code == 400
    assert "at most 254 characters" in response.content.decode()


def test_a_ten_kilobyte_password_is_refused_without_hashing_it(bob: User) -> None:
    response = Client().post("/accounts/login/", {"email": bob.email, "password": "p" * 10_240})
    assert response.status_code == 400
    assert "at most 128 characters" in response.content.decode()
    bob.refresh_from_db()
    assert bob.failed_logins == 0


@pytest.mark.parametrize(
    "body",
    [
        b"email=%FF%FE%FD&password=%C3%28%A0%A1",
        b"email=\xff\xfe\xfd@example.test&password=\xc3\x28\xa0\xa1xxxxxxxx",
        b"\x00\x01\x02\x03\xff",
        b"email=bob%00@example.test&password=x",
    ],
    ids=["percent-encoded", "raw-bytes", "binary", "nul-byte"],
)
def test_a_login_that_is_not_utf8_gets_a_clear_400(bob: User, body: bytes) -> None:
    response = login_raw(body)
    assert response.status_code == 400
    html = response.content.decode()
    assert (
        "Enter a valid email address." in html
        or "This field is required." in html
        or "Null characters" in html
    )


def test_a_broken_multipart_body_is_a_400(db: None) -> None:
    response = login_raw(b"--xyz\r\nnot really multipart", "multipart/form-data; boundary=xyz")
    assert response.status_code == 400


def test_a_body_over_the_upload_limit_is_a_400(db: None) -> None:
    body = b"email=x%40example.test&password=" + b"p" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 10)
    response = login_raw(body)
    assert response.status_code == 400


def test_too_many_fields_is_a_400(db: None) -> None:
    body = "&".join(f"f{i}=1" for i in range(settings.DATA_UPLOAD_MAX_NUMBER_FIELDS + 5)).encode()
    assert login_raw(body).status_code == 400


def test_a_malformed_code_is_a_400_and_does_not_count_as_a_guess(bob: User) -> None:
    client = Client()
    client.post("/accounts/login/", {"email": bob.email, "password": PASSWORD})
    response = client.generic("POST", "/accounts/mfa/", b"code=\xff\xfe" + b"9" * 5000, FORM)
    assert response.status_code == 400
    assert "Enter the six digits" in response.content.decode()


def test_bad_input_changes_nothing(bob: User) -> None:
    before = list(AuditEvent.objects.values_list("seq", flat=True))
    login_raw(b"\x00\x01\x02")
    Client().post("/accounts/login/", {})
    assert list(AuditEvent.objects.values_list("seq", flat=True)) == before
    assert User.objects.get(pk=bob.pk).failed_logins == 0


def test_an_unknown_language_choice_is_ignored_not_an_error(db: None) -> None:
    response = Client().post("/i18n/setlang/", {"language": "xx-\xff" * 50, "next": "/accounts/login/"})
    assert response.status_code == 302
