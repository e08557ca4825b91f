"""The terminology checker page: paste a text or upload a document, see the words to avoid highlighted with
what to say instead. Nothing is stored; the checker (`haven.terms.checker`) is the same as the command
line's and the API's."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from haven.accounts.decorators import require_login
from haven.terms.checker import check, highlight, rules
from haven.terms.forms import CheckForm


@require_http_methods(["GET", "POST"])
@require_login
def check_text(request: HttpRequest) -> HttpResponse:
    """Check a pasted text or an uploaded document (any signed-in person: communications, volunteers…)."""
    context: dict[str, object] = {"rule_count": len(rules())}
    if request.method == "POST":
        form = CheckForm(request.POST, request.FILES)
        if not form.is_valid():
            context["form"] = form
            return render(request, "terms/check.html", context, status=400)
        text = form.cleaned_data["text"]
        findings = check(text, form.langs())
        context.update({"findings": findings, "segments": highlight(text, findings), "checked": True})
        context["form"] = CheckForm(initial={"text": text, "lang": form.cleaned_data.get("lang", "")})
        return render(request, "terms/check.html", context)
    context["form"] = CheckForm()
    return render(request, "terms/check.html", context)


@require_http_methods(["GET"])
@require_login
def rule_list(request: HttpRequest) -> HttpResponse:
    """Every rule: the words to avoid, why, what to say instead, and when they are acceptable."""
    return render(request, "terms/rules.html", {"rules": rules()})
