"""What the cases app calls on its consent paths (registered in `ReferralsConfig.ready`)."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from haven.cases.models import Case, Consent
from haven.cases.summary import Panel, PanelLine, works_on_case
from haven.cases.timeline import TimelineItem, who
from haven.referrals import services, vocab
from haven.referrals.models import Organisation, Referral
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


def open_referrals_panel(case: Case, user: Any) -> Panel | None:
    """The case summary's panel of referrals not yet finished (drafts, sent, accepted), for those who work
    on the case; the referrals page has the rest."""
    if not works_on_case(user):
        return None
    statuses = ["draft", *sorted(vocab.OPEN_REFERRAL_STATUSES)]
    referrals = (
        Referral.objects.filter(case=case, status__in=statuses)
        .select_related("organisation")
        .order_by("-created_at", "-pk")
    )
    lines = [
        PanelLine(
            _("%(organisation)s: %(status)s")
            % {"organisation": r.organisation.name, "status": r.get_status_display()},
            (r.sent_at or r.created_at).date(),
            r.status,
        )
        for r in referrals
    ]
    return Panel(
        key="referrals",
        title=_("Open referrals"),
        lines=lines,
        empty=_("No open referral."),
        href=reverse("referrals:case", args=[case.code]),
        href_label=_("All referrals"),
    )


# What became of a referral, as the case timeline says it (one sentence per status, for the French agreement).
REFERRAL_OUTCOMES = {
    "accepted": gettext_lazy("Referral to %(organisation)s accepted"),
    "declined": gettext_lazy("Referral to %(organisation)s declined"),
    "completed": gettext_lazy("Referral to %(organisation)s completed"),
    "withdrawn": gettext_lazy("Referral to %(organisation)s withdrawn"),
}


def referral_events(case: Case, user: Any) -> list[TimelineItem]:
    """The case timeline's referral events: each referral sent, and what became of it (one query)."""
    items = []
    for referral in (
        Referral.objects.filter(case=case).select_related("organisation", "sent_by").order_by("pk")
    ):
        names = {"organisation": referral.organisation.name}
        if referral.sent_at:
            text = _("Referral to %(organisation)s sent") % names
            items.append(TimelineItem(referral.sent_at, "referral_sent", text, who(referral.sent_by)))
        outcome = REFERRAL_OUTCOMES.get(referral.status)
        if outcome is not None:
            items.append(
                TimelineItem(referral.status_changed_at, f"referral_{referral.status}", outcome % names)
            )
    return items
