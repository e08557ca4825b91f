"""Blind index: keyed, truncated HMAC of a normalised value, for equality search over encrypted fields
(duplicate detection) that deliberately does not reveal equality exactly.

Construction::

    blind_index = first B bits of HMAC-SHA256(K_bi, lp("haven.blind.v1", purpose, kind, B, normalise(value)))

`lp` is the unambiguous length-prefixed encoding of `crypto.length_prefixed`. `K_bi` is a 32-byte key of its
own, stored in the key store wrapped by the master key (`KeyStore.blind_index_key()`), never a data key. The
purpose label (e.g. "person.name_dob") keeps indexes of different fields unlinkable; B is part of the MAC
input so indexes of the same value at different widths are unrelated too.

Choosing B from the expected number of records N
-----------------------------------------------
With M = 2**B possible values and N records, the number of *other* records sharing a given record's value
is Binomial(N-1, 1/M), which is close to Poisson(lambda) with lambda = N / M. We want coincidences to be the
norm: an index match says "maybe the same person, check", never "certainly the same". So::

    B = bits_for(N) = max(1, floor(log2 N) - 2)   =>   lambda = N / 2**B  lies in [4, 8)

* Lower bound: lambda >= 4 > 2, so on average at least 4 other records share each value.
* Upper bound: lambda < 8 <= sqrt(N) whenever N >= 64, so a search returns at most a handful of candidates
  to decrypt and compare, not a sizeable fraction of the data. For N < 64 the sharing exceeds sqrt(N):
  more privacy, less selective search.
* A record alone with its value: probability e**-lambda <= e**-4 ~ 1.8 % (0.2 % at N = 100 000, where
  lambda ~ 6.1). Such a value still only says "no other record has this value today".
* Largest group: with M buckets of Poisson(lambda) occupancy, P(max >= k) <= M * P(Poisson(lambda) >= k).
  At N = 100 000 (B = 14, lambda ~ 6.1) that is below 1e-6 for k = 30, far below sqrt(N) ~ 316.

If the number of records grows well beyond N, lambda grows with it (more candidates per search, more
privacy); re-index with a larger N by decrypting the fields, since the index cannot be widened in place.

Normalisation (`normalise`), by kind
------------------------------------
* "text": Unicode NFKC, casefold, accents stripped (NFKD, combining marks removed), whitespace collapsed,
  trimmed. "Test Person Ålpha " and "test person alpha" give the same index.
* "name": as "text", punctuation (hyphens, apostrophes, dots, commas) becomes a space and the tokens are
  sorted, so "Alpha Test-Person" equals "Person Test Alpha": name order differs between conventions and
  documents. Permuted names of different people then coincide; for a blind index that is acceptable.
* "date": a `date`/`datetime` or an ISO 8601 date string, written as YYYY-MM-DD.
* "id": document numbers: as "text" with every space, hyphen, dot and slash removed.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import re
import unicodedata
from collections.abc import Sequence
from datetime import date, datetime

from haven.vault.crypto import KEY_BYTES, length_prefixed

KINDS = ("text", "name", "date", "id")
MIN_BITS = 1
MAX_BITS = 64
_LABEL = b"haven.blind.v1"
_NAME_PUNCTUATION = re.compile(r"[-\u2010-\u2015'\u2018\u2019\u02bc.,]")
_ID_SEPARATORS = re.compile(r"[\s\-./]")


def _text(value: str) -> str:
    folded = unicodedata.normalize("NFKC", value).casefold()
    stripped = "".join(c for c in unicodedata.normalize("NFKD", folded) if not unicodedata.combining(c))
    return " ".join(unicodedata.normalize("NFC", stripped).split())


def normalise(value: str | date, kind: str = "text") -> str:
    """The canonical form of `value` that is fed to the MAC (see the module docstring)."""
    if kind == "date":
        if isinstance(value, datetime):
            return value.date().isoformat()
        if isinstance(value, date):
            return value.isoformat()
        try:
            return date.fromisoformat(value.strip()).isoformat()
        except ValueError:
            raise ValueError("a date for a blind index must be ISO 8601 (YYYY-MM-DD)") from None
    if not isinstance(value, str):
        raise TypeError(f"kind {kind!r} needs a string, got {type(value).__name__}")
    if kind == "text":
        return _text(value)
    if kind == "name":
        return " ".join(sorted(_text(_NAME_PUNCTUATION.sub(" ", value)).split()))
    if kind == "id":
        return _ID_SEPARATORS.sub("", _text(value))
    raise ValueError(f"unknown normalisation kind {kind!r}; expected one of {', '.join(KINDS)}")


def bits_for(expected_records: int) -> int:
    """Index width B for about `expected_records` records: floor(log2 N) - 2, at least 1 (see docstring)."""
    if expected_records < 2:
        raise ValueError("expected_records must be at least 2")
    return min(MAX_BITS, max(MIN_BITS, math.floor(math.log2(expected_records)) - 2))


def _mac(key: bytes, purpose: str, kind: str, bits: int, canonical: bytes) -> str:
    if len(key) != KEY_BYTES:
        raise ValueError(f"blind index key must be {KEY_BYTES} bytes")
    if not purpose:
        raise ValueError("a blind index needs a purpose label")
    if not MIN_BITS <= bits <= MAX_BITS:
        raise ValueError(f"bits must be between {MIN_BITS} and {MAX_BITS}")
    message = length_prefixed(_LABEL, purpose.encode(), kind.encode(), str(bits).encode(), canonical)
    digest = hmac.new(key, message, hashlib.sha256).digest()
    truncated = int.from_bytes(digest[:8], "big") >> (64 - bits)
    return format(truncated, f"0{(bits + 3) // 4}x")


def blind_index(key: bytes, purpose: str, value: str | date, bits: int, *, kind: str = "text") -> str:
    """Truncated keyed HMAC of the normalised value, as lowercase hex of ceil(bits/4) digits.

    Raises ValueError for a value that normalises to nothing: store no index rather than one shared by
    every blank field.
    """
    canonical = normalise(value, kind)
    if not canonical:
        raise ValueError("value is empty after normalisation; store no blind index for it")
    return _mac(key, purpose, kind, bits, canonical.encode())


def blind_index_fields(key: bytes, purpose: str, fields: Sequence[tuple[str, str | date]], bits: int) -> str:
    """One index over several fields, each given as (kind, value), e.g. name and date of birth."""
    if not fields:
        raise ValueError("blind_index_fields needs at least one field")
    parts = []
    for kind, value in fields:
        canonical = normalise(value, kind)
        if not canonical:
            raise ValueError("a field is empty after normalisation; store no blind index for it")
        parts.append(kind.encode())
        parts.append(canonical.encode())
    return _mac(key, purpose, "fields", bits, length_prefixed(*parts))
