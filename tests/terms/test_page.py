"""The terminology checker's page and API: the findings highlighted in the text with suggestions; an upload
that is not text is refused with a message, never a server error; nothing is stored."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile

from haven.accounts.permissions import Role
from tests.cases.helpers import ApiClient
from tests.terms.test_cli import docx


def test_a_pasted_text_comes_back_with_each_finding_marked_and_a_suggestion(make_user, signed_in):
    client = signed_in(make_user(Role.VOLUNTEER))
    response = client.post("/terms/", {"text": "Anti-trafficking activities to rescue people.", "lang": ""})
    assert response.status_code == 200
    page = response.content.decode()
    assert '<mark id="use-1"><a href="#finding-0">Anti-trafficking</a></mark>' in page
    assert "<mark" in page and ">rescue</a></mark>" in page
    assert "<q>activities to protect against human trafficking</q>" in page
    assert 'data-findings="2"' in page


def test_an_uploaded_word_document_is_checked(make_user, signed_in):
    client = signed_in(make_user(Role.PROGRAMME_MANAGER))
    upload = SimpleUploadedFile("tract.docx", docx("La lutte contre la traite commence ici."))
    response = client.post("/terms/", {"document": upload, "lang": "fr"})
    assert response.status_code == 200
    assert 'data-rule="fr.la_lutte"' in response.content.decode()


def test_a_binary_upload_is_refused_with_a_message(make_user, signed_in):
    client = signed_in(make_user(Role.CASEWORKER))
    upload = SimpleUploadedFile("photo.txt", b"\x89PNG\x00\x00binary")
    response = client.post("/terms/", {"document": upload})
    assert response.status_code == 400
    assert "This document cannot be read" in response.content.decode()


def test_a_clean_text_says_nothing_was_found(make_user, signed_in):
    client = signed_in(make_user(Role.VOLUNTEER))
    response = client.post("/terms/", {"text": "We assist people who have experienced trafficking."})
    assert 'data-findings="0"' in response.content.decode()


def test_the_api_returns_each_finding_with_why_and_what_instead(make_user):
    api = ApiClient(make_user(Role.CASEWORKER))
    response = api.post("/terms/check", {"text": "Le trafic d'êtres humains", "lang": "fr"})
    assert response.status_code == 200
    [finding] = response.json()["findings"]
    assert finding["rule"] == "fr.trafic_etres_humains"
    assert finding["instead"] == ["traite des êtres humains"]


def test_the_api_refuses_an_unknown_language_as_bad_input(make_user):
    api = ApiClient(make_user(Role.CASEWORKER))
    response = api.post("/terms/check", {"text": "x", "lang": "de"})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_input"
