"""The account's own notifications: a list, and marking them read."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from haven.accounts.decorators import require_perm
from haven.accounts.models import User
from haven.accounts.permissions import Perm
from haven.notifications import selectors, services


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


@require_GET
@require_perm(Perm.CASE_VIEW)
def notification_list(request: HttpRequest) -> HttpResponse:
    page = Paginator(selectors.notifications_for(_user(request)), 50).get_page(request.GET.get("page"))
    return render(request, "notifications/list.html", {"page": page})


@require_POST
@require_perm(Perm.CASE_VIEW)
def mark_read(request: HttpRequest) -> HttpResponse:
    count = services.notifications_mark_read(actor=_user(request))
    messages.success(request, _("%(n)s notifications marked as read.") % {"n": count})
    return redirect("notifications:list")
