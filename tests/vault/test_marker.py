"""Marker tests: a unique marker planted in a person's data, then a byte search of every place it could land.

The erasure acceptance test: a unique marker in a person's name, note and attachment, a backup, an erasure;
then no raw byte anywhere (database and its WAL, key store and its WAL, logs, attachments, backup archive)
holds the marker or the person's blind index. Restoring the backup does not bring the person back.

Runs Haven as an operator would: `haven init`, the cases services through `haven shell -c`, `haven backup`,
`haven erase`, `haven restore`, all in subprocesses with production settings and a fresh data dir.

HAVEN_EXPECTED_PEOPLE is set very high so the blind index is 57 bits (15 hex digits) long: the default width
(4 hex digits) occurs by chance in any file full of hex UUIDs and hashes, and a search for it would prove
nothing. The construction is the same at every width.

The upload test: a 9 MiB attachment full of a marker goes through the real web view, while the temporary
folder (TMPDIR, `tempfile.tempdir`, FILE_UPLOAD_TEMP_DIR all pointed at a fresh directory) is searched at
the moment the view hands the upload over, and the data directory afterwards: the marker is never on disk in
clear.
"""

from __future__ import annotations

import io
import secrets
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.conf import global_settings, settings
from django.test import Client

from haven.accounts.models import User
from haven.cases import services
from haven.cases.models import Attachment
from tests.vault.test_cli import create_case, haven, read_person, record_erasure_purpose

WIDE_INDEX = {"HAVEN_EXPECTED_PEOPLE": str(10**18)}


def _hits(paths: list[Path], needles: dict[str, bytes]) -> list[str]:
    found = []
    for path in paths:
        data = path.read_bytes()
        for label, needle in needles.items():
            if needle in data or needle.lower() in data.lower():
                found.append(f"{label} in {path}")
    return found


def _every_file(*roots: Path) -> list[Path]:
    files: list[Path] = []
    for root in roots:
        files += [root] if root.is_file() else [p for p in sorted(root.rglob("*")) if p.is_file()]
    return files


def _wrapped_key(data_dir: Path, key_id: str) -> bytes:
    conn = sqlite3.connect(data_dir / "keys" / "keystore.sqlite3")
    try:
        row = conn.execute("SELECT wrapped FROM wrapped_keys WHERE key_id = ?", (key_id,)).fetchone()
    finally:
        conn.close()
    assert row is not None
    return bytes(row[0])


@pytest.mark.slow
def test_erased_marker_is_nowhere_and_a_restore_does_not_resurrect_the_person(tmp_path: Path) -> None:
    data_dir = tmp_path / "var"
    assert haven(data_dir, "init", **WIDE_INDEX).returncode == 0
    marker = f"ZQXMARK{secrets.token_hex(8).upper()}"
    case = create_case(
        data_dir,
        name=f"Test Person {marker}",
        note=f"Synthetic note about {marker}",
        attachment=f"synthetic file {marker}".encode(),
        **WIDE_INDEX,
    )
    blind_index = case["bi"]
    assert len(blind_index) == 15, "the wide index makes a search for it meaningful"
    assert read_person(data_dir, case["code"], **WIDE_INDEX)["name"] == f"Test Person {marker}"
    wrapped = _wrapped_key(data_dir, case["key_id"])
    # Sanity check of the search itself: before erasure the blind index is in the database file.
    assert _hits(_every_file(data_dir), {"blind index": blind_index.encode()})

    archive = tmp_path / "before-erasure.hvb"
    backup = haven(data_dir, "backup", str(archive), **WIDE_INDEX)
    assert backup.returncode == 0, backup.stderr
    record_erasure_purpose(data_dir, case["code"], **WIDE_INDEX)
    erase = haven(
        data_dir,
        "erase",
        case["code"],
        "--reason",
        "legal_obligation",
        "--actor",
        "dpo@example.test",
        **WIDE_INDEX,
    )
    assert erase.returncode == 0, erase.stderr

    needles = {
        "marker": marker.encode(),
        "marker (UTF-16)": marker.encode("utf-16-le"),
        "blind index": blind_index.encode(),
        "wrapped data key": wrapped,
    }
    places = _every_file(data_dir, archive)
    assert any(p.name == "haven.sqlite3" for p in places) and any(
        p.name == "keystore.sqlite3" for p in places
    )
    assert any(p.suffix == ".log" for p in places), "the log file is searched too"
    assert _hits(places, needles) == []

    restore = haven(data_dir, "restore", str(archive), **WIDE_INDEX)
    assert restore.returncode == 0, restore.stderr
    person = read_person(data_dir, case["code"], **WIDE_INDEX)
    assert person["exists"] and person["state"] == "erased", (
        "opening the restored person raises VaultKeyMissing"
    )
    assert person["bi"] == "" and person["erased_at"]
    assert _hits(_every_file(data_dir, archive), needles) == []
    check = haven(data_dir, "check", **WIDE_INDEX)
    assert check.returncode == 0, check.stderr


SYNTHETIC_PERSON = {
    "name": "Test Person Upload",
    "date_of_birth": "1990-04-01",
    "age_method": "document",
    "age_established_adult": True,
    "information_language": "en",
}


def test_a_large_upload_never_reaches_the_disk_in_clear(
    alice: User, signed_in: Callable[[User], Client], temp_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    case = services.first_contact_create(actor=alice, values=SYNTHETIC_PERSON, confirm_new_person=True)
    case = services.case_open(actor=alice, case=case)
    marker = f"ZQXMARK{secrets.token_hex(8).upper()}"
    line = f"synthetic upload line {marker}\n".encode()
    content = (line * (9 * 2**20 // len(line) + 1))[: 9 * 2**20]
    assert global_settings.FILE_UPLOAD_MAX_MEMORY_SIZE < len(content) <= settings.ATTACHMENT_MAX_BYTES, (
        "an allowed attachment, larger than what Django's own handlers keep in memory"
    )
    needles = {"marker": marker.encode(), "marker (UTF-16)": marker.encode("utf-16-le")}

    # The upload is complete when the view hands it to the service: any copy of it on disk exists then.
    found_during: list[str] = []
    files_during: list[Path] = []
    real_attachment_add = services.attachment_add

    def attachment_add_watched(**kwargs: Any) -> Attachment:
        files_during.extend(_every_file(temp_dir))
        found_during.extend(_hits(files_during, needles))
        return real_attachment_add(**kwargs)

    monkeypatch.setattr(services, "attachment_add", attachment_add_watched)
    upload = io.BytesIO(content)
    upload.name = "statement.txt"
    response = signed_in(alice).post(f"/cases/{case.code}/attachments/", {"file": upload})

    assert response.status_code == 302, response.content[:500]
    attachment = Attachment.objects.get(case=case)
    assert attachment.size == len(content)
    assert services.attachment_read(case=case, attachment=attachment) == content, "the upload was stored"
    assert found_during == [], f"files in the temporary folder during the upload: {files_during}"
    assert _every_file(temp_dir) == []
    places = _every_file(Path(settings.DATA_DIR))
    assert services.attachment_path(attachment) in places, "the sealed file is among the files searched"
    assert _hits(places, needles) == []
