"""`haven reminders` writes the review notifications (once), and the migration closes the tasks left open on
cases closed before closure closed them."""

from __future__ import annotations

import importlib
import json
from datetime import date, timedelta
from io import StringIO

from django.apps import apps
from django.core.management import call_command

from haven.cases import services
from haven.cases.models import Task
from haven.followup import services as followup
from haven.notifications.models import Notification
from tests.conftest import REPO_ROOT

TODAY = date.today()


def test_the_reminders_command_notifies_once_and_says_how_many(alice, make_case):
    case = make_case(alice)
    followup.identification_choice(actor=alice, case=case, choice="chosen", on=TODAY)
    followup.reflection_period_set(actor=alice, case=case, starts_on=TODAY - timedelta(days=27))
    out = StringIO()
    call_command("reminders", "--json", stdout=out)
    assert json.loads(out.getvalue()) == {"notifications": 1}
    call_command("reminders", stdout=StringIO())
    assert Notification.objects.filter(user=alice, kind="review_due", case_code=case.code).count() == 1


def test_the_migration_closes_tasks_left_open_on_closed_cases(alice, make_case):
    case = make_case(alice)
    task = services.task_add(actor=alice, case=case, due_on=TODAY - timedelta(days=1), kind="appointment")
    services.case_close(actor=alice, case=case, reason="moved", note="Moved away.")
    Task.objects.filter(pk=task.pk).update(closed_at=None, closed_reason="", closed_by=None)  # as before
    # Found by its name's end: the migration's number may change when branches are merged.
    path = next((REPO_ROOT / "haven" / "cases" / "migrations").glob("*_followup_tasks_closure.py"))
    migration = importlib.import_module(f"haven.cases.migrations.{path.stem}")
    migration.close_tasks_of_closed_cases(apps, None)
    assert Task.objects.get(pk=task.pk).closed_reason == "case_closed"
