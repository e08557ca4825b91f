"""The API answers a status other than 200 with django-ninja's `Status(code, body)` (ninja 1.6+), never with
the deprecated `(code, body)` tuple; pyproject's pytest settings also turn ninja's deprecation warning into
an error, so an endpoint returning a tuple fails its own tests."""

from __future__ import annotations

import ast
from pathlib import Path

HAVEN = Path(__file__).resolve().parents[2] / "haven"


def tuple_returns(source: str) -> list[int]:
    """Lines of `return <int>, <body>` in `source`."""
    return [
        node.lineno
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Return)
        and isinstance(node.value, ast.Tuple)
        and len(node.value.elts) == 2
        and isinstance(node.value.elts[0], ast.Constant)
        and isinstance(node.value.elts[0].value, int)
    ]


def api_modules() -> list[Path]:
    return sorted({*HAVEN.rglob("api.py"), *(HAVEN / "api").rglob("*.py")})


def test_no_endpoint_returns_a_status_tuple() -> None:
    assert len(api_modules()) >= 4
    found = {
        str(path.relative_to(HAVEN)): lines
        for path in api_modules()
        if (lines := tuple_returns(path.read_text(encoding="utf-8")))
    }
    assert not found, f"return Status(code, body) instead: {found}"


def test_the_scan_sees_a_tuple_return() -> None:
    assert tuple_returns("def f():\n    return 201, {'id': 1}\n") == [2]
    assert tuple_returns("def f():\n    return Status(201, {'id': 1})\n") == []
