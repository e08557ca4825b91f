"""First-run preparation of the data directory; also used by `haven check`."""

from __future__ import annotations

import os
import stat
from pathlib import Path

LOCALE_DIR = Path(__file__).resolve().parents[1] / "locale"


def ensure_data_dir(data_dir: Path) -> None:
    """Create the data directory and its subfolders, readable by the owner only."""
    for path in (
        data_dir,
        data_dir / "keys",
        data_dir / "attachments",
        data_dir / "logs",
        data_dir / "backups",
    ):
        path.mkdir(parents=True, exist_ok=True)
        os.chmod(path, 0o700)


def ensure_keys(data_dir: Path) -> None:
    """Create the vault's key files if none exist yet (never replaces an existing key)."""
    from haven.vault.integration import ensure_keys as vault_ensure_keys

    vault_ensure_keys(data_dir)


def data_dir_problems(data_dir: Path) -> list[str]:
    """What is wrong with the data directory's permissions, in words an operator can act on."""
    problems = []
    if not data_dir.exists():
        return [f"data directory {data_dir} does not exist: run 'haven init'"]
    mode = stat.S_IMODE(data_dir.stat().st_mode)
    if mode & 0o077:
        problems.append(
            f"data directory {data_dir} is readable by others (mode {mode:o}): chmod 700 {data_dir}"
        )
    return problems


def compile_translations() -> None:
    """Compile the gettext catalogues (.po → .mo) with Babel, so no system gettext is needed."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    for po_path in LOCALE_DIR.glob("*/LC_MESSAGES/*.po"):
        mo_path = po_path.with_suffix(".mo")
        if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        with po_path.open("rb") as handle:
            catalog = read_po(handle)
        with mo_path.open("wb") as handle:
            write_mo(handle, catalog)


def restrict_database_file() -> None:
    """Make the embedded SQLite database (and its WAL files) readable by the owner only."""
    from django.conf import settings
    from django.db import connections

    database = settings.DATABASES["default"]
    if connections["default"].vendor != "sqlite":
        return
    for suffix in ("", "-wal", "-shm", "-writers.lock"):
        path = Path(f"{database['NAME']}{suffix}")
        if path.exists():
            os.chmod(path, 0o600)


def record_prepared(data_dir: Path, haven_env: str) -> None:
    """Write DATA_DIR/haven.env (owner-only): the environment and data directory `haven init` prepared, so
    that `haven` run from the project later finds them with no variable set. It holds no secret."""
    path = data_dir / "haven.env"
    text = f"HAVEN_ENV={haven_env}\nHAVEN_DATA_DIR={data_dir.resolve()}\n"
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(text)
    os.chmod(path, 0o600)
