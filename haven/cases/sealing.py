"""Sealing and opening case values through the vault, bound to table, column and row (the row's `uid`),
and the person's blind indexes (`person_indexes`, the one place that says which values are indexed, how).

Opening never falls back to plaintext: a missing key (erased person) or a ciphertext that fails its check
(altered, or copied from another row) becomes an `Opened` with a problem code the page can explain.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date

from django.db import models

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

    __slots__ = ("_key", "_missing", "key_id")

    def __init__(self, key_id: str) -> None:
        self.key_id = key_id
        self._key: vault.PersonKey | None = None
        self._missing = False

    def _get_key(self) -> vault.PersonKey | None:
        if self._key is None and not self._missing:
            try:
                self._key = vault.person_key(self.key_id)
            except VaultKeyMissing:
                self._missing = True
        return self._key

    def open(self, instance: models.Model, column: str) -> Opened:
        """`instance.column` as a page may show it (see `Opened`)."""
        blob = getattr(instance, column)
        if blob is None:
            return Opened(None)
        key = self._get_key()
        if key is None:
            return Opened(None, "erased")
        try:
            plain = key.open_bytes(blob=blob, **_where(instance, column))
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


# -- blind indexes -----------------------------------------------------------------------------------------

# The person's blind-indexed values: index column -> the values it is computed from. `person_indexes` is
# the one function that computes them (the services on every change, the importer for new people, the
# name search for what it looks up).
PERSON_INDEXES: dict[str, tuple[str, ...]] = {
    "name_dob_bi": ("name", "date_of_birth"),
    # Finding people (`selectors.find_cases`): the name alone, and the name with the year of birth.
    "name_bi": ("name",),
    "name_year_bi": ("name", "date_of_birth"),
    "document_bi": ("document_number",),
    "phone_bi": ("phone",),
}


def _or_empty(make: Callable[[], str]) -> str:
    # A value with nothing left after normalisation (e.g. only punctuation) gets no index rather than one
    # shared by every such value.
    try:
        return make()
    except ValueError:
        return ""


def name_dob_index(name: str | None, dob: str | date | None, *, blinder: vault.Blinder | None = None) -> str:
    """The name and date of birth index ("" when either is missing or normalises to nothing)."""
    if not (name and name.strip() and dob):
        return ""
    use = blinder or vault.blinder()
    return _or_empty(lambda: use.blind_fields("person.name_dob", [("name", name), ("date", dob)]))


def name_index(name: str | None, *, blinder: vault.Blinder | None = None) -> str:
    """The name index: case, accents, spacing, punctuation and the order of the names do not count
    ("María José GARCÍA" and "garcia maria jose" share it); "" when the name normalises to nothing."""
    if not (name and name.strip()):
        return ""
    use = blinder or vault.blinder()
    return _or_empty(lambda: use.blind("person.name", name, kind="name"))


def birth_year(dob: str | date | None) -> str:
    """The year of an ISO date of birth ("" when there is none or it is not a date)."""
    if not dob:
        return ""
    try:
        return vault.normalise_for_index(dob, "date")[:4]
    except ValueError:
        return ""


def name_year_index(name: str | None, year: str | int | None, *, blinder: vault.Blinder | None = None) -> str:
    """The name and year of birth index ("" when either is missing or normalises to nothing)."""
    if not (name and name.strip() and year):
        return ""
    use = blinder or vault.blinder()
    return _or_empty(lambda: use.blind_fields("person.name_year", [("name", name), ("text", str(year))]))


def index_blinder() -> vault.Blinder:
    """The blind-index function, read once, for a caller that computes many people's indexes (an import)."""
    return vault.blinder()


def person_indexes(
    values: Mapping[str, str | date | None], *, blinder: vault.Blinder | None = None
) -> dict[str, str]:
    """The blind indexes of a person's plaintext `values` (by field name): every index whose values are
    all among the keys of `values`, "" for an index whose value is empty."""
    use = blinder or vault.blinder()
    found: dict[str, str] = {}
    if "name" in values and "date_of_birth" in values:
        dob = values["date_of_birth"]
        name = values["name"]
        found["name_dob_bi"] = name_dob_index(str(name) if name else None, dob, blinder=use)
        found["name_year_bi"] = name_year_index(str(name) if name else None, birth_year(dob), blinder=use)
    if "name" in values:
        found["name_bi"] = name_index(str(values["name"] or ""), blinder=use)
    if "document_number" in values:
        number = str(values["document_number"] or "")
        found["document_bi"] = (
            _or_empty(lambda: use.blind("person.document", number, kind="id")) if number.strip() else ""
        )
    if "phone" in values:
        digits = re.sub(r"\D", "", str(values["phone"] or ""))
        found["phone_bi"] = use.blind("person.phone", digits, kind="id") if digits else ""
    return found
