"""Code lists of the assessment forms. The needs domains, support types and genders are the shared lists of
`haven.cases.vocab`; the lists here belong to the assessment alone."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from haven.cases.vocab import Choices

# Level of need in one domain of the holistic needs assessment.
NEED_LEVELS: Choices = [
    ("not_assessed", _("Not discussed yet")),
    ("none", _("No need now")),
    ("low", _("Some need")),
    ("high", _("Serious need")),
    ("urgent", _("Urgent need")),
]

# The vulnerability factors, at the three assessment levels of HTCDS (individual, household, community).
INDIVIDUAL_FACTORS: Choices = [
    ("disability", _("Disability")),
    ("health_condition", _("Long-term health condition")),
    ("mental_health", _("Mental health needs")),
    ("substance_use", _("Substance use")),
    ("pregnancy", _("Pregnancy or young children in their care")),
    ("no_documents", _("No identity documents")),
    ("no_legal_status", _("No secure residence status")),
    ("language_barrier", _("Does not speak the local language")),
    ("low_literacy", _("Limited reading and writing")),
    ("earlier_exploitation", _("Exploited before")),
    ("discrimination_identity", _("Discrimination because of who they are")),
]
HOUSEHOLD_FACTORS: Choices = [
    ("debt", _("Household debt")),
    ("dependants", _("Family members depend on their income")),
    ("family_involved", _("Family involved in the exploitation")),
    ("violence_at_home", _("Violence at home")),
    ("no_family_support", _("No family support")),
    ("family_separation", _("Separated from family")),
    ("poverty", _("Household poverty")),
]
COMMUNITY_FACTORS: Choices = [
    ("stigma", _("Stigma in the community")),
    ("isolation", _("Social isolation")),
    ("exploitative_recruitment", _("Exploitative recruiters active in the community")),
    ("conflict_displacement", _("Conflict or displacement")),
    ("no_services", _("No services within reach")),
    ("discrimination", _("Discrimination against their group")),
]

# Who the person would rather work with (their own choice; "no preference" by default).
WORKER_GENDERS: Choices = [
    ("", _("No preference")),
    ("woman", _("A woman")),
    ("man", _("A man")),
    ("other", _("Other (see their words)")),
]

# How likely a harm is, in the risk assessment.
LIKELIHOODS: Choices = [
    ("none", _("No sign")),
    ("possible", _("Possible")),
    ("likely", _("Likely")),
]

# The person's relationship to the trafficker (seed 4.2: sometimes the traffickers are family).
RELATIONSHIPS: Choices = [
    ("unknown", _("Unknown")),
    ("family", _("Family member")),
    ("partner", _("Partner")),
    ("employer", _("Employer")),
    ("acquaintance", _("Acquaintance")),
    ("stranger", _("Stranger")),
]
CLOSE_RELATIONSHIPS = frozenset({"family", "partner"})

# Whether family took part in the trafficking: the restoring-family-links check must answer this.
FAMILY_INVOLVEMENT: Choices = [
    ("", _("Not considered yet")),
    ("none", _("No sign that family was involved")),
    ("possible", _("Family may have been involved")),
    ("involved", _("Family was involved")),
]

RISK_LEVELS: Choices = [
    ("low", _("Low")),
    ("medium", _("Medium")),
    ("high", _("High")),
]

SAFETY_AUDIENCES: Choices = [
    ("person", _("Safety plan for the person")),
    ("staff", _("Safety plan for staff and volunteers")),
]

FAMILY_LINKS_KINDS: Choices = [
    ("tracing", _("Family tracing")),
    ("contact", _("Contact with family")),
]

SUPPORT_STATUSES: Choices = [
    ("planned", _("Planned")),
    ("in_progress", _("In progress")),
    ("done", _("Done")),
    ("stopped", _("Stopped")),
]

# The steps of child protection on a child's case.
CHILD_STEPS: Choices = [
    ("bia", _("Best-interests assessment")),
    ("bid", _("Best-interests determination")),
    ("guardian", _("Guardian involvement")),
    ("school", _("School access")),
    ("safeguarding_referral", _("Child safeguarding referral")),
]
GUARDIAN_INVOLVEMENT: Choices = [
    ("", _("Not recorded")),
    ("involved", _("The guardian took part")),
    ("informed", _("The guardian was informed")),
    ("not_appointed", _("No guardian appointed yet")),
    ("not_in_interest", _("Not involved: not in the child's best interests")),
]
