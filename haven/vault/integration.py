"""The vault as Haven's Django apps see it: keys from settings, one place to seal and open.

(Filled in as the vault lands; `ensure_keys` is called by `haven init`.)
"""

from __future__ import annotations

from pathlib import Path


def ensure_keys(data_dir: Path) -> None:
    (data_dir / "keys").mkdir(parents=True, exist_ok=True)


def key_problems(data_dir: Path) -> list[str]:
    """What is wrong with the keys, in words an operator can act on (empty when all is well)."""
    return []
