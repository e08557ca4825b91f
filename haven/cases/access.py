"""Who may open which case: the only way to get a case.

`case_for_user` checks the rules one per line and raises Http404 for a case that is missing and for one the
user may not open, so case codes cannot be probed. Every successful fetch is an audited read.
Programme managers never open a case here: they see pseudonymous lists only (`selectors.case_list_page`).
"""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.utils import timezone

from haven.accounts.models import User
from haven.accounts.permissions import Perm, Role
from haven.accounts.reads import person_read
from haven.accounts.refusals import AccessNotFound
from haven.audit.services import audit_record
from haven.cases.models import Case, DpoPurpose
from haven.staff.access import has_valid_security_training

# What each section of a case needs on top of opening the case at all.
SECTION_PERMS: dict[str, Perm | None] = {
    "summary": None,
    "timeline": None,
    "consent": None,
    "notes": None,
    "tasks": None,
    "attachments": None,
    "events": None,
    "identity": Perm.CASE_VIEW_IDENTIFYING,
    "child": Perm.CASE_VIEW_IDENTIFYING,
    "location": Perm.CASE_VIEW_SENSITIVE,
    "health": Perm.CASE_VIEW_SENSITIVE,
    "perpetrator": Perm.CASE_VIEW_SENSITIVE,
    "export": Perm.PERSON_EXPORT,
    "erase": Perm.PERSON_ERASE,
    "pressure": None,
    # Working with the person (haven.assessment): what they said about their needs, risks and family.
    "assessment": Perm.CASE_VIEW_IDENTIFYING,
    "risk": Perm.CASE_VIEW_IDENTIFYING,
    "support_plan": Perm.CASE_VIEW_IDENTIFYING,
    "family_links": Perm.CASE_VIEW_IDENTIFYING,
    "child_protection": Perm.CASE_VIEW_IDENTIFYING,
}


# Who may be given a part in a case, and with it access to the person's data: active accounts of these
# roles in the case's own team. Forms list these people, and the services refuse anyone else.
CASE_PARTS: dict[str, tuple[Role, ...]] = {
    "case_manager": (Role.CASE_MANAGER,),
    "caseworker": (Role.CASEWORKER,),
    "task_assignee": (Role.CASEWORKER, Role.CASE_MANAGER),
    "consent_explainer": (Role.VOLUNTEER, Role.CASEWORKER, Role.CASE_MANAGER),
}


def eligible_for(team_id: int | None, part: str) -> QuerySet[User]:
    """Accounts that may take `part` (see CASE_PARTS) in a case of team `team_id` (none without a team)."""
    if team_id is None:
        return User.objects.none()
    return User.objects.filter(
        is_active=True,  # a disabled account takes no new part
        role__in=[role.value for role in CASE_PARTS[part]],  # the roles the part needs
        team_id=team_id,  # the case's own team only
    )


def is_eligible(case: Case, user: User, part: str) -> bool:
    """True when `user` may take `part` in `case` (same rule as `eligible_for`)."""
    return eligible_for(case.team_id, part).filter(pk=user.pk).exists()


def may_take_high_risk(user: User) -> bool:
    """True when `user` may be given a part in a high-risk case (the one rule; every assignment asks it,
    whether of a case manager, a caseworker or a task's assignee).

    Only someone whose personal security training, in the staff register, is valid today: the seed makes
    it mandatory before high-risk or safe-house work (4.2, point 3). The role alone is not enough.
    """
    return user.is_active and has_valid_security_training(user)


def may_act_for_team(user: User, team_id: int | None) -> bool:
    """True when `user` may create cases for team `team_id` (and so become their case manager).

    Only for their own team: no role acts for every team. The DPO, who may open every case, creates none
    and assigns none; the programme manager lists every case pseudonymously and opens none.
    """
    return (
        user.is_active  # a disabled account acts for no one
        and team_id is not None  # a case always belongs to a team
        and user.team_id == team_id  # the user's own team only
    )


class WrongTeam(PermissionDenied):
    """The user may not act for this team (see `may_act_for_team`); its argument is "case.own_team"."""


class SectionForbidden(PermissionDenied):
    """The role may not see this section of any case (decided before any case is looked up).

    Its argument is the permission the section needs; `object_id` the case code asked for, if any.
    """

    object_type = "case"
    object_id = ""


def open_rule(user: User) -> Q | None:
    """The cases `user` may open, as a filter; None when the user may open none."""
    if not user.is_active or not user.has(Perm.CASE_VIEW):
        return None
    role = user.role
    if role == Role.CASE_MANAGER:
        rule = Q(case_manager=user)  # the assigned case manager
        if user.has(Perm.CASE_VIEW_TEAM) and user.team_id is not None:
            rule |= Q(team_id=user.team_id)  # every case of the manager's own team
        return rule
    if role == Role.CASEWORKER:
        return Q(caseworkers=user)  # cases the caseworker is assigned to
    if role == Role.VOLUNTEER:
        return Q(
            created_by=user, stage="first_contact", handed_over=False
        )  # own first contact, until handover
    if role == Role.DPO:
        # The DPO's duties (access, correction, erasure, consent sign-off, breach review) reach a case only
        # through a purpose they recorded for it, and only until it expires ("break-glass", no bulk reads).
        return Q(
            pk__in=DpoPurpose.objects.filter(dpo=user, expires_at__gt=timezone.now()).values("case_id")
        )  # a case the DPO recorded an unexpired purpose for
    return None  # programme manager: pseudonymous lists only; administrator: no case data


def cases_openable_by(user: User) -> QuerySet[Case]:
    """Every case `user` may open (for search and lists that link to cases)."""
    rule = open_rule(user)
    if rule is None:
        return Case.objects.none()
    return Case.objects.filter(rule)


def _lists_every_case(user: User) -> bool:
    # A programme manager's list shows every case, pseudonymously (codes only, never identifying data);
    # so does the DPO's, who picks the case to record a purpose for from it.
    return user.is_active and user.role in (Role.PROGRAMME_MANAGER, Role.DPO) and user.has(Perm.CASE_VIEW)


def lists_cases_it_cannot_open(user: User) -> bool:
    """Whether `user`'s case list may show cases they cannot open (a pseudonymous list of codes)."""
    return _lists_every_case(user)


def cases_visible_to(user: User) -> QuerySet[Case]:
    """Cases that may appear in `user`'s case list: the openable ones, or all of them pseudonymously
    for a programme manager (the list shows codes and codes only, never identifying data)."""
    if _lists_every_case(user):
        return Case.objects.all()
    return cases_openable_by(user)


def visible_branches(user: User) -> list[Q] | None:
    """`cases_visible_to(user)` as filters whose union is exactly that set (None: no case at all).

    The same rule as `open_rule`, split at its top-level "or" (e.g. a case manager's own cases, and their
    team's cases) so that each part can be read in list order from its own index; a list that ORs them
    instead has to sort every match before it can show the first page.
    """
    if _lists_every_case(user):
        return [Q()]
    rule = open_rule(user)
    if rule is None:
        return None
    if rule.connector == Q.OR and not rule.negated and len(rule.children) > 1:
        return [child if isinstance(child, Q) else Q(child) for child in rule.children]
    return [rule]


def may_see_section(user: User, section: str) -> bool:
    """True when the role may see `section` of a case it may open."""
    perm = SECTION_PERMS[section]
    return perm is None or user.has(perm)


def check_section(user: User, section: str) -> None:
    """Raise SectionForbidden when the role may not see `section` (independent of any case)."""
    if section not in SECTION_PERMS:
        raise ValueError(f"unknown case section {section!r}")
    if not may_see_section(user, section):
        raise SectionForbidden(str(SECTION_PERMS[section]))


def case_for_purpose(user: User, code: str) -> Case:
    """The case `code`, for recording a purpose to open it (the DPO's "break-glass"); its content stays
    closed until the purpose is recorded. Raises SectionForbidden-like PermissionDenied for a role that
    records no purpose, AccessNotFound for a missing code (both audited where the request ends)."""
    if not (user.is_active and user.has(Perm.CASE_PURPOSE)):
        raise PermissionDenied(Perm.CASE_PURPOSE.value)
    found = list(Case.objects.select_related("person").filter(code=code)[:1])
    if not found:
        raise AccessNotFound(Perm.CASE_PURPOSE.value, object_type="case", object_id=code)
    return found[0]


def sections_read(user: User, case: Case, sections: Iterable[str], *, already: tuple[str, ...]) -> None:
    """Audit the further sections a read of `case` (opened with `case_for_user`, which audited `already`)
    really returned, e.g. the person's name on the summary, or health notes among the notes: one
    `case.viewed` entry per section not audited yet."""
    for each in dict.fromkeys(sections):
        if each in already:
            continue
        check_section(user, each)
        audit_record(
            actor_id=user.pk, action="case.viewed", object_type="case", object_id=case.code,
            detail={"section": each},
        )  # fmt: skip


def case_for_user(user: User, code: str, *, section: str = "summary", also: tuple[str, ...] = ()) -> Case:
    """The case `code` if `user` may open it (and see `section`), else Http404 (AccessNotFound); audits the
    read, one entry per section: `section`, and `also` the other sections the caller will show.
    The refusal is audited where the request ends (see `haven.accounts.refusals`)."""
    sections = tuple(dict.fromkeys((section, *also)))
    try:
        for each in sections:
            check_section(user, each)
    except SectionForbidden as exc:
        exc.object_id = code
        raise
    rule = open_rule(user)
    if rule is None:
        raise AccessNotFound(Perm.CASE_VIEW.value, object_type="case", object_id=code)
    # Codes are unique: no ORDER BY needed to take the one match.
    found = list(Case.objects.select_related("person", "team", "case_manager").filter(rule, code=code)[:1])
    if not found:
        raise AccessNotFound(Perm.CASE_VIEW.value, object_type="case", object_id=code)
    case = found[0]
    # Many different people in a short time through one token or session: refused, and an alert entry.
    person_read(case.person_id)
    for each in sections:
        audit_record(
            actor_id=user.pk,
            action="case.viewed",
            object_type="case",
            object_id=case.code,
            detail={"section": each},
        )
    return case
