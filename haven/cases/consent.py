"""Consent rules in one place: may case data go to this recipient?

Every path that would move case data to an organisation (referrals, later) asks `may_share_with` first.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.utils import timezone

from haven.cases.models import BestInterests, Case, Consent

# Hooks of the referrals app, which owns the directory and the neutrality guard and imports this app (so this
# app cannot import it). A recipient guard raises when case data may never go to that organisation; a
# withdrawal listener acts on a withdrawal in the same transaction (tasks to tell the organisations).
_RECIPIENT_GUARDS: list[Callable[..., None]] = []
_WITHDRAWAL_LISTENERS: list[Callable[..., None]] = []
_RECIPIENT_CHOICES: list[Callable[[], list[tuple[str, str]]]] = []


def register_recipient_choices(source: Callable[[], list[tuple[str, str]]]) -> None:
    """Add a source of (code, name) pairs the consent form offers as recipients (the service directory)."""
    if source not in _RECIPIENT_CHOICES:
        _RECIPIENT_CHOICES.append(source)


def recipient_choices() -> list[tuple[str, str]]:
    """The organisations a referral consent may name, as (code, name), from every registered source."""
    return [pair for source in _RECIPIENT_CHOICES for pair in source()]


_RECIPIENT_NAMES: list[Callable[[set[str]], dict[str, str]]] = []


def register_recipient_names(source: Callable[[set[str]], dict[str, str]]) -> None:
    """Add a source of organisation names by code (the service directory), for pages that name recipients."""
    if source not in _RECIPIENT_NAMES:
        _RECIPIENT_NAMES.append(source)


def recipient_names(codes: set[str]) -> dict[str, str]:
    """The names of the organisations with these codes, from every registered source (one query each); a
    code no source knows is left out (callers show the code)."""
    if not codes:
        return {}
    names: dict[str, str] = {}
    for source in _RECIPIENT_NAMES:
        names.update(source(codes))
    return names


def register_recipient_guard(guard: Callable[..., None]) -> None:
    """Add a check that every recipient named in consent or a best-interests decision must pass."""
    if guard not in _RECIPIENT_GUARDS:
        _RECIPIENT_GUARDS.append(guard)


def register_withdrawal_listener(listener: Callable[..., None]) -> None:
    """Add a callback run in the withdrawal's transaction, with the withdrawn consent (AppConfig.ready)."""
    if listener not in _WITHDRAWAL_LISTENERS:
        _WITHDRAWAL_LISTENERS.append(listener)


def check_recipient(*, actor: Any, case: Case, recipient: str, what: str) -> None:
    """Run every registered recipient guard (the neutrality guard): raises when the recipient is refused."""
    for guard in _RECIPIENT_GUARDS:
        guard(actor=actor, case=case, recipient=recipient, what=what)


def withdrawn(*, actor: Any, case: Case, consent: Consent) -> None:
    """Tell every registered listener that this consent was just withdrawn."""
    for listener in _WITHDRAWAL_LISTENERS:
        listener(actor=actor, case=case, consent=consent)


def latest_consent(case: Case, purpose: str, recipient: str = "") -> Consent | None:
    """The most recent consent record for this purpose (and recipient): it decides, earlier ones do not."""
    return (
        Consent.objects.filter(case=case, purpose=purpose, recipient=recipient)
        .order_by("-recorded_at", "-pk")
        .first()
    )


def consent_in_force(consent: Consent | None) -> bool:
    """Given, not withdrawn, and not past its expiry date."""
    if consent is None or consent.status != "given":
        return False
    return consent.expires_on is None or consent.expires_on >= timezone.localdate()


def may_share_with(case: Case, recipient: str) -> bool:
    """True when the person's consent (or, for a child, a best-interests decision) allows sharing.

    A refusal or withdrawal for that recipient always wins, including over a best-interests decision.
    """
    if not recipient or case.person.erased_at is not None:
        return False
    latest = latest_consent(case, "referral", recipient)
    if latest is not None:
        return consent_in_force(latest)
    if not case.person.is_child:
        return False
    decisions = BestInterests.objects.filter(case=case).order_by("-decided_on", "-pk")
    return any(recipient in decision.recipients for decision in decisions)


def recipients_to_inform(case: Case, consent: Consent) -> list[str]:
    """Who must hear of this withdrawal: the referral's recipient, or every recipient data may reach."""
    if consent.purpose == "referral":
        return [consent.recipient]
    if consent.purpose in ("data_storage", "assistance"):
        given = Consent.objects.filter(case=case, purpose="referral", status__in=["given", "withdrawn"])
        return sorted(set(given.values_list("recipient", flat=True)))
    return []
