"""The service directory: import and export (CSV, XLSX), all rows or none, formulas neutralised."""

from __future__ import annotations

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from haven.audit.models import AuditEvent
from haven.referrals.importer import _xlsx_bytes, read_table
from haven.referrals.models import Organisation
from tests.cases.helpers import ApiClient

HEADER = "code;name;org_type;languages;domains;target_groups;areas;capacity;safe_to_cooperate;reviewed_on\n"
GOOD = "SHELTER-N;Test Shelter North;shelter;fr en;accommodation;women girls;north;4;yes;2026-01-10\n"


def test_a_file_with_one_bad_row_imports_nothing_and_names_the_line_and_column(tmp_path: Path, db) -> None:
    path = tmp_path / "directory.csv"
    secret = "SECRET-VALUE-x"
    path.write_text(
        HEADER + GOOD + f"LEGAL-N;Test Legal;legal_aid;fr;legal;{secret};north;;no;\n", encoding="utf-8"
    )
    with pytest.raises(CommandError) as refused:
        call_command("directory", "import", str(path), stdout=StringIO())
    assert refused.value.returncode == 2
    message = str(refused.value)
    assert "line 3" in message and "column target_groups" in message
    assert secret not in message
    assert not Organisation.objects.exists()


def test_a_bad_date_or_number_is_named_too(tmp_path: Path, db) -> None:
    path = tmp_path / "directory.csv"
    path.write_text(HEADER + GOOD.replace(";4;", ";four;"), encoding="utf-8")
    with pytest.raises(CommandError, match="line 2, column capacity"):
        call_command("directory", "import", str(path), stdout=StringIO())


def test_import_then_export_round_trips_in_csv_and_xlsx_with_formulas_neutralised(tmp_path: Path, db) -> None:
    path = tmp_path / "directory.csv"
    path.write_text(
        HEADER + GOOD + 'HEALTH-N;=HYPERLINK("x");health;fr;physical_health;;north;;no;\n', encoding="utf-8"
    )
    call_command("directory", "import", str(path), stdout=StringIO())
    assert Organisation.objects.count() == 2
    shelter = Organisation.objects.get(code="SHELTER-N")
    assert shelter.languages == ["en", "fr"] and shelter.capacity == 4 and shelter.safe_to_cooperate
    assert AuditEvent.objects.filter(action="directory.imported", detail__rows=2).exists()
    for suffix in ("csv", "xlsx"):
        out = tmp_path / f"export.{suffix}"
        call_command("directory", "export", str(out), stdout=StringIO())
        rows = read_table(out)
        assert rows[0][:3] == ["code", "name", "org_type"]
        names = {row[0]: row[1] for row in rows[1:]}
        assert names["HEALTH-N"] == '\'=HYPERLINK("x")'
        assert names["SHELTER-N"] == "Test Shelter North"


def test_an_xlsx_with_a_bad_row_imports_nothing(tmp_path: Path, db) -> None:
    rows = [
        {"code": "A-1", "name": "Test A", "org_type": "shelter"},
        {"code": "B-1", "name": "Test B", "org_type": "not-a-type"},
    ]
    path = tmp_path / "directory.xlsx"
    path.write_bytes(_xlsx_bytes(rows, ("code", "name", "org_type")))
    with pytest.raises(CommandError, match="line 3, column org_type"):
        call_command("directory", "import", str(path), stdout=StringIO())
    assert not Organisation.objects.exists()


def test_only_the_programme_manager_changes_the_directory(staff, tmp_path: Path) -> None:
    path = tmp_path / "directory.csv"
    path.write_text(HEADER + GOOD, encoding="utf-8")
    with pytest.raises(CommandError, match="refused"):
        call_command(
            "directory", "import", str(path), "--actor", staff["case_manager"].email, stdout=StringIO()
        )
    call_command(
        "directory", "import", str(path), "--actor", staff["programme_manager"].email, stdout=StringIO()
    )
    body = {"code": "LEGAL-N", "name": "Test Legal", "org_type": "legal_aid", "domains": ["legal"]}
    assert ApiClient(staff["case_manager"]).post("/directory/organisations", body).status_code == 403
    assert ApiClient(staff["programme_manager"]).post("/directory/organisations", body).status_code == 201
    listed = ApiClient(staff["caseworker"]).get("/directory/organisations").json()
    assert {o["code"] for o in listed} == {"SHELTER-N", "LEGAL-N"}
    assert ApiClient(staff["volunteer"]).get("/directory/organisations").status_code == 403


def test_a_workbook_that_unpacks_to_gigabytes_is_refused_without_unpacking_it(tmp_path: Path, db) -> None:
    import zipfile

    path = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as book:
        book.writestr("xl/worksheets/sheet1.xml", b"<" + b" " * (60 * 1024 * 1024) + b">")
    with pytest.raises(CommandError, match="unpacks to more"):
        call_command("directory", "import", str(path), stdout=StringIO())


def test_a_file_that_is_not_a_workbook_is_refused_in_one_line(tmp_path: Path, db) -> None:
    path = tmp_path / "directory.xlsx"
    path.write_bytes(b"not a zip")
    with pytest.raises(CommandError, match="not a readable XLSX"):
        call_command("directory", "import", str(path), stdout=StringIO())
