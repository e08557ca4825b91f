"""What the cases app calls on its consent paths (registered in `ReferralsConfig.ready`)."""

from __future__ import annotations

from typing import Any

from haven.cases.models import Case, Consent
from haven.referrals import services
from haven.referrals.models import Organisation
from haven.referrals.neutrality import ALWAYS_REFUSED, guard_outgoing


def guard_recipient(*, actor: Any, case: Case, recipient: str, what: str) -> None:
    """A consent or best-interests decision naming an organisation: the neutrality guard decides first. A
    code the directory lacks becomes a placeholder entry (refused for referrals until described)."""
    organisation = services.organisation_for_code(recipient)
    if organisation.org_type != "placeholder":
        guard_outgoing(actor=actor, case=case, organisation=organisation, channel="service", what=what)


def recipient_choices() -> list[tuple[str, str]]:
    """The directory's organisations a consent may name: described, active, and never an authority the
    neutrality guard always refuses."""
    found = (
        Organisation.objects.filter(active=True)
        .exclude(org_type__in=[*ALWAYS_REFUSED, "placeholder"])
        .values_list("code", "name")
    )
    return list(found)


def recipient_names(codes: set[str]) -> dict[str, str]:
    """The directory's names of the organisations with these codes (one query)."""
    return dict(Organisation.objects.filter(code__in=codes).values_list("code", "name"))


def on_withdrawal(*, actor: Any, case: Case, consent: Consent) -> None:
    """A withdrawal: a task per open referral to each organisation that must be told."""
    for code in consent.inform:
        organisation = Organisation.objects.filter(code=code).first()
        if organisation is not None:
            services.inform_tasks(actor=actor, case=case, organisation=organisation)
