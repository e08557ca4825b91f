"""Reference copy, frozen: Haven's anonymisation CSV module as it was before the columnar path (pyarrow).
Tests compare the columnar path with it; never change it to follow the engine.

CSV reading and writing for releases, with spreadsheet formula injection neutralised on write."""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TextIO

from haven.evidence.anonymise.errors import AnonymisationInputError
from tests.evidence.reference.engine import AnonymisationResult, Columns, Rows

# A spreadsheet treats a cell starting with one of these as a formula (OWASP "CSV injection"), also in
# their full-width forms (＝＋－＠), which spreadsheets set to East Asian locales read as the ASCII ones.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\uff1d", "\uff0b", "\uff0d", "\uff20")
# A cell starting with a tab or a line break is neutralised whatever follows: spreadsheets differ in
# what they skip before looking for a formula.
LEADING_BREAKS = ("\t", "\r", "\n")


def neutralise_cell(value: str) -> str:
    """Prefix a cell that a spreadsheet would run as a formula with a single quote: one that starts with a
    formula sign, ASCII or full-width, after any leading spaces and line breaks, or with a tab or a line
    break at all."""
    if value.startswith(LEADING_BREAKS) or value.lstrip().startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def read_csv(source: str | Path | TextIO, sep: str = ";") -> dict[str, list[str]]:
    """Read a CSV with a header row into columns (name -> values), the form `anonymise` reads fastest."""
    handle: TextIO
    if isinstance(source, str | Path):
        handle = Path(source).open(newline="", encoding="utf-8-sig")
        close = True
    else:
        handle, close = source, False
    try:
        reader = csv.reader(handle, delimiter=sep)
        header = next(reader, None)
        if header is None:
            return {}
        if len(set(header)) != len(header):
            raise AnonymisationInputError("the CSV header repeats a column name")
        records = list(reader)
    finally:
        if close:
            handle.close()
    width = len(header)
    if any(len(record) != width for record in records):
        for line, record in enumerate(records, start=2):
            if len(record) != width:
                raise AnonymisationInputError(
                    f"CSV line {line} has {len(record)} cells, the header has {width}"
                )
    # One pass per column: transposing with zip(*records) passes every row as an argument, several times
    # slower on large files.
    return {name: [record[index] for record in records] for index, name in enumerate(header)}


def neutralise_column(values: Sequence[str]) -> Sequence[str]:
    """The column with every cell a spreadsheet would run as a formula neutralised (see neutralise_cell).

    Released columns hold few distinct values: each distinct value is checked once, and a column with
    nothing to neutralise is returned as it is, without a copy.
    """
    changed = {}
    for value in set(values):
        safe = neutralise_cell(value)
        if safe != value:
            changed[value] = safe
    if not changed:
        return values
    return [changed.get(value, value) for value in values]


def _columns_of(data: AnonymisationResult | Rows | Columns) -> tuple[list[str], Sequence[Sequence[str]]]:
    if isinstance(data, AnonymisationResult):
        return data.fieldnames, [data.columns[name] for name in data.fieldnames]
    if isinstance(data, Mapping):
        names = list(data.keys())
        return names, [data[name] for name in names]
    rows = list(data)
    names = list(rows[0].keys()) if rows else []
    return names, [[row[name] for row in rows] for name in names]


def write_csv(
    target: str | Path | TextIO, data: AnonymisationResult | Rows | Columns, sep: str = ";"
) -> None:
    """Write a release (or any table) as CSV, neutralising cells a spreadsheet would run as formulas."""
    names, columns = _columns_of(data)
    handle: TextIO
    if isinstance(target, str | Path):
        handle = Path(target).open("w", newline="", encoding="utf-8")
        close = True
    else:
        handle, close = target, False
    try:
        # CRLF (RFC 4180) also makes the writer quote cells holding a bare CR, which would otherwise
        # split a row when the file is read back.
        writer = csv.writer(handle, delimiter=sep, lineterminator="\r\n")
        writer.writerow([neutralise_cell(name) for name in names])
        writer.writerows(zip(*(neutralise_column(column) for column in columns), strict=True))
    finally:
        if close:
            handle.close()


def csv_text(data: AnonymisationResult | Rows | Columns, sep: str = ";") -> str:
    """The CSV of a release as a string (for HTTP responses)."""
    buffer = io.StringIO()
    write_csv(buffer, data, sep=sep)
    return buffer.getvalue()
