"""Attachment uploads stay in memory until sealed: no temporary file for any size, a file over the limit gets
the form's message, and a body larger than any allowed upload is refused before it is read.
(The byte search for a marker in the temporary folder is in tests/vault/test_marker.py.)"""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.exceptions import RequestDataTooBig

from haven.audit.models import AuditEvent
from haven.cases.models import Attachment
from haven.core.uploads import MemoryOnlyUploadHandler, upload_request_max_bytes


class Unreadable(io.RawIOBase):
    def read(self, size: int = -1) -> bytes:
        raise AssertionError("the body was read")


def test_memory_is_the_only_upload_handler(settings: Any) -> None:
    assert settings.FILE_UPLOAD_HANDLERS == ["haven.core.uploads.MemoryOnlyUploadHandler"]
    # Django's ASGI handler spools a body over this size to disk: the largest body Haven accepts fits.
    assert settings.FILE_UPLOAD_MAX_MEMORY_SIZE == upload_request_max_bytes()


def test_the_handler_refuses_a_body_larger_than_any_upload_without_reading_it() -> None:
    handler = MemoryOnlyUploadHandler()
    limit = upload_request_max_bytes()
    handler.handle_raw_input(Unreadable(), {}, limit, "boundary")
    with pytest.raises(RequestDataTooBig):
        handler.handle_raw_input(Unreadable(), {}, limit + 1, "boundary")


def test_a_file_over_the_limit_gets_the_forms_message_and_leaves_no_file(
    alice, make_case, signed_in, settings, temp_dir
):
    settings.ATTACHMENT_MAX_BYTES = 64 * 1024
    case = make_case(alice)
    upload = io.BytesIO(b"%PDF-" + b"x" * (settings.ATTACHMENT_MAX_BYTES + 1))
    upload.name = "big.pdf"
    response = signed_in(alice).post(f"/cases/{case.code}/attachments/", {"file": upload})
    assert response.status_code == 400
    assert b"The file is too large" in response.content
    assert not Attachment.objects.filter(case=case).exists()
    assert list(temp_dir.iterdir()) == []


def test_a_body_larger_than_any_upload_is_a_400_and_changes_nothing(
    alice, make_case, signed_in, settings, temp_dir
):
    settings.ATTACHMENT_MAX_BYTES = 4096
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 4096
    case = make_case(alice)
    client = signed_in(alice)
    upload = io.BytesIO(b"%PDF-" + b"x" * (upload_request_max_bytes() + 1))
    upload.name = "huge.pdf"
    response = client.post(f"/cases/{case.code}/attachments/", {"file": upload})
    assert response.status_code == 400
    assert not Attachment.objects.filter(case=case).exists()
    assert not AuditEvent.objects.filter(action="case.attachment_added").exists()
    assert list(temp_dir.iterdir()) == []
    # The session survives: the next upload, within the limit, is stored.
    small = io.BytesIO(b"%PDF-1.4 small")
    small.name = "small.pdf"
    assert client.post(f"/cases/{case.code}/attachments/", {"file": small}).status_code == 302
    assert Attachment.objects.filter(case=case).count() == 1


def test_an_oversized_body_is_a_400_before_the_csrf_check_too(
    alice, make_case, signed_in, settings, temp_dir
):
    settings.ATTACHMENT_MAX_BYTES = 4096
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 4096
    case = make_case(alice)
    client = signed_in(alice)
    client.handler.enforce_csrf_checks = True  # as a browser meets it: the CSRF check reads the body first
    assert client.get(f"/cases/{case.code}/attachments/").status_code == 200  # sets the CSRF cookie
    token = client.cookies[settings.CSRF_COOKIE_NAME].value
    upload = io.BytesIO(b"%PDF-" + b"x" * (upload_request_max_bytes() + 1))
    upload.name = "huge.pdf"
    response = client.post(f"/cases/{case.code}/attachments/", {"csrfmiddlewaretoken": token, "file": upload})
    assert response.status_code == 400
    assert not Attachment.objects.filter(case=case).exists()
    assert list(temp_dir.iterdir()) == []
    small = io.BytesIO(b"%PDF-1.4 small")
    small.name = "small.pdf"
    response = client.post(f"/cases/{case.code}/attachments/", {"csrfmiddlewaretoken": token, "file": small})
    assert response.status_code == 302, "the same form, within the limit, passes the CSRF check"
