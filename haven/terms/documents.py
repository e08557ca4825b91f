"""Reading the documents the terminology checker is given: plain text, Markdown and Word (.docx).

Pure Python (no Django). A .docx is a zip archive whose ``word/document.xml`` holds the text; it is read
with the standard library (zipfile and xml.etree), so no new dependency is needed. Anything else that is
not UTF-8 text (an image, a PDF, a binary) is refused with a `DocumentUnreadable` naming the problem.
"""

from __future__ import annotations

import io
import zipfile
from xml.etree import ElementTree

# Larger than any leaflet, guide or campaign text a Society would check; keeps a zip bomb harmless.
MAX_BYTES = 5_000_000
TEXT_SUFFIXES = (".txt", ".md", ".markdown", ".html", ".po", ".rst", ".csv")
DOCX_SUFFIX = ".docx"
SUFFIXES = (*TEXT_SUFFIXES, DOCX_SUFFIX)

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


class DocumentUnreadable(ValueError):
    """The document cannot be read as text; the message says why (never its content)."""


def _docx_text(raw: bytes) -> str:
    try:
        archive = zipfile.ZipFile(io.BytesIO(raw))
    except zipfile.BadZipFile:
        raise DocumentUnreadable("it is not a Word document (.docx)") from None
    with archive:
        try:
            info = archive.getinfo("word/document.xml")
        except KeyError:
            raise DocumentUnreadable("it is not a Word document (.docx): no word/document.xml") from None
        if info.file_size > MAX_BYTES:
            raise DocumentUnreadable(f"its text is larger than {MAX_BYTES} bytes")
        xml = archive.read(info)
    try:
        root = ElementTree.fromstring(xml)  # noqa: S314 (see the import)
    except ElementTree.ParseError:
        raise DocumentUnreadable("its Word text is damaged") from None
    paragraphs = []
    for paragraph in root.iter(f"{_W}p"):
        pieces = []
        for node in paragraph.iter():
            if node.tag == f"{_W}t" and node.text:
                pieces.append(node.text)
            elif node.tag == f"{_W}tab":
                pieces.append("\t")
            elif node.tag in (f"{_W}br", f"{_W}cr"):
                pieces.append("\n")
        paragraphs.append("".join(pieces))
    return "\n".join(paragraphs)


def read_document(name: str, raw: bytes) -> str:
    """The text of a document called ``name`` (its suffix says how to read it); DocumentUnreadable if not."""
    if len(raw) > MAX_BYTES:
        raise DocumentUnreadable(f"it is larger than {MAX_BYTES} bytes")
    if name.lower().endswith(DOCX_SUFFIX):
        return _docx_text(raw)
    if b"\x00" in raw:
        raise DocumentUnreadable("it is a binary file, not text")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise DocumentUnreadable("it is not UTF-8 text") from None
    return text.replace("\r\n", "\n")
