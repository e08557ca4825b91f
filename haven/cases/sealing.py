"""Sealing and opening case values through the vault, bound to table, column and row (the row's `uid`).

Opening never falls back to plaintext: a missing key (erased person) or a ciphertext that fails its check
(altered, or copied from another row) becomes an `Opened` with a problem code the page can explain.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.db import models

from haven.vault import crypto
from haven.vault import integration as vault
from haven.vault.errors import VaultDecryptError, VaultKeyMissing

log = logging.getLogger("haven.cases")


def _where(instance: models.Model, column: str) -> dict[str, str]:
    return {"table": instance._meta.db_table, "column": column, "row_id": str(instance.uid)}  # type: ignore[attr-defined]


def seal(key_id: str, instance: models.Model, column: str, value: str | None) -> bytes | None:
    """Ciphertext of `value` for `instance.column`, or None for an empty value (nothing recorded)."""
    if value is None or value == "":
        return None
    return vault.seal_text(key_id, value=value, **_where(instance, column))


def open_value(key_id: str, instance: models.Model, column: str) -> str | None:
    """Plaintext of `instance.column`; raises VaultKeyMissing (erased) or VaultDecryptError (misplaced)."""
    blob = getattr(instance, column)
    if blob is None:
        return None
    return vault.open_text(key_id, blob=bytes(blob), **_where(instance, column))


@dataclass(frozen=True)
class Opened:
    """A value as a page may show it: the text, or why it cannot be shown."""

    value: str | None
    problem: str = ""  # "", "erased" or "integrity"

    def __str__(self) -> str:
        return self.value or ""


def open_for_display(key_id: str, instance: models.Model, column: str) -> Opened:
    """Like `open_value`, but a failure becomes a problem code (logged without any data) instead of a 500."""
    try:
        return Opened(open_value(key_id, instance, column))
    except VaultKeyMissing:
        return Opened(None, "erased")
    except VaultDecryptError:
        log.error(
            "sealed value failed its integrity check",
            extra={"table": instance._meta.db_table, "column": column, "row": instance.pk},
        )
        return Opened(None, "integrity")


class PersonOpener:
    """Opens any number of one person's values for display with a single key unwrap.

    The key is unwrapped on the first value that needs it and dropped with the opener (one request); an
    erased person's key is missing, so every value becomes "erased" without touching the key store again.
    Failures follow `open_for_display`: a problem code, never plaintext from elsewhere, never a 500.
    """

    __slots__ = ("_missing", "_sealer", "key_id")

    def __init__(self, key_id: str) -> None:
        self.key_id = key_id
        self._sealer: crypto.Sealer | None = None
        self._missing = False

    def _get_sealer(self) -> crypto.Sealer | None:
        if self._sealer is None and not self._missing:
            try:
                self._sealer = crypto.Sealer(vault.keystore().get_data_key(self.key_id))
            except VaultKeyMissing:
                self._missing = True
        return self._sealer

    def open(self, instance: models.Model, column: str) -> Opened:
        """`instance.column` as a page may show it (see `Opened`)."""
        blob = getattr(instance, column)
        if blob is None:
            return Opened(None)
        sealer = self._get_sealer()
        if sealer is None:
            return Opened(None, "erased")
        where = _where(instance, column)
        try:
            plain = sealer.open(bytes(blob), crypto.aad_for(where["table"], where["column"], where["row_id"]))
        except VaultDecryptError:
            log.error(
                "sealed value failed its integrity check",
                extra={"table": instance._meta.db_table, "column": column, "row": instance.pk},
            )
            return Opened(None, "integrity")
        return Opened(plain.decode("utf-8"))

    def open_many(self, instance: models.Model, columns: tuple[str, ...] | list[str]) -> dict[str, Opened]:
        """Several columns of one row, by name."""
        return {column: self.open(instance, column) for column in columns}
