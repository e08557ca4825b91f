"""Streaming, chunked authenticated encryption of files (backups, attachments) with AES-256-GCM.

Format, version 1::

    header (20 bytes): b"HVNS" | 0x01 | chunk size (4 bytes, big-endian) | key check (4) | nonce prefix (7)
    chunks:            AES-256-GCM(chunk of `chunk size` plaintext bytes) + 16-byte tag, the last one shorter

The nonce of chunk i is nonce prefix (7 random bytes) | i (4 bytes) | final flag (1 byte), and every chunk
is authenticated with the header and the caller's associated data (the STREAM construction of Hoang,
Reyhanitabar, Rogaway and Vizár). Hence:

* a changed byte, a chunk from another file or another position (reordering), or a changed header fails;
* truncation fails even at a chunk boundary, because the last chunk present was not sealed as final;
* bytes appended after the final chunk fail.

`decrypt_stream` writes plaintext as it goes, so on `VaultIntegrityError` the destination holds a prefix of
unverified data that must be discarded; `decrypt_file` does that for you (temporary file, rename on success).
"""

from __future__ import annotations

import hmac
import os
from pathlib import Path
from typing import BinaryIO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from haven.vault.crypto import KEY_BYTES, TAG_BYTES, key_check
from haven.vault.errors import VaultIntegrityError, VaultKeyError

MAGIC = b"HVNS"
VERSION = 1
PREFIX_BYTES = 7
HEADER_BYTES = len(MAGIC) + 1 + 4 + 4 + PREFIX_BYTES
DEFAULT_CHUNK = 64 * 1024
MAX_CHUNK = 16 * 1024 * 1024
MAX_CHUNKS = 2**32


def _read_exact(src: BinaryIO, size: int) -> bytes:
    parts: list[bytes] = []
    wanted = size
    while wanted:
        part = src.read(wanted)
        if not part:
            break
        parts.append(part)
        wanted -= len(part)
    return b"".join(parts)


def _nonce(prefix: bytes, index: int, final: bool) -> bytes:
    if index >= MAX_CHUNKS:
        raise VaultIntegrityError("stream has more chunks than the format allows")
    return prefix + index.to_bytes(4, "big") + (b"\x01" if final else b"\x00")


def encrypt_stream(
    key: bytes, src: BinaryIO, dst: BinaryIO, aad: bytes, *, chunk_size: int = DEFAULT_CHUNK
) -> int:
    """Encrypt everything readable from `src` into `dst`; returns the number of plaintext bytes."""
    if len(key) != KEY_BYTES:
        raise VaultKeyError(f"stream key must be {KEY_BYTES} bytes, got {len(key)}")
    if not 1 <= chunk_size <= MAX_CHUNK:
        raise ValueError(f"chunk_size must be between 1 and {MAX_CHUNK}")
    prefix = os.urandom(PREFIX_BYTES)
    header = MAGIC + bytes([VERSION]) + chunk_size.to_bytes(4, "big") + key_check(key) + prefix
    dst.write(header)
    cipher = AESGCM(key)
    total, index = 0, 0
    current = _read_exact(src, chunk_size)
    while True:
        following = _read_exact(src, chunk_size) if len(current) == chunk_size else b""
        final = not following
        dst.write(cipher.encrypt(_nonce(prefix, index, final), current, header + aad))
        total += len(current)
        if final:
            return total
        current, index = following, index + 1


def decrypt_stream(key: bytes, src: BinaryIO, dst: BinaryIO, aad: bytes) -> int:
    """Decrypt a stream made by `encrypt_stream`; raises `VaultIntegrityError` saying what is wrong."""
    if len(key) != KEY_BYTES:
        raise VaultKeyError(f"stream key must be {KEY_BYTES} bytes, got {len(key)}")
    header = _read_exact(src, HEADER_BYTES)
    if len(header) < HEADER_BYTES or header[:4] != MAGIC:
        raise VaultIntegrityError("not an encrypted Haven stream (bad or missing header)")
    if header[4] != VERSION:
        raise VaultIntegrityError(f"unknown stream format version {header[4]} (this code reads {VERSION})")
    chunk_size = int.from_bytes(header[5:9], "big")
    if not 1 <= chunk_size <= MAX_CHUNK:
        raise VaultIntegrityError("stream header is damaged (impossible chunk size)")
    if not hmac.compare_digest(header[9:13], key_check(key)):
        raise VaultIntegrityError("stream was encrypted under a different key than the one supplied")
    prefix = header[13:]
    cipher = AESGCM(key)
    sealed_size = chunk_size + TAG_BYTES
    total, index = 0, 0
    current = _read_exact(src, sealed_size)
    while True:
        following = _read_exact(src, sealed_size) if len(current) == sealed_size else b""
        final = not following
        try:
            plain = cipher.decrypt(_nonce(prefix, index, final), current, header + aad)
        except InvalidTag:
            raise VaultIntegrityError(
                _diagnose(cipher, prefix, index, final, current, header + aad)
            ) from None
        dst.write(plain)
        total += len(plain)
        if final:
            return total
        current, index = following, index + 1


def _diagnose(cipher: AESGCM, prefix: bytes, index: int, final: bool, chunk: bytes, aad: bytes) -> str:
    """Say why chunk `index` failed, by checking whether it opens with the opposite final flag."""
    try:
        cipher.decrypt(_nonce(prefix, index, not final), chunk, aad)
    except InvalidTag:
        return (
            f"chunk {index} failed authentication: the stream was altered, its chunks reordered, "
            "or it belongs to another file (associated data differs)"
        )
    if final:
        return f"stream is truncated: it ends after chunk {index}, which is not the final chunk"
    return f"unexpected data after the final chunk {index}: bytes were appended to the stream"


def _atomic_target(path: Path) -> Path:
    return path.with_name(f".{path.name}.{os.getpid()}.partial")


def encrypt_file(
    key: bytes, src_path: Path, dst_path: Path, aad: bytes, *, chunk_size: int = DEFAULT_CHUNK
) -> int:
    """Encrypt a file to `dst_path` (mode 0600), written under a temporary name and renamed when complete."""
    tmp = _atomic_target(dst_path)
    try:
        with (
            open(src_path, "rb") as src,
            open(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "wb") as dst,
        ):
            total = encrypt_stream(key, src, dst, aad, chunk_size=chunk_size)
            dst.flush()
            os.fsync(dst.fileno())
        os.replace(tmp, dst_path)
    finally:
        tmp.unlink(missing_ok=True)
    return total


def decrypt_file(key: bytes, src_path: Path, dst_path: Path, aad: bytes) -> int:
    """Decrypt to `dst_path` only if the whole stream verifies; otherwise nothing is left behind."""
    tmp = _atomic_target(dst_path)
    try:
        with (
            open(src_path, "rb") as src,
            open(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "wb") as dst,
        ):
            total = decrypt_stream(key, src, dst, aad)
            dst.flush()
            os.fsync(dst.fileno())
        os.replace(tmp, dst_path)
    finally:
        tmp.unlink(missing_ok=True)
    return total
