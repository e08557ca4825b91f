"""`haven team create` and `haven team list`: the same service as the web's Teams page, the same rule (the
administrator, or the operator on the server), audited, and a one-line exit 2 for a bad name or a refusal."""

from __future__ import annotations

import io
import json
from collections.abc import Callable

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from haven.accounts.models import Team, User
from haven.accounts.permissions import Role
from haven.audit.models import AuditEvent


@pytest.fixture
def admin(make_user: Callable[..., User]) -> User:
    return make_user(Role.ADMIN, None, "admin@example.test")


def team_cli(*args: str) -> str:
    out = io.StringIO()
    call_command("team", *args, stdout=out)
    return out.getvalue()


def test_the_operator_creates_a_team_and_sees_it_listed_with_its_contacts(north, alice) -> None:
    made = json.loads(team_cli("create", "East branch", "--json"))
    assert made["team"] == "East branch"
    assert Team.objects.filter(name="East branch", organisation=north.organisation).exists()
    assert AuditEvent.objects.filter(action="team.created", object_id=str(made["id"])).exists()
    rows = {row["team"]: row for row in json.loads(team_cli("list", "--json"))}
    assert rows["East branch"] == {
        "team": "East branch",
        "contact_person": "",
        "safeguarding_procedure": False,
        "active_accounts": 0,
    }
    assert rows["North"]["active_accounts"] == 1  # alice, the case manager fixture
    assert "East branch" in team_cli("list")


def test_the_administrator_may_create_a_team_as_actor(admin) -> None:
    team_cli("create", "Mobile team", "--actor", admin.email)
    created = AuditEvent.objects.get(action="team.created")
    assert created.actor_id == admin.pk


def test_a_case_manager_is_refused_on_the_command_line_as_on_the_web(alice, signed_in) -> None:
    with pytest.raises(CommandError, match="refused") as refused:
        team_cli("create", "Rogue team", "--actor", alice.email)
    assert refused.value.returncode == 2
    with pytest.raises(CommandError, match="refused"):
        team_cli("list", "--actor", alice.email)
    assert signed_in(alice).post("/manage/teams/", {"name": "Rogue team"}).status_code in (403, 404)
    assert not Team.objects.filter(name="Rogue team").exists()
    assert AuditEvent.objects.filter(actor_id=alice.pk, action="access.denied").count() >= 3


@pytest.mark.parametrize("name", ["", "North"])
def test_an_empty_or_taken_name_exits_with_two_and_one_line(north, name: str) -> None:
    with pytest.raises(CommandError) as refused:
        team_cli("create", name)
    assert refused.value.returncode == 2
    assert "\n" not in str(refused.value)
    assert Team.objects.filter(name="North").count() == 1
