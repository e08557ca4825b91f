"""A case's pages link to that same case: the links the pages build once per process match what Django
would reverse for every case page, and a misspelt link name fails loudly instead of leaving an empty link."""

from __future__ import annotations

import re

import pytest
from django.urls import NoReverseMatch, URLPattern, get_script_prefix, resolve, reverse, set_script_prefix

from haven.cases import urls as case_urls
from haven.cases import vocab
from haven.cases.links import CaseLinks

CODE = "HV-2026-04217"


def _code_only_page_names() -> list[str]:
    names = []
    for pattern in case_urls.urlpatterns:
        assert isinstance(pattern, URLPattern)
        if pattern.name and set(pattern.pattern.converters) == {"code"} and not pattern.default_args:
            names.append(pattern.name)
    return names


def test_every_case_page_link_is_the_url_django_would_reverse():
    names = _code_only_page_names()
    assert {"detail", "notes", "tasks", "consent", "timeline", "events", "erase"} <= set(names)
    links = CaseLinks(CODE)
    for name in names:
        assert links[name] == reverse(f"cases:{name}", args=[CODE])
    for section in vocab.SENSITIVE_SECTIONS:
        assert links[section] == reverse("cases:person", args=[CODE, section])


def test_links_follow_the_script_prefix_haven_is_served_under():
    before = get_script_prefix()
    try:
        set_script_prefix("/haven/")
        assert CaseLinks(CODE)["notes"] == f"/haven/cases/{CODE}/notes/"
    finally:
        set_script_prefix(before)
    assert CaseLinks(CODE)["notes"] == f"/cases/{CODE}/notes/"


def test_a_misspelt_link_name_raises_instead_of_rendering_an_empty_link():
    with pytest.raises(NoReverseMatch):
        CaseLinks(CODE)["noets"]


def test_every_link_and_form_on_the_case_summary_leads_to_a_page_of_that_case(alice, make_case, signed_in):
    case = make_case(alice, date_of_birth="", stated_age=16, age_established_adult=False)
    page = signed_in(alice).get(f"/cases/{case.code}/").content.decode()
    targets = set(re.findall(r'(?:href|action)="(/cases/[^"]*)"', page))
    own = {target for target in targets if case.code in target}
    # The tabs, the child section, the actions and the sensitive sections of this case.
    assert len(own) >= 12, sorted(own)
    for target in own:
        match = resolve(target)
        # The case's own pages, its follow-up pages (closing, identification, summary), and the work with
        # the person (haven.assessment) under the same case path.
        assert match.namespace in ("cases", "followup", "assessment") and match.kwargs["code"] == case.code, (
            target
        )
        assert reverse(match.view_name, kwargs=match.kwargs) == target
    assert f"/cases/{case.code}/child/" in own
