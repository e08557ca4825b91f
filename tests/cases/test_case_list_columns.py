"""The case list shows, for each case, its stage, the assigned case manager, the next due date (the earliest
open task) and the risk flag, filters by stage, risk and "assigned to me", and reads all of it in a fixed
number of queries however many cases and tasks there are."""

from __future__ import annotations

import re
from datetime import date

from django.db import connection
from django.test.utils import CaptureQueriesContext

from haven.cases import services
from haven.cases.models import Case
from tests.cases.helpers import ApiClient


def row(page: str, code: str) -> str:
    """The list row of case `code` in the page's HTML."""
    match = re.search(rf'<li class="case-row" data-case="{code}">(.*?)</li>', page, re.S)
    assert match, code
    return match.group(1)


def set_risk(case: Case, level: str) -> None:
    # The assessment app's service is the one writer of the level; the list only reads it.
    Case.objects.filter(pk=case.pk).update(risk_level=level)


def test_each_row_shows_stage_case_manager_next_due_date_and_risk(alice, bob, make_case, signed_in):
    case = make_case(alice)
    services.task_add(actor=alice, case=case, due_on=date(2031, 5, 6), kind="appointment")
    services.task_add(actor=alice, case=case, due_on=date(2030, 3, 4), kind="appointment")
    done = services.task_add(actor=alice, case=case, due_on=date(2029, 1, 2), kind="appointment")
    services.task_done(actor=alice, case=case, task=done)
    set_risk(case, "medium")
    quiet = make_case(alice)

    page = signed_in(alice).get("/cases/").content.decode()

    shown = row(page, case.code)
    assert str(case.get_stage_display()) in shown
    assert (alice.display_name or alice.email) in shown
    assert 'data-next-due="2030-03-04"' in shown  # the earliest open task; the done one does not count
    assert 'data-flag="medium-risk"' in shown
    assert "data-next-due" not in row(page, quiet.code) and "risk" not in row(page, quiet.code)


def test_the_list_filters_by_risk_and_by_assigned_to_me(alice, bob, make_user, make_case, signed_in):
    high = make_case(alice)
    set_risk(high, "high")
    low = make_case(alice)
    set_risk(low, "low")
    unassessed = make_case(alice)
    services.case_assign(actor=alice, case=low, caseworkers=[bob])
    other_manager = make_user("case_manager", "North")
    theirs = make_case(other_manager)
    client = signed_in(alice)

    def codes(who=client, **query: str) -> set[str]:
        return set(re.findall(r'data-case="(HV-[\d-]+)"', who.get("/cases/", query).content.decode()))

    assert codes(risk="high") == {high.code}
    assert codes(risk="none") == {unassessed.code, theirs.code}
    assert codes(mine="on") == {high.code, low.code, unassessed.code}
    assert codes(mine="on", risk="low") == {low.code}
    assert codes(signed_in(bob), mine="on") == {low.code}


def test_the_api_rows_carry_the_case_manager_and_next_due_date(alice, make_case):
    case = make_case(alice)
    services.task_add(actor=alice, case=case, due_on=date(2030, 3, 4), kind="appointment")
    set_risk(case, "high")

    rows = ApiClient(alice).get("/cases?risk=high").json()["results"]

    assert [(r["code"], r["risk_level"], r["next_due"], r["case_manager"]) for r in rows] == [
        (case.code, "high", "2030-03-04", alice.display_name or alice.email)
    ]


def _count(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_the_list_reads_next_due_dates_without_a_query_per_row(alice, bob, make_case, signed_in):
    client = signed_in(alice)
    first = make_case(alice)
    services.task_add(actor=alice, case=first, due_on=date(2030, 1, 1), kind="appointment")
    client.get("/cases/")
    few = _count(client, "/cases/?mine=on&risk=")
    for n in range(10):
        case = make_case(alice)
        services.case_assign(actor=alice, case=case, caseworkers=[bob])
        services.task_add(actor=alice, case=case, due_on=date(2030, 1, 2 + n), kind="appointment")
        services.task_add(actor=alice, case=case, due_on=date(2031, 1, 2 + n), kind="appointment")
    assert _count(client, "/cases/?mine=on&risk=") == few
