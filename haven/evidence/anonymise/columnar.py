"""The columnar path of `haven stats anonymise`: read, anonymise, neutralise and write a large CSV without a
Python string per cell.

Why Apache Arrow (pyarrow): its CSV reader parses on several threads straight into columns, a column is
dictionary-encoded into integer codes in one call (what the engine works on), and its string kernels
neutralise and quote whole columns at once. It is one self-contained wheel with no Python dependency, widely
maintained, and pandas reads and writes through it. Polars would do the work as fast but brings its own
query engine that the engine would not use. pyarrow is imported only here, and this module only by the
anonymise command, so every other command starts without it.

Arrays are built from numpy buffers (`_ints`, `_strings`), never from Python lists or numpy arrays through
`pa.array`: where pandas is installed, that converter imports it first (half a second).

The release is exactly the one of `engine.anonymise` (same partitions, suppressed rows, GCP) and the file
is byte for byte the one `csvio.write_csv` writes: same neutralising rule (`csvio.neutralise_cell`), same
quoting as Python's csv module (a cell holding the separator, a double quote, a CR or an LF is quoted,
double quotes doubled), CRLF line ends. What the columnar reader could read differently from Python's csv
module (double quotes, NUL characters, a single column) is read by `csvio.read_csv` instead.
"""

from __future__ import annotations

import csv
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from haven.evidence.anonymise.csvio import read_csv
from haven.evidence.anonymise.engine import EncodedColumn, _check_size, _release, _validate, release_report
from haven.evidence.anonymise.hierarchy import Hierarchy

# The characters `str.lstrip()` removes (those for which `str.isspace()` is true); a test checks the list
# against Python itself. RE2 has no class for exactly these.
PY_WHITESPACE = (
    "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007"
    "\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)


def _re2_class(chars: str) -> str:
    return "".join(f"\\x{{{ord(c):x}}}" for c in chars)


# `csvio.neutralise_cell` as one regular expression: a tab or line break first, or a formula sign (ASCII or
# full-width) after any leading whitespace.
FORMULA_PATTERN = f"^(?:[\\t\\r\\n]|[{_re2_class(PY_WHITESPACE)}]*[{_re2_class('=+-@＝＋－＠')}])"


def _ints(values: npt.NDArray[Any]) -> pa.Array:
    """An Arrow integer array over the numpy array's memory (no copy)."""
    values = np.ascontiguousarray(values)
    return pa.Array.from_buffers(pa.from_numpy_dtype(values.dtype), len(values), [None, pa.py_buffer(values)])


def _strings(values: Sequence[str]) -> pa.Array:
    """An Arrow string array of a few Python strings (labels, the header)."""
    data = [value.encode("utf-8") for value in values]
    offsets = np.zeros(len(data) + 1, dtype=np.int64)
    np.cumsum([len(item) for item in data], out=offsets[1:])
    large = pa.Array.from_buffers(
        pa.large_string(), len(data), [None, pa.py_buffer(offsets), pa.py_buffer(b"".join(data))]
    )
    return large.cast(pa.string())


def _text(value: str) -> pa.Scalar:
    return _strings([value])[0]


def _int_values(values: pa.Array) -> npt.NDArray[Any]:
    """The integers of a null-free Arrow integer array, as a numpy view."""
    dtype = np.dtype(f"int{values.type.bit_width}")
    return np.frombuffer(values.buffers()[1], dtype=dtype)[values.offset : values.offset + len(values)]


# Rows written per batch: bounds the memory the joined text takes.
WRITE_BATCH_ROWS = 262_144


@dataclass
class TableRelease:
    """The released table (Arrow) and a report of what the release cost (as `AnonymisationResult`)."""

    table: pa.Table
    qi: list[str]
    k: int
    max_suppression: float
    rows_in: int
    rows_out: int
    suppressed: int
    gcp: float
    seconds: float
    partitions: int

    def report(self) -> dict[str, Any]:
        return release_report(self)


def _header(raw: bytes, sep: str) -> list[str]:
    text = raw.split(b"\n", 1)[0].split(b"\r", 1)[0].decode("utf-8-sig")
    return next(csv.reader([text], delimiter=sep), [])


def _arrow_read(raw: bytes, sep: str) -> pa.Table | None:
    """The table, or None when Python's csv module might read the file differently (or refuse it)."""
    if b'"' in raw or b"\x00" in raw:
        return None
    # A blank line is a row of no cells for the csv module (refused), a row of empty cells for Arrow.
    if b"\n\n" in raw or b"\r\r" in raw or b"\n\r" in raw:
        return None
    try:
        header = _header(raw, sep)
    except UnicodeDecodeError:
        return None
    if len(header) < 2 or len(set(header)) != len(header):
        return None
    try:
        table = pacsv.read_csv(
            pa.py_buffer(raw),
            read_options=pacsv.ReadOptions(use_threads=True),
            parse_options=pacsv.ParseOptions(
                delimiter=sep, quote_char=False, newlines_in_values=False, ignore_empty_lines=False
            ),
            convert_options=pacsv.ConvertOptions(
                column_types={name: pa.string() for name in header},
                null_values=[],
                strings_can_be_null=False,
                check_utf8=True,
            ),
        )
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return None
    if table.column_names != header:
        return None
    return table


def read_table(source: str | Path, sep: str = ";") -> pa.Table | None:
    """Read a CSV with a header row as an Arrow table of strings; None for an empty file.

    The same cells as `csvio.read_csv`, and the same errors (it is what reads any file the columnar
    reader might read differently).
    """
    raw = Path(source).read_bytes()
    table = _arrow_read(raw, sep)
    if table is not None:
        return table
    del raw
    columns = read_csv(source, sep=sep)
    if not columns:
        return None
    return pa.Table.from_arrays([_strings(values) for values in columns.values()], names=list(columns))


def _encoded(column: pa.ChunkedArray) -> EncodedColumn:
    coded = (column.chunk(0) if column.num_chunks == 1 else column.combine_chunks()).dictionary_encode()
    index = _int_values(coded.indices).astype(np.int32, copy=False)
    return EncodedColumn(coded.dictionary.to_pylist(), index)


def anonymise_table(
    table: pa.Table,
    qi: Sequence[str],
    hierarchies: Mapping[str, Hierarchy],
    k: int,
    max_suppression: float = 0.0,
) -> TableRelease:
    """`engine.anonymise` for an Arrow table of strings: the same release, as an Arrow table."""
    started = time.perf_counter()
    names = list(table.column_names)
    _validate(k, max_suppression, qi, names)
    qi = list(qi)
    k = int(k)
    n = table.num_rows
    if n == 0:
        return TableRelease(table, qi, k, float(max_suppression), 0, 0, 0, 0.0, 0.0, 0)
    _check_size(n, k)
    encoded = {name: _encoded(table.column(name)) for name in qi}
    release = _release(n, encoded, qi, hierarchies, k, max_suppression)
    kept = release.kept
    whole = kept.size == n
    rows = _ints(kept)
    out: list[pa.Array | pa.ChunkedArray] = []
    for name in names:
        if name in release.label_text:
            label = _ints(release.label_of[name][release.part].astype(np.int32))
            out.append(pa.DictionaryArray.from_arrays(label, _strings(release.label_text[name])))
        elif whole:
            out.append(table.column(name))
        else:
            out.append(table.column(name).take(rows))
    return TableRelease(
        table=pa.Table.from_arrays(out, names=names),
        qi=qi,
        k=k,
        max_suppression=float(max_suppression),
        rows_in=n,
        rows_out=int(kept.size),
        suppressed=release.suppressed,
        gcp=release.gcp,
        seconds=time.perf_counter() - started,
        partitions=release.partitions,
    )


def _safe(values: pa.Array, sep: str) -> tuple[pa.Array, bool]:
    """Neutralised and quoted as `csvio.write_csv` writes a cell (see the module docstring), and whether
    any cell was quoted."""
    if isinstance(values, pa.DictionaryArray):
        # Few distinct labels: make each safe once, then spread by index.
        labels, quoted = _safe(values.dictionary, sep)
        return pc.take(labels, values.indices), quoted
    formula = pc.match_substring_regex(values, FORMULA_PATTERN)
    if pc.any(formula).as_py():
        values = pc.if_else(formula, pc.binary_join_element_wise(_text("'"), values, _text("")), values)
    special = pc.match_substring_regex(values, f"[{_re2_class(sep + chr(34))}\\r\\n]")
    if not pc.any(special).as_py():
        return values, False
    doubled = pc.replace_substring(values, '"', '""')
    quoted = pc.binary_join_element_wise(_text('"'), doubled, _text('"'), _text(""))
    return pc.if_else(special, quoted, values), True


def _line_text(columns: list[pa.Array], sep: str) -> pa.Array:
    """One string per row: the cells joined by the separator, with the CRLF line end."""
    joined = pc.binary_join_element_wise(*columns, _text(sep))
    return pc.binary_join_element_wise(joined, _text("\r\n"), _text(""))


def _write_lines(handle: Any, lines: pa.Array) -> None:
    lines = lines.cast(pa.large_string())
    offsets = np.frombuffer(lines.buffers()[1], dtype=np.int64)[lines.offset : lines.offset + len(lines) + 1]
    handle.write(memoryview(lines.buffers()[2])[int(offsets[0]) : int(offsets[-1])])


def write_table_csv(target: str | Path, release: TableRelease | pa.Table, sep: str = ";") -> None:
    """Write the release as `csvio.write_csv` would, byte for byte, column by column."""
    table = release.table if isinstance(release, TableRelease) else release
    names = list(table.column_names)
    if len(names) < 2:
        # Python's csv module writes a row of one empty cell as `""`: leave such tables to it.
        from haven.evidence.anonymise.csvio import write_csv

        write_csv(target, {name: table.column(name).to_pylist() for name in names}, sep=sep)
        return
    with Path(target).open("wb") as handle:
        header, _quoted = _safe(_strings(names), sep)
        handle.write((sep.join(header.to_pylist()) + "\r\n").encode("utf-8"))
        for batch in table.to_batches(max_chunksize=WRITE_BATCH_ROWS):
            if batch.num_rows == 0:
                continue
            safe = [_safe(batch.column(i), sep) for i in range(len(names))]
            cells = [column for column, _quoted in safe]
            if any(quoted for _column, quoted in safe):
                _write_lines(handle, _line_text(cells, sep))
            else:
                # Nothing to quote: Arrow's writer puts the cells down as they are.
                pacsv.write_csv(
                    pa.Table.from_arrays(cells, names=names),
                    handle,
                    write_options=pacsv.WriteOptions(
                        include_header=False, delimiter=sep, quoting_style="none", eol="\r\n"
                    ),
                )
