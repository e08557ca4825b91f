"""The vault's side of `haven keys gc`: it deletes the data keys that no registered hook names, once past
the grace period, and refuses to guess when no app registered a hook."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from haven.vault import collect
from haven.vault.errors import VaultKeyMissing
from haven.vault.keystore import KeyStore
from tests.vault.conftest import NO_ENV

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def no_domain_rows(monkeypatch):
    """The vault on its own: no domain app's abandoned rows to delete first."""
    monkeypatch.setattr(collect, "_abandoned_hooks", [])


@pytest.fixture
def clock_store(data_dir: Path):
    now = {"t": T0}
    with KeyStore.open(data_dir, environ=NO_ENV, create=True, clock=lambda: now["t"]) as store:
        yield store, now


def test_only_old_keys_no_hook_names_are_deleted_and_the_others_still_open(clock_store, monkeypatch):
    store, now = clock_store
    old = [key_id for key_id, _key in store.create_data_keys(4)]
    now["t"] = T0 + timedelta(hours=30)
    young = [key_id for key_id, _key in store.create_data_keys(2)]
    used = {old[0], old[1]}
    monkeypatch.setattr(collect, "_reference_hooks", [lambda: sorted(used)])

    report = collect.collect_unused_keys(store, older_than=timedelta(hours=24), now=now["t"])

    assert (report.data_keys, report.too_recent, report.referenced, report.unused) == (6, 2, 2, 2)
    assert report.deleted == 2
    for key_id in [*used, *young]:
        assert len(store.get_data_key(key_id)) == 32
    for key_id in old[2:]:
        with pytest.raises(VaultKeyMissing):
            store.get_data_key(key_id)
    assert store.list_erasures() == []  # nobody was erased: the ledger is for people


def test_a_dry_run_deletes_nothing(clock_store, monkeypatch):
    store, now = clock_store
    store.create_data_keys(3)
    monkeypatch.setattr(collect, "_reference_hooks", [lambda: []])
    report = collect.collect_unused_keys(
        store, older_than=timedelta(0), now=T0 + timedelta(seconds=1), dry_run=True
    )
    assert (report.unused, report.deleted) == (3, 0)
    assert store.count_by_kind()["data"] == 3


def test_with_no_hook_registered_nothing_is_deleted(clock_store, monkeypatch):
    store, _now = clock_store
    store.create_data_keys(2)
    monkeypatch.setattr(collect, "_reference_hooks", [])
    with pytest.raises(collect.NoReferenceHooks):
        collect.collect_unused_keys(store, older_than=timedelta(0), now=T0 + timedelta(days=9))
    assert store.count_by_kind()["data"] == 2


def test_registering_a_hook_twice_keeps_one(monkeypatch):
    monkeypatch.setattr(collect, "_reference_hooks", [])

    def hook() -> list[str]:
        return []

    collect.register_key_reference_hook(hook)
    collect.register_key_reference_hook(hook)
    assert collect.key_reference_hooks() == (hook,)
