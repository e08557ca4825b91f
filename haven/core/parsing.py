"""Parsers for what a client sends that every channel shares: JSON bodies and page numbers.

Each one turns any input into either a value Haven can use or an `InputRefused` whose message says what
to change, so no input reaches a server error: not a body nested a hundred thousand levels deep (Python's
parser and every walk over its result would recurse until the interpreter gives up), not a page number
with four hundred digits (it overflows the database's integers).
"""

from __future__ import annotations

import json
from typing import Any

# Haven's JSON inputs are a few levels deep (the screening's answers, a case's person values); 32 leaves
# room for any honest client and keeps every recursive walk far from Python's recursion limit.
MAX_JSON_DEPTH = 32

# Far beyond any list Haven shows (a million pages of 50), far below the database's 64-bit integers once
# multiplied by a page size.
MAX_PAGE = 1_000_000


class InputRefused(ValueError):
    """A client's input Haven will not take, with a message that says what to change (never the input)."""


def json_depth_exceeds(value: Any, limit: int) -> bool:
    """Whether `value` (as `json.loads` returns it) nests arrays and objects more than `limit` deep.

    Walks with an explicit stack, so that checking a deep value does not itself recurse.
    """
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children: Any = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return False


def load_json(raw: bytes | str, *, max_depth: int = MAX_JSON_DEPTH) -> Any:
    """Parse a JSON document sent by a client; `InputRefused` for text that is not UTF-8, not JSON, or
    nested more than `max_depth` levels (arrays and objects)."""
    try:
        text = raw.decode("utf-8") if isinstance(raw, bytes) else raw
    except UnicodeDecodeError:
        raise InputRefused("The request body is not UTF-8 text.") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputRefused(f"The request body is not valid JSON: {exc.msg} at line {exc.lineno}.") from None
    except RecursionError:
        # The C parser gives up past the interpreter's recursion limit: far deeper than max_depth anyway.
        data = None
        too_deep = True
    else:
        too_deep = json_depth_exceeds(data, max_depth)
    if too_deep:
        raise InputRefused(f"The request body nests arrays and objects more than {max_depth} levels deep.")
    return data


def page_number(raw: object, *, max_page: int = MAX_PAGE) -> int:
    """A list's page number from a query string or a typed parameter: anything that is not a whole number
    gives page 1 (as Django's `Paginator.get_page` does), and a number past `max_page` gives `max_page`,
    which every list answers with its last page."""
    if isinstance(raw, bool):
        return 1
    if isinstance(raw, int):
        number = raw
    else:
        text = str(raw or "").strip()
        # At most as many digits as MAX_PAGE has, plus one: int() of a 4 300-digit string is refused by
        # Python itself, and of a shorter one costs time for nothing.
        if not text.isascii() or not text.isdigit():
            return 1
        if len(text) > len(str(max_page)) + 1:
            return max_page
        number = int(text)
    return min(max(1, number), max_page)
