"""Run every benchmark in this folder and print where the figures were written (`make bench`).

Each benchmark is a plain script that measures Haven against a baseline in the same run and writes JSON to
bench/results/. Pass --quick for a smaller run.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
# import_bench before vault_bench: vault.json copies the import figures from import.json.
BENCHES = [
    "import_bench.py",
    "vault_bench.py",
    "anonymise_bench.py",
    "dp_bench.py",
    "cases_bench.py",
    "cli_bench.py",
    "load_bench.py",
    "import_load_bench.py",
    "audit_bench.py",
]


def main() -> int:
    extra = sys.argv[1:]
    failed = []
    for name in BENCHES:
        script = HERE / name
        if not script.exists():
            print(f"-- {name}: not present, skipped")
            continue
        print(f"== {name}", flush=True)
        result = subprocess.run([sys.executable, str(script), *extra], cwd=HERE.parent, check=False)
        if result.returncode != 0:
            failed.append(name)
    print(f"results in {HERE / 'results'}")
    if failed:
        print(f"failed: {', '.join(failed)}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
