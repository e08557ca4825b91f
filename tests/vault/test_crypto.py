from __future__ import annotations

import pytest

from haven.vault import crypto
from haven.vault.crypto import aad_for, open_, seal
from haven.vault.errors import VaultDecryptError, VaultKeyError

PLAINTEXT = b"Test Person Alpha"


def test_sealed_value_opens_with_the_same_key_and_place() -> None:
    key = crypto.generate_key()
    aad = aad_for("cases_person", "full_name", "row-1")
    assert open_(key, seal(key, PLAINTEXT, aad), aad) == PLAINTEXT


def test_empty_and_large_values_roundtrip() -> None:
    key = crypto.generate_key()
    aad = aad_for("t", "c", "1")
    for value in (b"", b"\x00" * 3, bytes(range(256)) * 4000):
        assert open_(key, seal(key, value, aad), aad) == value


def test_two_seals_of_the_same_value_differ_and_carry_the_documented_overhead() -> None:
    key = crypto.generate_key()
    aad = aad_for("t", "c", "1")
    first, second = seal(key, PLAINTEXT, aad), seal(key, PLAINTEXT, aad)
    assert first != second
    nonce = slice(1 + crypto.KEY_CHECK_BYTES, crypto.HEADER_BYTES)
    assert first[nonce] != second[nonce]
    assert len(first) == len(PLAINTEXT) + crypto.OVERHEAD_BYTES
    assert first[0] == crypto.FORMAT_V1


def test_ciphertexts_swapped_between_two_rows_both_fail_with_a_clear_message() -> None:
    key = crypto.generate_key()
    aad_1, aad_2 = (
        aad_for("cases_person", "full_name", "row-1"),
        aad_for("cases_person", "full_name", "row-2"),
    )
    blob_1 = seal(key, b"Test Person Alpha", aad_1)
    blob_2 = seal(key, b"Test Person Bravo", aad_2)
    for blob, aad in ((blob_2, aad_1), (blob_1, aad_2)):
        with pytest.raises(VaultDecryptError, match="different table/column/row"):
            open_(key, blob, aad)


def test_ciphertext_copied_to_another_column_or_table_fails() -> None:
    key = crypto.generate_key()
    blob = seal(key, PLAINTEXT, aad_for("cases_person", "full_name", "7"))
    for aad in (aad_for("cases_person", "alias", "7"), aad_for("cases_contact", "full_name", "7")):
        with pytest.raises(VaultDecryptError):
            open_(key, blob, aad)


def test_every_altered_byte_is_detected() -> None:
    key = crypto.generate_key()
    aad = aad_for("t", "c", "1")
    blob = seal(key, PLAINTEXT, aad)
    for position in range(len(blob)):
        altered = bytearray(blob)
        altered[position] ^= 0x01
        with pytest.raises(VaultDecryptError):
            open_(key, bytes(altered), aad)


def test_wrong_data_key_is_named_as_the_problem() -> None:
    aad = aad_for("t", "c", "1")
    blob = seal(crypto.generate_key(), PLAINTEXT, aad)
    with pytest.raises(VaultDecryptError, match="different data key"):
        open_(crypto.generate_key(), blob, aad)


def test_truncated_and_unknown_version_ciphertexts_are_refused() -> None:
    key = crypto.generate_key()
    aad = aad_for("t", "c", "1")
    blob = seal(key, PLAINTEXT, aad)
    with pytest.raises(VaultDecryptError, match="shorter than"):
        open_(key, blob[:20], aad)
    with pytest.raises(VaultDecryptError, match="version 2"):
        open_(key, b"\x02" + blob[1:], aad)
    with pytest.raises(VaultDecryptError):
        open_(key, blob[:-1], aad)


def test_associated_data_encoding_is_unambiguous() -> None:
    assert aad_for("ab", "c", "1") != aad_for("a", "bc", "1")
    assert aad_for("t", "c1", "2") != aad_for("t", "c", "12")
    with pytest.raises(ValueError, match="row_id"):
        aad_for("t", "c", "")


def test_keys_of_the_wrong_length_are_refused() -> None:
    with pytest.raises(VaultKeyError, match="32 bytes"):
        seal(b"short", PLAINTEXT, b"")
    with pytest.raises(VaultKeyError, match="32 bytes"):
        open_(bytes(16), b"\x01" * 40, b"")


def test_wrapped_data_key_opens_only_under_its_master_key_and_key_id() -> None:
    master, data_key = crypto.generate_key(), crypto.generate_key()
    wrapped = crypto.wrap_key(master, data_key, key_id="key-a")
    assert crypto.unwrap_key(master, wrapped, key_id="key-a") == data_key
    with pytest.raises(VaultKeyError, match="does not open under master key"):
        crypto.unwrap_key(master, wrapped, key_id="key-b")
    with pytest.raises(VaultKeyError, match="does not open under master key"):
        crypto.unwrap_key(crypto.generate_key(), wrapped, key_id="key-a")


def test_master_key_id_is_stable_and_distinguishes_keys() -> None:
    master = crypto.generate_key()
    assert crypto.master_key_id(master) == crypto.master_key_id(bytes(master))
    assert len(crypto.master_key_id(master)) == 16
    assert crypto.master_key_id(master) != crypto.master_key_id(crypto.generate_key())


def test_a_sealer_reused_across_fields_interoperates_with_the_one_shot_functions() -> None:
    key = crypto.generate_key()
    sealer = crypto.Sealer(key)
    aads = [aad_for("cases_person", column, "row-1") for column in ("full_name", "alias", "phone")]
    blobs = [sealer.seal(f"Test Person Alpha {i}".encode(), aad) for i, aad in enumerate(aads)]
    assert [open_(key, blob, aad) for blob, aad in zip(blobs, aads, strict=True)] == [
        f"Test Person Alpha {i}".encode() for i in range(3)
    ]
    assert sealer.open(seal(key, PLAINTEXT, aads[0]), aads[0]) == PLAINTEXT
    with pytest.raises(VaultDecryptError, match="different table/column/row"):
        sealer.open(blobs[0], aads[1])
    assert key.hex() not in repr(sealer)
