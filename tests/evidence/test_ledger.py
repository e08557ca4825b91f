"""The privacy ledger: releases spend ε, a spent budget refuses (audited), the DPO can re-derive a release."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied

from haven.accounts.models import User
from haven.audit.models import AuditEvent
from haven.cases import services as case_services
from haven.cases.models import Consent
from haven.evidence import selectors
from haven.evidence.models import DpRelease
from haven.evidence.services import (
    EvidenceInputError,
    PrivacyBudgetExceeded,
    dp_release,
    dp_reproduce,
    ledger_set_budget,
)
from tests.evidence.conftest import MARKER_COUNTRY, CaseMaker

pytestmark = pytest.mark.django_db


def cell_of(release: DpRelease, *labels: str) -> int:
    """Index of a cell in the release's table (row-major over its domains)."""
    index = 0
    for domain, label in zip(release.domains, labels, strict=True):
        index = index * len(domain) + domain.index(label)
    return index


def test_release_charges_the_ledger_and_keeps_its_parameters(
    make_stats_case: CaseMaker, programme_manager: User
) -> None:
    for _ in range(6):
        make_stats_case("given", gender="Feminine")
    make_stats_case("refused")

    release = dp_release(actor=programme_manager, by=["gender"], epsilon=0.5)

    assert release.by == ["gender"]
    assert release.epsilon <= 0.5
    assert release.threshold == 5
    assert release.records_in_scope == 6
    assert release.left_out == {"statistics_consent_refused": 1}
    assert release.created_by == programme_manager
    assert len(release.counts) == 4
    assert release.total == sum(release.counts)
    assert all(count == 0 or count >= 5 for count in release.counts)
    status = selectors.budget_status()
    assert status.spent == pytest.approx(release.epsilon)
    assert status.remaining == pytest.approx(3.0 - release.epsilon)
    event = AuditEvent.objects.get(action="stats.release")
    assert event.object_id == str(release.pk)
    assert event.detail["by"] == ["gender"]


def test_ledger_refuses_a_release_once_the_budget_is_spent_and_audits_the_refusal(
    make_stats_case: CaseMaker, programme_manager: User
) -> None:
    make_stats_case("given")
    dp_release(actor=programme_manager, by=["gender"], epsilon=2.0)
    dp_release(actor=programme_manager, by=["ageBroad"], epsilon=1.0)

    with pytest.raises(PrivacyBudgetExceeded, match="only ε = 0 of the total ε = 3 is left"):
        dp_release(actor=programme_manager, by=["gender"], epsilon=0.1)

    assert DpRelease.objects.count() == 2
    refused = AuditEvent.objects.get(action="stats.release_refused")
    assert refused.actor_id == programme_manager.pk
    assert refused.object_id == "cases"
    assert refused.detail["by"] == ["gender"]
    assert selectors.budget_status().spent == pytest.approx(3.0)


def test_a_release_that_would_overspend_is_refused_even_with_budget_left(
    make_stats_case: CaseMaker, programme_manager: User
) -> None:
    make_stats_case("given")
    dp_release(actor=programme_manager, by=["gender"], epsilon=2.5)
    with pytest.raises(PrivacyBudgetExceeded):
        dp_release(actor=programme_manager, by=["gender"], epsilon=1.0)
    assert dp_release(actor=programme_manager, by=["gender"], epsilon=0.5).epsilon <= 0.5


def test_the_dpo_can_raise_the_budget_but_never_below_what_is_spent(
    make_stats_case: CaseMaker, programme_manager: User, dpo: User
) -> None:
    make_stats_case("given")
    dp_release(actor=programme_manager, by=["gender"], epsilon=1.0)
    with pytest.raises(EvidenceInputError, match="already spent"):
        ledger_set_budget(actor=dpo, total=0.5)
    with pytest.raises(PermissionDenied):
        ledger_set_budget(actor=programme_manager, total=5.0)
    ledger_set_budget(actor=dpo, total=5.0)
    assert selectors.budget_status().remaining == pytest.approx(4.0)
    assert AuditEvent.objects.filter(action="stats.budget_set", actor_id=dpo.pk).count() == 1


@pytest.mark.parametrize(
    ("by", "epsilon", "message"),
    [
        (["nationality"], 0.5, "unknown column 'nationality'"),
        (["gender"], 0.0, "from 0.01 to 10"),
        (["gender"], -1.0, "from 0.01 to 10"),
        (["gender"], 1e-300, "from 0.01 to 10"),
        (["gender"], 5e-324, "from 0.01 to 10"),
        (["gender"], 1e-17, "from 0.01 to 10"),
        (["gender"], 0.009, "from 0.01 to 10"),
        (["gender"], 10.5, "from 0.01 to 10"),
        (["gender"], float("nan"), "from 0.01 to 10"),
        (["gender"], True, "from 0.01 to 10"),
        (["gender", "gender"], 0.5, "listed twice"),
        ([], 0.5, "at least one"),
    ],
)
def test_bad_release_parameters_are_refused_before_anything_is_spent(
    programme_manager: User, by: list[str], epsilon: float, message: str
) -> None:
    with pytest.raises(EvidenceInputError, match=message):
        dp_release(actor=programme_manager, by=by, epsilon=epsilon)
    assert selectors.budget_status().spent == 0.0


def test_roles_without_the_release_permission_cannot_release(
    make_stats_case: CaseMaker, manager: User
) -> None:
    with pytest.raises(PermissionDenied):
        dp_release(actor=manager, by=["gender"], epsilon=0.5)


def test_the_dpo_re_derives_a_release_from_its_sealed_noise(
    make_stats_case: CaseMaker, programme_manager: User, dpo: User
) -> None:
    for _ in range(7):
        make_stats_case("given", gender="Feminine")
    for _ in range(3):
        make_stats_case("given", gender="Masculine")
    release = dp_release(actor=programme_manager, by=["gender"], epsilon=1.0)

    reproduction = dp_reproduce(actor=dpo, release=release)

    assert reproduction.matches
    assert reproduction.exact[cell_of(release, "Female")] == 7
    assert reproduction.exact[cell_of(release, "Male")] == 3
    assert reproduction.republished == release.counts
    assert len(reproduction.noise) == len(release.counts)
    assert AuditEvent.objects.filter(action="stats.reproduce", actor_id=dpo.pk).count() == 1
    with pytest.raises(PermissionDenied):
        dp_reproduce(actor=programme_manager, release=release)


def test_reproduction_shows_when_a_person_withdrew_consent_since(
    make_stats_case: CaseMaker, programme_manager: User, dpo: User, manager: User
) -> None:
    cases = [make_stats_case("given", gender="Feminine") for _ in range(8)]
    release = dp_release(actor=programme_manager, by=["gender"], epsilon=1.0, threshold=0)
    consent = Consent.objects.get(case=cases[0], purpose="statistics")
    case_services.consent_withdraw(
        actor=manager, case=cases[0], consent=consent, reason="changed_mind", confirm_no_pressure=True
    )

    reproduction = dp_reproduce(actor=dpo, release=release)

    assert (reproduction.cases_then, reproduction.cases_now) == (8, 7)
    assert reproduction.exact[cell_of(release, "Female")] == 7
    assert not reproduction.matches
    assert reproduction.changed_cells == [cell_of(release, "Female")]


def test_cases_without_statistics_consent_never_contribute_to_a_release(
    make_stats_case: CaseMaker, programme_manager: User, dpo: User
) -> None:
    counted = [make_stats_case("given", citizenship=["RO"]) for _ in range(5)]
    for statistics in (None, "refused", "withdrawn", "expired"):
        make_stats_case(statistics, citizenship=[MARKER_COUNTRY])

    release = dp_release(actor=programme_manager, by=["citizenship"], epsilon=1.0)
    reproduction = dp_reproduce(actor=dpo, release=release)

    assert reproduction.exact[cell_of(release, MARKER_COUNTRY)] == 0
    assert reproduction.exact[cell_of(release, "RO")] == 5
    assert sum(reproduction.exact) == len(counted)
    assert release.records_in_scope == 5
    assert sum(release.left_out.values()) == 4
