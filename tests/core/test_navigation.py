"""One highlighted menu entry at a time: every menu page, for every role, marks exactly its own entry."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from django.test import Client

from haven.accounts.models import User
from haven.accounts.permissions import Role
from haven.core.context_processors import active_item

pytestmark = pytest.mark.django_db

NAV_LINK = re.compile(
    r'<a href="(?P<url>[^"]+)" data-nav="(?P<key>[^"]+)"(?P<current> aria-current="page")?>'
)

# Pages under another entry's address, written out by hand: the entry each must highlight.
NESTED = {
    "/cases/new/": "first_contact",
    "/cases/handovers/": "handovers",
    "/cases/overdue/": "tasks_overdue",
    "/screening/library/": "screening_library",
}


def menu(client: Client, path: str) -> tuple[list[tuple[str, str]], list[str]]:
    """(url, key) of every menu entry on the page, and the keys marked as the current page."""
    response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    found = list(NAV_LINK.finditer(response.content.decode()))
    return [(m["url"], m["key"]) for m in found], [m["key"] for m in found if m["current"]]


@pytest.mark.parametrize("role", list(Role))
def test_every_menu_page_highlights_exactly_its_own_entry(
    role: Role, users_by_role: dict[Role, User], signed_in: Callable[[User], Client]
) -> None:
    client = signed_in(users_by_role[role])
    entries, _current = menu(client, "/")
    assert entries, "the role sees a menu"
    for url, key in entries:
        _entries, current = menu(client, url)
        assert current == [key], (role, url, current)


def test_a_page_under_two_entries_highlights_the_nearer_one(
    users_by_role: dict[Role, User], signed_in: Callable[[User], Client]
) -> None:
    client = signed_in(users_by_role[Role.CASE_MANAGER])
    for path, key in NESTED.items():
        entries, current = menu(client, path)
        if key in dict((k, u) for u, k in entries):
            assert current == [key], (path, current)


def test_the_home_entry_is_highlighted_only_on_the_home_page() -> None:
    assert active_item("/", ["/", "/cases/"]) == 0
    assert active_item("/cases/7/", ["/", "/cases/"]) == 1
    assert active_item("/help/", ["/", "/cases/"]) is None
    assert active_item("/cases/new/", ["/", "/cases/", "/cases/new/"]) == 2
