"""Reads of notifications: only ever the signed-in account's own."""

from __future__ import annotations

from django.db.models import F, QuerySet

from haven.accounts.models import User
from haven.notifications.models import Notification


def unread_count(user: User) -> int:
    """How many of `user`'s notifications are unread."""
    return Notification.objects.filter(user=user, read_at=None).count()


def notifications_for(user: User) -> QuerySet[Notification]:
    """`user`'s notifications, unread first, newest first."""
    return Notification.objects.filter(user=user).order_by(
        F("read_at").desc(nulls_first=True), "-created_at", "-pk"
    )
