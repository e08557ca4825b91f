"""The shared parsers of client input: every input gives a value or a refusal that says what to change."""

from __future__ import annotations

import pytest

from haven.core.parsing import MAX_JSON_DEPTH, MAX_PAGE, InputRefused, load_json, page_number


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (None, 1), ("", 1), ("abc", 1), ("-3", 1), ("0", 1), ("1e3", 1), ("٣", 1), ("7", 7), (" 7 ", 7),
        (7, 7), (0, 1), (-9, 1), (True, 1), (str(MAX_PAGE), MAX_PAGE), (str(MAX_PAGE + 1), MAX_PAGE),
        ("9" * 400, MAX_PAGE), ("9" * 5000, MAX_PAGE), (10**400, MAX_PAGE),
    ],
)  # fmt: skip
def test_a_page_number_is_always_a_page_from_1_to_the_cap(raw, expected):
    assert page_number(raw) == expected


def test_json_nested_up_to_the_limit_is_taken():
    body = "[" * MAX_JSON_DEPTH + "]" * MAX_JSON_DEPTH
    assert load_json(body) is not None


@pytest.mark.parametrize("depth", [MAX_JSON_DEPTH + 1, 5_000, 200_000])
def test_json_nested_past_the_limit_is_refused_naming_it(depth):
    with pytest.raises(InputRefused, match=f"more than {MAX_JSON_DEPTH} levels deep"):
        load_json('{"a": ' * depth + "1" + "}" * depth)


@pytest.mark.parametrize(
    ("raw", "message"), [(b"\xff\xfe", "not UTF-8"), (b'{"a": ', "not valid JSON"), ("", "not valid JSON")]
)
def test_bytes_that_are_not_json_are_refused_saying_why(raw, message):
    with pytest.raises(InputRefused, match=message):
        load_json(raw)
