"""Bulk import of people (`haven import_people`): all or nothing, sealed like the services seal, one audit
entry, and problems reported by row and column without the value."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
from datetime import date
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.core.management.base import CommandError

from haven.accounts.permissions import Role
from haven.audit.models import AuditEvent
from haven.audit.services import audit_verify
from haven.cases import importer, selectors, services
from haven.cases.importer import people_import
from haven.cases.models import Case, CaseSequence, Person, StageChange
from haven.cases.sealing import PersonOpener, open_value
from haven.vault import integration as vault
from haven.vault.errors import VaultError

HEADER = ["name", "date_of_birth", "phone", "document_number", "gender", "languages", "citizenship", "health"]
ROWS = [
    ["Test Person Import One", "1991-02-03", "+00 555 0001", "TEST-DOC-001", "Feminine", "en ro", "RO", ""],
    ["Test Person Import Two", "1985-11-30", "+00 555 0002", "", "Masculine", "fr", "FR|BE", "Test note"],
    ["Test Person Import Three", "", "", "", "", "", "", ""],
]


def write_csv(path: Path, header: list[str], rows: list[list[str]], sep: str = ";") -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, delimiter=sep)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def run_import(path: Path, *args: str) -> tuple[int, str, str]:
    """Run `haven import_people` in-process; returns (exit code, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("import_people", str(path), *args, stdout=out, stderr=err)
    except CommandError as exc:
        return exc.returncode, out.getvalue(), err.getvalue() + str(exc)
    return 0, out.getvalue(), err.getvalue()


def counts() -> tuple[int, int, int, int, int]:
    last = CaseSequence.objects.order_by("-year").values_list("last", flat=True).first() or 0
    return (
        Person.objects.count(),
        Case.objects.count(),
        StageChange.objects.count(),
        AuditEvent.objects.count(),
        last,
    )


def as_dicts(header: list[str], rows: list[list[str]]) -> list[dict[str, str]]:
    return [dict(zip(header, row, strict=True)) for row in rows]


def test_valid_file_creates_one_case_per_row_whose_values_open(alice, north, tmp_path):
    path = write_csv(tmp_path / "people.csv", HEADER, ROWS)

    code, out, err = run_import(path, "--team", "North", "--actor", alice.email, "--json")

    assert code == 0, err
    summary = json.loads(out)
    assert (summary["rows"], summary["created"]) == (3, 3)
    cases = list(Case.objects.select_related("person").order_by("code"))
    assert [c.code for c in cases] == [summary["first_code"], cases[1].code, summary["last_code"]]
    assert all(c.team_id == north.pk and c.case_manager_id == alice.pk for c in cases)
    assert all(c.stage == "first_contact" and c.stage_changes.count() == 1 for c in cases)
    by_name = {open_value(c.person.key_id, c.person, "name"): c.person for c in cases}
    assert set(by_name) == {row[0] for row in ROWS}
    two = by_name["Test Person Import Two"]
    opened = PersonOpener(two.key_id).open_many(two, ("date_of_birth", "phone", "health", "document_number"))
    assert {k: v.value for k, v in opened.items()} == {
        "date_of_birth": "1985-11-30",
        "phone": "+00 555 0002",
        "health": "Test note",
        "document_number": None,
    }
    assert (two.gender, two.languages, two.citizenship) == ("Masculine", ["fr"], ["FR", "BE"])
    three = by_name["Test Person Import Three"]
    assert (three.date_of_birth, three.name_dob_bi, three.gender) == (None, "", "NonSpecifiedUnknown")
    assert len({p.key_id for p in by_name.values()}) == 3  # one data key per person


def test_sealed_values_are_bound_to_their_row(alice, north):
    people_import(actor=alice, team=north, rows=as_dicts(HEADER, ROWS[:2]))
    one, two = Person.objects.order_by("pk")
    # The first person's name ciphertext placed on the second row fails to open, even under the right key.
    two.name = one.name
    assert PersonOpener(one.key_id).open(two, "name").problem == "integrity"


def test_blind_indexes_of_imported_people_find_duplicates(alice, north, make_case):
    existing = make_case(
        alice, name="Test Person Import One", date_of_birth="1991-02-03", phone="+00-555-0001"
    )
    report = people_import(actor=alice, team=north, rows=as_dicts(HEADER, ROWS))

    found = selectors.possible_existing(alice, name="import one, test person", dob=date(1991, 2, 3))
    assert sorted(found) == sorted([existing.code, report.first_code])
    imported = Person.objects.get(cases__code=report.first_code)
    services_made = Person.objects.get(pk=existing.person_id)
    assert imported.phone_bi == services_made.phone_bi != ""
    # The indexes that find people by name alone and by name and year of birth are the services' too.
    assert imported.name_bi == services_made.name_bi != ""
    assert imported.name_year_bi == services_made.name_year_bi != ""
    assert imported.document_bi == vault.blind("person.document", "TEST DOC 001", kind="id")


def test_one_bad_row_writes_nothing_and_names_its_row_and_column(alice, north, tmp_path):
    bad = [*ROWS, ["Test Person Import Four", "1990-13-45", "", "", "Unknownish", "", "", ""]]
    path = write_csv(tmp_path / "people.csv", HEADER, bad)
    before = counts()

    code, out, err = run_import(path, "--team", "North", "--actor", alice.email)

    assert code == 2
    assert "row 5, column date_of_birth: give the date as YYYY-MM-DD" in err
    assert "row 5, column gender: not one of the codes Haven knows" in err
    assert "1990-13-45" not in err + out and "Unknownish" not in err + out
    assert "nothing imported" in err
    assert counts() == before


def test_problem_report_lists_every_bad_row(alice, north):
    rows = [list(row) for row in ROWS]
    rows[0][1] = "1850-01-01"
    rows[2][5] = "english"
    report = people_import(actor=alice, team=north, rows=as_dicts(HEADER, rows))
    assert report.created == 0
    assert [(p.row, p.column) for p in report.problems] == [(2, "date_of_birth"), (4, "languages")]


def test_unknown_column_is_refused_and_not_echoed(alice, north, tmp_path):
    path = write_csv(tmp_path / "people.csv", [*HEADER, "key_id"], [[*row, "forged"] for row in ROWS])
    before = counts()

    code, _out, err = run_import(path, "--team", "North", "--actor", alice.email)

    assert code == 2
    assert "row 1, column #9: unknown column" in err
    assert counts() == before


def test_file_without_header_row_does_not_echo_the_first_persons_values(alice, north, tmp_path):
    path = tmp_path / "people.csv"
    path.write_text("Test Person Headerless;1990-01-01\nTest Person Other;1990-01-02\n", encoding="utf-8")
    code, out, err = run_import(path, "--team", "North", "--actor", alice.email)
    assert code == 2
    assert "Headerless" not in out + err and "row 1, column #1: unknown column" in err


def test_adulthood_needs_an_establishing_method_as_in_the_services(alice, north):
    header = ["name", "date_of_birth", "age_method", "age_established_adult"]
    rows = [["Test Person Age", "1990-01-01", "appearance", "yes"]]
    report = people_import(actor=alice, team=north, rows=as_dicts(header, rows))
    assert [(p.row, p.column) for p in report.problems] == [(2, "age_established_adult")]
    rows[0][2] = "document"
    report = people_import(actor=alice, team=north, rows=as_dicts(header, rows))
    assert report.created == 1
    assert not Person.objects.get().is_child


def test_volunteer_may_not_import(users_by_role, north, tmp_path):
    volunteer = users_by_role[Role.VOLUNTEER]
    with pytest.raises(PermissionDenied):
        people_import(actor=volunteer, team=north, rows=as_dicts(HEADER, ROWS))
    path = write_csv(tmp_path / "people.csv", HEADER, ROWS)
    code, _out, err = run_import(path, "--team", "North", "--actor", volunteer.email)
    assert code == 2 and "may not import" in err
    assert Person.objects.count() == 0


def test_audit_chain_verifies_after_import_with_one_entry_for_it(alice, north):
    report = people_import(actor=alice, team=north, rows=as_dicts(HEADER, ROWS))

    assert audit_verify().ok
    entry = AuditEvent.objects.get(action="cases.imported")
    assert entry.actor_id == alice.pk
    assert entry.detail == {"count": 3, "first": report.first_code, "last": report.last_code}


def test_dry_run_checks_every_row_and_writes_nothing(alice, north, tmp_path):
    path = write_csv(tmp_path / "people.csv", HEADER, ROWS, sep=",")
    before = counts()
    code, out, err = run_import(path, "--team", "North", "--actor", alice.email, "--dry-run", "--json")
    assert code == 0, err
    assert json.loads(out)["created"] == 0 and json.loads(out)["rows"] == 3
    assert counts() == before


def test_comma_separated_file_is_detected(alice, north, tmp_path):
    path = write_csv(tmp_path / "people.csv", HEADER, ROWS, sep=",")
    code, _out, err = run_import(path, "--team", "North", "--actor", alice.email)
    assert code == 0, err
    assert Person.objects.count() == 3


def test_unknown_team_exits_2(alice, tmp_path):
    path = write_csv(tmp_path / "people.csv", HEADER, ROWS)
    code, _out, err = run_import(path, "--team", "Nowhere", "--actor", alice.email)
    assert code == 2 and "no single team" in err


def test_key_store_failure_in_a_later_batch_leaves_the_database_untouched(alice, north):
    store = Path(settings.DATA_DIR) / "keys" / "keystore.sqlite3"
    conn = sqlite3.connect(store)
    existing = conn.execute("SELECT count(*) FROM wrapped_keys WHERE kind = 'data'").fetchone()[0]
    # A real failure of the key store: it accepts the first batch's keys and refuses the second batch's.
    conn.execute(
        "CREATE TRIGGER refuse_keys BEFORE INSERT ON wrapped_keys "
        f"WHEN (SELECT count(*) FROM wrapped_keys WHERE kind = 'data') >= {existing + 2} "
        "BEGIN SELECT RAISE(ABORT, 'test: key store refuses'); END"
    )
    conn.commit()
    before = counts()
    try:
        with pytest.raises((VaultError, sqlite3.Error)):
            people_import(actor=alice, team=north, rows=as_dicts(HEADER, ROWS), batch_size=2)
        # The first batch's keys, created before the refusal, were deleted with the rest of the import.
        assert conn.execute("SELECT count(*) FROM wrapped_keys WHERE kind = 'data'").fetchone()[0] == existing
    finally:
        conn.execute("DROP TRIGGER refuse_keys")
        conn.commit()
        conn.close()
    assert counts() == before


def data_key_ids() -> set[str]:
    """Every data key id in the test's key store, read from the file as an operator would."""
    conn = sqlite3.connect(Path(settings.DATA_DIR) / "keys" / "keystore.sqlite3")
    try:
        return {row[0] for row in conn.execute("SELECT key_id FROM wrapped_keys WHERE kind = 'data'")}
    finally:
        conn.close()


def interrupt_after(monkeypatch, calls: int) -> None:
    """Ctrl-C in the middle of the writing, once `calls` rows were staged (the next batch's keys made)."""
    real = services.cases_stage_bulk
    seen = {"n": 0}

    def stage(**kwargs):
        if seen["n"] >= calls:
            raise KeyboardInterrupt
        seen["n"] += len(kwargs["people"])
        return real(**kwargs)

    monkeypatch.setattr(services, "cases_stage_bulk", stage)


def test_an_interrupted_import_writes_nothing_and_deletes_the_keys_it_made(alice, north, monkeypatch):
    keys_before, before = data_key_ids(), counts()
    interrupt_after(monkeypatch, 3)
    with pytest.raises(KeyboardInterrupt):
        people_import(actor=alice, team=north, rows=as_dicts(HEADER, ROWS * 3), batch_size=2)
    assert counts() == before
    assert data_key_ids() == keys_before


def test_unreadable_csv_exits_2_naming_the_line(alice, north, tmp_path):
    path = tmp_path / "people.csv"
    path.write_text('name;date_of_birth\nTest Person Ok;1990-01-01\n"Test Person" Quoted;1990-01-02\n')
    code, _out, err = run_import(path, "--team", "North", "--actor", alice.email)
    assert code == 2 and "near line 3" in err
    assert Person.objects.count() == 0


def test_ages_must_be_plain_whole_numbers(alice, north):
    rows = [{"name": "Test Person Age Digits", "stated_age": "\u00b2\u00b3"}]
    report = people_import(actor=alice, team=north, rows=rows)
    assert [(p.row, p.column, p.problem) for p in report.problems] == [
        (2, "stated_age", "give a whole number of years")
    ]


def test_rows_being_imported_stay_invisible_until_the_whole_file_is_in(alice, north, monkeypatch):
    from django.http import Http404

    from haven.cases.access import case_for_user, cases_visible_to

    real = services.cases_stage_bulk
    seen: list[tuple[int, int, bool]] = []

    def stage(**kwargs):
        real(**kwargs)
        # After each short transaction the staged rows are stored, yet no query or access function shows them
        try:
            case_for_user(alice, kwargs["codes"][0])
            opened = True
        except Http404:
            opened = False
        seen.append((Case.objects.count(), Case.with_staged.count(), opened))

    monkeypatch.setattr(services, "cases_stage_bulk", stage)
    report = people_import(actor=alice, team=north, rows=as_dicts(HEADER, ROWS * 2), batch_size=2)
    assert seen == [(0, 2, False), (0, 4, False), (0, 6, False)]
    assert Case.objects.count() == 6 and report.created == 6
    assert cases_visible_to(alice).count() == 6  # and the lists show them all


def test_a_killed_import_leaves_only_invisible_rows_that_keys_gc_removes_with_their_keys(
    alice, north, monkeypatch
):
    keys_before = data_key_ids()
    interrupt_after(monkeypatch, 2)
    monkeypatch.setattr(importer, "_clean_up", lambda batch, codes, protector: None)  # kill -9: nothing runs
    with pytest.raises(KeyboardInterrupt):
        people_import(actor=alice, team=north, rows=as_dicts(HEADER, ROWS * 2), batch_size=2)
    monkeypatch.undo()
    assert Case.objects.count() == 0 and Case.with_staged.count() == 2
    out = io.StringIO()
    call_command("keys", "gc", "--older-than-hours", "0", "--json", stdout=out)
    assert json.loads(out.getvalue())["abandoned_rows"] == 2
    assert Case.with_staged.count() == 0 and Person.objects.count() == 0
    assert data_key_ids() <= keys_before  # none of the killed import's keys is left
