"""The demo is full of life: `haven demo` fills every capability through the real services (each record has
its audit entry), the same seed gives the same life, the evidence dashboard has tables over at least the
release minimum of people, and every main page has something to show to the role it is for."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import QuerySet
from django.test import Client
from django.utils import timezone

from haven.accounts.models import User
from haven.accounts.permissions import Role
from haven.assessment.models import NeedsAssessment, RiskAssessment, SafetyPlan, SupportGoal, SupportReview
from haven.audit.models import AuditEvent
from haven.cases.models import Case, Consent, Note, Task
from haven.core.demo import demo_create
from haven.demo.life import demo_fill
from haven.evidence.dataset import statistics_scope
from haven.evidence.models import DpRelease
from haven.followup.models import FormalIdentification
from haven.organisation.models import ReadinessAnswer
from haven.referrals.models import Link, Referral
from haven.referrals.models import Organisation as Partner
from haven.screening.models import Screening
from haven.staff.access import has_valid_security_training
from haven.staff.models import SECURITY, StaffMember, Training, WellbeingEntry

SCREENINGS, SEED = 80, 3
# The release minimum of the production settings (HAVEN_RELEASE_MIN_RECORDS' default); tests set 0.
PRODUCTION_MIN_RECORDS = 20


@pytest.fixture
def demo(db: None, settings: Any) -> dict[str, User]:
    settings.RELEASE_MIN_RECORDS = PRODUCTION_MIN_RECORDS
    demo_create()
    demo_fill(SCREENINGS, SEED)
    users = User.objects.filter(is_demo=True)
    return {user.role: user for user in users}


def capabilities() -> dict[str, QuerySet[Any]]:
    """What the demo must have, capability by capability (written from the product brief's list)."""
    return {
        "screenings with signs": Screening.objects.exclude(outcome="no_signs_noted"),
        "screenings without signs": Screening.objects.filter(outcome="no_signs_noted"),
        "hand-overs waiting": Case.objects.filter(stage="first_contact"),
        "cases taken on": Case.objects.exclude(stage="first_contact"),
        "statistics consents": Consent.objects.filter(purpose="statistics", status="given"),
        "referral consents": Consent.objects.filter(purpose="referral", status="given"),
        "refused referral consents": Consent.objects.filter(purpose="referral", status="refused"),
        "notes": Note.objects.all(),
        "open tasks": Task.objects.filter(done_at=None, closed_at=None),
        "tasks done": Task.objects.exclude(done_at=None),
        "needs assessments": NeedsAssessment.objects.all(),
        "risk assessments signed off": RiskAssessment.objects.exclude(signed_off_at=None),
        "high-risk cases": Case.objects.filter(risk_level="high"),
        "safety plans": SafetyPlan.objects.all(),
        "support goals": SupportGoal.objects.all(),
        "support reviews": SupportReview.objects.all(),
        "reflection periods": FormalIdentification.objects.exclude(reflection_start=None),
        "referrals sent": Referral.objects.exclude(status="draft"),
        "referrals accepted": Referral.objects.filter(status__in=("accepted", "completed")),
        "links": Link.objects.all(),
        "partner services": Partner.objects.exclude(org_type="placeholder"),
        "cases in support": Case.objects.filter(stage="support"),
        "closed cases": Case.objects.filter(stage="closed"),
        "register entries": StaffMember.objects.all(),
        "security trainings": Training.objects.filter(kind=SECURITY),
        "readiness answers": ReadinessAnswer.objects.all(),
        "wellbeing check-ins": WellbeingEntry.objects.all(),
        "statistics tables": DpRelease.objects.all(),
    }


def test_the_demo_fills_every_capability_through_its_audited_services(demo) -> None:
    empty = [name for name, rows in capabilities().items() if not rows.exists()]
    assert empty == []

    # Every record came through its service: each has its audit entry, and the chain verifies.
    def audited(action: str) -> int:
        return AuditEvent.objects.filter(action=action).count()

    assert audited("assessment.needs_recorded") == NeedsAssessment.objects.count()
    assert audited("assessment.risk_recorded") == RiskAssessment.objects.count()
    assert audited("assessment.safety_plan_recorded") == SafetyPlan.objects.count()
    assert audited("referral.sent") == Referral.objects.exclude(status="draft").count()
    assert audited("case.closed") == Case.objects.filter(stage="closed").count()
    assert audited("staff.member_added") == StaffMember.objects.count()
    assert audited("readiness.answered") == ReadinessAnswer.objects.count()
    assert audited("stats.release") == DpRelease.objects.count()
    call_command("audit", "verify", stdout=io.StringIO())  # raises (exit 1) on a broken chain

    # The evidence dashboard has tables over at least the production release minimum of people.
    assert statistics_scope().in_scope >= PRODUCTION_MIN_RECORDS
    releases = DpRelease.objects.all()
    assert releases.count() == 2
    assert all(release.records_in_scope >= PRODUCTION_MIN_RECORDS for release in releases)

    # High-risk work can be given: the caseworker and case manager hold a valid security training.
    today = timezone.localdate()
    assert has_valid_security_training(demo[Role.CASEWORKER.value], today)
    assert has_valid_security_training(demo[Role.CASE_MANAGER.value], today)
    assert not has_valid_security_training(demo[Role.VOLUNTEER.value], today)
    assert Case.objects.filter(risk_level="high", caseworkers=demo[Role.CASEWORKER.value]).exists()


def test_the_same_seed_gives_the_same_life(db) -> None:
    demo_create()
    first = demo_fill(30, seed=11)
    second = demo_fill(30, seed=11)
    # The organisation's own records are made once; each case's life again, the same.
    once = {"register entries", "readiness answers", "directory entries", "statistics tables", "links"}
    assert first["register entries"] > 0 and second["register entries"] == 0
    assert {k: v for k, v in second.items() if k not in once} == {
        k: v for k, v in first.items() if k not in once
    }


def test_the_command_prints_what_it_made_and_refuses_a_bad_count(db) -> None:
    demo_create()
    out = io.StringIO()
    call_command("demo", "--cases", "12", "--seed", "5", "--json", stdout=out)
    made = json.loads(out.getvalue())
    assert made["cases"] == Case.objects.count() > 0
    assert made["register entries"] == StaffMember.objects.count()
    again = io.StringIO()
    call_command("demo", "--cases", "12", "--if-empty", stdout=again)
    assert again.getvalue() == "" and made["cases"] == Case.objects.count()
    with pytest.raises(CommandError) as refused:
        call_command("demo", "--cases", "-1")
    assert refused.value.returncode == 2


def _a_case_with_everything() -> Case:
    """A case with needs and risk assessments, a support plan and a referral sent (found in the data)."""
    return (
        Case.objects.filter(
            needs_assessments__isnull=False,
            risk_assessments__isnull=False,
            support_goals__isnull=False,
            referrals__sent_at__isnull=False,
        )
        .exclude(stage="closed")
        .order_by("pk")
        .first()
    )


# Page, role, and words the page must show (written by hand from what each page is for).
PAGES: list[tuple[str, str, tuple[str, ...]]] = [
    ("/cases/handovers/mine/", Role.VOLUNTEER.value, ('data-accepted="true"', 'data-accepted="false"')),
    ("/work/", Role.CASEWORKER.value, ("data-task",)),
    ("/cases/", Role.CASE_MANAGER.value, ("HV-",)),
    ("/cases/handovers/", Role.CASE_MANAGER.value, ("HV-",)),
    ("/cases/{code}/", Role.CASE_MANAGER.value, ("{code}",)),
    ("/cases/{code}/assessment/", Role.CASE_MANAGER.value, ("assessments recorded:", "level")),
    ("/cases/{code}/assessment/risk/", Role.CASE_MANAGER.value, ("Demo risk notes",)),
    ("/cases/{code}/assessment/support-plan/", Role.CASE_MANAGER.value, ("Demo: first appointment booked.",)),
    ("/referrals/case/{code}/", Role.CASE_MANAGER.value, ("Demo Psychosocial Centre",)),
    ("/referrals/directory/", Role.PROGRAMME_MANAGER.value, ("Demo Psychosocial Centre", "Demo Police")),
    ("/referrals/gaps/", Role.PROGRAMME_MANAGER.value, ("DEMO-LEGAL",)),
    ("/staff/", Role.PROGRAMME_MANAGER.value, ("Caseworker", "Personal security")),
    ("/organisation/readiness/", Role.PROGRAMME_MANAGER.value, ("In place",)),
    ("/evidence/", Role.DPO.value, ("records in scope",)),
]


def test_every_main_page_has_content_for_its_role(demo, signed_in: Callable[[User], Client]) -> None:
    case = _a_case_with_everything()
    assert case is not None, "no case has assessments, a support plan and a referral sent"
    clients = {role: signed_in(user) for role, user in demo.items()}
    for path, role, words in PAGES:
        response = clients[role].get(path.format(code=case.code))
        assert response.status_code == 200, path
        page = response.content.decode()
        missing = [word for word in words if word.format(code=case.code) not in page]
        assert missing == [], path
