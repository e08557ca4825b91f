"""What `make run` seeds on a first run: `haven init --demo` in a fresh folder leaves the evidence dashboard
with tables over at least the release minimum of people, and content for every main page (read here from
the database file itself, not through Haven's code)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from tests.core.test_serve import haven_init_demo

pytestmark = pytest.mark.slow

RELEASE_MINIMUM = 20  # HAVEN_RELEASE_MIN_RECORDS' default, which `make run` keeps


def test_make_run_seeds_a_demo_with_tables_on_the_evidence_dashboard(tmp_path: Path) -> None:
    output = haven_init_demo(tmp_path)
    assert "synthetic cases for the demo organisation" in output
    database = sqlite3.connect(tmp_path / "var" / "haven.sqlite3")
    try:

        def count(table: str, where: str = "1=1") -> int:
            return int(database.execute(f"SELECT count(*) FROM {table} WHERE {where}").fetchone()[0])

        releases = database.execute("SELECT records_in_scope FROM evidence_dprelease").fetchall()
        assert releases and all(records >= RELEASE_MINIMUM for (records,) in releases)
        for table in (
            "cases_case",
            "cases_task",
            "assessment_needsassessment",
            "assessment_riskassessment",
            "assessment_supportgoal",
            "referrals_referral",
            "referrals_link",
            "staff_staffmember",
            "staff_training",
            "organisation_readinessanswer",
            "followup_formalidentification",
        ):
            assert count(table) > 0, table
        assert count("cases_case", "stage = 'closed'") > 0
    finally:
        database.close()
    # A second run finds cases and adds none.
    again = haven_init_demo(tmp_path)
    assert "synthetic cases" not in again
