"""The URL × role table's expectations are written by hand (role sets per URL), not derived from the
permission code under test. The older derived form `page(Perm.X)` still loads, so that a table written on
another branch merges, but every such entry is listed here; in the apps already converted there is none."""

from __future__ import annotations

import warnings

import pytest

from haven.accounts.permissions import Perm, Role
from tests.core.access_table import CASE_MANAGER, DPO, FORBIDDEN, OK, api, page
from tests.core.test_url_permissions import TABLE, load_table

# The apps whose tables were converted to hand-written role sets: a derived entry there fails.
CONVERTED = ("cases:", "evidence:", "screening:", "core:", "accounts:")
CONVERTED_API = (
    "list_cases",
    "create_case",
    "get_case",
    "get_person",
    "update_person",
    "stats_",
    "screenings_",
)


def derived_entries() -> dict[str, Perm]:
    return {name: access.derived_from for name, access in load_table().items() if access.derived_from}


def in_converted_app(name: str) -> bool:
    if name.startswith("api-v1:"):
        return name.removeprefix("api-v1:").startswith(CONVERTED_API)
    return name.startswith(CONVERTED)


def test_the_converted_apps_name_their_roles_by_hand() -> None:
    derived = {name: perm for name, perm in derived_entries().items() if in_converted_app(name)}
    assert not derived, f"write roles={{...}} by hand for: {derived}"


def test_entries_still_derived_from_the_matrix_are_listed() -> None:
    derived = derived_entries()
    if derived:
        warnings.warn(
            "URL × role entries still derived from the permission matrix (write roles= by hand): "
            + ", ".join(f"{name} ({perm.name})" for name, perm in sorted(derived.items())),
            stacklevel=1,
        )
    assert set(derived) <= set(TABLE)


def test_a_hand_written_entry_expects_exactly_the_roles_named() -> None:
    entry = page(roles={CASE_MANAGER, DPO})
    assert {role for role in Role if entry.expect[role.value] == OK} == {CASE_MANAGER, DPO}
    assert all(entry.expect[role.value] == FORBIDDEN for role in Role if role not in {CASE_MANAGER, DPO})
    assert entry.derived_from is None


def test_the_older_form_still_works_and_is_marked() -> None:
    entry = api(Perm.CASE_VIEW)
    assert entry.derived_from == Perm.CASE_VIEW
    with pytest.raises(ValueError, match="not both"):
        page(Perm.CASE_VIEW, roles={DPO})


def test_the_browser_menu_table_names_every_menu_entry_of_the_converted_apps() -> None:
    from tests.browser.test_foundation import MENU, menu_entries_not_written_by_hand

    missing = menu_entries_not_written_by_hand()
    if missing:
        warnings.warn(f"menu entries without a hand-written row in MENU: {sorted(missing)}", stacklevel=1)
    assert {"home", "cases", "screening", "evidence"} <= set(MENU)
    assert not missing & {
        "home",
        "cases",
        "first_contact",
        "handovers",
        "tasks_overdue",
        "screening",
        "screening_library",
        "evidence",
    }
