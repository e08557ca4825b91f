"""`haven keys gc`: the data keys no row refers to (an import killed before it could clean up) are deleted
once past the grace period, and nothing else: every person still opens."""

from __future__ import annotations

import io
import json

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError

from haven.audit.models import AuditEvent
from haven.cases import importer, services
from haven.cases.importer import people_import
from haven.cases.models import Case, Person
from haven.cases.sealing import open_value
from haven.vault import collect
from tests.cases.conftest import ADULT
from tests.cases.test_import import HEADER, ROWS, as_dicts, data_key_ids, interrupt_after


def keys_gc(*args: str) -> dict[str, object]:
    out = io.StringIO()
    call_command("keys", "gc", "--json", *args, stdout=out)
    return json.loads(out.getvalue())


@pytest.fixture
def killed_import_leftovers(alice, north, make_case, monkeypatch) -> set[str]:
    """People made through the services and an import, then an import killed (kill -9) half-way: two
    batches staged (never shown), the third's keys made, and no clean-up ran. Returns the key ids it left
    behind."""
    for _ in range(2):
        make_case(alice)
    people_import(actor=alice, team=north, rows=as_dicts(HEADER, ROWS))
    before = data_key_ids()
    interrupt_after(monkeypatch, 3)
    monkeypatch.setattr(importer, "_clean_up", lambda batch, codes, protector: None)  # killed: nothing runs
    with pytest.raises(KeyboardInterrupt):
        people_import(actor=alice, team=north, rows=as_dicts(HEADER, ROWS * 3), batch_size=2)
    monkeypatch.undo()
    leftovers = data_key_ids() - before
    assert len(leftovers) == 6  # three batches of two: two staged, one only sealed
    assert Case.objects.count() == 5  # nothing of the killed import is shown
    return leftovers


def test_gc_deletes_the_leftovers_of_a_killed_import_and_every_person_still_opens(killed_import_leftovers):
    people = [case.person for case in Case.objects.select_related("person")]
    assert len(people) == 5
    report = keys_gc("--older-than-hours", "0")
    assert report["abandoned_rows"] == 4
    assert not Case.with_staged.exclude(pk__in=[c.pk for c in Case.objects.all()]).exists()
    assert Person.objects.count() == 5
    remaining = data_key_ids()
    assert not killed_import_leftovers & remaining
    assert remaining == {person.key_id for person in people}
    assert report["deleted"] == report["unused"] >= len(killed_import_leftovers)
    assert report["referenced"] == 5
    for person in people:
        assert open_value(person.key_id, person, "name").startswith("Test Person")
    event = AuditEvent.objects.get(action="vault.keys_collected")
    assert event.detail["deleted"] == report["deleted"]


def test_gc_keeps_keys_younger_than_the_grace_period(killed_import_leftovers):
    report = keys_gc()
    assert report["deleted"] == 0 and report["older_than_hours"] == 24
    assert killed_import_leftovers <= data_key_ids()


def test_a_dry_run_counts_the_unused_keys_and_deletes_none(killed_import_leftovers):
    report = keys_gc("--older-than-hours", "0", "--dry-run")
    assert report["dry_run"] is True and report["deleted"] == 0
    # The killed import's staged rows are counted, not deleted: their four keys still count as used.
    assert report["abandoned_rows"] == 4
    assert report["unused"] >= len(killed_import_leftovers) - 4
    assert killed_import_leftovers <= data_key_ids()
    assert Case.with_staged.count() == 9
    assert not AuditEvent.objects.filter(action="vault.keys_collected").exists()


def test_the_text_report_says_what_was_kept_and_deleted(killed_import_leftovers):
    out = io.StringIO()
    call_command("keys", "gc", "--older-than-hours", "0", stdout=out)
    assert "referred to by a row (kept): 5" in out.getvalue()
    assert "deleted:" in out.getvalue()


def test_without_any_app_naming_its_keys_gc_deletes_nothing(killed_import_leftovers, monkeypatch):
    monkeypatch.setattr(collect, "_reference_hooks", [])
    with pytest.raises(CommandError) as refused:
        keys_gc("--older-than-hours", "0")
    assert refused.value.returncode == 1
    assert "nothing was deleted" in str(refused.value)
    assert killed_import_leftovers <= data_key_ids()


def test_a_negative_grace_period_is_a_usage_error(db):
    with pytest.raises(CommandError) as refused:
        keys_gc("--older-than-hours", "-1")
    assert refused.value.returncode == 2


def test_a_first_contact_refused_by_a_rule_leaves_no_key_behind(alice):
    before = data_key_ids()
    with pytest.raises(ValidationError):
        services.first_contact_create(
            actor=alice, values={**ADULT, "date_of_birth": "not a date"}, confirm_new_person=True
        )
    assert data_key_ids() == before
    case = services.first_contact_create(actor=alice, values=ADULT, confirm_new_person=True)
    assert data_key_ids() == before | {case.person.key_id}
