"""Reviews due: one list, fed by providers that other apps register.

A provider takes the account and a date window and returns `ReviewDue` items for the cases whose case
manager is that account (a review belongs to the case manager, not to everyone who may open the case).
This app registers consent expiry and the ends of the reflection period and of the residence permit; the
assessment app registers its safety and support plan reviews the same way, from its AppConfig.ready:

    from haven.followup.reviews import ReviewDue, register_reviews_provider
    register_reviews_provider(my_provider)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from haven.accounts.models import User
from haven.cases.models import Case, Consent
from haven.cases.summary import Due as CaseDue
from haven.followup.models import FormalIdentification


@dataclass(frozen=True)
class ReviewDue:
    """Something about a case that ends or needs a review on `due_on`. `kind` is a code (no free text);
    `label` the words shown for it."""

    case_code: str
    kind: str
    label: str | Promise
    due_on: date


Provider = Callable[[User, date, date], list[ReviewDue]]
_PROVIDERS: list[Provider] = []


def register_reviews_provider(provider: Provider) -> None:
    """Add a provider of reviews due (called once per provider, from an AppConfig.ready)."""
    if provider not in _PROVIDERS:
        _PROVIDERS.append(provider)


def notice_days() -> int:
    """How many days ahead a review shows on the case manager's page and is notified."""
    return int(settings.REVIEW_NOTICE_DAYS)


def reviews_due(user: User, today: date, *, days: int | None = None) -> list[ReviewDue]:
    """Every review due for `user`'s cases from the past up to `days` ahead, soonest first."""
    until = today + timedelta(days=notice_days() if days is None else days)
    items = [item for provider in _PROVIDERS for item in provider(user, today, until)]
    return sorted(items, key=lambda item: (item.due_on, item.case_code, item.kind))


def _managed_open_cases(user: User) -> list[Case]:
    return list(Case.objects.filter(case_manager=user, person__erased_at=None).exclude(stage="closed"))


def consent_expiry_reviews(user: User, today: date, until: date) -> list[ReviewDue]:
    """Consents in force that expire by `until`, on the cases `user` manages."""
    consents = Consent.objects.filter(
        case__in=_managed_open_cases(user), status="given", expires_on__isnull=False, expires_on__lte=until
    ).select_related("case")
    return [
        ReviewDue(c.case.code, "consent_expiry", _("Consent expires"), c.expires_on)
        for c in consents
        if c.expires_on
    ]


def identification_reviews(user: User, today: date, until: date) -> list[ReviewDue]:
    """Ends of the recovery and reflection period and of the residence permit, not yet past by more than a
    notice period, on the cases `user` manages."""
    since = today - timedelta(days=notice_days())
    items: list[ReviewDue] = []
    for record in FormalIdentification.objects.filter(case__in=_managed_open_cases(user)).select_related(
        "case"
    ):
        end = record.reflection_end
        if end is not None and since <= end <= until:
            items.append(ReviewDue(record.case.code, "reflection_end", _("Reflection period ends"), end))
        permit = record.permit_until
        if permit is not None and since <= permit <= until:
            items.append(ReviewDue(record.case.code, "permit_end", _("Residence permit ends"), permit))
    return items


def identification_dates_of_case(case: Case) -> list[CaseDue]:
    """The end of the reflection period and of the residence permit of one case, for its summary page."""
    record = FormalIdentification.objects.filter(case=case).first()
    if record is None:
        return []
    dates = [
        (_("Reflection period ends"), record.reflection_end),
        (_("Residence permit ends"), record.permit_until),
    ]
    return [CaseDue(label, when) for label, when in dates if when is not None]
