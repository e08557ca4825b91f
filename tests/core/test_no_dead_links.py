"""No link to what the role cannot reach: for every role, every link on the main pages (home, my work, the
case list, a case's pages, evidence, the help) opens; none answers "Not allowed" (403), "Not found" (404) or
"Method not allowed" (405).

The case summary page itself is tested with its own redesign; its section pages are covered here.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from urllib.parse import urldefrag, urlsplit

import pytest
from django.test import Client
from django.utils import timezone

from haven.accounts.models import User
from haven.accounts.permissions import Role
from haven.cases import services as cases
from haven.cases.models import Case
from tests.referrals.helpers import give_consent, north_case, organisation

pytestmark = pytest.mark.django_db

HREF = re.compile(r'<a\b[^>]*\bhref="([^"]+)"')
DEAD_ENDS = (403, 404, 405)


def links(html: str) -> list[str]:
    """The site's own addresses linked from a page (no anchors within the page, no other sites)."""
    found = []
    for href in HREF.findall(html):
        href = urldefrag(href.replace("&amp;", "&")).url
        if not href or urlsplit(href).scheme or href.startswith("//") or href.startswith("mailto:"):
            continue
        found.append(href)
    return list(dict.fromkeys(found))


def case_pages(code: str) -> list[str]:
    return [
        f"/cases/{code}/consent/",
        f"/cases/{code}/notes/",
        f"/cases/{code}/tasks/",
        f"/cases/{code}/events/",
        f"/cases/{code}/timeline/",
        f"/referrals/case/{code}/",
    ]


@pytest.fixture
def world(make_user: Callable[..., User]) -> dict[str, object]:
    staff = {role.value: make_user(role, None if role == Role.ADMIN else "North") for role in Role}
    managed = north_case(staff)
    organisation("DEADLINK-1")
    give_consent(staff, managed, "DEADLINK-1")
    cases.note_add(actor=staff["case_manager"], case=managed, section="general", body="Test note")
    cases.task_add(actor=staff["case_manager"], case=managed, due_on=timezone.localdate(), title="Call back")
    first = cases.first_contact_create(
        actor=staff["volunteer"],
        values={"name": "Test Person Links", "age_method": "document", "stated_age": 30},
        confirm_new_person=True,
    )
    return {"staff": staff, "managed": managed, "first": first}


def main_pages(role: Role, world: dict[str, object], client: Client) -> list[str]:
    pages = ["/", "/work/", "/cases/", "/evidence/"]
    help_page = re.search(r'href="([^"]+)"[^>]*data-help="guide"', client.get("/").content.decode())
    if help_page:
        pages.append(help_page.group(1))
    managed, first = world["managed"], world["first"]
    assert isinstance(managed, Case) and isinstance(first, Case)
    if role in (Role.CASE_MANAGER, Role.CASEWORKER):
        pages += case_pages(managed.code)
    if role == Role.VOLUNTEER:
        pages += case_pages(first.code)
    return pages


@pytest.mark.parametrize("role", list(Role))
def test_no_link_on_the_main_pages_leads_to_not_allowed_or_not_found(
    role: Role, world: dict[str, object], signed_in: Callable[[User], Client]
) -> None:
    staff = world["staff"]
    assert isinstance(staff, dict)
    client = signed_in(staff[role.value])
    dead: list[str] = []
    seen: set[str] = set()
    for page in main_pages(role, world, client):
        response = client.get(page)
        if response.status_code in DEAD_ENDS:
            continue  # a main page the role does not have: its menu does not offer it (tested elsewhere)
        for link in links(response.content.decode()):
            if link in seen:
                continue
            seen.add(link)
            status = client.get(link).status_code
            if status in DEAD_ENDS:
                dead.append(f"{page} → {link}: {status}")
    assert dead == []
