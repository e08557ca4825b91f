"""Codes of the follow-up app: the person's choice about formal identification and the authority's decision,
as HTCDS names them (vic_TraffickingStatus, vic_TraffickingStatusDecisionMakingOrg)."""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

Choices = list[tuple[str, str | Promise]]

IDENTIFICATION_CHOICES: Choices = [
    ("undecided", _("Not decided yet")),
    ("chosen", _("The person chose to go through formal identification")),
    ("declined", _("The person chose not to")),
]
# HTCDS vic_TraffickingStatus: the authority's decision, recorded as a fact received. Haven itself never
# decides it.
DECISION_STATUSES: Choices = [
    ("PossibleVictimOfTrafficking", _("Reasonable grounds: possibly trafficked (first decision)")),
    ("ActualVictimOfTrafficking", _("Conclusive: recognised as having experienced trafficking")),
    ("NotAVictimOfTrafficking", _("Not recognised")),
]
# HTCDS vic_TraffickingStatusDecisionMakingOrg.
DECISION_ORGS: Choices = [
    ("Police", _("Police")),
    ("NGO", _("Non-governmental organisation")),
    ("CourtOrProsecution", _("Court or prosecution")),
    ("NonPoliceGovernmentalOrganization", _("Government body other than the police")),
    ("Other", _("Other")),
]
STEPS: Choices = [
    ("informed", _("Information on the options given")),
    ("choice", _("The person's choice")),
    ("decision", _("The authority's decision")),
    ("reflection", _("Recovery and reflection period")),
    ("permit", _("Residence permit")),
]


def codes(choices: Choices) -> frozenset[str]:
    return frozenset(code for code, _label in choices)
