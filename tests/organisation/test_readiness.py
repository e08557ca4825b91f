"""The readiness self-assessment (Annex II): the figures follow the items' status; a yearly re-assessment
starts from last year's answers and leaves last year exactly as it was."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from haven.accounts.permissions import Role
from haven.organisation import selectors, services
from haven.organisation.models import ReadinessAnswer

# Counted by hand from the two lists (the items Haven words in data/readiness.json).
REFERRAL_ITEMS = 11
FOLLOW_UP_ITEMS = 12


@pytest.fixture
def programme(make_user):
    return make_user(Role.PROGRAMME_MANAGER)


def figures(year: int) -> dict[str, tuple[int, int, int]]:
    """(in place, applicable, percent in place) per checklist."""
    lists = selectors.progress(selectors.assessment_for(year), "en")
    return {c.key: (c.in_place, c.applicable, c.percent_in_place) for c in lists}


def test_both_checklists_have_the_items_of_the_guidance(programme):
    assessment = services.readiness_start(actor=programme, year=2025)
    lists = {c.key: c for c in selectors.progress(assessment, "en")}
    assert len(lists["referral"].rows) == REFERRAL_ITEMS
    assert len(lists["follow_up"].rows) == FOLLOW_UP_ITEMS
    assert all(row.status == "not_started" for c in lists.values() for row in c.rows)


def test_completing_items_changes_the_progress_figures(programme):
    assessment = services.readiness_start(actor=programme, year=2025)
    assert figures(2025)["referral"] == (0, 11, 0)
    services.readiness_answer(
        actor=programme, assessment=assessment, item_key="ref.contact_person", status="in_place"
    )
    services.readiness_answer(
        actor=programme, assessment=assessment, item_key="ref.training", status="in_place"
    )
    assert figures(2025)["referral"] == (2, 11, 18)  # 2 of 11 = 18 %
    services.readiness_answer(
        actor=programme, assessment=assessment, item_key="ref.needs_assessment", status="not_applicable"
    )
    assert figures(2025)["referral"] == (2, 10, 20)  # not applicable leaves the count: 2 of 10
    assert figures(2025)["follow_up"] == (0, 12, 0)


def test_a_yearly_reassessment_keeps_last_year_as_history(programme, make_user):
    owner = make_user(Role.CASE_MANAGER)
    first = services.readiness_start(actor=programme, year=2025)
    services.readiness_answer(
        actor=programme,
        assessment=first,
        item_key="fu.sops",
        status="in_progress",
        evidence="https://intranet.example.test/sops-draft",
        owner=owner,
    )
    second = services.readiness_start(actor=programme, year=2026)
    copied = ReadinessAnswer.objects.get(assessment=second, item_key="fu.sops")
    assert (copied.status, copied.evidence, copied.owner) == (
        "in_progress",
        "https://intranet.example.test/sops-draft",
        owner,
    )
    services.readiness_answer(actor=programme, assessment=second, item_key="fu.sops", status="in_place")
    assert figures(2026)["follow_up"] == (1, 12, 8)
    assert figures(2025)["follow_up"] == (0, 12, 0)
    assert ReadinessAnswer.objects.get(assessment=first, item_key="fu.sops").status == "in_progress"


def test_an_earlier_year_can_no_longer_change(programme):
    first = services.readiness_start(actor=programme, year=2025)
    services.readiness_start(actor=programme, year=2026)
    with pytest.raises(ValidationError, match="history"):
        services.readiness_answer(actor=programme, assessment=first, item_key="fu.sops", status="in_place")


def test_a_society_adds_its_own_item_which_counts_in_the_figures(programme):
    assessment = services.readiness_start(actor=programme, year=2025)
    item = services.readiness_item_add(
        actor=programme, checklist="referral", text="A hotline number is on every leaflet."
    )
    assert figures(2025)["referral"] == (0, 12, 0)
    services.readiness_answer(actor=programme, assessment=assessment, item_key=item.key, status="in_place")
    assert figures(2025)["referral"] == (1, 12, 8)


def test_an_unknown_item_is_refused(programme):
    assessment = services.readiness_start(actor=programme, year=2025)
    with pytest.raises(ValidationError):
        services.readiness_answer(
            actor=programme, assessment=assessment, item_key="no.such", status="in_place"
        )


def test_only_the_programme_manager_keeps_the_checklist(make_user):
    with pytest.raises(PermissionDenied):
        services.readiness_start(actor=make_user(Role.CASE_MANAGER), year=2025)


def test_the_page_shows_the_figures_and_a_chart_and_the_report_prints_them(programme, signed_in):
    client = signed_in(programme)
    assert client.post("/organisation/readiness/start/", {"year": "2025"}).status_code == 302
    response = client.post(
        "/organisation/readiness/2025/answer/", {"item_key": "ref.training", "status": "in_place"}
    )
    assert response.status_code == 302
    page = client.get("/organisation/readiness/").content.decode()
    assert '<svg class="chart" role="img"' in page
    assert "<span data-percent>9%</span>" in page  # 1 of 11
    assert 'data-item="ref.training" data-status="in_place"' in page
    report = client.get("/organisation/readiness/2025/report/").content.decode()
    assert "<td>9%</td>" in report
