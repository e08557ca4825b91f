"""Code lists for case data, named as in HTCDS 2.0 and the CTDC codebook where they store the same facts.

Values are the standards' codes, so a Society's data can be compared with the global datasets; labels are
Haven's own words (terminology guide: "person who has experienced trafficking", never "victim").
Language and country lists come from Babel's CLDR data (ISO 639 and ISO 3166-1 alpha-2), not hand-typed.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from babel import Locale
from django.utils.translation import gettext_lazy as _

Choices = list[tuple[str, Any]]  # (code, lazily translated label)

# HTCDS prs_Gender.
GENDERS: Choices = [
    ("Feminine", _("Woman / feminine")),
    ("Masculine", _("Man / masculine")),
    ("TransgenderFeminine", _("Transgender woman")),
    ("TransgenderMasculine", _("Transgender man")),
    ("NonConforming", _("Non-binary / gender non-conforming")),
    ("NonSpecifiedUnknown", _("Not specified or unknown")),
]

# HTCDS cas_Status.
CASE_STATUSES: Choices = [
    ("Active", _("Active")),
    ("FollowUp", _("Follow-up")),
    ("Closed", _("Closed")),
    ("ClosedReferred", _("Closed (referred)")),
]

STAGES: Choices = [
    ("first_contact", _("First contact")),
    ("screening", _("Screening")),
    ("assessment", _("Assessment")),
    ("support", _("Support")),
    ("follow_up", _("Follow-up")),
    ("closed", _("Closed")),
]
STAGE_ORDER = [code for code, _label in STAGES]
# The cas_Status each stage implies when nothing more specific is given.
STAGE_STATUS = {
    "first_contact": "Active",
    "screening": "Active",
    "assessment": "Active",
    "support": "Active",
    "follow_up": "FollowUp",
    "closed": "Closed",
}

# The outcome a case closes with (issue 13): the code is kept in `Case.closure_reason`, the written reason
# sealed in the closure record. "referred" gives the HTCDS status ClosedReferred.
CLOSURE_REASONS: Choices = [
    ("integrated_locally", _("Integrated locally")),
    ("referred", _("Referred on and closed")),
    ("lost_contact", _("Contact lost")),
    ("moved", _("The person moved away")),
    ("returned_voluntarily", _("Returned voluntarily")),
    ("other", _("Other")),
]
# Closure codes of cases closed before those outcomes: never offered again, but still shown by their label.
FORMER_CLOSURE_REASONS: Choices = [
    ("support_completed", _("Support plan completed")),
    ("person_declined", _("The person chose not to continue")),
    ("no_signs", _("No signs of possible trafficking; other help offered")),
]
# Why a task stopped being open without being done.
TASK_CLOSE_REASONS: Choices = [
    ("case_closed", _("The case was closed")),
    ("case_erased", _("The person's data was erased")),
]
# The re-trafficking risk at the place of return, as the case manager assessed it before a voluntary return.
RETURN_RISKS: Choices = [
    ("low", _("Low")),
    ("medium", _("Medium")),
    ("high", _("High")),
    ("unknown", _("Cannot be assessed")),
]

# Why the volunteer may pass the person's details to the contact person at a hand-over.
HANDOVER_BASES: Choices = [
    ("consent", _("The person agrees that their details go to the contact person")),
    ("child_protection", _("A child: protection goes ahead in the child's best interests")),
    ("vital_interest", _("Vital interest: the person's life or safety is at risk now")),
]

LEGAL_BASES: Choices = [
    ("consent", _("Consent of the person")),
    ("vital_interest", _("Vital interest (written justification needed)")),
    ("child_best_interests", _("Best interests of the child (recorded decision)")),
]

# Age: how it was established. Only a document, a professional assessment or the person's own statement
# can establish adulthood; appearance never does (in doubt, a child).
AGE_METHODS: Choices = [
    ("document", _("Identity document seen")),
    ("assessment", _("Age assessment by a professional")),
    ("statement", _("The person's own statement")),
    ("appearance", _("Estimated from appearance")),
    ("unknown", _("Unknown")),
]
AGE_METHODS_THAT_ESTABLISH = frozenset({"document", "assessment", "statement"})

LEGAL_STATUSES: Choices = [
    ("citizen", _("Citizen")),
    ("eu_citizen", _("EU/EEA citizen")),
    ("residence_permit", _("Residence permit")),
    ("reflection_period", _("Recovery and reflection period")),
    ("asylum_seeker", _("Asylum seeker")),
    ("refugee", _("Refugee or subsidiary protection")),
    ("undocumented", _("No residence document")),
    ("other", _("Other")),
    ("unknown", _("Unknown")),
]

SCHOOLING: Choices = [
    ("", _("Not recorded")),
    ("in_school", _("In school or training")),
    ("not_in_school", _("Not in school")),
    ("arranging", _("School place being arranged")),
]

CONSENT_PURPOSES: Choices = [
    ("contact_person", _("Passing details to the Society's contact person")),
    ("assistance", _("Assistance and services")),
    ("data_storage", _("Storing personal data")),
    ("referral", _("Referral to a named organisation")),
    ("family_links", _("Restoring family links")),
    ("statistics", _("Anonymised statistics")),
    ("authority_dialogue", _("Confidential dialogue with authorities")),
]
# Why the data protection officer opens a case ("break-glass"): each opens that one case for a few hours.
DPO_PURPOSES: Choices = [
    ("access_request", _("Access request from the person")),
    ("correction", _("Correction requested by the person")),
    ("erasure", _("Erasure")),
    ("consent_sign_off", _("Sign-off after a consent withdrawal")),
    ("breach_review", _("Review of a possible data breach")),
    ("authority_request", _("A request from an authority for data, to decide with the case manager")),
]
CONSENT_STATUSES: Choices = [
    ("given", _("Given")),
    ("refused", _("Refused")),
    ("withdrawn", _("Withdrawn")),
    ("expired", _("Expired")),
]
WITHDRAWAL_REASONS: Choices = [
    ("changed_mind", _("The person changed their mind")),
    ("safety", _("Safety concerns")),
    ("recipient_concern", _("Concern about the recipient")),
    ("not_given", _("Reason not given")),
    ("other", _("Other")),
]

NOTE_SECTIONS: Choices = [
    ("general", _("General")),
    ("health", _("Health")),
    ("perpetrator", _("Perpetrator context (for safety only)")),
    ("location", _("Exact location")),
]
SENSITIVE_SECTIONS = frozenset({"health", "perpetrator", "location"})

TASK_KINDS: Choices = [
    ("", _("Other (see title)")),
    ("follow_up_call", _("Follow-up contact")),
    ("appointment", _("Appointment")),
    ("referral", _("Referral to prepare")),
    ("risk_review", _("Risk review")),
    ("consent_renewal", _("Consent renewal")),
]

# HTCDS hte_Type.
EVENT_TYPES: Choices = [
    ("Recruitment", _("Recruitment")),
    ("Transit", _("Transit")),
    ("Exploitation", _("Exploitation")),
]
DATE_PRECISIONS: Choices = [
    ("day", _("Day")),
    ("month", _("Month")),
    ("year", _("Year")),
    ("unknown", _("Unknown")),
]

# HTCDS vic_TypeOfExploitation, plus forced criminality (a known gap of the standard).
EXPLOITATION_TYPES: Choices = [
    ("ForcedLabour", _("Forced labour")),
    ("SexualExploitation", _("Sexual exploitation")),
    ("ChildLabour", _("Child labour")),
    ("ForcedMarriage", _("Forced marriage")),
    ("Servitude", _("Servitude")),
    ("ForcedMilitaryByNonStateActors", _("Forced military service by non-state actors")),
    ("OrganRemoval", _("Organ removal")),
    ("ForcedBegging", _("Forced begging")),
    ("ForcedAdoption", _("Forced adoption")),
    ("Surrogacy", _("Surrogacy")),
    ("ForcedCriminality", _("Forced criminality")),
    ("Other", _("Other")),
]

# HTCDS vic_MethodsOfControl (CTDC meansOfControl maps onto these).
MEANS_OF_CONTROL: Choices = [
    ("PhysicalThreats", _("Physical threats")),
    ("ThreatsLawEnforcement", _("Threats of law enforcement")),
    ("ThreatensChildrenFamily", _("Threats against children or family")),
    ("DebtBondage", _("Debt bondage")),
    ("FalsePromises", _("False promises")),
    ("PhysicalAbuse", _("Physical abuse")),
    ("SexualAbuse", _("Sexual abuse")),
    ("TakesEarnings", _("Takes earnings")),
    ("RestrictsFinancialAccess", _("Restricts access to money")),
    ("RestrictsMedicalCare", _("Restricts medical care")),
    ("WithholdsNecessities", _("Withholds necessities")),
    ("PsychologicalAbuse", _("Psychological abuse")),
    ("PsychoactiveSubstance", _("Psychoactive substances")),
    ("ExcessiveWorkingHours", _("Excessive working hours")),
    ("WithholdsDocuments", _("Withholds documents")),
    ("Other", _("Other")),
]

ERASURE_REASONS: Choices = [
    ("person_request", _("The person asked for erasure")),
    ("retention_expired", _("Retention period ended")),
    ("legal_obligation", _("Legal obligation")),
]

PRESSURE_KINDS: Choices = [("withdrawal", _("Consent withdrawal")), ("erasure", _("Erasure request"))]

# The domains of the holistic needs assessment (seed 4.3 and Annex II). The assessment records a need per
# domain; the service directory maps each service to the domains it meets; the gap analysis crosses the two.
NEEDS_DOMAINS: Choices = [
    ("safety", _("Immediate safety")),
    ("accommodation", _("Accommodation and shelter")),
    ("physical_health", _("Physical health")),
    ("mental_health", _("Mental health and psychosocial support")),
    ("material", _("Material needs")),
    ("legal", _("Legal assistance and residence status")),
    ("information", _("Information in their own language and interpretation")),
    ("family", _("Family and restoring family links")),
    ("education", _("Education and language courses")),
    ("livelihood", _("Work, skills and livelihood")),
    ("inclusion", _("Social inclusion")),
]

# HTCDS support types (sup_Type), for the support plan and for what a partner service offers.
SUPPORT_TYPES: Choices = [
    ("Accommodation", _("Accommodation")),
    ("Education", _("Education")),
    ("Financial", _("Financial")),
    ("Health", _("Health")),
    ("Legal", _("Legal")),
    ("Livelihood", _("Livelihood")),
    ("Psychosocial", _("Psychosocial")),
    ("SocialCare", _("Social care")),
    ("Repatriation", _("Return and reintegration")),
    ("Other", _("Other")),
]

# The groups a partner service serves (service directory) and a need belongs to (gap analysis).
TARGET_GROUPS: Choices = [
    ("women", _("Women")),
    ("men", _("Men")),
    ("girls", _("Girls")),
    ("boys", _("Boys")),
    ("unaccompanied_minors", _("Unaccompanied children")),
    ("lgbtqi", _("LGBTQI+ persons")),
    ("labour", _("People exploited for labour")),
    ("sexual", _("People exploited for sexual purposes")),
    ("criminal", _("People exploited for criminal activities")),
    ("no_legal_status", _("People without legal status")),
]

# Country codes that CLDR lists as territories but ISO 3166-1 does not assign to a country.
_NOT_COUNTRIES = frozenset({"AC", "CP", "CQ", "DG", "EA", "EU", "EZ", "IC", "QO", "TA", "UN", "XA", "XB"})


@cache
def language_codes() -> frozenset[str]:
    """ISO 639 codes (two- and three-letter) known to CLDR."""
    names = Locale("en").languages
    return frozenset(
        code
        for code in names
        if isinstance(code, str) and code.isalpha() and code.islower() and len(code) in (2, 3)
    )


@cache
def country_codes() -> frozenset[str]:
    """ISO 3166-1 alpha-2 codes, plus ZZ for "unknown" as in the CTDC codebook."""
    names = Locale("en").territories
    return frozenset(
        code
        for code in names
        if isinstance(code, str) and code.isalpha() and len(code) == 2 and code not in _NOT_COUNTRIES
    ) | {"ZZ"}


def codes(choices: Choices) -> frozenset[str]:
    """The set of codes in a choice list."""
    return frozenset(code for code, _label in choices)


def closure_label(code: str) -> str:
    """The label of a closure outcome, today's or a former one (a case closed before today's outcomes)."""
    return label([*CLOSURE_REASONS, *FORMER_CLOSURE_REASONS], code)


def label(choices: Choices, code: str) -> str:
    """The label of a code (the code itself when unknown, so nothing is hidden)."""
    for value, text in choices:
        if value == code:
            return str(text)
    return code


def _locale(lang: str | None) -> Locale:
    try:
        return Locale.parse((lang or "en").replace("-", "_"))
    except (ValueError, TypeError):
        return Locale("en")


def language_name(code: str, lang: str | None = None) -> str:
    """The language `code` (ISO 639) by its name in `lang` (CLDR), e.g. "ro" → "Romanian" / "roumain";
    the code itself when CLDR has no name for it."""
    return str(_locale(lang).languages.get(code) or code)


def country_name(code: str, lang: str | None = None) -> str:
    """The country `code` (ISO 3166-1) by its name in `lang` (CLDR); "ZZ" (unknown, as in CTDC) as unknown."""
    if code == "ZZ":
        return str(_("Unknown"))
    return str(_locale(lang).territories.get(code) or code)
