"""Batch sealing for whole records (`Sealer.seal_many`) and the cached associated-data prefix."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from haven.vault import crypto
from haven.vault.errors import VaultDecryptError, VaultKeyError
from haven.vault.keystore import KeyStore


def test_seal_many_output_opens_field_by_field_with_its_own_associated_data() -> None:
    sealer = crypto.Sealer(crypto.generate_key())
    fields = {"name": b"Test Person Alpha", "phone": b"+00 555 000000", "notes": b""}
    aads = {f: crypto.aad_for("cases_person", f, "row-1") for f in fields}
    sealed = sealer.seal_many([(fields[f], aads[f]) for f in fields])
    assert [sealer.open(blob, aads[f]) for f, blob in zip(fields, sealed, strict=True)] == list(
        fields.values()
    )
    with pytest.raises(VaultDecryptError):
        sealer.open(sealed[0], aads["phone"])


def test_seal_many_draws_a_distinct_nonce_for_every_value() -> None:
    sealer = crypto.Sealer(crypto.generate_key())
    aad = crypto.aad_for("t", "c", "r")
    sealed = sealer.seal_many([(b"same value", aad)] * 50)
    nonces = {blob[1 + crypto.KEY_CHECK_BYTES : crypto.HEADER_BYTES] for blob in sealed}
    assert len(nonces) == 50


def test_seal_many_refuses_text() -> None:
    sealer = crypto.Sealer(crypto.generate_key())
    with pytest.raises(TypeError):
        sealer.seal_many([("not bytes", b"aad")])  # type: ignore[list-item]


def test_cached_aad_is_the_length_prefixed_encoding_of_all_four_parts() -> None:
    expected = crypto.length_prefixed(b"haven.aad.v1", b"cases_note", b"body", b"0f1e")
    assert crypto.aad_for("cases_note", "body", "0f1e") == expected
    assert crypto.aad_for("cases_note", "body", "0f1f") != expected


def test_aad_still_refuses_empty_parts() -> None:
    with pytest.raises(ValueError, match="non-empty column"):
        crypto.aad_for("cases_note", "", "row")


def test_wrap_keys_in_bulk_unwraps_like_single_wraps() -> None:
    master = crypto.generate_key()
    keys = [(f"key-{i}", crypto.generate_key()) for i in range(5)]
    wrapped = crypto.wrap_keys(master, keys)
    assert [crypto.unwrap_key(master, w, key_id=k) for (k, _), w in zip(keys, wrapped, strict=True)] == [
        key for _, key in keys
    ]
    with pytest.raises(VaultKeyError):
        crypto.unwrap_key(master, wrapped[0], key_id="key-1")


def test_aads_for_a_record_equal_aad_for_each_column() -> None:
    columns = ["name", "phone", "notes"]
    assert crypto.aads_for("cases_person", columns, "row-9") == [
        crypto.aad_for("cases_person", c, "row-9") for c in columns
    ]


def test_bulk_created_data_keys_have_distinct_uuid4_ids_and_distinct_keys(tmp_path: Path) -> None:
    with KeyStore.open(tmp_path / "var", environ={}, create=True) as store:
        created = store.create_data_keys(200)
        ids = [key_id for key_id, _ in created]
        assert len(set(ids)) == 200 and len({key for _, key in created}) == 200
        assert all(uuid.UUID(key_id).version == 4 for key_id in ids)
        assert store.get_data_key(ids[123]) == created[123][1]
