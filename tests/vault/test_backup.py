from __future__ import annotations

import io
import os
from pathlib import Path

import pytest

from haven.vault import crypto
from haven.vault.backup import HEADER_BYTES, decrypt_file, decrypt_stream, encrypt_file, encrypt_stream
from haven.vault.errors import VaultIntegrityError

KEY = crypto.generate_key()
AAD = b"backup:2031-05-06"
CHUNK = 64
SEALED = CHUNK + 16


def _encrypt(data: bytes, aad: bytes = AAD) -> bytes:
    out = io.BytesIO()
    assert encrypt_stream(KEY, io.BytesIO(data), out, aad, chunk_size=CHUNK) == len(data)
    return out.getvalue()


def _decrypt(blob: bytes, key: bytes = KEY, aad: bytes = AAD) -> bytes:
    out = io.BytesIO()
    decrypt_stream(key, io.BytesIO(blob), out, aad)
    return out.getvalue()


@pytest.mark.parametrize("size", [0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 3 * CHUNK, 5 * CHUNK + 17])
def test_streams_of_every_shape_roundtrip(size: int) -> None:
    data = os.urandom(size)
    assert _decrypt(_encrypt(data)) == data


def test_truncation_at_a_chunk_boundary_is_detected() -> None:
    blob = _encrypt(os.urandom(4 * CHUNK))
    with pytest.raises(VaultIntegrityError, match="truncated"):
        _decrypt(blob[: HEADER_BYTES + 2 * SEALED])


def test_truncation_inside_a_chunk_is_detected() -> None:
    blob = _encrypt(os.urandom(4 * CHUNK))
    with pytest.raises(VaultIntegrityError, match="chunk 2 failed authentication"):
        _decrypt(blob[: HEADER_BYTES + 2 * SEALED + 10])


def test_reordered_chunks_are_detected() -> None:
    blob = _encrypt(os.urandom(4 * CHUNK))
    first, second = (
        slice(HEADER_BYTES, HEADER_BYTES + SEALED),
        slice(HEADER_BYTES + SEALED, HEADER_BYTES + 2 * SEALED),
    )
    swapped = blob[:HEADER_BYTES] + blob[second] + blob[first] + blob[HEADER_BYTES + 2 * SEALED :]
    with pytest.raises(VaultIntegrityError, match="chunk 0 failed authentication"):
        _decrypt(swapped)


def test_bytes_appended_after_the_final_chunk_are_detected() -> None:
    whole_chunks = _encrypt(os.urandom(2 * CHUNK))
    with pytest.raises(VaultIntegrityError, match="after the final chunk"):
        _decrypt(whole_chunks + os.urandom(SEALED))
    # A short final chunk merges with the appended bytes when read back: still refused, less precisely.
    short_final = _encrypt(os.urandom(2 * CHUNK + 5))
    with pytest.raises(VaultIntegrityError, match="chunk 2"):
        _decrypt(short_final + os.urandom(SEALED))


def test_every_altered_byte_is_detected() -> None:
    blob = _encrypt(os.urandom(2 * CHUNK + 3))
    for position in range(len(blob)):
        altered = bytearray(blob)
        altered[position] ^= 0x80
        with pytest.raises(VaultIntegrityError):
            _decrypt(bytes(altered))


def test_wrong_key_and_wrong_associated_data_are_refused() -> None:
    blob = _encrypt(b"Test Person Alpha backup")
    with pytest.raises(VaultIntegrityError, match="different key"):
        _decrypt(blob, key=crypto.generate_key())
    with pytest.raises(VaultIntegrityError, match="another file"):
        _decrypt(blob, aad=b"backup:other")


def test_a_chunk_from_another_stream_under_the_same_key_is_refused() -> None:
    one, two = _encrypt(os.urandom(3 * CHUNK)), _encrypt(os.urandom(3 * CHUNK))
    spliced = (
        one[: HEADER_BYTES + SEALED]
        + two[HEADER_BYTES + SEALED : HEADER_BYTES + 2 * SEALED]
        + one[HEADER_BYTES + 2 * SEALED :]
    )
    with pytest.raises(VaultIntegrityError, match="chunk 1"):
        _decrypt(spliced)


def test_decrypt_file_leaves_nothing_behind_when_the_stream_is_damaged(tmp_path: Path) -> None:
    plain, sealed, restored = tmp_path / "plain.bin", tmp_path / "sealed.bin", tmp_path / "restored.bin"
    data = os.urandom(300_000)
    plain.write_bytes(data)
    assert encrypt_file(KEY, plain, sealed, AAD) == len(data)
    assert sealed.stat().st_mode & 0o777 == 0o600
    assert decrypt_file(KEY, sealed, restored, AAD) == len(data)
    assert restored.read_bytes() == data
    restored.unlink()
    sealed.write_bytes(sealed.read_bytes()[:-100])
    with pytest.raises(VaultIntegrityError):
        decrypt_file(KEY, sealed, restored, AAD)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["plain.bin", "sealed.bin"]


def test_a_file_that_is_not_a_stream_is_refused() -> None:
    with pytest.raises(VaultIntegrityError, match="not an encrypted Haven stream"):
        _decrypt(b"SQLite format 3\x00" + bytes(100))
