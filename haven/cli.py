"""The `haven` command: Django's management commands under one name, with Haven's settings.

After `haven init` (which `make run` calls) the data directory holds `haven.env`: the environment and the
data directory it prepared. Run from the project folder, or through the project's `.venv/bin/haven`, the
command reads it when no Haven variable is set, so every command works after `make run` with nothing else
to set. A configuration problem is one line and exit code 2, never a traceback.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

PREPARED = "haven.env"
# What haven.env may set: where and how Haven was prepared, never a secret.
PREPARED_KEYS = ("HAVEN_ENV", "HAVEN_DATA_DIR")


def prepared_file(cwd: Path, prefix: Path) -> Path | None:
    """The haven.env of the project this command runs in: ./var, or the var/ beside the command's .venv."""
    for folder in (cwd / "var", prefix.parent / "var"):
        candidate = folder / PREPARED
        if candidate.is_file():
            return candidate
    return None


def read_prepared(path: Path) -> dict[str, str]:
    """The KEY=VALUE lines of haven.env that it may set (others are ignored)."""
    values: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        key, sep, value = line.partition("=")
        if sep and key.strip() in PREPARED_KEYS:
            values[key.strip()] = value.strip()
    return values


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "haven.settings")
    if not any(key in os.environ for key in PREPARED_KEYS):
        found = prepared_file(Path.cwd(), Path(sys.prefix))
        if found is not None:
            for key, value in read_prepared(found).items():
                os.environ.setdefault(key, value)
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line

    args = list(sys.argv[1:] if argv is None else argv)
    try:
        if args in ([], ["help"], ["--help"], ["-h"]):
            sys.stdout.write(haven_help())
            return
        execute_from_command_line(["haven", *without_url_checks(args)])
    except ImproperlyConfigured as exc:
        message = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        sys.stderr.write(
            f"haven: {message}. Prepare Haven with `make run` (or `haven init`), or set the variables the"
            " README lists.\n"
        )
        sys.exit(2)


# The commands that run Django's system checks: serving and `haven check` (which `make run` and a
# deployment run), where a broken URL route or setting must stop the start. Haven's other commands skip
# them: the checks import every URL route, the API and the PDF stack, which tripled the start of a
# read-only command such as `haven screen questions` (bench/cli_bench.py measures it).
CHECKED_COMMANDS = frozenset({"check", "serve", "init"})


def without_url_checks(args: list[str]) -> list[str]:
    """``args`` with --skip-checks added for one of Haven's own commands outside CHECKED_COMMANDS."""
    if not args or args[0].startswith("-") or args[0] in CHECKED_COMMANDS or "--skip-checks" in args:
        return args
    import django
    from django.core.management import get_commands, load_command_class

    django.setup()
    app = get_commands().get(args[0], "")
    if not app.startswith("haven.") or not load_command_class(app, args[0]).requires_system_checks:
        return args
    return [args[0], "--skip-checks", *args[1:]]


GROUPS = {
    "core": "Set up and run",
    "demo": "Demo (synthetic data)",
    "accounts": "Accounts and teams",
    "api": "API tokens",
    "cases": "Cases",
    "followup": "Follow-up",
    "screening": "Screening",
    "evidence": "Anonymised statistics",
    "referrals": "Referrals and the service directory",
    "terms": "Terminology",
    "organisation": "Organisation",
    "oversight": "Data protection",
}


def haven_help() -> str:
    """Haven's own commands first, grouped, one line each; then how to see Django's."""
    import django
    from django.core.management import get_commands, load_command_class

    django.setup()
    by_group: dict[str, list[tuple[str, str]]] = {}
    for name, app in sorted(get_commands().items()):
        if not app.startswith("haven."):
            continue
        text = " ".join(load_command_class(app, name).help.split())
        first = text.split(". ")[0].split(" (")[0].split(": ")[0].rstrip(".")
        if len(first) > 90:
            first = first[:89].rsplit(" ", 1)[0] + "…"
        by_group.setdefault(app.split(".")[1], []).append((name, first))
    lines = ["Usage: haven <command> [options]   (haven <command> --help for one command)", ""]
    for app, title in GROUPS.items():
        if app in by_group:
            lines.append(f"{title}:")
            lines += [f"  {name:<15} {text}" for name, text in by_group.pop(app)]
            lines.append("")
    for app, commands in sorted(by_group.items()):
        lines.append(f"{app}:")
        lines += [f"  {name:<15} {text}" for name, text in commands]
        lines.append("")
    lines.append("Django's own commands (migrate, shell, …): haven help --commands")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
