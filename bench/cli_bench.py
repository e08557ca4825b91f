"""The command line's start and the anonymising export, each against a baseline measured in the same run.

    .venv/bin/python bench/cli_bench.py            # 300 000 rows, 9 rounds
    .venv/bin/python bench/cli_bench.py --quick    # 30 000 rows, 3 rounds (smoke run)

1. Start: `haven screen questions --json` (a read-only command) against a bare `django.setup()` with the
   same settings, both as fresh processes in a data directory prepared by `haven init`. Issue target: at
   most 1.3x.
2. Export: `haven stats anonymise` (read, k-anonymise with hierarchies, neutralise, write) on synthetic
   case-shaped rows against pandas reading and writing the same file as text (`dtype=str`), both as fresh
   processes. Issue target: at most 2.5x. Also Adult (k = 10): the command's own work (read, anonymise,
   neutralise, write: the `seconds` it reports, without the process start) against the engine alone, timed
   in-process on the same file: target under 1.5x.
Runs are interleaved round by round, so that other load on the machine hits both sides alike; medians are
reported. Writes bench/results/cli.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
RESULTS = ROOT / "bench" / "results" / "cli.json"
HAVEN = Path(sys.executable).parent / "haven"
ADULT_DIR = ROOT.parent / "shared" / "data" / "adult"
ADULT_QI = "sex,age,race,marital-status,education,native-country,workclass,occupation"

PANDAS_ROUND_TRIP = (
    "import sys, pandas as pd\n"
    "df = pd.read_csv(sys.argv[1], sep=sys.argv[3], dtype=str, keep_default_na=False)\n"
    "df.to_csv(sys.argv[2], sep=sys.argv[3], index=False)\n"
)
BARE_SETUP = "import django; django.setup()"
ENGINE_ONLY = (
    "import json, sys, time\n"
    "from haven.evidence.anonymise import anonymise, load_hierarchies, read_csv\n"
    "data = read_csv(sys.argv[1], sep=sys.argv[2])\n"
    "qi = sys.argv[3].split(',')\n"
    "h = load_hierarchies(sys.argv[4], qi, prefix=sys.argv[5] or None)\n"
    "started = time.perf_counter()\n"
    "anonymise(data, qi=qi, hierarchies=h, k=int(sys.argv[6]), max_suppression=0.05)\n"
    "print(json.dumps({'engine': time.perf_counter() - started}))\n"
)


def timed(args: list[str], env: dict[str, str], cwd: Path) -> tuple[float, str]:
    started = time.perf_counter()
    done = subprocess.run(args, env=env, cwd=cwd, capture_output=True, text=True, check=False, timeout=900)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(args[:4])}… failed: {done.stderr[-1500:]}")
    return seconds, done.stdout


def prepare(work: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HAVEN_", "DJANGO_", "DATABASE_URL"))}
    env.update(
        HAVEN_ENV="local",
        HAVEN_DATA_DIR=str(work / "var"),
        HAVEN_SKIP_COLLECTSTATIC="1",
        DJANGO_SETTINGS_MODULE="haven.settings",
        PYTHONPATH=str(ROOT),
    )
    timed([str(HAVEN), "init"], env, work)
    return env


def case_files(work: Path, rows: int) -> tuple[Path, Path]:
    from haven.evidence.anonymise import write_csv
    from haven.evidence.anonymise.hierarchy import write_hierarchy
    from haven.evidence.anonymise.synthetic import HIERARCHY_ROWS, synthetic_cases

    data = work / "cases.csv"
    write_csv(data, synthetic_cases(rows, seed=7))
    folder = work / "hierarchies"
    folder.mkdir()
    for column, hierarchy_rows in HIERARCHY_ROWS.items():
        write_hierarchy(folder / f"cases_hierarchy_{column}.csv", hierarchy_rows)
    return data, folder


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    options = parser.parse_args()
    rounds = 3 if options.quick else 9
    rows = 30_000 if options.quick else 300_000
    from haven.evidence.anonymise.synthetic import CASE_QI

    with tempfile.TemporaryDirectory(prefix="haven-cli-bench-") as tmp:
        work = Path(tmp)
        env = prepare(work)
        data, folder = case_files(work, rows)
        start: dict[str, list[float]] = {"bare": [], "haven": []}
        export: dict[str, list[float]] = {"pandas": [], "haven": []}
        for _ in range(rounds):
            start["bare"].append(timed([sys.executable, "-c", BARE_SETUP], env, work)[0])
            start["haven"].append(timed([str(HAVEN), "screen", "questions", "--json"], env, work)[0])
        report: dict[str, object] = {}
        for _ in range(max(3, rounds // 3)):
            export["pandas"].append(
                timed(
                    [sys.executable, "-c", PANDAS_ROUND_TRIP, str(data), str(work / "pd.csv"), ";"], env, work
                )[0]
            )
            seconds, out = timed(
                [
                    str(HAVEN),
                    "stats",
                    "anonymise",
                    "--input",
                    str(data),
                    "--qi",
                    ",".join(CASE_QI),
                    "--hierarchies",
                    str(folder),
                    "--prefix",
                    "cases",
                    "--k",
                    "5",
                    "--out",
                    str(work / "release.csv"),
                    "--json",
                ],
                env,
                work,
            )
            export["haven"].append(seconds)
            report = json.loads(out)
        adult: dict[str, list[float]] = {"engine": [], "haven": []}
        if (ADULT_DIR / "adult.csv").exists():
            for _ in range(3):
                _s, out = timed(
                    [
                        sys.executable,
                        "-c",
                        ENGINE_ONLY,
                        str(ADULT_DIR / "adult.csv"),
                        ";",
                        ADULT_QI,
                        str(ADULT_DIR),
                        "adult",
                        "10",
                    ],
                    env,
                    work,
                )
                adult["engine"].append(json.loads(out)["engine"])
                _s, out = timed(
                    [
                        str(HAVEN),
                        "stats",
                        "anonymise",
                        "--input",
                        str(ADULT_DIR / "adult.csv"),
                        "--qi",
                        ADULT_QI,
                        "--hierarchies",
                        str(ADULT_DIR),
                        "--prefix",
                        "adult",
                        "--k",
                        "10",
                        "--out",
                        str(work / "adult-release.csv"),
                        "--json",
                    ],
                    env,
                    work,
                )
                # The command's own figure: read, anonymise, neutralise and write, without the process start.
                adult["haven"].append(json.loads(out)["seconds"])

    def med(values: list[float]) -> float:
        return round(statistics.median(values), 3)

    figures = {
        "machine": platform.platform(),
        "rounds": rounds,
        "start_bare_setup_s": med(start["bare"]),
        "start_screen_questions_s": med(start["haven"]),
        "start_ratio": round(med(start["haven"]) / med(start["bare"]), 2),
        "start_target": 1.3,
        "export_rows": rows,
        "export_pandas_round_trip_s": med(export["pandas"]),
        "export_haven_command_s": med(export["haven"]),
        "export_ratio": round(med(export["haven"]) / med(export["pandas"]), 2),
        "export_target": 2.5,
        "export_release": report,
    }
    if adult["engine"]:
        figures |= {
            "adult_engine_s": med(adult["engine"]),
            "adult_command_s": med(adult["haven"]),
            "adult_ratio": round(med(adult["haven"]) / med(adult["engine"]), 2),
            "adult_target": 1.5,
        }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    for key, value in figures.items():
        print(f"{key:>28}: {value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
