"""Vault benchmark: the cost of per-person envelope encryption against plain SQLite writes.

Measures, in one run:
* seal and open of one typical person record (10 fields of realistic sizes), in microseconds;
* bulk: N synthetic people (one data key each, 10 fields) sealed and written to SQLite, against the same rows
  written unencrypted with sqlite3 executemany; both in batches of 1 000 rows, same pragmas;
* opening: microseconds per record to fetch the row, unwrap its data key from the key store, open 10 fields;
* memory: peak RSS of the process and tracemalloc's peak during a separate encrypted bulk pass;
* floor: the bare cost of the AES-GCM calls the import cannot avoid (1 wrap + 10 seals per person), to show
  how much of the overhead is per-call Python cost rather than SQLite or the vault's own code.

The bulk figures above are a synthetic path (raw sqlite3, no Django, no validation, no case rows): a floor
for the encryption's share, not what an import costs. Haven's real import path (`haven import_people`,
encrypted against the same path with encryption switched off) is measured by bench/import_bench.py; its last
figures are copied into this file's result under "import_path" (run import_bench.py first, as run_all does).

Run: .venv/bin/python bench/vault_bench.py [--people 100000 | --quick]   (writes bench/results/vault.json)
"""

from __future__ import annotations

import argparse
import json
import platform
import random
import resource
import sqlite3
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import cryptography
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from haven.vault.crypto import Sealer, aad_for, aads_for, generate_key, open_, seal
from haven.vault.keystore import KeyStore

FIELDS = (
    "full_name",
    "alias",
    "date_of_birth",
    "nationality",
    "phone",
    "address",
    "languages",
    "situation_notes",
    "health_notes",
    "perpetrator_details",
)
BATCH = 1_000
WORDS = "test person alpha bravo charlie delta echo foxtrot golf hotel india juliet kilo lima".split()


def person(rng: random.Random, i: int) -> tuple[str, ...]:
    """One synthetic, obviously fake person; sizes modelled on a real case record."""

    def text(n_words: int) -> str:
        return " ".join(rng.choice(WORDS) for _ in range(n_words))

    return (
        f"Test Person {i:06d}",
        f"Alias {rng.choice(WORDS).title()}",
        f"19{rng.randrange(50, 99)}-0{rng.randrange(1, 9)}-1{rng.randrange(0, 9)}",
        rng.choice(["Testland", "Examplestan", "Fictonia"]),
        f"+00 555 {rng.randrange(10**6):06d}",
        f"{rng.randrange(1, 200)} Example Street, Test City {rng.randrange(10**4):04d}, Testland",
        "en, fr, " + rng.choice(["ar", "ti", "ro", "vi"]),
        text(90),  # ~500 characters
        text(35),  # ~200 characters
        text(55),  # ~300 characters
    )


def batches(n: int, seed: int) -> Iterator[list[tuple[str, tuple[str, ...]]]]:
    rng = random.Random(seed)
    for start in range(0, n, BATCH):
        yield [(f"p{i:07d}", person(rng, i)) for i in range(start, min(n, start + BATCH))]


def data_db(path: Path, blob: bool) -> sqlite3.Connection:
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    kind = "BLOB" if blob else "TEXT"
    extra = ", key_id TEXT NOT NULL" if blob else ""
    columns = ", ".join(f"{f} {kind}" for f in FIELDS)
    conn.execute(f"CREATE TABLE person (id TEXT PRIMARY KEY{extra}, {columns})")
    return conn


def bench_single(iterations: int) -> dict[str, float]:
    rng = random.Random(1)
    key = generate_key()
    record = [v.encode() for v in person(rng, 1)]
    aads = [aad_for("cases_person", f, "p0000001") for f in FIELDS]
    started = time.perf_counter()
    for _ in range(iterations):
        sealed = [seal(key, v, a) for v, a in zip(record, aads, strict=True)]
    sealed_us = (time.perf_counter() - started) / iterations * 1e6
    started = time.perf_counter()
    for _ in range(iterations):
        opened = [open_(key, b, a) for b, a in zip(sealed, aads, strict=True)]
    opened_us = (time.perf_counter() - started) / iterations * 1e6
    assert opened == record
    # The path the app should take: one Sealer per person, reused across the record's fields.
    started = time.perf_counter()
    for _ in range(iterations):
        sealer = Sealer(key)
        sealed = [sealer.seal(v, a) for v, a in zip(record, aads, strict=True)]
    sealer_seal_us = (time.perf_counter() - started) / iterations * 1e6
    started = time.perf_counter()
    for _ in range(iterations):
        sealer = Sealer(key)
        opened = [sealer.open(b, a) for b, a in zip(sealed, aads, strict=True)]
    sealer_open_us = (time.perf_counter() - started) / iterations * 1e6
    assert opened == record
    return {
        "record_plaintext_bytes": sum(map(len, record)),
        "record_ciphertext_bytes": sum(map(len, sealed)),
        "seal_record_us": round(sealer_seal_us, 2),
        "open_record_us": round(sealer_open_us, 2),
        "seal_record_us_one_shot_functions": round(sealed_us, 2),
        "open_record_us_one_shot_functions": round(opened_us, 2),
    }


def bench_plain(work: Path, n: int) -> float:
    conn = data_db(work / "plain.sqlite3", blob=False)
    placeholders = ", ".join("?" * (len(FIELDS) + 1))
    spent = 0.0
    for batch in batches(n, seed=7):
        started = time.perf_counter()
        conn.execute("BEGIN")
        conn.executemany(
            f"INSERT INTO person VALUES ({placeholders})",  # noqa: S608 - placeholders only
            [(pid, *fields) for pid, fields in batch],
        )
        conn.execute("COMMIT")
        spent += time.perf_counter() - started
    conn.close()
    return spent


def bench_encrypted(work: Path, n: int, name: str) -> dict[str, float]:
    store = KeyStore.open(work / name, environ={}, create=True)
    conn = data_db(work / f"{name}.sqlite3", blob=True)
    placeholders = ", ".join("?" * (len(FIELDS) + 2))
    keys_s = seal_s = write_s = 0.0
    for batch in batches(n, seed=7):
        t0 = time.perf_counter()
        keys = store.create_data_keys(len(batch))
        t1 = time.perf_counter()
        rows = []
        for (pid, fields), (key_id, key) in zip(batch, keys, strict=True):
            # The app's path for a whole record: one Sealer, nonces drawn in one CSPRNG call.
            aads = aads_for("cases_person", FIELDS, pid)
            sealed = Sealer(key).seal_many([(v.encode(), a) for v, a in zip(fields, aads, strict=True)])
            rows.append((pid, key_id, *sealed))
        t2 = time.perf_counter()
        conn.execute("BEGIN")
        conn.executemany(f"INSERT INTO person VALUES ({placeholders})", rows)  # noqa: S608 - placeholders only
        conn.execute("COMMIT")
        t3 = time.perf_counter()
        keys_s, seal_s, write_s = keys_s + t1 - t0, seal_s + t2 - t1, write_s + t3 - t2
    conn.close()
    store.close()
    return {"keys_s": keys_s, "seal_s": seal_s, "write_s": write_s, "total_s": keys_s + seal_s + write_s}


def bench_floor(n: int) -> float:
    """Seconds for n * 11 AES-GCM encryptions of realistic sizes with nothing else around them.

    Timing only: the fixed nonce would be fatal for real data and is used here to leave the CSPRNG out.
    """
    rng = random.Random(7)
    record = [v.encode() for v in person(rng, 1)]
    cipher = AESGCM(generate_key())
    nonce = bytes(12)
    key = generate_key()
    started = time.perf_counter()
    for _ in range(n):
        cipher.encrypt(nonce, key, b"aad")
        for value in record:
            cipher.encrypt(nonce, value, b"aad")
    return time.perf_counter() - started


def bench_open(work: Path, n: int, sample: int) -> float:
    store = KeyStore.open(work / "enc", environ={})
    conn = sqlite3.connect(work / "enc.sqlite3")
    ids = random.Random(3).sample(range(n), min(sample, n))
    started = time.perf_counter()
    for i in ids:
        pid = f"p{i:07d}"
        row = conn.execute("SELECT * FROM person WHERE id = ?", (pid,)).fetchone()
        sealer = Sealer(store.get_data_key(row[1]))
        values = [
            sealer.open(blob, aad_for("cases_person", f, pid))
            for f, blob in zip(FIELDS, row[2:], strict=True)
        ]
        assert values[0] == f"Test Person {i:06d}".encode()
    spent = time.perf_counter() - started
    conn.close()
    store.close()
    return spent / len(ids) * 1e6


def import_path_figures(path: Path) -> dict[str, object] | None:
    """The last figures of bench/import_bench.py (Haven's real import path), or None when it has not run."""
    try:
        figures = json.loads(path.read_text())
        return {
            "source": "bench/results/import.json (bench/import_bench.py), not measured by this script",
            "people": figures["people"],
            "baseline": figures["import"]["baseline"],
            "plaintext_s": figures["import"]["plaintext_s"],
            "encrypted_s": figures["import"]["encrypted_s"],
            "ratio_encrypted_to_plaintext": figures["import"]["ratio_encrypted_to_plaintext"],
            "ratio_encrypted_to_plaintext_cpu": figures["import"]["ratio_encrypted_to_plaintext_cpu"],
            "ratio_attributed_to_protect_phase": figures["import"]["ratio_attributed_to_protect_phase"],
            "open_ms_per_record_unwrap_and_open": figures["open"]["ms_per_record_unwrap_and_open"],
            "open_ms_per_record_fetch_unwrap_open": figures["open"]["ms_per_record_fetch_unwrap_open"],
            "encrypted_peak_rss_mb": figures["memory"]["encrypted_peak_rss_mb"],
        }
    except (OSError, KeyError, ValueError):
        return None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=100_000)
    parser.add_argument("--quick", action="store_true", help="5 000 people")
    parser.add_argument("--open-sample", type=int, default=10_000)
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "results" / "vault.json")
    args = parser.parse_args()
    n = 5_000 if args.quick else args.people

    single = bench_single(20_000)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        plain_s = bench_plain(work, n)
        enc = bench_encrypted(work, n, "enc")
        open_us = bench_open(work, n, args.open_sample)
        floor_s = bench_floor(n)
        sizes = {
            "plain_db_bytes": (work / "plain.sqlite3").stat().st_size,
            "encrypted_db_bytes": (work / "enc.sqlite3").stat().st_size,
            "keystore_bytes": sum(
                p.stat().st_size for p in (work / "enc" / "keys").glob("keystore.sqlite3*")
            ),
        }
        tracemalloc.start()
        bench_encrypted(work, n, "enc_mem")
        _current, traced_peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()

    result = {
        "python": platform.python_version(),
        "cryptography": cryptography.__version__,
        "machine": platform.machine(),
        "people": n,
        "fields_per_person": len(FIELDS),
        "batch_rows": BATCH,
        "single_record": single,
        "bulk": {
            "plaintext_sqlite_s": round(plain_s, 3),
            "encrypted_total_s": round(enc["total_s"], 3),
            "encrypted_breakdown_s": {
                "create_and_wrap_data_keys": round(enc["keys_s"], 3),
                "seal_fields": round(enc["seal_s"], 3),
                "sqlite_write": round(enc["write_s"], 3),
            },
            "ratio_encrypted_to_plaintext": round(enc["total_s"] / plain_s, 2),
            "aes_gcm_calls_alone_s": round(floor_s, 3),
            "ratio_floor_plaintext_plus_aes_calls": round((plain_s + floor_s) / plain_s, 2),
            "encrypted_us_per_person": round(enc["total_s"] / n * 1e6, 1),
            **sizes,
        },
        "open": {"sample": min(args.open_sample, n), "us_per_record_fetch_unwrap_open": round(open_us, 1)},
        "memory": {
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
            "tracemalloc_peak_encrypted_bulk_mb": round(traced_peak / 2**20, 2),
        },
    }
    result["import_path"] = import_path_figures(args.out.parent / "import.json")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
