"""The search-index migration on a real database: people recorded before it (as the code of migration 0008
stored them: sealed values under their own key, only the name-and-date-of-birth index) are found by name
alone and by name and year of birth once the database is migrated forward; a person with no name, or an
erased person, gets no index; and the migration can be undone (its columns dropped) and applied again.

Django's MigrationExecutor moves the test database itself, back to cases 0008 and forward to the latest,
outside any test transaction (schema changes cannot run inside one on SQLite), on SQLite and PostgreSQL.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from haven.cases import sealing, services
from haven.cases.models import Person
from haven.vault import integration as vault

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = ("cases", "0008_dpo_purpose_authority_request")


def migrate_to(targets: list[tuple[str, str]]):
    """Move the test database to `targets`; the historical models (apps) of that state."""
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    return MigrationExecutor(connection).loader.project_state(targets).apps


def latest() -> list[tuple[str, str]]:
    return MigrationExecutor(connection).loader.graph.leaf_nodes()


@pytest.fixture
def at_0008() -> Iterator[object]:
    """The database as it was before the search indexes (every app at its newest migration that does not
    need them); always migrated forward to the latest again afterwards, whatever the test did."""
    try:
        yield migrate_to([BEFORE])
    finally:
        migrate_to(latest())


def columns_of_person() -> set[str]:
    with connection.cursor() as cursor:
        return {c.name for c in connection.introspection.get_table_description(cursor, "cases_person")}


def record_as_0008_did(apps, *, code: str, team_id: int, manager_id: int, name: str | None,
                       dob: str | None, erased: bool = False) -> str:  # fmt: skip
    """A person and their case written with the historical models, as the services of 0008 wrote them:
    a new vault key, the values sealed to their row, the name and date of birth index; returns the code."""
    HistoricalPerson = apps.get_model("cases", "Person")
    HistoricalCase = apps.get_model("cases", "Case")
    person = HistoricalPerson(key_id=vault.new_key(), uid=uuid.uuid4(), age_method="unknown")
    person.name = sealing.seal(person.key_id, person, "name", name)
    person.date_of_birth = sealing.seal(person.key_id, person, "date_of_birth", dob)
    person.name_dob_bi = sealing.person_indexes({"name": name, "date_of_birth": dob})["name_dob_bi"]
    if erased:
        person.erased_at = timezone.now()
    person.save()
    HistoricalCase.objects.create(
        code=code, person=person, team_id=team_id, case_manager_id=manager_id, created_by_id=manager_id,
        stage="screening", status="Active", legal_basis="consent",
    )  # fmt: skip
    return code


def found_by(user, text: str) -> list[str]:
    return [case.code for case in services.case_search(actor=user, text=text).cases]


def indexes_of(code: str) -> tuple[str, str]:
    person = Person.objects.get(cases__code=code)
    return person.name_bi, person.name_year_bi


def test_people_recorded_before_the_search_indexes_are_found_once_the_database_is_migrated(alice, at_0008):
    assert "name_bi" not in columns_of_person()
    made = {"team_id": alice.team_id, "manager_id": alice.pk}
    dated = record_as_0008_did(at_0008, code="HV-2020-00001", name="Test Person Migrated Alpha",
                               dob="1984-06-02", **made)  # fmt: skip
    undated = record_as_0008_did(at_0008, code="HV-2020-00002", name="Test Person Migrated Nodob",
                                 dob=None, **made)  # fmt: skip
    nameless = record_as_0008_did(at_0008, code="HV-2020-00003", name=None, dob="1990-01-01", **made)
    erased = record_as_0008_did(at_0008, code="HV-2020-00004", name="Test Person Migrated Erased",
                                dob="1979-03-03", erased=True, **made)  # fmt: skip

    migrate_to(latest())

    assert found_by(alice, "Test Person Migrated Alpha") == [dated]
    assert found_by(alice, "alpha MIGRATED person test") == [dated]
    assert found_by(alice, "Test Person Migrated Alpha 1984") == [dated]
    assert found_by(alice, "Test Person Migrated Alpha 1985") == []
    assert found_by(alice, "Test Person Migrated Nodob") == [undated]
    assert indexes_of(undated)[1] == ""  # no year of birth, so no name-and-year index
    assert indexes_of(nameless) == ("", "")
    assert indexes_of(erased) == ("", "")
    assert found_by(alice, "Test Person Migrated Erased") == []


def test_the_search_index_migration_can_be_undone_and_applied_again(alice, at_0008):
    code = record_as_0008_did(at_0008, code="HV-2020-00011", name="Test Person Migrated Beta",
                              dob="1992-12-31", team_id=alice.team_id, manager_id=alice.pk)  # fmt: skip
    migrate_to(latest())
    assert found_by(alice, "Test Person Migrated Beta 1992") == [code]

    migrate_to([BEFORE])  # backwards: the two index columns are dropped, the people kept
    assert {"name_bi", "name_year_bi"}.isdisjoint(columns_of_person())
    assert migrate_to([BEFORE]).get_model("cases", "Person").objects.count() == 1

    migrate_to(latest())  # forwards again: the indexes are computed anew
    assert found_by(alice, "Test Person Migrated Beta") == [code]
    assert found_by(alice, "Test Person Migrated Beta 1992") == [code]
