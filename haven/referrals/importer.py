"""Directory import and export, CSV and XLSX.

An import checks every row first and writes nothing when one is wrong; the error names the line and the
column, never the cell's content. Exports neutralise cells a spreadsheet would run as formulas (the same rule
as the statistics exports). XLSX is read and written with the standard library (a workbook is zipped XML):
one sheet, text and numbers, no formulas.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET
from xml.sax.saxutils import escape

from django.core.exceptions import ValidationError
from django.db import transaction

from haven.accounts.actions import authorize
from haven.accounts.models import User
from haven.audit.services import audit_record
from haven.evidence.anonymise.csvio import neutralise_cell
from haven.referrals import services
from haven.referrals.selectors import DIRECTORY_COLUMNS, LIST_COLUMNS, directory_rows

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 5000
_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"


class DirectoryFileError(ValueError):
    """A file Haven will not import; the message names the line and column, never a cell's content."""


# -- reading -------------------------------------------------------------------------------------------------


def _read_csv(data: bytes) -> list[list[str]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise DirectoryFileError("the file is not UTF-8 text") from None
    first = text.split("\n", 1)[0]
    sep = ";" if first.count(";") > first.count(",") else ","
    try:
        return [row for row in csv.reader(io.StringIO(text, newline=""), delimiter=sep, strict=True)]
    except csv.Error as exc:
        raise DirectoryFileError(f"not a readable CSV file ({exc})") from None


def _column_index(ref: str) -> int:
    letters = re.match(r"[A-Z]+", ref)
    number = 0
    for char in letters.group(0) if letters else "A":
        number = number * 26 + (ord(char) - 64)
    return number - 1


def _part(book: zipfile.ZipFile, name: str) -> bytes:
    """One part of the workbook, read in chunks up to a limit: the sizes a zip declares can lie."""
    limit = 10 * MAX_BYTES
    chunks, total = [], 0
    with book.open(name) as part:
        while chunk := part.read(65536):
            total += len(chunk)
            if total > limit:
                raise DirectoryFileError("the workbook unpacks to more than Haven reads")
            chunks.append(chunk)
    return b"".join(chunks)


def _read_xlsx(data: bytes) -> list[list[str]]:
    # The parts are parsed with the standard library's expat parser, which resolves no external entity
    # and (expat 2.4.1 and later) refuses entity expansion attacks; the size of each part is capped first.
    try:
        book = zipfile.ZipFile(io.BytesIO(data))
        shared: list[str] = []
        if "xl/sharedStrings.xml" in book.namelist():
            root = ET.fromstring(_part(book, "xl/sharedStrings.xml"))  # noqa: S314
            for item in root.iter(f"{_NS}si"):
                shared.append("".join(t.text or "" for t in item.iter(f"{_NS}t")))
        sheet = ET.fromstring(_part(book, "xl/worksheets/sheet1.xml"))  # noqa: S314
    except (zipfile.BadZipFile, KeyError, ET.ParseError):
        raise DirectoryFileError("not a readable XLSX workbook (first sheet)") from None
    rows: list[list[str]] = []
    for row in sheet.iter(f"{_NS}row"):
        cells: dict[int, str] = {}
        position = 0
        for cell in row.iter(f"{_NS}c"):
            kind = cell.get("t", "n")
            if kind == "inlineStr":
                value = "".join(t.text or "" for t in cell.iter(f"{_NS}t"))
            else:
                raw = cell.find(f"{_NS}v")
                value = raw.text or "" if raw is not None else ""
                if kind == "s":
                    value = shared[int(value)] if value.isdigit() and int(value) < len(shared) else ""
            ref = cell.get("r")
            position = _column_index(ref) if ref else position
            cells[position] = value
            position += 1
        width = max(cells) + 1 if cells else 0
        rows.append([cells.get(i, "") for i in range(width)])
    return rows


def read_table(path: Path) -> list[list[str]]:
    """The rows of a CSV or XLSX file (by its extension)."""
    if path.stat().st_size > MAX_BYTES:
        raise DirectoryFileError("the file is larger than 5 MB")
    data = path.read_bytes()
    if path.suffix.lower() == ".xlsx":
        return _read_xlsx(data)
    if path.suffix.lower() == ".csv":
        return _read_csv(data)
    raise DirectoryFileError("give a .csv or .xlsx file")


# -- checking and importing ----------------------------------------------------------------------------------


def _parse(name: str, text: str) -> Any:
    text = text.strip()
    if name in LIST_COLUMNS:
        return [part for part in re.split(r"[\s,]+", text) if part]
    if name in ("capacity", "waiting_days"):
        if not text:
            return None
        if not text.isdigit():
            raise ValueError
        return int(text)
    if name in ("safe_to_cooperate", "mandate_in_line"):
        if text.lower() not in ("yes", "no", "true", "false", "1", "0", ""):
            raise ValueError
        return text.lower() in ("yes", "true", "1")
    if name in ("agreement_expires", "reviewed_on", "review_due"):
        return date.fromisoformat(text) if text else None
    return text


def check_rows(rows: Sequence[Sequence[str]]) -> list[dict[str, Any]]:
    """Each data row's values, or DirectoryFileError for the first wrong cell (line and column named)."""
    if not rows:
        raise DirectoryFileError("the file is empty")
    header = [h.strip() for h in rows[0]]
    unknown = [h for h in header if h not in DIRECTORY_COLUMNS]
    if unknown or "code" not in header or "name" not in header or "org_type" not in header:
        raise DirectoryFileError(
            "line 1: the header must name columns of the directory, with at least code, name and org_type"
        )
    if len(rows) - 1 > MAX_ROWS:
        raise DirectoryFileError(f"more than {MAX_ROWS} rows")
    checked = []
    seen: set[str] = set()
    for line, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) > len(header):
            raise DirectoryFileError(f"line {line}: more cells than the header has columns")
        values: dict[str, Any] = {}
        for index, name in enumerate(header):
            try:
                values[name] = _parse(name, row[index] if index < len(row) else "")
            except ValueError:
                raise DirectoryFileError(f"line {line}, column {name}: not a valid value") from None
        try:
            clean = services.clean_organisation_values(values)
        except ValidationError as exc:
            column = next(iter(exc.message_dict)) if hasattr(exc, "error_dict") else ""
            raise DirectoryFileError(f"line {line}, column {column}: not a valid value") from None
        if clean["code"] in seen:
            raise DirectoryFileError(f"line {line}, column code: the code appears twice in the file")
        seen.add(clean["code"])
        checked.append(values)
    return checked


@transaction.atomic
def directory_import(*, actor: User | None, path: Path) -> int:
    """Import (add or update) directory entries from a CSV or XLSX file: all rows or none."""
    authorize(actor, "directory.import")
    values = check_rows(read_table(path))
    for each in values:
        services._organisation_write(actor, each, None)
    audit_record(
        actor_id=actor.pk if actor is not None else None,
        action="directory.imported",
        object_type="directory",
        detail={"rows": len(values)},
    )
    return len(values)


# -- exporting -----------------------------------------------------------------------------------------------


def _csv_bytes(rows: list[dict[str, str]], columns: Sequence[str]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([neutralise_cell(row[c]) for c in columns])
    return out.getvalue().encode("utf-8")


def _xlsx_bytes(rows: list[dict[str, str]], columns: Sequence[str]) -> bytes:
    def cell(value: str) -> str:
        return f'<c t="inlineStr"><is><t xml:space="preserve">{escape(neutralise_cell(value))}</t></is></c>'

    body = "".join(
        "<row>" + "".join(cell(v) for v in values) + "</row>"
        for values in [list(columns), *[[row[c] for c in columns] for row in rows]]
    )
    parts = {
        "[Content_Types].xml": (
            '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
            'content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
            'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
            'officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-'
            'officedocument.spreadsheetml.worksheet+xml"/></Types>'
        ),
        "_rels/.rels": (
            '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/'
            '2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/'
            '2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>'
        ),
        "xl/workbook.xml": (
            '<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/'
            '2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>'
            '<sheet name="directory" sheetId="1" r:id="rId1"/></sheets></workbook>'
        ),
        "xl/_rels/workbook.xml.rels": (
            '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/'
            '2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/'
            '2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>'
        ),
        "xl/worksheets/sheet1.xml": (
            '<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/'
            f'spreadsheetml/2006/main"><sheetData>{body}</sheetData></worksheet>'
        ),
    }
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as book:
        for name, text in parts.items():
            book.writestr(name, text)
    return out.getvalue()


def table_bytes(rows: list[dict[str, str]], columns: Sequence[str], fmt: str) -> bytes:
    """A table as CSV (";"-separated) or XLSX, formula cells neutralised."""
    return _xlsx_bytes(rows, columns) if fmt == "xlsx" else _csv_bytes(rows, columns)


def directory_export(*, actor: User | None, path: Path) -> int:
    """Write the directory (no case data) to a CSV or XLSX file; returns the number of entries."""
    authorize(actor, "directory.import")
    rows = directory_rows()
    fmt = "xlsx" if path.suffix.lower() == ".xlsx" else "csv"
    path.write_bytes(table_bytes(rows, DIRECTORY_COLUMNS, fmt))
    audit_record(
        actor_id=actor.pk if actor is not None else None,
        action="directory.exported",
        object_type="directory",
        detail={"rows": len(rows)},
    )
    return len(rows)
