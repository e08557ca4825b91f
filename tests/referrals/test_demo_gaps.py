"""The gap analysis on the demo data: it names the groups no service meets, and its counts equal a count
made here by hand with the database's own filters (not the analysis's code)."""

from __future__ import annotations

from haven.accounts.models import User
from haven.accounts.permissions import Role
from haven.cases.demo import demo_cases_create
from haven.core.demo import demo_create
from haven.referrals import services
from haven.referrals.demo import demo_directory_create
from haven.referrals.models import Link


def _by_hand(domain: str, gender: str, adult: bool, team: str) -> int:
    links = Link.objects.filter(
        need_domain=domain,
        case__person__gender=gender,
        case__person__age_established_adult=adult,
        case__team__name=team,
        case__person__erased_at=None,
    )
    return links.values("case").distinct().count()


def test_the_gap_analysis_on_the_demo_data_names_the_gaps_and_equals_a_hand_count(db) -> None:
    demo_create()
    demo_cases_create(24, seed=7)
    entries, links = demo_directory_create()
    assert entries == 5 and links > 0
    assert demo_directory_create() == (0, 0)  # once only
    programme = User.objects.get(role=Role.PROGRAMME_MANAGER.value, team__organisation__is_demo=True)
    report = services.gap_analysis(actor=programme)
    rows = {(r.domain, r.target_group, r.area): r for r in report.rows}

    women = rows[("accommodation", "women", "north branch")]
    assert women.cases == _by_hand("accommodation", "Feminine", True, "North branch")
    assert women.services == 1  # the women's shelter
    men = rows[("accommodation", "men", "north branch")]
    assert men.cases == _by_hand("accommodation", "Masculine", True, "North branch")
    assert men.services == 0
    # Legal aid's cooperation review expired: no legal service for anyone, and it is listed as expired.
    legal = [r for r in report.rows if r.domain == "legal"]
    assert legal and all(r.no_service for r in legal)
    assert [o.code for o in report.expired] == ["DEMO-LEGAL"]
    gaps = {(r.domain, r.target_group) for r in report.without_service}
    assert ("accommodation", "men") in gaps and ("legal", "women") in gaps
    assert ("accommodation", "women") not in gaps
    # Small numbers are never shown as such.
    assert all(r.shown_cases == str(r.cases) if r.cases >= 5 else r.shown_cases == "<5" for r in report.rows)
