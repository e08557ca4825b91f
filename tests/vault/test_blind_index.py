from __future__ import annotations

import math
import random
from collections import Counter
from datetime import date, timedelta

import pytest

from haven.vault import crypto
from haven.vault.blind_index import bits_for, blind_index, blind_index_fields, normalise

KEY = crypto.generate_key()


def test_equal_normalised_inputs_give_equal_values() -> None:
    bits = bits_for(100_000)
    assert blind_index(KEY, "person.name", "Test Person Ålpha ", bits) == blind_index(
        KEY, "person.name", "test person alpha", bits
    )
    assert blind_index(KEY, "person.name", "TEST\u00a0PERSON  ALPHA", bits) == blind_index(
        KEY, "person.name", "test person alpha", bits
    )


def test_names_match_whatever_the_token_order_and_hyphens() -> None:
    assert normalise("  Alpha Test-Person ", "name") == normalise("person test ALPHA", "name")
    assert normalise("Test O'Person", "name") == normalise("o person test", "name")


def test_dates_are_written_in_iso_form() -> None:
    assert normalise(date(1990, 1, 2), "date") == normalise(" 1990-01-02 ", "date") == "1990-01-02"
    with pytest.raises(ValueError, match="ISO 8601"):
        normalise("02/01/1990", "date")


def test_document_numbers_ignore_separators() -> None:
    assert normalise("ab-12 345/6", "id") == normalise("AB123456", "id")


def test_a_blank_value_gets_no_index() -> None:
    with pytest.raises(ValueError, match="empty"):
        blind_index(KEY, "person.name", "   ", 14)


def test_different_values_purposes_and_keys_give_unrelated_values() -> None:
    bits = 48
    base = blind_index(KEY, "person.name", "test person alpha", bits)
    assert blind_index(KEY, "person.name", "test person bravo", bits) != base
    assert blind_index(KEY, "person.alias", "test person alpha", bits) != base
    assert blind_index(crypto.generate_key(), "person.name", "test person alpha", bits) != base


def test_index_is_hex_of_the_requested_width() -> None:
    for bits in (1, 7, 14, 17, 64):
        value = blind_index(KEY, "p", "test person alpha", bits)
        assert len(value) == (bits + 3) // 4
        assert int(value, 16) < 2**bits


@pytest.mark.parametrize("n", [64, 100, 1_000, 4_095, 4_096, 100_000, 1_234_567, 10**8])
def test_expected_sharing_at_the_chosen_width_lies_between_2_and_sqrt_n(n: int) -> None:
    sharing = n / 2 ** bits_for(n)
    assert 2 <= sharing <= math.sqrt(n)


def _poisson_tail(lam: float, k: int) -> float:
    """P(X >= k) for X ~ Poisson(lam)."""
    return 1.0 - sum(math.exp(-lam) * lam**i / math.factorial(i) for i in range(k))


def test_bucket_sizes_among_100k_synthetic_people_stay_within_the_documented_bound() -> None:
    n = 100_000
    bits = bits_for(n)
    buckets = 2**bits
    lam = n / buckets
    rng = random.Random(20240501)
    start = date(1950, 1, 1)
    people = {(f"Test Person {i:06d}", start + timedelta(days=rng.randrange(25_000))) for i in range(n)}
    counts = Counter(
        blind_index_fields(KEY, "person.name_dob", [("name", name), ("date", born)], bits)
        for name, born in people
    )
    sizes = list(counts.values())
    mean = sum(sizes) / len(sizes)
    # Smallest k with buckets * P(Poisson(lam) >= k) < 1e-6: a one-in-a-million chance to exceed it.
    generous = next(k for k in range(1, 200) if buckets * _poisson_tail(lam, k) < 1e-6)
    assert 2 <= mean <= math.sqrt(n)
    assert max(sizes) < generous <= math.sqrt(n)
    alone = sum(1 for s in sizes if s == 1) / n
    assert alone < 3 * math.exp(-lam)
