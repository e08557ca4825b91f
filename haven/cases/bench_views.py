"""The bare view the case benchmark compares against (bench/cases_bench.py).

Mounted only when HAVEN_BENCH=1 outside production (see urls.py): it runs through the same middleware as
every page (session, sign-in, MFA, security headers) and returns a tiny page with no query of its own.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_GET


@require_GET
def bare(request: HttpRequest) -> HttpResponse:
    """A tiny page: the floor a Haven page cannot go below on this server."""
    return HttpResponse(b"<!doctype html><title>bench</title><p>ok</p>", content_type="text/html")
