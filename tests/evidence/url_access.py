"""URL × role expectations for the evidence dashboard and the statistics API."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from haven.accounts.models import User
from haven.evidence import ctdc
from haven.evidence.models import DpRelease, PrivacyLedger
from tests.core.access_table import (
    BAD_REQUEST,
    CASE_MANAGER,
    DPO,
    PROGRAMME_MANAGER,
    REDIRECT,
    Access,
    api,
    page,
)


def stored_release(users: Mapping[str, User] | None = None) -> DpRelease:
    """A stored release as the dashboard reads it (published table only; the noise is not needed here)."""
    ledger, _ = PrivacyLedger.objects.get_or_create(dataset="cases")
    return DpRelease.objects.create(
        ledger=ledger,
        by=["gender"],
        domains=[list(ctdc.DOMAINS["gender"])],
        counts=[12, 7, 0, 0],
        suppressed=[2, 3],
        total=19,
        epsilon=0.5,
        epsilon_requested=0.5,
        scale=2.0,
        threshold=5,
        mechanism="discrete Laplace (test)",
        records_in_scope=20,
        left_out={"no_statistics_consent": 2},
        noise_key_id="not-sealed-in-this-test",
        noise_sealed=b"",
    )


def release_pk(users: Mapping[str, User]) -> dict[str, Any]:
    return {"pk": stored_release().pk}


def release_id(users: Mapping[str, User]) -> dict[str, Any]:
    return {"release_id": stored_release().pk}


URL_ACCESS: dict[str, Access] = {
    "evidence:dashboard": page(roles={CASE_MANAGER, PROGRAMME_MANAGER, DPO}),
    "evidence:brief": page(roles={CASE_MANAGER, PROGRAMME_MANAGER, DPO}),
    "evidence:release_detail": page(roles={CASE_MANAGER, PROGRAMME_MANAGER, DPO}, kwargs=release_pk),
    "evidence:release_csv": page(roles={CASE_MANAGER, PROGRAMME_MANAGER, DPO}, kwargs=release_pk),
    # More than the default budget of ε = 3: refused with a message, back to the dashboard.
    "evidence:release_create": page(
        roles={PROGRAMME_MANAGER, DPO},
        method="POST",
        data={"first": "gender", "second": "", "epsilon": "10", "confirmed": "yes"},
        allowed=REDIRECT,
    ),
    # Both need a fresh password and code first: the allowed roles are sent to re-authenticate.
    "evidence:release_reproduce": page(roles={DPO}, kwargs=release_pk, allowed=REDIRECT),
    "evidence:export_download": page(
        roles={PROGRAMME_MANAGER, DPO}, method="POST", data={"k": "11"}, allowed=REDIRECT
    ),
    "evidence:budget_set": page(roles={DPO}, method="POST", data={"total": "4"}, allowed=REDIRECT),
    "api-v1:stats_budget": api(roles={CASE_MANAGER, PROGRAMME_MANAGER, DPO}),
    "api-v1:stats_release_list": api(roles={CASE_MANAGER, PROGRAMME_MANAGER, DPO}),
    "api-v1:stats_release_get": api(roles={CASE_MANAGER, PROGRAMME_MANAGER, DPO}, kwargs=release_id),
    # A threshold above 100 is refused as bad input, after the permission check.
    "api-v1:stats_release_create": api(
        roles={PROGRAMME_MANAGER, DPO},
        method="POST",
        data={"by": ["gender"], "epsilon": 0.5, "threshold": 500},
        allowed=BAD_REQUEST,
    ),
    "api-v1:stats_export": api(
        roles={PROGRAMME_MANAGER, DPO}, method="POST", data={"k": 1}, allowed=BAD_REQUEST
    ),
}
