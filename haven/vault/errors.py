"""Errors raised by the vault.

Every message says what is wrong and, where an operator can act, how to fix it. No message ever contains
key material or plaintext: only paths, key ids and lengths.
"""

from __future__ import annotations


class VaultError(Exception):
    """Base class for every vault failure."""


class VaultKeyError(VaultError):
    """A key is missing, wrong, corrupted or stored unsafely (configuration or key-store problem)."""


class VaultKeyMissing(VaultError):
    """A data key does not exist: never created, or destroyed by an erasure (crypto-shredding).

    Not a subclass of `VaultKeyError`: an erased person is a normal state of the system, a wrong master
    key is a misconfiguration, and callers must be able to tell them apart.
    """


class VaultDecryptError(VaultError):
    """A ciphertext failed to open: wrong key, altered bytes, or bound to another table/column/row."""


class VaultIntegrityError(VaultDecryptError):
    """An encrypted stream (backup or attachment) was altered, reordered or truncated."""


class VaultLocked(VaultKeyError):
    """The key store was emergency-locked (`haven keys destroy`): its keys are gone on purpose, for good."""
