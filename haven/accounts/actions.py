"""The one action table: every write and sensitive read Haven offers, the permission it needs, and the
channels it can be reached through. Services check it with ``authorize(actor, action)``; views, API
endpoints and commands never decide a permission of their own. ``docs/permissions.md`` is rendered from it.

Per-case rules (own team, assignment, hand-over) come on top, in the access functions; every other rule of an
action lives in its service.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied

from haven.accounts.models import User
from haven.accounts.permissions import Perm

WEB, API, CLI = "web", "api", "cli"


@dataclass(frozen=True)
class Action:
    """One action: its name (``<thing>.<verb>``), its permission, its channels, and what it does.

    ``also`` names other permissions any one of which grants the action too (a DPO corrects a person's
    record under the right to rectification without editing cases).
    """

    name: str
    perm: Perm
    channels: tuple[str, ...]
    label: str
    also: tuple[Perm, ...] = ()

    @property
    def perms(self) -> tuple[Perm, ...]:
        """Every permission that grants the action (any one is enough)."""
        return (self.perm, *self.also)


ACTIONS: tuple[Action, ...] = (
    # Screening
    Action(
        "screening.run", Perm.SCREENING_RUN, (WEB, API, CLI), "Run, continue, complete or discard a screening"
    ),
    Action(
        "screening.library_draft",
        Perm.SCREENING_LIBRARY_EDIT,
        (WEB,),
        "Draft a change to the indicator library",
    ),
    Action(
        "screening.library_approve",
        Perm.SCREENING_LIBRARY_APPROVE,
        (WEB,),
        "Approve another person's library draft as the new version",
    ),
    # Cases
    Action("case.first_contact", Perm.CASE_FIRST_CONTACT, (WEB, API), "Record a first contact"),
    Action(
        "case.import", Perm.CASE_ASSIGN, (CLI,), "Import people from a file, one case each, into one's team"
    ),
    Action("case.handover", Perm.CASE_FIRST_CONTACT, (WEB,), "Hand a first contact or a screening over"),
    Action(
        "case.find_person",
        Perm.CASE_SEARCH_NAME,
        (WEB, API),
        "Find a person by name, name and year of birth, or phone (blind index, cases one may open)",
    ),
    Action("case.open", Perm.CASE_ASSIGN, (WEB,), "Take on a hand-over as its case manager"),
    Action("case.assign", Perm.CASE_ASSIGN, (WEB, API), "Assign a case manager and caseworkers"),
    Action(
        "case.edit",
        Perm.CASE_EDIT,
        (WEB,),
        "Change a case: stage, legal basis, events, best-interests decisions",
    ),
    Action("case.close", Perm.CASE_CLOSE, (WEB, API), "Close a case with an outcome and a reason"),
    Action("case.reopen", Perm.CASE_CLOSE, (WEB, API), "Reopen a closed case, keeping its history"),
    Action(
        "case.return_risk_check",
        Perm.CASE_CLOSE,
        (WEB, API),
        "Record the re-trafficking risk check for a place of return",
    ),
    Action(
        "identification.record",
        Perm.CASE_EDIT,
        (WEB, API),
        "Record the person's choice about formal identification, the decision, reflection period, permit",
    ),
    Action(
        "case.summary_print", Perm.CASE_EDIT, (WEB,), "Print a case summary (PDF) with the chosen sections"
    ),
    Action("notification.read", Perm.CASE_VIEW, (WEB,), "Mark one's own notifications read"),
    Action("person.update", Perm.CASE_EDIT, (WEB, API), "Change the person's record"),
    Action("person.identifying", Perm.CASE_VIEW_IDENTIFYING, (WEB, API), "Write identifying data"),
    Action(
        "person.correct",
        Perm.CASE_EDIT,
        (WEB,),
        "Correct the person's record at their request (rectification)",
        also=(Perm.PERSON_EXPORT,),
    ),
    Action("person.sensitive", Perm.CASE_VIEW_SENSITIVE, (WEB, API), "Write sensitive sections or notes"),
    Action("consent.record", Perm.CONSENT_RECORD, (WEB, API), "Record or withdraw consent"),
    Action(
        "pressure.confirm", Perm.CASE_ASSIGN, (WEB,), "Check a withdrawal or erasure request for pressure"
    ),
    Action("pressure.sign_off", Perm.CONSENT_SIGN_OFF, (WEB,), "Sign off continuing on another legal basis"),
    Action(
        "pressure.request",
        Perm.PERSON_ERASE,
        (WEB,),
        "Ask the case manager for the possible-pressure check (a task for them)",
    ),
    Action(
        "case.notes_tasks",
        Perm.CASE_EDIT,
        (WEB, API),
        "Add notes, tasks and files; assign tasks; mark tasks done or undo that within a day",
    ),
    Action("person.erase", Perm.PERSON_ERASE, (WEB, CLI), "Erase a person (crypto-shredding)"),
    Action("person.export", Perm.PERSON_EXPORT, (WEB,), "Export everything held on a person"),
    Action(
        "case.purpose_record",
        Perm.CASE_PURPOSE,
        (WEB, API),
        "Record why one case must be opened (access request, erasure, breach review), for a few hours",
    ),
    # Working with the person (haven.assessment)
    Action("assessment.needs", Perm.CASE_EDIT, (WEB, API), "Record a holistic needs assessment (re-assess)"),
    Action("assessment.risk", Perm.CASE_EDIT, (WEB, API), "Record a risk assessment and safety plans"),
    Action(
        "assessment.risk_sign_off",
        Perm.RISK_SIGN_OFF,
        (WEB, API),
        "Sign off a risk assessment, its safety plans and the family-links risk check",
    ),
    Action("family_links.request", Perm.CASE_EDIT, (WEB, API), "Request family tracing or contact"),
    Action("support_plan.edit", Perm.CASE_EDIT, (WEB, API), "Add to and review the support plan"),
    Action("child.protection", Perm.CASE_EDIT, (WEB, API), "Record child protection steps"),
    # Evidence
    Action("stats.release", Perm.STATS_RELEASE, (WEB, API, CLI), "Release a differentially private table"),
    Action("stats.export", Perm.STATS_RELEASE, (WEB, API, CLI), "Export a k-anonymous table"),
    Action("stats.reproduce", Perm.STATS_REPRODUCE, (WEB,), "Reproduce a release for review"),
    Action("stats.budget", Perm.STATS_BUDGET, (WEB, CLI), "Set the privacy budget"),
    # Accounts and teams (the administrator; never case data)
    Action("account.list", Perm.ACCOUNTS_MANAGE, (WEB, CLI), "List and filter accounts"),
    Action(
        "account.invite",
        Perm.ACCOUNTS_MANAGE,
        (WEB,),
        "Create an account and its one-time enrolment link",
    ),
    Action("account.set_role", Perm.ACCOUNTS_MANAGE, (WEB, CLI), "Change an account's role"),
    Action("account.set_team", Perm.ACCOUNTS_MANAGE, (WEB, CLI), "Change an account's team"),
    Action(
        "account.disable", Perm.ACCOUNTS_MANAGE, (WEB, CLI), "Disable an account (sessions and tokens stop)"
    ),
    Action("account.enable", Perm.ACCOUNTS_MANAGE, (WEB, CLI), "Re-enable a disabled account"),
    Action(
        "account.unlock", Perm.ACCOUNTS_MANAGE, (WEB, CLI), "Forget the failed sign-ins holding an account"
    ),
    Action(
        "account.mfa_reset",
        Perm.ACCOUNTS_MANAGE,
        (WEB, CLI),
        "Reset an account's second factor after an identity check",
    ),
    Action("account.tokens", Perm.ACCOUNTS_MANAGE, (WEB,), "List and revoke an account's API tokens"),
    Action(
        "team.manage", Perm.ACCOUNTS_MANAGE, (WEB, CLI), "Create a team; set its contact person and procedure"
    ),
    # The audit trail
    Action("audit.view", Perm.AUDIT_VIEW, (WEB,), "Read the audit trail (the administrator: account events)"),
    Action("audit.export", Perm.AUDIT_VIEW, (WEB,), "Export a filtered view of the audit trail as CSV"),
    Action(
        "retention.review",
        Perm.PERSON_ERASE,
        (WEB, CLI),
        "Review cases past their retention period; keep one longer for a reason",
    ),
    # The person's requests about their data
    Action(
        "request.register",
        Perm.PERSON_EXPORT,
        (WEB,),
        "Register an access, rectification or restriction request and follow its deadline",
    ),
    # Referrals: the directory, referrals, linking, authority requests, the gap analysis
    Action("directory.manage", Perm.DIRECTORY_MANAGE, (WEB, API), "Add or change a partner service"),
    Action("directory.import", Perm.DIRECTORY_MANAGE, (CLI,), "Import or export the directory (CSV, XLSX)"),
    Action(
        "referral.send",
        Perm.REFERRAL_SEND,
        (WEB, API, CLI),
        "Refer a person: draft, choose the fields, print the letter, send (consent and neutrality checked)",
    ),
    Action("referral.status", Perm.CASE_EDIT, (WEB, API), "Record a partner's answer to a referral"),
    Action("referral.link", Perm.CASE_EDIT, (WEB,), "Link a person to a service (a card, nothing shared)"),
    Action(
        "referral.stop_sharing",
        Perm.CONSENT_RECORD,
        (WEB,),
        "Stop sharing with an organisation at once when consent is withdrawn",
    ),
    Action(
        "referral.restore_sharing",
        Perm.CONSENT_SIGN_OFF,
        (WEB,),
        "Restore sharing after a pressure review found the withdrawal was not the person's free choice",
    ),
    Action(
        "referral.residence_request",
        Perm.CASE_ASSIGN,
        (WEB,),
        "Record the person's request that the immigration service be contacted for a residence permit",
    ),
    Action(
        "authority.request",
        Perm.AUTHORITY_REQUESTS,
        (WEB,),
        "Register, approve, refuse or answer a request from an authority for data",
    ),
    Action("referral.gaps", Perm.DIRECTORY_MANAGE, (WEB,), "See and export the gap analysis"),
    # Organisation
    Action(
        "readiness.edit",
        Perm.ORG_MANAGE,
        (WEB,),
        "Keep the readiness checklist: item status, evidence, owner, own items, yearly re-assessment",
    ),
    Action(
        "awareness.edit",
        Perm.ORG_MANAGE,
        (WEB,),
        "Plan an awareness activity, record its risk assessment, mark it held",
    ),
    Action("legal.edit", Perm.ORG_MANAGE, (WEB,), "Record national law and referral mechanisms"),
    Action("advocacy.edit", Perm.ORG_MANAGE, (WEB,), "Record asks to authorities, meetings and outcomes"),
    Action("staff.edit", Perm.STAFF_MANAGE, (WEB,), "Keep the staff and volunteer register and trainings"),
    Action(
        "wellbeing.record",
        Perm.WELLBEING_OWN,
        (WEB,),
        "Record one's own wellbeing check-in, or offer support as the designated supporter",
    ),
    Action(
        "wellbeing.read",
        Perm.WELLBEING_OWN,
        (WEB,),
        "Read one's own wellbeing entries, or those of a person one supports",
    ),
    Action(
        "wellbeing.summary", Perm.WELLBEING_SUMMARY, (WEB,), "See wellbeing counts, small numbers suppressed"
    ),
)

_BY_NAME = {action.name: action for action in ACTIONS}


def action(name: str) -> Action:
    """The action called ``name``; KeyError for a name the table does not have (a programming error)."""
    return _BY_NAME[name]


def may(actor: User | None, name: str) -> bool:
    """Whether ``actor``'s role grants the action (None: the operator on the server's command line)."""
    perms = _BY_NAME[name].perms
    return actor is None or (actor.is_active and any(actor.has(perm) for perm in perms))


def authorize(actor: User | None, name: str) -> None:
    """Raise PermissionDenied naming the permission unless ``actor`` may take the action.

    ``actor`` None is the operator on the server's command line, who holds the keys and the database
    anyway; the commands that act for a person (import, erase) take an account and pass it.
    """
    if not may(actor, name):
        raise PermissionDenied(_BY_NAME[name].perm.value)


def render_markdown() -> str:
    """The action table as Markdown, for docs/permissions.md."""
    lines = [
        "## Actions",
        "",
        "Every action is one service that calls `authorize(actor, action)` (`haven/accounts/actions.py`);",
        "the web pages, the API and the command line reach it only through that service.",
        "",
        "| action | permission | channels | what |",
        "|---|---|---|---|",
    ]
    for a in ACTIONS:
        perms = " or ".join(f"`{p.value}`" for p in a.perms)
        lines.append(f"| `{a.name}` | {perms} | {', '.join(a.channels)} | {a.label} |")
    lines.append("")
    return "\n".join(lines)
