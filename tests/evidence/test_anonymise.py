"""The anonymisation engine, checked against the independent k-anonymity checker pycanon."""

from __future__ import annotations

import csv
import io
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pycanon import anonymity

from haven.evidence.anonymise import (
    AnonymisationInputError,
    Hierarchy,
    anonymise,
    csv_text,
    hierarchy_from_rows,
    load_hierarchies,
    load_hierarchy,
    neutralise_cell,
    read_csv,
    write_csv,
)
from haven.evidence.anonymise.synthetic import CASE_QI, case_hierarchies, synthetic_cases

DATA = Path(__file__).parent / "data"
ADULT_QI = ["sex", "age", "race", "marital-status", "education", "native-country", "workclass", "occupation"]


def pycanon_k(columns: dict[str, list[str]], qi: list[str]) -> int:
    frame = pd.DataFrame(columns).reset_index(drop=True)
    return int(anonymity.k_anonymity(frame, qi))


def raw_hierarchy_rows(path: Path) -> list[list[str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return [row for row in csv.reader(handle, delimiter=";") if row]


def covered_values(path: Path) -> dict[str, set[str]]:
    """For each label in an ARX hierarchy file, the original values it stands for (read from the file)."""
    covered: dict[str, set[str]] = {}
    for row in raw_hierarchy_rows(path):
        for label in row:
            covered.setdefault(label, set()).add(row[0])
    return covered


def adult_shaped_rows(n: int, seed: int) -> dict[str, list[str]]:
    """Synthetic rows drawn from the ARX Adult value sets with skewed weights; no real record."""
    rng = np.random.default_rng(seed)
    columns: dict[str, list[str]] = {"recordId": [f"TEST-{i:05d}" for i in range(n)]}
    for column in ADULT_QI:
        leaves = [row[0] for row in raw_hierarchy_rows(DATA / f"adult_hierarchy_{column}.csv")]
        if column == "age":
            leaves = [a for a in leaves if 17 <= int(a) <= 90]
        weights = rng.pareto(1.0, size=len(leaves)) + 0.05
        columns[column] = rng.choice(leaves, size=n, p=weights / weights.sum()).tolist()
    columns["salary-class"] = rng.choice(["<=50K", ">50K"], size=n).tolist()
    return columns


@pytest.fixture(scope="module")
def adult_hierarchies() -> dict[str, Hierarchy]:
    return load_hierarchies(DATA, ADULT_QI, prefix="adult")


def test_adult_shaped_release_is_k_anonymous_for_pycanon(adult_hierarchies):
    data = adult_shaped_rows(3000, seed=1)
    result = anonymise(data, ADULT_QI, adult_hierarchies, k=10, max_suppression=0.05)
    assert pycanon_k(result.columns, ADULT_QI) >= 10
    assert result.suppressed <= math.floor(0.05 * 3000)
    assert result.rows_out + result.suppressed == result.rows_in == 3000
    assert len(result.columns["recordId"]) == result.rows_out


def test_every_released_value_generalises_the_original_value(adult_hierarchies):
    data = adult_shaped_rows(2000, seed=2)
    result = anonymise(data, ADULT_QI, adult_hierarchies, k=5, max_suppression=0.02)
    for column in ADULT_QI:
        covered = covered_values(DATA / f"adult_hierarchy_{column}.csv")
        covered["*"] = {row[0] for row in raw_hierarchy_rows(DATA / f"adult_hierarchy_{column}.csv")}
        for released, source_row in zip(result.columns[column], result.kept_index, strict=True):
            assert data[column][source_row] in covered[released]


def test_reported_gcp_matches_an_independent_computation(adult_hierarchies):
    data = adult_shaped_rows(2000, seed=3)
    result = anonymise(data, ADULT_QI, adult_hierarchies, k=10, max_suppression=0.05)
    total = 0.0
    for column in ADULT_QI:
        covered = covered_values(DATA / f"adult_hierarchy_{column}.csv")
        present = set(data[column])
        covered["*"] = present
        domain = len(present)
        for released in result.columns[column]:
            total += (len(covered[released] & present) - 1) / (domain - 1)
    expected = (total / len(ADULT_QI) + result.suppressed) / result.rows_in
    assert result.gcp == pytest.approx(expected, rel=1e-9)
    assert 0.0 < result.gcp < 1.0


def test_suppression_spares_the_majority_from_generalisation():
    sex = hierarchy_from_rows("sex", [["Female", "*"], ["Male", "*"]])
    data = {"sex": ["Female"] * 100 + ["Male"] * 3, "note": [f"n{i}" for i in range(103)]}
    kept_whole = anonymise(data, ["sex"], {"sex": sex}, k=5, max_suppression=0.0)
    assert set(kept_whole.columns["sex"]) == {"*"}
    assert kept_whole.suppressed == 0
    trimmed = anonymise(data, ["sex"], {"sex": sex}, k=5, max_suppression=0.05)
    assert trimmed.suppressed == 3
    assert set(trimmed.columns["sex"]) == {"Female"}
    assert trimmed.gcp == pytest.approx(3 / 103)
    assert "n100" not in trimmed.columns["note"]


def test_numeric_column_without_hierarchy_becomes_ranges_that_contain_the_value():
    rng = np.random.default_rng(4)
    ages = rng.integers(18, 80, size=400)
    data = {"age": [str(a) for a in ages], "id": [str(i) for i in range(400)]}
    result = anonymise(data, ["age"], {}, k=7)
    assert pycanon_k(result.columns, ["age"]) >= 7
    for released, source_row in zip(result.columns["age"], result.kept_index, strict=True):
        low, _, high = released.partition("-")
        assert int(low) <= ages[source_row] <= int(high or low)
    assert any("-" in value for value in result.columns["age"])


def test_list_of_row_dicts_is_accepted_and_returned():
    sex = hierarchy_from_rows("sex", [["Female", "*"], ["Male", "*"]])
    rows = [
        {"sex": "Female" if i % 3 else "Male", "year": str(2000 + i % 7), "ref": f"R{i}"} for i in range(60)
    ]
    result = anonymise(rows, ["sex", "year"], {"sex": sex}, k=4)
    assert [row["ref"] for row in result.rows] == [f"R{i}" for i in result.kept_index]
    assert set(result.rows[0]) == {"sex", "year", "ref"}


def test_synthetic_case_data_is_k11_anonymous_for_pycanon():
    data = synthetic_cases(20_000, seed=5)
    result = anonymise(data, CASE_QI, case_hierarchies(), k=11, max_suppression=0.05)
    assert pycanon_k(result.columns, CASE_QI) >= 11
    assert result.columns["caseId"] == [data["caseId"][i] for i in result.kept_index]
    assert result.suppressed <= 1000


def test_hierarchies_are_found_by_prefix_and_column(tmp_path):
    (tmp_path / "cases_hierarchy_gender.csv").write_text("Female;*\nMale;*\n", encoding="utf-8")
    (tmp_path / "cases_hierarchy_region.csv").write_text("KE;Africa\nUA;Europe\n", encoding="utf-8")
    found = load_hierarchies(tmp_path, ["gender", "region", "year"], prefix="cases")
    assert set(found) == {"gender", "region"}
    assert found["region"].generalise("KE", 0) == "*"
    assert found["region"].generalise("KE", 1) == "Africa"


def test_hierarchy_with_ragged_rows_is_refused(tmp_path):
    path = tmp_path / "x_hierarchy_age.csv"
    path.write_text("1;0-4;*\n2;*\n", encoding="utf-8")
    with pytest.raises(AnonymisationInputError, match="row 2 has 2"):
        load_hierarchy(path)


@given(
    n=st.integers(min_value=12, max_value=250),
    k=st.integers(min_value=2, max_value=12),
    max_suppression=st.sampled_from([0.0, 0.01, 0.05, 0.2, 0.5]),
    seed=st.integers(min_value=0, max_value=2**32 - 1),
    skew=st.floats(min_value=0.2, max_value=3.0),
)
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_random_releases_are_k_anonymous_and_within_the_suppression_limit(n, k, max_suppression, seed, skew):
    rng = np.random.default_rng(seed)
    hierarchy = hierarchy_from_rows(
        "place",
        [[f"P{i}", f"Area{i // 3}", f"Zone{i // 6}", "*"] for i in range(12)],
    )
    weights = rng.pareto(skew, size=12) + 0.01
    place = rng.choice(12, size=n, p=weights / weights.sum())
    data = {
        "place": [f"P{i}" for i in place],
        "score": [str(v) for v in rng.integers(0, 40, size=n)],
        "kind": rng.choice(["a", "b", "c"], size=n, p=[0.8, 0.15, 0.05]).tolist(),
        "payload": [f"row{i}" for i in range(n)],
    }
    kind = hierarchy_from_rows("kind", [["a", "*"], ["b", "*"], ["c", "*"]])
    qi = ["place", "score", "kind"]
    if n < k:
        with pytest.raises(AnonymisationInputError):
            anonymise(data, qi, {"place": hierarchy, "kind": kind}, k=k, max_suppression=max_suppression)
        return
    result = anonymise(data, qi, {"place": hierarchy, "kind": kind}, k=k, max_suppression=max_suppression)
    assert result.suppressed <= math.floor(max_suppression * n)
    assert result.rows_out == n - result.suppressed
    if result.rows_out:
        assert pycanon_k(result.columns, qi) >= k
    assert result.columns["payload"] == [f"row{i}" for i in result.kept_index]


@pytest.mark.parametrize("k", [1, 0, -3])
def test_k_below_two_is_refused(k):
    with pytest.raises(AnonymisationInputError, match="k must be at least 2"):
        anonymise({"age": ["30"] * 10}, ["age"], {}, k=k)


@pytest.mark.parametrize("max_suppression", [1.0, 1.5, -0.01, float("nan")])
def test_suppression_limit_outside_zero_to_one_is_refused(max_suppression):
    with pytest.raises(AnonymisationInputError, match="max_suppression"):
        anonymise({"age": ["30"] * 10}, ["age"], {}, k=2, max_suppression=max_suppression)


def test_unknown_column_is_named():
    with pytest.raises(AnonymisationInputError, match="unknown column 'agee'"):
        anonymise({"age": ["30"] * 10}, ["agee"], {}, k=2)


def test_value_missing_from_hierarchy_names_row_and_column_not_the_value():
    sex = hierarchy_from_rows("sex", [["Female", "*"], ["Male", "*"]])
    with pytest.raises(AnonymisationInputError, match="row 4, column 'sex'") as refused:
        anonymise({"sex": ["Female", "Male", "Unknown"] * 5}, ["sex"], {"sex": sex}, k=2)
    assert "Unknown" not in str(refused.value)


def test_non_numeric_column_without_hierarchy_is_refused():
    with pytest.raises(AnonymisationInputError, match="column 'town': the column has no hierarchy"):
        anonymise({"town": ["Testville"] * 10}, ["town"], {}, k=2)


def test_fewer_rows_than_k_is_refused():
    with pytest.raises(AnonymisationInputError, match="fewer than k"):
        anonymise({"age": ["30"] * 4}, ["age"], {}, k=5)


def test_anonymisation_input_error_is_a_value_error():
    assert issubclass(AnonymisationInputError, ValueError)


def test_formula_cells_are_neutralised_on_write(tmp_path):
    dangerous = ["=SUM(A1:A9)", "+1", "-2", "@cmd", "\tx", "\rx", "plain", "a=b"]
    data = {"age": ["30"] * 8, "note": dangerous}
    result = anonymise(data, ["age"], {}, k=2)
    path = tmp_path / "release.csv"
    write_csv(path, result)
    with path.open(newline="", encoding="utf-8") as handle:
        written = [row[1] for row in csv.reader(handle, delimiter=";")][1:]
    assert written == ["'=SUM(A1:A9)", "'+1", "'-2", "'@cmd", "'\tx", "'\rx", "plain", "a=b"]


@pytest.mark.parametrize(
    "cell",
    [
        " =SUM(A1:A9)",
        "   +1",
        "\u3000-2",
        "\n=cmd",
        "\r\n@cmd",
        " \n =1",
        "\uff1dSUM(A1)",
        "\uff0b1",
        "\uff0d1",
        "\uff20cmd",
        "  \uff1d1",
        "\nplain",
    ],
    ids=[
        "space-equals", "spaces-plus", "ideographic-space-minus", "newline-equals", "crlf-at",
        "space-newline-space", "fullwidth-equals", "fullwidth-plus", "fullwidth-minus", "fullwidth-at",
        "spaces-fullwidth-equals", "newline-text",
    ],
)  # fmt: skip
def test_formulas_behind_spaces_line_breaks_or_in_full_width_are_neutralised(cell):
    assert neutralise_cell(cell) == "'" + cell
    written = csv_text({"note": [cell]})
    assert next(csv.reader(io.StringIO(written), delimiter=";"), None) == ["note"]
    assert list(csv.reader(io.StringIO(written), delimiter=";"))[1] == ["'" + cell]


@pytest.mark.parametrize("cell", ["plain", " plain text", "a=b", "3-4", "e-mail@example.test", "\uff21"])
def test_cells_that_are_not_formulas_are_written_as_they_are(cell):
    assert neutralise_cell(cell) == cell


def test_a_value_missing_from_its_hierarchy_is_named_by_row_and_column_never_quoted():
    marker = "Zed Marker Value"
    data = {"town": ["Testville"] * 3 + [marker] + ["Testville"] * 2, "age": ["30"] * 6}
    hierarchy = hierarchy_from_rows("town", [["Testville", "*"]])
    with pytest.raises(AnonymisationInputError) as refused:
        anonymise(data, ["town"], {"town": hierarchy}, k=2)
    message = str(refused.value)
    assert "row 5" in message and "'town'" in message
    assert marker not in message


def test_a_cell_that_is_not_a_number_is_named_by_row_and_column_never_quoted():
    marker = "Zed Marker Value"
    data = {"age": ["30", "41", marker, "52"]}
    with pytest.raises(AnonymisationInputError) as refused:
        anonymise(data, ["age"], {}, k=2)
    message = str(refused.value)
    assert "row 4" in message and "'age'" in message and "not a number" in message
    assert marker not in message


def test_hierarchy_problems_name_rows_never_values():
    with pytest.raises(AnonymisationInputError) as uneven:
        hierarchy_from_rows("town", [["Testville", "North", "*"], ["Zed Marker Value", "*"]])
    assert "row 2" in str(uneven.value) and "Zed Marker" not in str(uneven.value)
    with pytest.raises(AnonymisationInputError) as twice:
        hierarchy_from_rows("town", [["Zed Marker Value", "North", "*"], ["Zed Marker Value", "South", "*"]])
    assert "rows 1 and 2" in str(twice.value) and "Zed Marker" not in str(twice.value)


def test_csv_round_trip_keeps_values_and_separator(tmp_path):
    path = tmp_path / "in.csv"
    path.write_text("age,town\n30,Testville\n41,Sampletown\n", encoding="utf-8")
    columns = read_csv(path, sep=",")
    assert columns == {"age": ["30", "41"], "town": ["Testville", "Sampletown"]}
    assert csv_text(columns, sep=",") == "age,town\r\n30,Testville\r\n41,Sampletown\r\n"
    assert read_csv(io.StringIO(csv_text(columns))) == columns


def test_median_by_sorting_gives_the_same_release_as_median_by_histogram(monkeypatch):
    from haven.evidence.anonymise import engine

    rng = np.random.default_rng(6)
    data = {
        "income": [f"{v:.2f}" for v in rng.lognormal(8, 1, size=3000)],
        "year": [str(v) for v in rng.integers(2000, 2024, size=3000)],
    }
    by_histogram = anonymise(data, ["income", "year"], {}, k=8)
    monkeypatch.setattr(engine, "HISTOGRAM_CELLS_MAX", 0)
    by_sorting = anonymise(data, ["income", "year"], {}, k=8)
    assert by_sorting.columns == by_histogram.columns
    assert pycanon_k(by_sorting.columns, ["income", "year"]) >= 8
