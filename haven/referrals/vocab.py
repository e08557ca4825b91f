"""Code lists of the referral network: organisation types, referral statuses, what may be shared.

Organisation types are HTCDS's (org_Type) plus the kinds of partner the guidance names (seed 4.3, Annex II)
and the authorities the neutrality guard must recognise.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from haven.cases.vocab import Choices

ORGANISATION_TYPES: Choices = [
    # HTCDS org_Type
    ("NGO", _("Non-governmental organisation")),
    ("GovernmentAgency", _("Government agency (social services)")),
    ("NationalSociety", _("Red Cross or Red Crescent National Society")),
    ("Other", _("Other")),
    # the partners the guidance names
    ("shelter", _("Shelter")),
    ("psychosocial", _("Psychosocial support")),
    ("legal_aid", _("Legal aid")),
    ("health", _("Health service")),
    ("international", _("International organisation")),
    # authorities: the neutrality guard refuses sharing with them (immigration only on the person's request)
    ("immigration", _("Immigration service")),
    ("law_enforcement", _("Law enforcement (police)")),
    ("prosecution", _("Prosecution")),
    ("court", _("Court")),
    ("placeholder", _("Not yet described (migrated code)")),
]

DATA_PROTECTION_STANDARDS: Choices = [
    ("adequate", _("Adequate (agreement or equivalent rules)")),
    ("partial", _("Partial")),
    ("inadequate", _("Inadequate")),
    ("unknown", _("Not assessed")),
]

REFERRAL_STATUSES: Choices = [
    ("draft", _("Draft")),
    ("sent", _("Sent")),
    ("accepted", _("Accepted")),
    ("declined", _("Declined")),
    ("completed", _("Completed")),
    ("withdrawn", _("Withdrawn")),
]
OPEN_REFERRAL_STATUSES = frozenset({"sent", "accepted"})
# Which status may follow which (the partner's feedback moves a sent referral on).
NEXT_STATUSES: dict[str, frozenset[str]] = {
    "draft": frozenset({"withdrawn"}),
    "sent": frozenset({"accepted", "declined", "withdrawn"}),
    "accepted": frozenset({"completed", "withdrawn"}),
    "declined": frozenset(),
    "completed": frozenset(),
    "withdrawn": frozenset(),
}

# The values a referral can carry. The first four go by default (minimisation); identity fields only when
# ticked and covered by the person's consent for this recipient.
DEFAULT_FIELDS = ("case_code", "needs", "language", "safe_contact_method")
IDENTITY_FIELDS = ("name", "date_of_birth", "phone")
SHAREABLE_FIELDS = (*DEFAULT_FIELDS, *IDENTITY_FIELDS)

SAFE_CONTACT_METHODS: Choices = [
    ("through_society", _("Only through the Red Cross contact person")),
    ("phone_safe", _("By phone, at the safe number the Society holds")),
    ("in_person", _("In person, at an appointment the Society arranges")),
]

AUTHORITY_REQUEST_STATUSES: Choices = [
    ("registered", _("Registered: the answer is refusal unless approved")),
    ("refused", _("Refused")),
    ("disclosed", _("Disclosed under a legal obligation")),
]

DIALOGUE_PURPOSES: Choices = [
    ("access_to_protection", _("Access to protection")),
    ("residence_permit", _("Residence permit")),
    ("safety", _("Safety of the person")),
    ("other", _("Other")),
]
