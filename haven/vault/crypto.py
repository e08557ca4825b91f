"""Authenticated encryption primitives of the vault (AES-256-GCM), with no knowledge of the domain.

Ciphertext format, version 1 (33 bytes of overhead)::

    +---------+-------------+-----------------+----------------------------+
    | 0x01    | key check   | nonce           | AES-256-GCM ciphertext+tag |
    | 1 byte  | 4 bytes     | 12 bytes        | len(plaintext) + 16 bytes  |
    +---------+-------------+-----------------+----------------------------+

* The nonce is 96 random bits drawn fresh for every encryption. Keys are per person, so even a
  busy person's key seals far fewer than the 2**32 messages after which random nonces become a concern.
* The key check is the first 4 bytes of HMAC-SHA256(key, "haven.vault.key-check.v1"). It reveals nothing
  useful about a 256-bit random key and lets `open_` say "sealed under another key" instead of a vague
  failure. Version byte and key check are authenticated as part of the GCM associated data.
* The caller's associated data binds a ciphertext to where it lives (`aad_for(table, column, row_id)`): a
  ciphertext copied into another row or column fails to open.

Data keys are wrapped by the master key with the same format; the associated data of a wrap names the data
key id and the master key id, so a wrapped key cannot be moved to another key id either.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import os
from collections.abc import Sequence

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from haven.vault.errors import VaultDecryptError, VaultKeyError

KEY_BYTES = 32
NONCE_BYTES = 12
TAG_BYTES = 16
KEY_CHECK_BYTES = 4
FORMAT_V1 = 1
HEADER_BYTES = 1 + KEY_CHECK_BYTES + NONCE_BYTES
OVERHEAD_BYTES = HEADER_BYTES + TAG_BYTES

_KEY_CHECK_LABEL = b"haven.vault.key-check.v1"
_AAD_LABEL = b"haven.aad.v1"
_WRAP_LABEL = b"haven.wrap.v1"


def generate_key() -> bytes:
    """A fresh random 256-bit key from the operating system's CSPRNG."""
    return os.urandom(KEY_BYTES)


def length_prefixed(*parts: bytes) -> bytes:
    """Concatenate parts so that no two different part lists give the same bytes.

    Each part is preceded by its length as 4 big-endian bytes; ("ab", "c") and ("a", "bc") differ.
    """
    out = bytearray()
    for part in parts:
        out += len(part).to_bytes(4, "big")
        out += part
    return bytes(out)


@functools.lru_cache(maxsize=4096)
def _aad_prefix(table: str, column: str) -> bytes:
    return length_prefixed(_AAD_LABEL, table.encode(), column.encode())


def aad_for(table: str, column: str, row_id: str) -> bytes:
    """Associated data binding a ciphertext to one table, column and row.

    Encoded unambiguously (length-prefixed UTF-8), so a ciphertext moved to any other place fails to open.
    """
    for name, value in (("table", table), ("column", column), ("row_id", row_id)):
        if not value:
            raise ValueError(f"aad_for needs a non-empty {name}")
    return _aad_prefix(table, column) + length_prefixed(row_id.encode())


def key_check(key: bytes) -> bytes:
    """Short public fingerprint of a key, stored in each ciphertext header (see module docstring)."""
    return hmac.digest(key, _KEY_CHECK_LABEL, "sha256")[:KEY_CHECK_BYTES]


def _require_key(key: bytes, what: str) -> None:
    if not isinstance(key, bytes | bytearray) or len(key) != KEY_BYTES:
        length = len(key) if isinstance(key, bytes | bytearray) else type(key).__name__
        raise VaultKeyError(f"{what} must be {KEY_BYTES} bytes, got {length}")


class Sealer:
    """Seals and opens values under one data key, reusing its cipher and key check across fields.

    `seal`/`open_` below build one per call; hold a `Sealer` when handling all fields of a record.
    """

    __slots__ = ("_check", "_cipher")

    def __init__(self, data_key: bytes) -> None:
        _require_key(data_key, "data key")
        self._cipher = AESGCM(bytes(data_key))
        self._check = key_check(data_key)

    def __repr__(self) -> str:
        return "Sealer(<key hidden>)"

    def seal(self, plaintext: bytes, aad: bytes) -> bytes:
        """Encrypt and authenticate `plaintext`, bound to `aad`; two seals of one value differ."""
        if not isinstance(plaintext, bytes | bytearray):
            raise TypeError(f"seal needs bytes, got {type(plaintext).__name__}")
        nonce = os.urandom(NONCE_BYTES)
        header = bytes([FORMAT_V1]) + self._check + nonce
        return header + self._cipher.encrypt(nonce, bytes(plaintext), header + aad)

    def seal_many(self, items: Sequence[tuple[bytes, bytes]]) -> list[bytes]:
        """`seal` for several (plaintext, aad) pairs, e.g. the fields of one record.

        Same output format; the nonces come from one call to the CSPRNG instead of one call each.
        """
        randomness = os.urandom(NONCE_BYTES * len(items))
        prefix = bytes([FORMAT_V1]) + self._check
        encrypt = self._cipher.encrypt
        out = []
        for i, (plaintext, aad) in enumerate(items):
            if not isinstance(plaintext, bytes | bytearray):
                raise TypeError(f"seal needs bytes, got {type(plaintext).__name__}")
            nonce = randomness[i * NONCE_BYTES : (i + 1) * NONCE_BYTES]
            header = prefix + nonce
            out.append(header + encrypt(nonce, plaintext, header + aad))
        return out

    def open(self, blob: bytes, aad: bytes) -> bytes:
        """Decrypt a version-1 blob, or raise `VaultDecryptError` saying why; never returns garbage."""
        if len(blob) < OVERHEAD_BYTES:
            raise VaultDecryptError(
                f"ciphertext is {len(blob)} bytes, shorter than the {OVERHEAD_BYTES}-byte minimum: "
                "truncated or not a vault ciphertext"
            )
        if blob[0] != FORMAT_V1:
            raise VaultDecryptError(
                f"unknown ciphertext format version {blob[0]} (this code reads version {FORMAT_V1})"
            )
        header = bytes(blob[:HEADER_BYTES])
        if not hmac.compare_digest(header[1 : 1 + KEY_CHECK_BYTES], self._check):
            raise VaultDecryptError("ciphertext was sealed under a different data key than the one supplied")
        try:
            return self._cipher.decrypt(
                header[1 + KEY_CHECK_BYTES :], bytes(blob[HEADER_BYTES:]), header + aad
            )
        except InvalidTag:
            raise VaultDecryptError(
                "ciphertext failed authentication: it was altered, or it belongs to a different "
                "table/column/row than the associated data given (copied between rows?)"
            ) from None


def seal(data_key: bytes, plaintext: bytes, aad: bytes) -> bytes:
    """Encrypt and authenticate `plaintext` under `data_key`, bound to `aad` (see the module docstring)."""
    return Sealer(data_key).seal(plaintext, aad)


def open_(data_key: bytes, blob: bytes, aad: bytes) -> bytes:
    """Decrypt a blob made by `seal`, or raise `VaultDecryptError` saying why; never returns garbage."""
    return Sealer(data_key).open(blob, aad)


def master_key_id(master_key: bytes) -> str:
    """Public identifier of a master key: hex of the first 8 bytes of its SHA-256.

    Stored next to every wrapped key so the key store knows which master key wraps each row.
    """
    _require_key(master_key, "master key")
    return hashlib.sha256(master_key).digest()[:8].hex()


def _wrap_aad(key_id: str, master_id: str) -> bytes:
    return length_prefixed(_WRAP_LABEL, key_id.encode(), master_id.encode())


def wrap_key(master_key: bytes, data_key: bytes, *, key_id: str) -> bytes:
    """Encrypt a data key under the master key, bound to its key id and the master key id."""
    _require_key(data_key, "data key")
    return seal(master_key, data_key, _wrap_aad(key_id, master_key_id(master_key)))


def wrap_keys(master_key: bytes, keys: Sequence[tuple[str, bytes]]) -> list[bytes]:
    """`wrap_key` for many (key id, data key) pairs at once (bulk imports): one cipher, one CSPRNG call."""
    master_id = master_key_id(master_key)
    for _key_id, data_key in keys:
        _require_key(data_key, "data key")
    return Sealer(master_key).seal_many([(key, _wrap_aad(key_id, master_id)) for key_id, key in keys])


def aads_for(table: str, columns: Sequence[str], row_id: str) -> list[bytes]:
    """`aad_for` of several columns of one row (a whole record), the row part encoded once."""
    if not table or not row_id or not all(columns):
        raise ValueError("aads_for needs a non-empty table, row_id and column names")
    row_part = length_prefixed(row_id.encode())
    return [_aad_prefix(table, column) + row_part for column in columns]


def unwrap_key(master_key: bytes, wrapped: bytes, *, key_id: str) -> bytes:
    """Recover a data key wrapped by `wrap_key`; `VaultKeyError` if it does not authenticate."""
    try:
        key = open_(master_key, wrapped, _wrap_aad(key_id, master_key_id(master_key)))
    except VaultDecryptError as exc:
        raise VaultKeyError(
            f"wrapped data key {key_id} does not open under master key {master_key_id(master_key)}: "
            f"{exc}. The key store may be corrupted or the master key is not the one that wrapped it."
        ) from None
    if len(key) != KEY_BYTES:
        raise VaultKeyError(f"wrapped data key {key_id} holds {len(key)} bytes, expected {KEY_BYTES}")
    return key
