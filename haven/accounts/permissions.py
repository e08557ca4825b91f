"""Who may do what: the permissions matrix, in one place.

Roles are coarse; per-case rules (own team, assignment, handover) live in the access functions of each
domain app. `docs/permissions.md` is rendered from this module by `haven docs permissions`, and a test
fails when the document falls behind.
"""

from __future__ import annotations

from enum import StrEnum

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


class Role(StrEnum):
    VOLUNTEER = "volunteer"
    CASEWORKER = "caseworker"
    CASE_MANAGER = "case_manager"
    PROGRAMME_MANAGER = "programme_manager"
    DPO = "data_protection_officer"
    ADMIN = "admin"


ROLE_LABELS: dict[Role, str | Promise] = {
    Role.VOLUNTEER: _("Volunteer / front-line worker"),
    Role.CASEWORKER: _("Caseworker"),
    Role.CASE_MANAGER: _("Case manager (the Society's contact person)"),
    Role.PROGRAMME_MANAGER: _("Programme manager"),
    Role.DPO: _("Data protection officer"),
    Role.ADMIN: _("Administrator"),
}


class Perm(StrEnum):
    SCREENING_RUN = "screening.run"
    SCREENING_LIBRARY_EDIT = "screening.library_edit"
    SCREENING_LIBRARY_APPROVE = "screening.library_approve"
    CASE_FIRST_CONTACT = "case.first_contact"
    CASE_VIEW = "case.view"
    CASE_EDIT = "case.edit"
    CASE_VIEW_IDENTIFYING = "case.view_identifying"
    CASE_VIEW_SENSITIVE = "case.view_sensitive"
    CASE_ASSIGN = "case.assign"
    CASE_VIEW_TEAM = "case.view_team"
    CASE_SEARCH_NAME = "case.search_name"
    CASE_CLOSE = "case.close"
    CONSENT_RECORD = "consent.record"
    CONSENT_SIGN_OFF = "consent.sign_off"
    RISK_SIGN_OFF = "risk.sign_off"
    PERSON_EXPORT = "person.export"
    PERSON_ERASE = "person.erase"
    STATS_VIEW = "stats.view"
    STATS_RELEASE = "stats.release"
    STATS_REPRODUCE = "stats.reproduce"
    STATS_BUDGET = "stats.budget"
    AUDIT_VIEW = "audit.view"
    CASE_PURPOSE = "case.purpose"
    ACCOUNTS_MANAGE = "accounts.manage"
    API_TOKEN = "api.token"  # noqa: S105 (a permission name, not a secret)
    DIRECTORY_VIEW = "directory.view"
    DIRECTORY_MANAGE = "directory.manage"
    REFERRAL_SEND = "referral.send"
    AUTHORITY_REQUESTS = "authority.requests"
    ORG_MANAGE = "organisation.manage"
    STAFF_MANAGE = "staff.manage"
    WELLBEING_OWN = "wellbeing.own"
    WELLBEING_SUMMARY = "wellbeing.summary"


PERM_LABELS: dict[Perm, str] = {
    Perm.SCREENING_RUN: "Run a screening for signs of possible trafficking",
    Perm.SCREENING_LIBRARY_EDIT: "Draft changes to the indicator library",
    Perm.SCREENING_LIBRARY_APPROVE: "Review another person's library draft and activate it as a new version",
    Perm.CASE_FIRST_CONTACT: "Record a first contact and hand over to the contact person",
    Perm.CASE_VIEW: "Open a case the access rules allow",
    Perm.CASE_EDIT: "Change a case the access rules allow",
    Perm.CASE_VIEW_IDENTIFYING: "See identifying data (names, contact details, documents)",
    Perm.CASE_VIEW_SENSITIVE: "See sensitive sections (health, perpetrator details, exact location)",
    Perm.CASE_ASSIGN: "Assign cases to case managers and caseworkers",
    Perm.CASE_VIEW_TEAM: "See every case of one's own team",
    Perm.CASE_SEARCH_NAME: "Search by name through the blind index",
    Perm.CASE_CLOSE: "Close and reopen a case; record the return risk check a voluntary return needs",
    Perm.CONSENT_RECORD: "Record, renew or withdraw consent",
    Perm.CONSENT_SIGN_OFF: "Sign off continuing on another legal basis after a withdrawal",
    Perm.RISK_SIGN_OFF: "Sign off a risk assessment and the restoring-family-links risk check",
    Perm.PERSON_EXPORT: "Export everything Haven holds on a person (access request)",
    Perm.PERSON_ERASE: "Erase a person (crypto-shredding)",
    Perm.STATS_VIEW: "See anonymised statistics and the evidence dashboard",
    Perm.STATS_RELEASE: "Make a new anonymised release (spends privacy budget)",
    Perm.STATS_REPRODUCE: "Reproduce a differentially private release from its seed",
    Perm.STATS_BUDGET: "Set the privacy budget (total epsilon) of a statistics dataset",
    Perm.AUDIT_VIEW: "Read and verify the audit trail",
    Perm.CASE_PURPOSE: "Record a purpose (access request, erasure, breach review) opening one case for hours",
    Perm.ACCOUNTS_MANAGE: "Create, change and disable accounts",
    Perm.API_TOKEN: "Create personal API tokens",
    Perm.DIRECTORY_VIEW: "See the service directory",
    Perm.DIRECTORY_MANAGE: "Describe partner services and their cooperation assessment; see the gap analysis",
    Perm.REFERRAL_SEND: "Refer a person to a partner service (consent-checked, minimised)",
    Perm.AUTHORITY_REQUESTS: "Register and decide requests from authorities for data",
    Perm.ORG_MANAGE: "Keep the readiness checklist, awareness activities, advocacy log and national law",
    Perm.STAFF_MANAGE: "Keep the staff and volunteer register: roles, trainings, suitability notes",
    Perm.WELLBEING_OWN: "Record one's own wellbeing check-ins (and offer support as a designated supporter)",
    Perm.WELLBEING_SUMMARY: "See wellbeing counts for the whole Society, small numbers suppressed",
}

MATRIX: dict[Role, frozenset[Perm]] = {
    Role.VOLUNTEER: frozenset(
        {Perm.SCREENING_RUN, Perm.CASE_FIRST_CONTACT, Perm.CASE_VIEW, Perm.API_TOKEN, Perm.WELLBEING_OWN}
    ),
    Role.CASEWORKER: frozenset(
        {
            Perm.SCREENING_RUN,
            Perm.CASE_FIRST_CONTACT,
            Perm.CASE_VIEW,
            Perm.CASE_EDIT,
            Perm.CASE_VIEW_IDENTIFYING,
            Perm.CONSENT_RECORD,
            Perm.API_TOKEN,
            Perm.DIRECTORY_VIEW,
            Perm.WELLBEING_OWN,
        }
    ),
    Role.CASE_MANAGER: frozenset(
        {
            Perm.SCREENING_RUN,
            Perm.CASE_FIRST_CONTACT,
            Perm.CASE_VIEW,
            Perm.CASE_EDIT,
            Perm.CASE_VIEW_IDENTIFYING,
            Perm.CASE_VIEW_SENSITIVE,
            Perm.CASE_ASSIGN,
            Perm.CASE_VIEW_TEAM,
            Perm.CASE_SEARCH_NAME,
            # Closure is the contact person's (PRODUCT.md), as is the caution before a voluntary return.
            Perm.CASE_CLOSE,
            Perm.CONSENT_RECORD,
            Perm.RISK_SIGN_OFF,
            Perm.STATS_VIEW,
            Perm.API_TOKEN,
            # The contact person follows up every screening: a second pair of eyes on the questions.
            Perm.SCREENING_LIBRARY_APPROVE,
            Perm.DIRECTORY_VIEW,
            Perm.REFERRAL_SEND,
            Perm.AUTHORITY_REQUESTS,
            Perm.WELLBEING_OWN,
        }
    ),
    Role.PROGRAMME_MANAGER: frozenset(
        {
            Perm.SCREENING_LIBRARY_EDIT,
            Perm.SCREENING_LIBRARY_APPROVE,
            Perm.CASE_VIEW,
            Perm.STATS_VIEW,
            Perm.STATS_RELEASE,
            Perm.API_TOKEN,
            Perm.DIRECTORY_VIEW,
            Perm.DIRECTORY_MANAGE,
            # The organisation's tools (PRODUCT.md: readiness, staff training and wellbeing, awareness,
            # humanitarian diplomacy).
            Perm.ORG_MANAGE,
            Perm.STAFF_MANAGE,
            Perm.WELLBEING_SUMMARY,
            Perm.WELLBEING_OWN,
        }
    ),
    Role.DPO: frozenset(
        {
            Perm.CASE_VIEW,
            Perm.CASE_VIEW_IDENTIFYING,
            Perm.CASE_VIEW_SENSITIVE,
            Perm.CASE_SEARCH_NAME,
            Perm.CONSENT_SIGN_OFF,
            Perm.PERSON_EXPORT,
            Perm.PERSON_ERASE,
            Perm.STATS_VIEW,
            Perm.STATS_RELEASE,
            Perm.STATS_REPRODUCE,
            Perm.STATS_BUDGET,
            Perm.AUDIT_VIEW,
            Perm.API_TOKEN,
            # The DPO reaches a case's content only through a recorded purpose ("break-glass").
            Perm.CASE_PURPOSE,
            Perm.DIRECTORY_VIEW,
            Perm.AUTHORITY_REQUESTS,
            Perm.WELLBEING_OWN,
        }
    ),
    Role.ADMIN: frozenset({Perm.ACCOUNTS_MANAGE, Perm.AUDIT_VIEW, Perm.API_TOKEN, Perm.WELLBEING_OWN}),
}


def role_has(role: str, perm: Perm) -> bool:
    """True when the role grants the permission. Unknown roles grant nothing."""
    try:
        return perm in MATRIX[Role(role)]
    except ValueError:
        return False


def render_markdown() -> str:
    """The permissions matrix as Markdown, for docs/permissions.md."""
    roles = list(Role)
    lines = [
        "# Permissions",
        "",
        "Rendered from `haven/accounts/permissions.py` by `haven docs permissions`; a test fails when this",
        "file falls behind the code. Per-case rules (own team, assignment, handover) come on top: see",
        "`docs/architecture.md`.",
        "",
        "## Roles",
        "",
    ]
    lines += [f"- `{role.value}`: {ROLE_LABELS[role]!s}" for role in roles]
    lines += ["", "## Matrix", ""]
    lines.append("| permission | " + " | ".join(f"`{r.value}`" for r in roles) + " |")
    lines.append("|---|" + "---|" * len(roles))
    for perm in Perm:
        marks = " | ".join("yes" if perm in MATRIX[r] else "" for r in roles)
        lines.append(f"| `{perm.value}`: {PERM_LABELS[perm]} | {marks} |")
    lines.append("")
    return "\n".join(lines)
