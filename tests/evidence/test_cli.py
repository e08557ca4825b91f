"""`haven stats …`: the command-line contract (output, JSON report, exit codes)."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pandas as pd
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from pycanon import anonymity

from haven.accounts.models import User
from haven.evidence import ctdc
from haven.evidence.anonymise import read_csv
from tests.evidence.conftest import MARKER_COUNTRY, CaseMaker

ROOT = Path(__file__).resolve().parents[2]
HAVEN = ROOT / ".venv" / "bin" / "haven"
ADULT = ROOT.parent / "shared" / "data" / "adult"
HIERARCHIES = Path(__file__).parent / "data"
ADULT_QI = ["sex", "age", "race", "marital-status", "education", "native-country", "workclass", "occupation"]


def run_haven(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, HAVEN_ENV="test", HAVEN_DATA_DIR=str(tmp_path / "data"))
    env.pop("DJANGO_SETTINGS_MODULE", None)
    command = [str(HAVEN)] if HAVEN.exists() else [sys.executable, "-m", "haven.cli"]
    return subprocess.run(
        [*command, *args], capture_output=True, text=True, env=env, timeout=120, check=False
    )


def write_rows(path: Path, rows: list[list[str]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle, delimiter=";").writerows(rows)


def small_csv(path: Path, n: int = 60) -> None:
    """Fake rows: a numeric age, a sex with a hierarchy, and a non-QI column with a row label."""
    rows = [["recordId", "age", "sex", "outcome"]]
    rows += [
        [f"TEST-{i:03d}", str(18 + (i * 7) % 50), ("Male", "Female")[i % 2], f"o{i % 3}"] for i in range(n)
    ]
    write_rows(path, rows)


@pytest.mark.skipif(
    not (ADULT / "adult.csv").exists(), reason="the UCI Adult data set is not on this machine"
)
def test_anonymise_adult_prints_the_json_report_and_pycanon_confirms_k(tmp_path: Path) -> None:
    out = tmp_path / "adult-k10.csv"
    done = run_haven(
        tmp_path, "stats", "anonymise", "--input", str(ADULT / "adult.csv"), "--qi", ",".join(ADULT_QI),
        "--hierarchies", str(HIERARCHIES), "--k", "10", "--max-suppression", "0.05", "--out", str(out),
        "--json",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert set(report) == {"k", "rows_in", "rows_out", "suppressed", "gcp", "seconds"}
    assert report["rows_in"] == 30162
    assert report["rows_out"] + report["suppressed"] == 30162
    assert report["suppressed"] <= 0.05 * 30162
    assert 0 < report["gcp"] < 0.319
    released = read_csv(out)
    assert len(released["sex"]) == report["rows_out"]
    assert "salary-class" in released
    frame = pd.DataFrame(released).reset_index(drop=True)
    assert anonymity.k_anonymity(frame, ADULT_QI) >= 10


def test_anonymise_keeps_non_qi_columns_and_writes_suppressed_rows_nowhere(tmp_path: Path) -> None:
    source = tmp_path / "in.csv"
    small_csv(source)
    hierarchies = tmp_path / "h"
    hierarchies.mkdir()
    write_rows(hierarchies / "test_hierarchy_sex.csv", [["Male", "*"], ["Female", "*"]])
    out = tmp_path / "out.csv"
    stdout = StringIO()
    call_command(
        "stats", "anonymise", "--input", str(source), "--qi", "age,sex", "--hierarchies", str(hierarchies),
        "--k", "5", "--max-suppression", "0.05", "--out", str(out), "--json", stdout=stdout,
    )  # fmt: skip
    report = json.loads(stdout.getvalue())
    released = read_csv(out)
    original = read_csv(source)
    assert list(released) == ["recordId", "age", "sex", "outcome"]
    assert len(released["recordId"]) == report["rows_out"]
    assert set(released["recordId"]) <= set(original["recordId"])
    assert len(set(released["recordId"])) == report["rows_out"]
    assert report["rows_in"] - report["rows_out"] == report["suppressed"]
    by_id = dict(zip(original["recordId"], original["outcome"], strict=True))
    assert all(by_id[rid] == out for rid, out in zip(released["recordId"], released["outcome"], strict=True))
    assert anonymity.k_anonymity(pd.DataFrame(released).reset_index(drop=True), ["age", "sex"]) >= 5


def test_a_bad_parameter_exits_with_code_2_and_says_why(tmp_path: Path) -> None:
    source = tmp_path / "in.csv"
    small_csv(source)
    done = run_haven(
        tmp_path, "stats", "anonymise", "--input", str(source), "--qi", "age", "--k", "1",
        "--out", str(tmp_path / "o.csv"),
    )  # fmt: skip
    assert done.returncode == 2
    assert "--k must be at least 2" in done.stderr
    assert not (tmp_path / "o.csv").exists()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"--k": "1"}, "--k must be at least 2"),
        ({"--qi": "age,height"}, "unknown column 'height'"),
        ({"--input": "missing.csv"}, "does not exist"),
        ({"--max-suppression": "1.5"}, "--max-suppression must be a share"),
        ({"--max-suppression": "-0.1"}, "--max-suppression must be a share"),
        ({"--hierarchies": "no-such-folder"}, "does not exist"),
        ({"--qi": "sex"}, "must be numeric"),
        ({"--sep": ";;"}, "--sep must be one character"),
    ],
)
def test_anonymise_refuses_bad_parameters_with_exit_code_2(
    tmp_path: Path, change: dict[str, str], message: str
) -> None:
    source = tmp_path / "in.csv"
    small_csv(source)
    options = {"--input": str(source), "--qi": "age", "--k": "5", "--out": str(tmp_path / "o.csv")}
    for key, value in change.items():
        options[key] = str(tmp_path / value) if key in ("--input", "--hierarchies") else value
    args = [part for pair in options.items() for part in pair]
    with pytest.raises(CommandError, match=message) as raised:
        call_command("stats", "anonymise", *args)
    assert raised.value.returncode == 2
    assert not (tmp_path / "o.csv").exists()


@pytest.mark.django_db
def test_export_writes_k_anonymous_ctdc_microdata(make_stats_case: CaseMaker, tmp_path: Path) -> None:
    for i in range(30):
        make_stats_case(
            "given", gender=("Feminine", "Masculine")[i % 2], citizenship=[("RO", "UA", "NG")[i % 3]]
        )
    for _ in range(3):
        make_stats_case("refused", citizenship=[MARKER_COUNTRY])
    out = tmp_path / "ctdc.csv"
    stdout = StringIO()
    call_command("stats", "export", "--k", "11", "--out", str(out), "--json", stdout=stdout)
    report = json.loads(stdout.getvalue())
    released = read_csv(out)
    assert list(released) == list(ctdc.EXPORT_COLUMNS)
    assert report["records_in_scope"] == 30
    assert report["left_out"] == {"statistics_consent_refused": 3}
    assert report["rows_out"] == len(released["gender"])
    assert 0.0 <= report["suppression_rate"] <= 0.05
    frame = pd.DataFrame(released).reset_index(drop=True)
    assert anonymity.k_anonymity(frame, list(ctdc.EXPORT_COLUMNS)) >= 11
    assert MARKER_COUNTRY not in set(released["citizenship"])


@pytest.mark.django_db
def test_dp_writes_the_release_table_and_reports_the_budget(
    make_stats_case: CaseMaker, tmp_path: Path, programme_manager: User
) -> None:
    for _ in range(20):
        make_stats_case("given")
    out = tmp_path / "dp.csv"
    stdout = StringIO()
    call_command(
        "stats", "dp", "--epsilon", "0.5", "--by", "gender,ageBroad", "--out", str(out), "--json",
        "--user", programme_manager.email, stdout=stdout,
    )  # fmt: skip
    report = json.loads(stdout.getvalue())
    table = read_csv(out)
    assert list(table) == ["gender", "ageBroad", "count", "note"]
    assert len(table["count"]) == len(ctdc.DOMAINS["gender"]) * len(ctdc.DOMAINS["ageBroad"])
    assert sum(int(c) for c in table["count"]) == report["total"]
    assert report["budget_remaining"] == pytest.approx(3.0 - report["epsilon"])
    assert report["records_in_scope"] == 20


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["export", "--k", "1"], "--k must be at least 2"),
        (["export", "--k", "11", "--columns", "gender,eyeColour"], "unknown column 'eyeColour'"),
        (["dp", "--epsilon", "0", "--by", "gender"], "--epsilon must be from 0.01 to 10"),
        (["dp", "--epsilon", "-0.5", "--by", "gender"], "--epsilon must be from 0.01 to 10"),
        (["dp", "--epsilon", "0.5", "--by", "gender,nationality"], "unknown column 'nationality'"),
        (["dp", "--epsilon", "0.5", "--by", "gender", "--user", "nobody@example.test"], "no active account"),
    ],
)
def test_case_statistics_refuse_bad_parameters_with_exit_code_2(
    tmp_path: Path, args: list[str], message: str
) -> None:
    with pytest.raises(CommandError, match=message) as raised:
        call_command("stats", *args, "--out", str(tmp_path / "o.csv"))
    assert raised.value.returncode == 2
    assert not (tmp_path / "o.csv").exists()


@pytest.mark.django_db
def test_dp_refuses_with_exit_code_3_once_the_budget_is_spent(
    make_stats_case: CaseMaker, tmp_path: Path
) -> None:
    make_stats_case("given")
    call_command("stats", "dp", "--epsilon", "3", "--by", "gender", "--out", str(tmp_path / "a.csv"))
    with pytest.raises(CommandError, match="does not allow this release") as raised:
        call_command("stats", "dp", "--epsilon", "0.1", "--by", "gender", "--out", str(tmp_path / "b.csv"))
    assert raised.value.returncode == 3
    assert not (tmp_path / "b.csv").exists()
    stdout = StringIO()
    call_command("stats", "budget", "--json", stdout=stdout)
    assert json.loads(stdout.getvalue())["remaining"] == pytest.approx(0.0)
