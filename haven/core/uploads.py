"""Uploaded files stay in memory: an attachment is plaintext until the service seals it, so it never touches
the disk in clear (no temporary file, whatever its size).

Django's default handlers spill an upload over FILE_UPLOAD_MAX_MEMORY_SIZE to a temporary file in clear.
Haven's only handler keeps every file in memory instead, and bounds that memory by refusing, before reading
any of it, a request body larger than one attachment plus the form fields could make
(`upload_request_max_bytes`). A file over the attachment limit but inside that bound reaches the service,
which refuses it with the form's "too large" message.
"""

from __future__ import annotations

from io import BytesIO
from typing import IO

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.core.files.uploadedfile import InMemoryUploadedFile
from django.core.files.uploadhandler import FileUploadHandler

# Part headers and boundaries of a multipart body, on top of the file and the form fields.
MULTIPART_OVERHEAD = 64 * 1024


def upload_request_max_bytes() -> int:
    """The largest body a request with a file may have: one attachment and the most the form fields take."""
    return int(settings.ATTACHMENT_MAX_BYTES) + int(settings.DATA_UPLOAD_MAX_MEMORY_SIZE) + MULTIPART_OVERHEAD


class MemoryOnlyUploadHandler(FileUploadHandler):
    """Keeps uploaded files in memory, never on disk; refuses an oversized body before reading it (400)."""

    def handle_raw_input(
        self,
        input_data: IO[bytes],
        META: dict[str, str],
        content_length: int,
        boundary: str,
        encoding: str | None = None,
    ) -> None:
        # On WSGI the body is read through a stream limited to Content-Length, so this bounds the memory.
        if content_length > upload_request_max_bytes():
            raise RequestDataTooBig("The request body is larger than an upload may be.")

    def new_file(
        self,
        field_name: str,
        file_name: str,
        content_type: str,
        content_length: int | None,
        charset: str | None = None,
        content_type_extra: dict[str, bytes] | None = None,
    ) -> None:
        super().new_file(field_name, file_name, content_type, content_length, charset, content_type_extra)
        self.file = BytesIO()

    def receive_data_chunk(self, raw_data: bytes, start: int) -> None:
        self.file.write(raw_data)

    def file_complete(self, file_size: int) -> InMemoryUploadedFile:
        self.file.seek(0)
        return InMemoryUploadedFile(
            file=self.file,
            field_name=self.field_name,
            name=self.file_name,
            content_type=self.content_type,
            size=file_size,
            charset=self.charset,
            content_type_extra=self.content_type_extra,
        )
