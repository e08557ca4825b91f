"""Case pages are thin: the POST / validate / call the service / show the errors step is written once
(`views._submit`, and `_run_action` for the one-button actions), not again in each view."""

from __future__ import annotations

import ast
from pathlib import Path

VIEWS = Path(__file__).resolve().parents[2] / "haven" / "cases" / "views.py"

# The helpers, and the one page with two forms whose invalid input the view itself turns into errors.
MAY_SHOW_ERRORS = {"_submit", "_run_action", "pressure"}


def functions_that(call: str) -> set[str]:
    tree = ast.parse(VIEWS.read_text(encoding="utf-8"))
    found = set()
    for node in tree.body:
        if isinstance(node, ast.FunctionDef):
            for inner in ast.walk(node):
                if (
                    isinstance(inner, ast.Call)
                    and isinstance(inner.func, ast.Attribute)
                    and inner.func.attr == call
                ):
                    found.add(node.name)
    return found


def test_only_the_helpers_put_a_service_refusal_on_a_form() -> None:
    assert functions_that("apply_errors") <= MAY_SHOW_ERRORS
    assert "_submit" in functions_that("apply_errors")


def test_the_form_pages_go_through_the_helper() -> None:
    # Hand-listed: every case page with a form that calls a service.
    pages = {
        "first_contact",
        "person_edit",
        "handover_from_screening",
        "assign",
        "consent",
        "legal_basis",
        "consent_withdraw",
        "child",
        "events",
        "notes",
        "tasks",
        "attachments",
        "erase",
    }
    callers: set[str] = set()
    tree = ast.parse(VIEWS.read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.FunctionDef):
            names = {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}
            if "_submit" in names:
                callers.add(node.name)
    assert pages <= callers
    assert not pages & functions_that("apply_errors")
