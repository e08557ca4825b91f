"""Writes of notifications. `notify` is called by the domain services after their own write (same
transaction); it takes codes only, so no personal data can enter a notification. Nothing is ever sent by
e-mail or SMS: the person who is notified reads it inside Haven, signed in."""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from haven.accounts.actions import authorize
from haven.accounts.models import User
from haven.audit.services import audit_record
from haven.notifications.kinds import KIND_CODES
from haven.notifications.models import Notification


def notify(
    *, user_ids: Iterable[int | None], kind: str, case_code: str = "", ref: str = "", skip: int | None = None
) -> int:
    """Notify each account in `user_ids` (None and `skip`, the actor, left out) of `kind` on `case_code`.

    With `ref`, an account already notified of the same kind, case and ref is not notified again.
    Returns how many notifications were written.
    """
    if kind not in KIND_CODES:
        raise ValueError(f"unknown notification kind {kind!r}")
    wanted = {pk for pk in user_ids if pk is not None and pk != skip}
    if ref:
        already = set(
            Notification.objects.filter(
                user_id__in=wanted, kind=kind, case_code=case_code, ref=ref
            ).values_list("user_id", flat=True)
        )
        wanted -= already
    active = User.objects.filter(pk__in=wanted, is_active=True).values_list("pk", flat=True)
    rows = [Notification(user_id=pk, kind=kind, case_code=case_code, ref=ref) for pk in sorted(active)]
    Notification.objects.bulk_create(rows)
    return len(rows)


@transaction.atomic
def notifications_mark_read(*, actor: User, ids: Iterable[int] | None = None) -> int:
    """Mark the actor's own notifications read (all of them, or those in `ids`); returns how many."""
    authorize(actor, "notification.read")
    rows = Notification.objects.filter(user=actor, read_at=None)
    if ids is not None:
        wanted = list(ids)
        if any(not isinstance(pk, int) or pk < 1 for pk in wanted):
            raise ValidationError({"ids": "Notification ids are positive whole numbers."})
        rows = rows.filter(pk__in=wanted)
    count = rows.update(read_at=timezone.now())
    audit_record(
        actor_id=actor.pk,
        action="notification.read",
        object_type="user",
        object_id=str(actor.pk),
        detail={"count": count},
    )
    return count
