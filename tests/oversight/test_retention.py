"""Retention: `haven retention review --json` lists a case past its period on generated data and erases
nothing; the DPO keeps one longer for a reason, or erases it through the erasure service."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from datetime import date, timedelta

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from haven.accounts.models import User
from haven.accounts.permissions import Role
from haven.audit.models import AuditEvent
from haven.cases.models import Case, ErasureTombstone, Person
from haven.oversight import services


@pytest.fixture
def dpo(make_user: Callable[..., User]) -> User:
    return make_user(Role.DPO, "North", "dpo@example.test")


def review_json(*args: str) -> dict:
    out = io.StringIO()
    call_command("retention", "review", "--json", *args, stdout=out)
    return json.loads(out.getvalue())


@pytest.fixture
def closed_cases(alice: User, make_case, settings) -> dict[str, Case]:
    """Three cases: closed long ago (past the period), closed recently, and still open."""
    settings.RETENTION_CASE_DAYS = 365
    old, recent, open_case = make_case(alice), make_case(alice), make_case(alice)
    now = timezone.now()
    Case.objects.filter(pk=old.pk).update(
        stage="closed", status="Closed", closed_at=now - timedelta(days=400)
    )
    Case.objects.filter(pk=recent.pk).update(
        stage="closed", status="Closed", closed_at=now - timedelta(days=30)
    )
    return {"old": old, "recent": recent, "open": open_case}


def test_the_review_lists_only_the_case_past_its_period_and_erases_nothing(closed_cases) -> None:
    before = list(Person.objects.values_list("pk", "erased_at", "version").order_by("pk"))
    result = review_json()
    assert [row["case"] for row in result["cases"]] == [closed_cases["old"].code]
    assert result["cases"][0]["days_past"] == 35
    assert list(Person.objects.values_list("pk", "erased_at", "version").order_by("pk")) == before
    assert not ErasureTombstone.objects.exists()


def test_an_extension_keeps_the_case_off_the_list_until_it_runs_out(closed_cases, dpo: User) -> None:
    old = closed_cases["old"]
    services.retention_extend(
        actor=dpo, case=old, until=date.today() + timedelta(days=90), reason="ongoing_support"
    )
    assert review_json()["cases"] == []
    later = services.retention_review(actor=dpo, today=date.today() + timedelta(days=91))
    assert [item.case.code for item in later] == [old.code]
    entry = AuditEvent.objects.get(action="retention.extended")
    assert entry.object_id == old.code and entry.detail["reason"] == "ongoing_support"


def test_the_dpo_sees_the_review_and_is_sent_to_the_erasure_page(closed_cases, dpo: User, signed_in) -> None:
    page = signed_in(dpo).get("/oversight/retention/").content.decode()
    assert f'data-case="{closed_cases["old"].code}"' in page
    assert f'href="/cases/{closed_cases["old"].code}/erase/"' in page
    assert closed_cases["recent"].code not in page


def test_only_the_dpo_reviews_on_the_command_line(closed_cases, alice: User) -> None:
    with pytest.raises(CommandError) as caught:
        review_json("--actor", alice.email)
    assert caught.value.returncode == 2
