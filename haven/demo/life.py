"""The demo organisation's life across every capability, made through Haven's own services.

    haven demo --cases N --seed S [--if-empty]

In order: the staff and volunteer register with trainings (so that high-risk work can be assigned), this
year's readiness self-assessment, N screenings and the cases they hand over (`haven.cases.demo`), the
synthetic service directory and the needs the cases were linked for (`haven.referrals.demo`), then each
case's life: needs and risk assessments, safety and support plans, formal identification and reflection
period, referrals with the person's consent, tasks done and given to the caseworker, stages moved on and
some cases closed; last, a few wellbeing check-ins. Every write goes through a service with a demo account
as `actor`, so the audit trail and the encryption are the real ones. Synthetic only: names are made of
neutral syllables, every partner service is "Demo …", every text says nothing about a real person.

This module sits above every app it fills (import-linter's top layer): the cases app never imports it.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable
from datetime import date, timedelta

from django.db import transaction
from django.utils import timezone

from haven.accounts.models import Organisation as Society
from haven.accounts.models import Team, User
from haven.accounts.permissions import Role
from haven.assessment import services as assessment
from haven.assessment.rules import RiskFactors
from haven.cases import services as cases
from haven.cases import vocab
from haven.cases.demo import FAMILY, GIVEN, demo_cases_create
from haven.cases.models import Case, Task
from haven.evidence import services as evidence
from haven.evidence.models import DpRelease
from haven.followup import services as followup
from haven.organisation import catalogue
from haven.organisation import services as organisation
from haven.organisation.models import IN_PLACE, IN_PROGRESS, NOT_STARTED, ReadinessAssessment
from haven.referrals import services as referrals
from haven.referrals import vocab as referral_vocab
from haven.referrals.demo import demo_directory_create
from haven.referrals.models import Organisation as Partner
from haven.staff import services as staff_services
from haven.staff.models import SECURITY, StaffMember

# A step's name, how far it is, and its total: the command draws a progress bar from it.
Progress = Callable[[str, int, int], None]

PRIORITIES = (
    "A safe place to stay first.",
    "Wants to talk to someone in their own language.",
    "Worried about money sent home; wants advice.",
    "Would like to start a language course.",
    "Needs a doctor's appointment for a long-standing pain.",
)
AGREED = (
    "The contact person arranges a first appointment.",
    "Information given on the card; the person decides.",
    "Follow-up call in two weeks.",
)
SAFETY_MEASURES = (
    "Meetings only at the branch office, never at the person's address; a code word for phone calls.",
    "Two staff present at every meeting; no photographs; the address stays with the contact person.",
)
OBJECTIVES = (
    ("Accommodation", "Move to stable accommodation."),
    ("Psychosocial", "Regular sessions with a counsellor in their language."),
    ("Health", "A general health check and follow-up care."),
    ("Education", "A place on a language course."),
    ("Legal", "Advice on residence status from a lawyer."),
    ("Livelihood", "A vocational training the person chose."),
)
REVIEWS = (
    "Reviewed with the person: the plan still fits; one objective done.",
    "Reviewed with the person: they asked to slow down; dates moved.",
)
CLOSING = (
    "The person settled with support from the municipality.",
    "The person moved to another region; information on services there was given.",
    "No reply to three calls and a letter over two months.",
)
# Closure outcomes used by the demo (a voluntary return needs its own risk check first: not simulated).
CLOSURE_OUTCOMES = ("integrated_locally", "moved", "lost_contact", "referred", "other")

# The register: the demo accounts by role (what they do), then volunteers without an account.
REGISTER_ROLES = {
    Role.VOLUNTEER.value: ("volunteer", "Outreach volunteer"),
    Role.CASEWORKER.value: ("staff", "Caseworker"),
    Role.CASE_MANAGER.value: ("staff", "Case manager and contact person"),
    Role.PROGRAMME_MANAGER.value: ("staff", "Programme manager"),
}
REGISTER_VOLUNTEERS = 4


def _demo_society() -> tuple[Society, dict[str, User], Team]:
    society = Society.objects.filter(is_demo=True).first()
    if society is None:
        raise ValueError("there is no demo organisation: run haven init --demo first")
    users = User.objects.filter(team__organisation=society, is_active=True).order_by("pk")
    staff = {user.role: user for user in users}
    missing = {Role.VOLUNTEER, Role.CASEWORKER, Role.CASE_MANAGER, Role.PROGRAMME_MANAGER} - set(staff)
    if missing:
        raise ValueError(f"the demo organisation has no {', '.join(sorted(missing))} account")
    team = staff[Role.CASE_MANAGER.value].team
    assert team is not None  # a case manager always belongs to a team
    return society, staff, team


def demo_fill(count: int, seed: int, progress: Progress | None = None) -> Counter[str]:
    """Make the demo organisation's life: ``count`` screenings and everything around them; return what was
    made, by kind. The same seed gives the same mix (on the same day: dates count from today)."""
    if count < 0:
        raise ValueError("the number of cases cannot be negative")
    society, staff, team = _demo_society()
    made: Counter[str] = Counter()

    def rng(step: int) -> random.Random:
        # One generator per step, so that a step done once (the register) leaves the others' mix alone.
        return random.Random(seed * 1_000_003 + step)  # noqa: S311 - a reproducible synthetic mix

    # One transaction (each service's own becomes a savepoint): one commit, and nothing half made.
    with transaction.atomic():
        made["register entries"] += _register(staff, team, rng(1))
        made["readiness answers"] += _readiness(staff[Role.PROGRAMME_MANAGER.value], rng(2))
        before = Case.objects.order_by("-pk").values_list("pk", flat=True).first() or 0

        def cases_progress(done: int, total: int) -> None:
            if progress is not None:
                progress("cases", done, total)

        made["cases"] += demo_cases_create(count, seed, cases_progress)
        entries, links = demo_directory_create()
        made["directory entries"] += entries
        made["links"] += links
        new = list(
            Case.objects.filter(pk__gt=before, team__organisation=society)
            .select_related("person")
            .order_by("pk")
        )
        life = rng(3)
        for number, case in enumerate(new, start=1):
            _life(case, life, staff, made)
            if progress is not None:
                progress("case life", number, len(new))
        made["wellbeing check-ins"] += _wellbeing(staff, rng(4))
        made["statistics tables"] += _statistics(staff[Role.PROGRAMME_MANAGER.value])
    return made


# -- the organisation ------------------------------------------------------------------------------------


def _register(staff: dict[str, User], team: Team, rng: random.Random) -> int:
    """Everyone of the demo teams in the register, with trainings; once (a second run adds nothing)."""
    programme = staff[Role.PROGRAMME_MANAGER.value]
    if StaffMember.objects.filter(user__in=staff.values()).exists():
        return 0
    today = timezone.localdate()
    made = 0
    manager = staff[Role.CASE_MANAGER.value]
    for role, (kind, title) in REGISTER_ROLES.items():
        user = staff[role]
        member = staff_services.staff_member_create(
            actor=programme,
            name=user.display_name or role,
            kind=kind,
            role=title,
            team=team,
            user=user,
            supporter=programme if user != programme else manager,
        )
        made += 1
        _train(programme, member, "trafficking_awareness", today - timedelta(days=rng.randint(60, 400)))
        _train(programme, member, "data_protection", today - timedelta(days=rng.randint(30, 300)))
        if role in (Role.CASEWORKER.value, Role.CASE_MANAGER.value):
            # Valid personal security training: they may take high-risk and safe-house work.
            _train(
                programme, member, SECURITY, today - timedelta(days=40), expires=today + timedelta(days=325)
            )
    for number in range(REGISTER_VOLUNTEERS):
        name = "".join(rng.choice(GIVEN) for _ in range(2)).capitalize()
        family = "".join(rng.choice(FAMILY) for _ in range(2)).capitalize()
        member = staff_services.staff_member_create(
            actor=programme,
            name=f"{name} {family}",
            kind="volunteer",
            role="Reception centre volunteer",
            team=team,
            supporter=manager,
        )
        made += 1
        _train(programme, member, "psychosocial_first_aid", today - timedelta(days=rng.randint(10, 200)))
        if number == 0:
            # An expired security training: the register shows it, and no high-risk work is given.
            _train(
                programme, member, SECURITY, today - timedelta(days=500), expires=today - timedelta(days=135)
            )
    return made


def _train(actor: User, member: StaffMember, kind: str, completed: date, expires: date | None = None) -> None:
    staff_services.training_record(
        actor=actor, member=member, kind=kind, completed_on=completed, expires_on=expires
    )


def _readiness(programme: User, rng: random.Random) -> int:
    """This year's readiness self-assessment, part done (once: a year already started is left as it is)."""
    year = timezone.localdate().year
    if ReadinessAssessment.objects.filter(year__gte=year).exists():
        return 0
    started = organisation.readiness_start(actor=programme, year=year)
    answered = 0
    for item in catalogue.readiness_items("en"):
        status = rng.choice((IN_PLACE, IN_PLACE, IN_PROGRESS, NOT_STARTED))
        organisation.readiness_answer(
            actor=programme,
            assessment=started,
            item_key=item.key,
            status=status,
            evidence="Demo: procedure document, version 1 (synthetic)" if status == IN_PLACE else "",
            owner=programme if status != NOT_STARTED else None,
            review_on=timezone.localdate() + timedelta(days=90) if status == IN_PROGRESS else None,
        )
        answered += 1
    organisation.readiness_item_add(
        actor=programme, checklist="referral", text="Demo: a named deputy for the contact person on leave"
    )
    return answered


def _statistics(programme: User) -> int:
    """Two anonymised tables on the evidence dashboard, once, when enough people are in scope (their
    consent covers statistics): each spends some of the privacy budget, as any release does."""
    if DpRelease.objects.exists():
        return 0
    released = 0
    for by in (["gender"], ["ageBroad"]):
        try:
            evidence.dp_release(actor=programme, by=by, epsilon=0.5, source="cli")
        except evidence.TooFewRecords:
            return released  # the dashboard says so; `haven demo` with more cases fills it
        released += 1
    return released


def _wellbeing(staff: dict[str, User], rng: random.Random) -> int:
    made = 0
    for role in (Role.VOLUNTEER.value, Role.CASEWORKER.value, Role.CASE_MANAGER.value):
        for _ in range(2):
            staff_services.wellbeing_check_in(
                actor=staff[role], feeling=rng.choice(("well", "coping", "coping", "strained"))
            )
            made += 1
    return made


# -- a case's life -----------------------------------------------------------------------------------------


def _life(case: Case, rng: random.Random, staff: dict[str, User], made: Counter[str]) -> None:
    """What happens to one case after it was taken on, by chance but always through the services."""
    if case.stage == "first_contact":
        return  # still waiting for the contact person
    manager = staff[Role.CASE_MANAGER.value]
    caseworker = staff[Role.CASEWORKER.value]
    child = case.person.is_child
    if rng.random() < 0.85:
        _needs(case, rng, manager, child)
        made["needs assessments"] += 1
        case = cases.case_stage_change(actor=manager, case=case, stage="assessment")
    if rng.random() < 0.65:
        level = _risk(case, rng, manager, made)
        if level == "high" and not case.caseworkers.filter(pk=caseworker.pk).exists():
            # Only someone with a valid personal security training may take it: the demo caseworker has one.
            case = cases.case_assign(actor=manager, case=case, caseworkers=[caseworker])
            made["high-risk assignments"] += 1
    if case.stage == "assessment" and rng.random() < 0.6:
        _support(case, rng, manager)
        made["support plans"] += 1
        case = cases.case_stage_change(actor=manager, case=case, stage="support")
    if not child and rng.random() < 0.45:
        _identification(case, rng, manager, made)
    if not child and rng.random() < 0.4:
        _referral(case, rng, manager, made)
    _tasks(case, rng, manager, caseworker, made)
    if child:
        return  # a child's case closes only with a best-interests decision: left open in the demo
    roll = rng.random()
    if roll < 0.15:
        cases.case_close(
            actor=manager, case=case, reason=rng.choice(CLOSURE_OUTCOMES), note=rng.choice(CLOSING)
        )
        made["closed cases"] += 1
    elif roll < 0.3 and case.stage == "support":
        cases.case_stage_change(actor=manager, case=case, stage="follow_up")
        made["cases in follow-up"] += 1


def _needs(case: Case, rng: random.Random, manager: User, child: bool) -> None:
    domains = rng.sample(sorted(vocab.codes(vocab.NEEDS_DOMAINS)), k=rng.randint(3, 5))
    if child and "education" not in domains:
        domains.append("education")
    assessment.needs_assessment_record(
        actor=manager,
        case=case,
        domains={
            code: {
                "level": rng.choice(("none", "low", "high", "high", "urgent")),
                "priorities": rng.choice(PRIORITIES),
                "agreed_action": rng.choice(AGREED),
            }
            for code in domains
        },
        individual_factors=rng.sample(("language_barrier", "no_documents", "earlier_exploitation"), k=1),
        household_factors=rng.sample(("debt", "dependants", "no_family_support"), k=rng.randint(0, 2)),
        community_factors=rng.sample(("isolation", "stigma"), k=rng.randint(0, 1)),
        preferred_worker_gender=rng.choice(("", "", "woman", "man")),
        summary="Demo assessment: the person's priorities are recorded in their words above.",
    )


def _risk(case: Case, rng: random.Random, manager: User, made: Counter[str]) -> str:
    likely = ("none", "none", "possible", "likely")
    today = timezone.localdate()
    recorded = assessment.risk_assessment_record(
        actor=manager,
        case=case,
        factors=RiskFactors(
            reprisal=rng.choice(likely),
            re_trafficking=rng.choice(likely),
            exploiting_others=rng.choice(("none", "none", "possible")),
            threats_to_family=rng.choice(likely),
            relationship=rng.choice(("unknown", "employer", "acquaintance", "stranger", "family")),
            dependency=rng.random() < 0.3,
            debts=rng.random() < 0.4,
        ),
        family_involvement=rng.choice(("none", "none", "possible")),
        notes="Demo risk notes: no address is written here.",
        review_on=today + timedelta(days=rng.randint(14, 90)),
    )
    made["risk assessments"] += 1
    if rng.random() < 0.75:
        assessment.risk_sign_off(actor=manager, case=case, assessment=recorded)
    if recorded.level in ("medium", "high"):
        for audience in ("person", "staff") if recorded.level == "high" else ("person",):
            assessment.safety_plan_record(
                actor=manager,
                case=case,
                audience=audience,
                measures=rng.choice(SAFETY_MEASURES),
                review_on=today + timedelta(days=rng.randint(7, 60)),
            )
            made["safety plans"] += 1
    return recorded.level


def _support(case: Case, rng: random.Random, manager: User) -> None:
    today = timezone.localdate()
    for support_type, objective in rng.sample(OBJECTIVES, k=rng.randint(1, 3)):
        partner = rng.random() < 0.5
        goal = assessment.support_goal_add(
            actor=manager,
            case=case,
            support_type=support_type,
            objective=objective,
            actions="Demo: first appointment booked.",
            responsible_user=None if partner else manager,
            responsible_partner="Demo Psychosocial Centre" if partner else "",
            planned_end=today + timedelta(days=rng.randint(30, 180)),
        )
        if rng.random() < 0.5:
            assessment.support_goal_update(actor=manager, case=case, goal=goal, status="in_progress")
    assessment.support_review_add(
        actor=manager,
        case=case,
        reviewed_on=today - timedelta(days=rng.randint(1, 20)),
        with_person=rng.random() < 0.8,
        summary=rng.choice(REVIEWS),
        next_review_on=today + timedelta(days=rng.randint(20, 60)),
    )


def _identification(case: Case, rng: random.Random, manager: User, made: Counter[str]) -> None:
    """The neutral information on formal identification, the person's own choice, and, when they chose
    it, the recovery and reflection period (assistance never depends on the choice)."""
    today = timezone.localdate()
    informed = today - timedelta(days=rng.randint(10, 60))
    followup.identification_informed(actor=manager, case=case, informed_on=informed)
    choice = rng.choice(("chosen", "chosen", "declined", "undecided"))
    followup.identification_choice(actor=manager, case=case, choice=choice, on=informed + timedelta(days=3))
    made["identification choices"] += 1
    if choice == "chosen":
        followup.reflection_period_set(actor=manager, case=case, starts_on=informed + timedelta(days=4))
        made["reflection periods"] += 1


def _referral(case: Case, rng: random.Random, manager: User, made: Counter[str]) -> None:
    """A referral to the demo psychosocial centre with the person's consent for that recipient; a few
    people refuse a shelter referral (their refusal is recorded, nothing is sent)."""
    partner = Partner.objects.get(code="DEMO-PSY")
    today = timezone.localdate()
    given = rng.random() < 0.85
    cases.consent_record(
        actor=manager,
        case=case,
        purpose="referral",
        recipient=partner.code,
        status="given" if given else "refused",
        given_on=today - timedelta(days=rng.randint(0, 30)),
        language="en",
        explained_by=manager,
        interpreter=rng.random() < 0.5,
        information_sheet_version="demo-1",
    )
    made["referral consents"] += 1
    if not given:
        return
    referral = referrals.referral_draft(
        actor=manager, case=case, organisation=partner, need_domain="mental_health"
    )
    referral = referrals.referral_minimise(
        actor=manager,
        referral=referral,
        fields=referral_vocab.DEFAULT_FIELDS,
        safe_contact_method=rng.choice(("through_society", "phone_safe", "in_person")),
        language="en",
    )
    referrals.referral_send(actor=manager, referral=referral)
    made["referrals sent"] += 1
    answer = rng.random()
    if answer < 0.55:
        referral = referrals.referral_status_set(actor=manager, referral=referral, status="accepted")
        if answer < 0.25:
            referrals.referral_status_set(
                actor=manager, referral=referral, status="completed", feedback="Demo: sessions completed."
            )
    elif answer < 0.7:
        referrals.referral_status_set(
            actor=manager, referral=referral, status="declined", feedback="Demo: no place this month."
        )


def _tasks(case: Case, rng: random.Random, manager: User, caseworker: User, made: Counter[str]) -> None:
    """The caseworker's follow-up tasks on their cases ("My work"), and some tasks already done."""
    today = timezone.localdate()
    if case.caseworkers.filter(pk=caseworker.pk).exists():
        cases.task_add(
            actor=manager,
            case=case,
            due_on=today + timedelta(days=rng.randint(-3, 21)),
            kind=rng.choice(("follow_up_call", "appointment", "risk_review")),
            assignee=caseworker,
        )
        made["tasks for the caseworker"] += 1
    if rng.random() < 0.35:
        for task in Task.objects.filter(case=case, done_at=None, closed_at=None).order_by("pk")[:1]:
            cases.task_done(actor=manager, case=case, task=task)
            made["tasks done"] += 1
