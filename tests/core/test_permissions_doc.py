"""docs/permissions.md is generated from the permissions matrix; it must not fall behind the code."""

from __future__ import annotations

import io

from django.core.management import call_command

from haven.accounts.permissions import MATRIX, PERM_LABELS, ROLE_LABELS, Perm, Role, role_has
from haven.core.management.commands.docs import render_markdown
from tests.conftest import REPO_ROOT

DOC = REPO_ROOT / "docs" / "permissions.md"


def test_permissions_doc_matches_the_matrix() -> None:
    assert DOC.read_text(encoding="utf-8") == render_markdown(), (
        "docs/permissions.md is out of date: run `make docs` (haven docs permissions --write)"
    )


def test_the_docs_command_prints_the_same_text() -> None:
    out = io.StringIO()
    call_command("docs", "permissions", stdout=out)
    assert out.getvalue() == render_markdown()


def test_every_role_and_permission_has_a_label_and_a_row() -> None:
    assert set(ROLE_LABELS) == set(Role) == set(MATRIX)
    assert set(PERM_LABELS) == set(Perm)
    text = render_markdown()
    for perm in Perm:
        assert f"`{perm.value}`" in text


def test_every_permission_is_granted_to_some_role() -> None:
    assert {perm for perms in MATRIX.values() for perm in perms} == set(Perm)


def test_an_unknown_role_grants_nothing() -> None:
    assert not any(role_has("superuser", perm) for perm in Perm)
