"""The columnar path of `haven stats anonymise` (pyarrow): the same cells in, the same release, the same bytes
out as the engine and CSV writer it replaces on large files.

Two kinds of evidence: small releases worked out by hand (the expected files below were written from the
algorithm's rules, not produced by the code), and a property test against a frozen copy of the engine and
CSV module as they were before the columnar path (tests/evidence/reference/).
"""

from __future__ import annotations

import csv
import io
import json
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from haven.evidence.anonymise import AnonymisationInputError, columnar, engine, hierarchy_from_rows, read_csv
from haven.evidence.anonymise.columnar import (
    PY_WHITESPACE,
    anonymise_table,
    read_table,
    write_table_csv,
)
from tests.evidence.reference import csvio as reference_csvio
from tests.evidence.reference import engine as reference_engine

SEX = [["Female", "*"], ["Male", "*"]]


def release_file(tmp_path: Path, text: str, qi: list[str], hierarchies: dict, k: int, max_suppression: float):
    source = tmp_path / "in.csv"
    source.write_bytes(text.encode("utf-8"))
    table = read_table(source)
    assert table is not None
    result = anonymise_table(table, qi, hierarchies, k=k, max_suppression=max_suppression)
    out = tmp_path / "out.csv"
    write_table_csv(out, result)
    return result, out.read_bytes().decode("utf-8")


def test_a_hand_worked_release_splits_on_sex_then_keeps_each_half_as_one_age_range(tmp_path):
    # Six rows, k = 2. The first pass sees sex (Female, Male: width 1) and age (30..50: width 1) equally
    # wide and takes sex, the first listed; each half (3 rows) cannot be cut by age into two parts of 2,
    # so each closes with its age range. GCP: each row loses (0 + 10/20) / 2 = 0.25.
    text = "sex;age;note\nFemale;30;a\nFemale;30;b\nFemale;40;c\nMale;40;d\nMale;50;e\nMale;50;f\n"
    sex = hierarchy_from_rows("sex", SEX)
    result, written = release_file(tmp_path, text, ["sex", "age"], {"sex": sex}, k=2, max_suppression=0.0)
    assert written == (
        "sex;age;note\r\n"
        "Female;30-40;a\r\nFemale;30-40;b\r\nFemale;30-40;c\r\n"
        "Male;40-50;d\r\nMale;40-50;e\r\nMale;40-50;f\r\n"
    )
    assert (result.rows_in, result.rows_out, result.suppressed, result.partitions) == (6, 6, 0, 2)
    assert result.gcp == pytest.approx(0.25)


def test_a_hand_worked_release_suppresses_the_lone_row_and_neutralises_and_quotes_the_rest(tmp_path):
    # Five Female rows and one Male row, k = 2, 20% may be suppressed (1 row). Keeping the Male row forces
    # everyone to "*"; suppressing it keeps "Female" for five rows at no loss: GCP = (5 x 0 + 1) / 6.
    text = (
        'sex;note\nFemale;=1+1\nFemale;" -2"\nFemale;"a;b"\nFemale;"say ""hi"""\nFemale;plain\nMale;@lone\n'
    )
    sex = hierarchy_from_rows("sex", SEX)
    result, written = release_file(tmp_path, text, ["sex"], {"sex": sex}, k=2, max_suppression=0.2)
    assert written == (
        'sex;note\r\nFemale;\'=1+1\r\nFemale;\' -2\r\nFemale;"a;b"\r\nFemale;"say ""hi"""\r\nFemale;plain\r\n'
    )
    assert (result.rows_in, result.rows_out, result.suppressed) == (6, 5, 1)
    assert result.gcp == pytest.approx(1 / 6)


def test_a_one_column_table_is_written_as_the_csv_module_writes_it(tmp_path):
    # Ages 30, 30, 40, 40, k = 2: the median split gives {30, 30} and {40, 40}.
    result, written = release_file(tmp_path, "age\n30\n30\n40\n40\n", ["age"], {}, k=2, max_suppression=0.0)
    assert written == "age\r\n30\r\n30\r\n40\r\n40\r\n"
    assert result.gcp == pytest.approx(0.0)


def test_the_whitespace_skipped_before_a_formula_sign_is_exactly_what_python_strips():
    everything = "".join(chr(c) for c in range(sys.maxunicode + 1) if chr(c).isspace())
    assert PY_WHITESPACE == everything


def test_the_columnar_reader_reads_what_the_csv_module_reads(tmp_path):
    files = {
        "crlf": b"a;b\r\n1;2\r\n3;4\r\n",
        "bom": b"\xef\xbb\xbfa;b\n1;2\n",
        "no final line end": b"a;b\n1;2\n3;4",
        "bare cr": b"a;b\r1;2\r3;4\r",
        "empty cells": b"a;b;c\n;;\n1;;3\n",
        "quoted": b'a;b\n"x;y";"1\r\n2"\n',
        "header only": b"a;b\n",
        "spaces and tabs": b"a;b\n =1 ;\tx\n",
    }
    for name, raw in files.items():
        path = tmp_path / "in.csv"
        path.write_bytes(raw)
        table = read_table(path)
        assert table is not None, name
        columns = {column: table.column(column).to_pylist() for column in table.column_names}
        assert columns == read_csv(path), name


@pytest.mark.parametrize(
    "raw",
    [b"a;b\n1;2\n\n3;4\n", b"a;b\n1;2;3\n", b"a;a\n1;2\n", b"a;b\n1;2\n\n"],
    ids=["blank line", "ragged line", "repeated header", "trailing blank line"],
)
def test_the_columnar_reader_refuses_what_the_csv_module_refuses_with_the_same_words(tmp_path, raw):
    path = tmp_path / "in.csv"
    path.write_bytes(raw)
    with pytest.raises(AnonymisationInputError) as expected:
        read_csv(path)
    with pytest.raises(AnonymisationInputError) as got:
        read_table(path)
    assert str(got.value) == str(expected.value)


def test_a_file_that_is_not_utf8_is_refused_as_by_the_csv_module(tmp_path):
    path = tmp_path / "in.csv"
    path.write_bytes("a;b\n1;Zoë\n".encode("latin-1"))
    with pytest.raises(UnicodeDecodeError):
        read_table(path)


def test_an_empty_file_reads_as_nothing(tmp_path):
    path = tmp_path / "in.csv"
    path.write_bytes(b"")
    assert read_table(path) is None


# Property: on random small tables the columnar path and the frozen reference agree on everything.
# Listed out of tree order on purpose (the engine numbers leaves in tree order).
GROUP_ROWS = [
    ["A1", "A-x", "A", "*"],
    ["B1", "B-x", "B", "*"],
    ["A2", "A-y", "A", "*"],
    ["C1", "C-x", "C", "*"],
    ["B2", "B-x", "B", "*"],
    ["A3", "A-x", "A", "*"],
    ["B3", "B-y", "B", "*"],
]
LEAVES = [row[0] for row in GROUP_ROWS]
# Plain cells (no separator, double quote or line break) take the columnar reader; the others are quoted in
# the file and go to the csv module.
PLAIN = list("ab =+-@\t") + ["\u3000", "\uff1d", "\xa0", "é", "\x1f"]
STRUCTURAL = list(';,"\r\n')


@st.composite
def tables(draw):
    n = draw(st.integers(min_value=2, max_value=40))
    group = draw(st.lists(st.sampled_from(LEAVES), min_size=n, max_size=n))
    number = draw(st.lists(st.integers(min_value=0, max_value=12), min_size=n, max_size=n))
    plain = draw(st.booleans())
    alphabet = st.sampled_from(PLAIN if plain else PLAIN + STRUCTURAL)
    note = draw(st.lists(st.text(alphabet, max_size=5), min_size=n, max_size=n))
    k = draw(st.integers(min_value=2, max_value=max(2, min(6, n))))
    max_suppression = draw(st.sampled_from([0.0, 0.05, 0.2]))
    columns = {"group": group, "number": [str(v) for v in number], "=note": note}
    return columns, k, max_suppression, plain


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(case=tables(), sep=st.sampled_from([";", ","]), median_by_sorting=st.booleans())
def test_the_columnar_path_writes_the_same_bytes_and_report_as_the_reference_engine(
    tmp_path, case, sep, median_by_sorting
):
    columns, k, max_suppression, plain = case
    # Both ways of finding a numeric column's median are compared (the engine sorts on large tables).
    cells_max = engine.HISTOGRAM_CELLS_MAX
    engine.HISTOGRAM_CELLS_MAX = 0 if median_by_sorting else cells_max
    try:
        compare_with_reference(tmp_path, columns, k, max_suppression, plain, sep)
    finally:
        engine.HISTOGRAM_CELLS_MAX = cells_max


def compare_with_reference(tmp_path, columns, k, max_suppression, plain, sep):
    n = len(columns["group"])
    source = tmp_path / "in.csv"
    with source.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, delimiter=sep, lineterminator="\r\n")
        writer.writerow(list(columns))
        writer.writerows(zip(*columns.values(), strict=True))
    hierarchies = {"group": hierarchy_from_rows("group", GROUP_ROWS)}
    qi = ["group", "number"]

    expected_columns = reference_csvio.read_csv(source, sep=sep)
    if plain:
        assert columnar._arrow_read(source.read_bytes(), sep) is not None, "plain cells take the Arrow reader"
    table = read_table(source, sep=sep)
    assert table is not None
    if n < k:
        with pytest.raises(AnonymisationInputError):
            anonymise_table(table, qi, hierarchies, k=k, max_suppression=max_suppression)
        return
    expected = reference_engine.anonymise(
        expected_columns, qi, hierarchies, k=k, max_suppression=max_suppression
    )
    got = anonymise_table(table, qi, hierarchies, k=k, max_suppression=max_suppression)
    for field in ("rows_in", "rows_out", "suppressed", "partitions", "gcp"):
        assert getattr(got, field) == getattr(expected, field), field

    expected_text = io.StringIO()
    reference_csvio.write_csv(expected_text, expected, sep=sep)
    out = tmp_path / "out.csv"
    write_table_csv(out, got, sep=sep)
    assert out.read_bytes() == expected_text.getvalue().encode("utf-8")


@pytest.mark.parametrize("sep", [";", ","])
def test_the_command_writes_the_file_the_reference_engine_writes_for_synthetic_cases(tmp_path, sep):
    from django.core.management import call_command

    from haven.evidence.anonymise.hierarchy import write_hierarchy
    from haven.evidence.anonymise.synthetic import CASE_QI, HIERARCHY_ROWS, synthetic_cases

    source = tmp_path / "cases.csv"
    reference_csvio.write_csv(source, synthetic_cases(5000, seed=11), sep=sep)
    folder = tmp_path / "hierarchies"
    folder.mkdir()
    for column, rows in HIERARCHY_ROWS.items():
        write_hierarchy(folder / f"cases_hierarchy_{column}.csv", rows)
    out = tmp_path / "release.csv"
    stdout = io.StringIO()
    call_command(
        "stats", "anonymise", "--input", str(source), "--sep", sep, "--qi", ",".join(CASE_QI),
        "--hierarchies", str(folder), "--prefix", "cases", "--k", "11", "--max-suppression", "0.05",
        "--out", str(out), "--json", stdout=stdout,
    )  # fmt: skip

    hierarchies = {column: hierarchy_from_rows(column, rows) for column, rows in HIERARCHY_ROWS.items()}
    expected = reference_engine.anonymise(
        reference_csvio.read_csv(source, sep=sep), CASE_QI, hierarchies, k=11, max_suppression=0.05
    )
    expected_text = io.StringIO()
    reference_csvio.write_csv(expected_text, expected, sep=sep)
    assert out.read_bytes() == expected_text.getvalue().encode("utf-8")
    report = json.loads(stdout.getvalue())
    assert (report["rows_out"], report["suppressed"]) == (expected.rows_out, expected.suppressed)
    assert report["gcp"] == round(expected.gcp, 6)
