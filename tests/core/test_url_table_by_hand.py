"""The URL × role table's expectations are written by hand (role sets per URL), not derived from the
permission code under test. The older derived form `page(Perm.X)` still loads, so that a table written on
another branch merges, but every such entry is listed here; in the apps already converted there is none."""

from __future__ import annotations

import pytest

from haven.accounts.permissions import Perm, Role
from tests.core.access_table import CASE_MANAGER, DPO, FORBIDDEN, OK, api, page
from tests.core.test_url_permissions import load_table

# The URLs whose entries were converted to hand-written role sets: a derived entry among them fails. Entries
# added since (other branches' tables) may still use the derived form until converted; the test below lists
# them.
CONVERTED = frozenset(
    {
        "accounts:login",
        "accounts:logout",
        "accounts:mfa",
        "accounts:mfa_enrol",
        "accounts:reauth",
        "api-v1:add_note",
        "api-v1:add_task",
        "api-v1:api-root",
        "api-v1:create_case",
        "api-v1:finish_task",
        "api-v1:get_case",
        "api-v1:get_person",
        "api-v1:health",
        "api-v1:list_cases",
        "api-v1:list_consents",
        "api-v1:list_notes",
        "api-v1:list_tasks",
        "api-v1:me",
        "api-v1:openapi-json",
        "api-v1:record_consent",
        "api-v1:screenings_evaluate",
        "api-v1:screenings_questions",
        "api-v1:stats_budget",
        "api-v1:stats_export",
        "api-v1:stats_release_create",
        "api-v1:stats_release_get",
        "api-v1:stats_release_list",
        "api-v1:tokens_confirm",
        "api-v1:tokens_revoke",
        "api-v1:update_person",
        "api-v1:withdraw_consent",
        "cases:assign",
        "cases:attachment",
        "cases:attachments",
        "cases:child",
        "cases:close",
        "cases:consent",
        "cases:consent_withdraw",
        "cases:detail",
        "cases:erase",
        "cases:events",
        "cases:export",
        "cases:first_contact",
        "cases:handover",
        "cases:handover_screening",
        "cases:handovers",
        "cases:identity",
        "cases:legal_basis",
        "cases:list",
        "cases:my_handovers",
        "cases:notes",
        "cases:open",
        "cases:overdue",
        "cases:person",
        "cases:person_edit",
        "cases:pressure",
        "cases:search",
        "cases:stage",
        "cases:task_done",
        "cases:tasks",
        "cases:timeline",
        "core:home",
        "evidence:brief",
        "evidence:budget_set",
        "evidence:dashboard",
        "evidence:export_download",
        "evidence:release_create",
        "evidence:release_csv",
        "evidence:release_detail",
        "evidence:release_reproduce",
        "health",
        "screening:about",
        "screening:complete",
        "screening:continue",
        "screening:discard",
        "screening:information",
        "screening:library",
        "screening:library_draft",
        "screening:library_draft_approve",
        "screening:library_draft_new",
        "screening:library_draft_withdraw",
        "screening:library_indicator",
        "screening:quick",
        "screening:result",
        "screening:section",
        "screening:start",
        "set_language",
    }
)


def derived_entries() -> dict[str, Perm]:
    return {name: access.derived_from for name, access in load_table().items() if access.derived_from}


def test_the_converted_urls_name_their_roles_by_hand() -> None:
    derived = {name: perm for name, perm in derived_entries().items() if name in CONVERTED}
    assert not derived, f"write roles={{...}} by hand for: {derived}"


def test_no_entry_is_derived_from_the_matrix_any_more() -> None:
    derived = derived_entries()
    assert not derived, "write roles={...} by hand for: " + ", ".join(
        f"{name} ({perm.name})" for name, perm in sorted(derived.items())
    )


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
    assert not missing, f"write a row in MENU (tests/browser/test_foundation.py) for: {sorted(missing)}"
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
