"""The confirmation step of a consequential action, with no JavaScript.

The action's button posts as before; the view, seeing no ``confirm=yes`` in the POST, performs nothing and
shows :func:`ask` instead: what will happen, a button that posts the same fields again with ``confirm=yes``,
and a way back that changes nothing. After the action, :func:`done` says what happened and what comes next,
with a link there. Whether to ask is the page's flow, not a rule of the action: the API and the command line
name the action explicitly and are not asked again.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.functional import Promise
from django.utils.html import format_html

CONFIRM = "confirm"

Text = str | Promise


def confirmed(request: HttpRequest) -> bool:
    """Whether this request is the confirmed second step (a POST carrying ``confirm=yes``)."""
    return request.method == "POST" and request.POST.get(CONFIRM) == "yes"


def ask(
    request: HttpRequest,
    *,
    key: str,
    title: Text,
    consequences: Sequence[Text],
    button: Text,
    cancel_url: str,
    cancel: Text | None = None,
    context: dict[str, object] | None = None,
) -> HttpResponse:
    """The page asking to confirm: `consequences` say what will happen; nothing is done yet.

    The fields of the first POST go along hidden, so the confirmed POST carries the same choice.
    `context` may hold the case (and what its header needs) to show the case's header above.
    """
    carried = [
        (name, value)
        for name in request.POST
        if name not in ("csrfmiddlewaretoken", CONFIRM)
        for value in request.POST.getlist(name)
    ]
    page = {
        "key": key,
        "title": title,
        "consequences": consequences,
        "button": button,
        "cancel_url": cancel_url,
        "cancel": cancel,
        "carried": carried,
        "action": request.get_full_path(),
        **(context or {}),
    }
    return render(request, "core/confirm.html", page)


def done(request: HttpRequest, text: Text, *, next_url: str, next_label: Text) -> None:
    """The success message after the action: what happened, what comes next, and a link there."""
    messages.success(request, format_html('{} <a href="{}" data-next>{}</a>', text, next_url, next_label))
