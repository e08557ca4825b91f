"""The case list pages through exactly the cases the access rule shows, newest change first and each once,
however the rule's parts overlap; it counts only a bounded way past the page it shows."""

from __future__ import annotations

import pytest

from haven.accounts.permissions import Role
from haven.cases import selectors, services
from haven.cases.models import Case


def newest_change_first(cases) -> list[str]:
    """The codes of `cases` (a set the test knows by construction) in the list's order."""
    return list(
        Case.objects.filter(pk__in=[c.pk for c in cases])
        .order_by("-updated_at", "-pk")
        .values_list("code", flat=True)
    )


def _codes_page_by_page(user, per_page: int, **filters) -> list[str]:
    codes: list[str] = []
    number = 1
    while True:
        page = selectors.case_list_page(user, page=number, per_page=per_page, **filters)
        assert page.number == number
        codes += [case.code for case in page.object_list]
        if not page.has_next():
            return codes
        number += 1


@pytest.fixture
def mixed_cases(alice, make_user, make_case):
    """Alice's own cases in North and in South, unassigned North cases, and a South case not hers."""
    south_manager = make_user(Role.CASE_MANAGER, "South")
    own_north = [make_case(alice) for _ in range(4)]
    unassigned_north = [make_case(alice, open_case=False) for _ in range(3)]
    own_south = [make_case(alice, team=south_manager.team) for _ in range(2)]
    others = [make_case(south_manager)]
    # A change moves a case to the top of the list.
    services.note_add(actor=alice, case=own_north[0], section="general", body="Test note")
    return {
        "visible": own_north + unassigned_north + own_south,
        "unassigned_north": unassigned_north,
        "hidden": others,
    }


@pytest.mark.parametrize("per_page", [1, 2, 3, 25])
def test_paging_gives_each_visible_case_once_in_the_order_of_the_whole_list(alice, mixed_cases, per_page):
    expected = newest_change_first(mixed_cases["visible"])
    assert _codes_page_by_page(alice, per_page) == expected


def test_filters_apply_to_every_page(alice, mixed_cases):
    expected = newest_change_first(mixed_cases["unassigned_north"])
    assert len(expected) == 3
    assert _codes_page_by_page(alice, 2, stage="first_contact") == expected


def test_the_count_stops_a_bounded_way_past_the_page(alice, mixed_cases, monkeypatch):
    monkeypatch.setattr(selectors, "LIST_COUNT_AHEAD", 3)
    first = selectors.case_list_page(alice, page=1, per_page=2)
    assert first.paginator.num_pages == "1+" and first.has_next()
    monkeypatch.setattr(selectors, "LIST_COUNT_AHEAD", 500)
    assert selectors.case_list_page(alice, page=1, per_page=2).paginator.num_pages == 5


def test_a_page_past_the_end_gives_the_last_and_a_page_that_is_not_a_number_the_first(alice, mixed_cases):
    last = selectors.case_list_page(alice, page=99, per_page=2)
    assert last.number == 5 and not last.has_next() and len(last.object_list) == 1
    assert selectors.case_list_page(alice, page="x", per_page=2).number == 1


def test_someone_who_may_see_no_case_gets_an_empty_page(make_user, mixed_cases):
    volunteer = make_user(Role.VOLUNTEER)
    page = selectors.case_list_page(volunteer, page=1, per_page=25)
    assert page.object_list == [] and not page.has_next()
