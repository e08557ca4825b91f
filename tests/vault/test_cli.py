"""The vault's commands run as an operator runs them: `haven ...` in a subprocess, production settings, a data
dir of its own prepared by `haven init`.

Helpers here are shared with the other CLI-level vault tests (backup, marker).
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import production_environ, run_haven

PASSWORD = "correct horse battery staple 42"


@pytest.fixture(scope="module")
def initialised(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One `haven init`-ed data dir per module; tests work on copies of it."""
    data_dir = tmp_path_factory.mktemp("vault-cli-template") / "var"
    result = run_haven(["init"], env_for(data_dir))
    assert result.returncode == 0, result.stderr
    return data_dir


@pytest.fixture
def data_dir(initialised: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "var"
    shutil.copytree(initialised, copy, symlinks=True)
    return copy


def env_for(data_dir: Path, **extra: str) -> dict[str, str]:
    """Production settings for `data_dir`, with a log file inside it (so tests can search the logs)."""
    env = production_environ(data_dir, HAVEN_SKIP_COLLECTSTATIC="1", **extra)
    (data_dir / "logs").mkdir(parents=True, exist_ok=True)
    env.setdefault("HAVEN_LOG_FILE", str(data_dir / "logs" / "haven.log"))
    return env


def haven(data_dir: Path, *args: str, **extra: str) -> subprocess.CompletedProcess[str]:
    """Run `haven ARGS` against `data_dir`."""
    return run_haven(list(args), env_for(data_dir, **extra))


def file_hashes(root: Path) -> dict[str, str]:
    """SHA-256 of every file under `root` (database, its WAL, key store, key files, attachments)."""
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def shell(data_dir: Path, code: str, **extra: str) -> dict[str, object]:
    """Run Python inside Haven (`haven shell -c`) and return the JSON it prints last."""
    result = haven(data_dir, "shell", "-c", code, **extra)
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


SETUP_PEOPLE = f"""
from haven.accounts import services as acc
from haven.accounts.models import Team
from haven.accounts.permissions import Role
org = acc.organisation_create(actor=None, name="Test Society", team_names=["North"])
team = Team.objects.get(organisation=org, name="North")
acc.user_create(actor=None, email="cm@example.test", password="{PASSWORD}", role=Role.CASE_MANAGER, team=team)
acc.user_create(actor=None, email="dpo@example.test", password="{PASSWORD}", role=Role.DPO, team=team)
"""


def create_case(
    data_dir: Path, name: str, note: str, attachment: bytes = b"", **extra: str
) -> dict[str, str]:
    """Create a case through the cases services; returns its code, key id and name+birth-date blind index."""
    code = f"""
import json
from haven.accounts.models import User
from haven.cases import services as cs
if not User.objects.filter(email="cm@example.test").exists():
{_indent(SETUP_PEOPLE)}
cm = User.objects.get(email="cm@example.test")
case = cs.first_contact_create(actor=cm, values={{"name": {name!r}, "date_of_birth": "1990-04-01",
    "age_method": "document", "age_established_adult": True}}, note={note!r})
if {attachment!r}:
    cs.attachment_add(actor=cm, case=case, filename="evidence.txt", data={attachment!r})
p = case.person
print(json.dumps({{"code": case.code, "key_id": p.key_id, "bi": p.name_dob_bi, "uid": str(p.uid)}}))
"""
    return shell(data_dir, code, **extra)  # type: ignore[return-value]


def record_erasure_purpose(data_dir: Path, code: str, **extra: str) -> None:
    """The DPO records the erasure as their purpose for the case first (the "break-glass" every DPO access
    to a case needs; `haven erase` refuses without it), as on the case's purpose page."""
    shell(
        data_dir,
        f"""
import json
from haven.accounts.models import User
from haven.cases import services as cs
from haven.cases.access import case_for_purpose
dpo = User.objects.get(email="dpo@example.test")
cs.dpo_purpose_record(actor=dpo, case=case_for_purpose(dpo, {code!r}), purpose="erasure",
    reason="Test erasure request of 2 March")
print(json.dumps({{}}))
""",
        **extra,
    )


def _indent(text: str) -> str:
    return "\n".join(f"    {line}" if line.strip() else line for line in text.strip().splitlines())


def read_person(data_dir: Path, code: str, **extra: str) -> dict[str, object]:
    """Open the person of case `code` the way the cases app does; says "erased" when the key is gone."""
    script = f"""
import json
from haven.cases.models import Case, Note, Person
from haven.cases.sealing import open_value
from haven.vault.errors import VaultKeyMissing
case = Case.objects.filter(code={code!r}).select_related("person").first()
if case is None:
    print(json.dumps({{"exists": False}}))
else:
    p = case.person
    try:
        name = open_value(p.key_id, p, "name")
        notes = [open_value(p.key_id, n, "body") for n in Note.objects.filter(case=case)]
        state = "open"
    except VaultKeyMissing:
        name, notes, state = None, [], "erased"
    print(json.dumps({{"exists": True, "state": state, "name": name, "notes": notes,
                      "erased_at": p.erased_at is not None, "bi": p.name_dob_bi}}))
"""
    return shell(data_dir, script, **extra)


# -- haven check: a wrong, missing or damaged master key -----------------------------------------------------


def _random_key() -> str:
    return base64.b64encode(os.urandom(32)).decode()


def test_check_names_a_wrong_master_key_and_writes_nothing(data_dir: Path) -> None:
    before = file_hashes(data_dir)
    result = haven(data_dir, "check", HAVEN_MASTER_KEY=_random_key())
    assert result.returncode == 1
    assert "is not the master key of this key store" in result.stderr
    assert "Fix: supply the right key" in result.stderr
    assert file_hashes(data_dir) == before


def test_check_names_a_missing_master_key_and_how_to_restore_it(data_dir: Path) -> None:
    (data_dir / "keys" / "master.key").unlink()
    before = file_hashes(data_dir)
    result = haven(data_dir, "check")
    assert result.returncode == 1
    assert "no master key" in result.stderr
    assert "restore" in result.stderr and "master.key" in result.stderr
    assert file_hashes(data_dir) == before
    assert not (data_dir / "keys" / "master.key").exists(), "check must never create a fresh key"


def test_check_names_a_corrupted_master_key_file(data_dir: Path) -> None:
    key_file = data_dir / "keys" / "master.key"
    key_file.write_text("this is not a key\n")
    before = file_hashes(data_dir)
    result = haven(data_dir, "check")
    assert result.returncode == 1
    assert "neither valid base64 nor 64 hex digits" in result.stderr
    assert "original key from your key backup" in result.stderr
    assert file_hashes(data_dir) == before


def test_check_names_a_damaged_key_store(data_dir: Path) -> None:
    store = data_dir / "keys" / "keystore.sqlite3"
    store.write_bytes(b"\x00garbage" * 512)
    for suffix in ("-wal", "-shm"):
        Path(f"{store}{suffix}").unlink(missing_ok=True)
    before = file_hashes(data_dir)
    result = haven(data_dir, "check")
    assert result.returncode == 1
    assert "is damaged or is not a Haven key store" in result.stderr
    assert "haven restore --keys" in result.stderr
    assert file_hashes(data_dir) == before


def test_check_passes_on_a_healthy_data_dir(data_dir: Path) -> None:
    result = haven(data_dir, "check")
    assert result.returncode == 0, result.stderr
    assert "keys are in order" in result.stdout


# -- haven keys ----------------------------------------------------------------------------------------------


def _status(data_dir: Path) -> dict[str, object]:
    result = haven(data_dir, "keys", "status", "--json")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_keys_status_reports_the_master_key_and_counts(data_dir: Path) -> None:
    status = _status(data_dir)
    master = status["master_key_id"]
    assert status["active_master_id"] == master
    assert status["keys_by_kind"] == {"audit": 1, "blind_index": 1}
    assert status["keys_by_master"] == {master: 2}
    assert status["erasures"] == 0


@pytest.mark.slow
def test_keys_rotate_moves_every_key_to_a_new_master_key(data_dir: Path) -> None:
    assert haven(data_dir, "backup", str(data_dir.parent / "one.hvb")).returncode == 0  # adds a backup key
    before = _status(data_dir)
    result = haven(data_dir, "keys", "rotate", "--batch-size", "1")
    assert result.returncode == 0, result.stderr
    assert "re-wrapped 3 of 3 keys" in result.stdout
    after = _status(data_dir)
    assert after["master_key_id"] != before["master_key_id"]
    assert after["keys_by_master"] == {after["master_key_id"]: 3}
    assert sorted(p.name for p in (data_dir / "keys").glob("master.key*")) == ["master.key"]
    assert haven(data_dir, "check").returncode == 0


@pytest.mark.slow
def test_keys_destroy_without_the_exact_phrase_destroys_nothing(data_dir: Path) -> None:
    before = file_hashes(data_dir)
    for confirm in ([], ["--confirm", "destroy all keys"], ["--confirm", "yes"]):
        result = haven(data_dir, "keys", "destroy", *confirm)
        assert result.returncode == 2
        assert 'haven keys destroy --confirm "DESTROY ALL KEYS"' in result.stderr
    assert file_hashes(data_dir) == before


@pytest.mark.slow
def test_keys_destroy_locks_for_good_and_check_says_so(data_dir: Path) -> None:
    result = haven(data_dir, "keys", "destroy", "--confirm", "DESTROY ALL KEYS")
    assert result.returncode == 0, result.stderr
    assert "EMERGENCY LOCK DONE" in result.stdout
    assert not (data_dir / "keys" / "master.key").exists()
    check = haven(data_dir, "check")
    assert check.returncode == 1
    assert "keys destroyed" in check.stderr and "emergency lock" in check.stderr
    status = haven(data_dir, "keys", "status")
    assert status.returncode == 1 and "emergency lock" in status.stderr
    # A fresh key is never made in place of the destroyed one.
    init = haven(data_dir, "init")
    assert init.returncode != 0
    assert not (data_dir / "keys" / "master.key").exists()


@pytest.mark.slow
def test_keys_destroy_works_even_when_the_master_key_is_already_wrong(data_dir: Path) -> None:
    result = haven(
        data_dir, "keys", "destroy", "--confirm", "DESTROY ALL KEYS", HAVEN_MASTER_KEY=_random_key()
    )
    assert result.returncode == 0, result.stderr
    assert not (data_dir / "keys" / "keystore.sqlite3").exists()
    check = haven(data_dir, "check")
    assert check.returncode == 1 and "keys destroyed" in check.stderr


# -- haven erase: usage errors -------------------------------------------------------------------------------


def test_erase_needs_a_reason_and_an_actor(data_dir: Path) -> None:
    result = haven(data_dir, "erase", "HV-2000-00001")
    assert result.returncode == 2
    assert "--reason" in result.stderr


@pytest.mark.slow
def test_erase_of_an_unknown_case_or_account_is_an_input_error(data_dir: Path) -> None:
    shell(data_dir, SETUP_PEOPLE + "\nprint('{}')")
    unknown_case = haven(
        data_dir, "erase", "HV-2000-99999", "--reason", "legal_obligation", "--actor", "dpo@example.test"
    )
    assert unknown_case.returncode == 2
    assert "no case HV-2000-99999" in unknown_case.stderr
    unknown_actor = haven(
        data_dir, "erase", "HV-2000-99999", "--reason", "legal_obligation", "--actor", "nobody@example.test"
    )
    assert unknown_actor.returncode == 2
    assert "no active account" in unknown_actor.stderr


@pytest.mark.slow
def test_erase_by_a_role_that_may_not_erase_is_refused(data_dir: Path) -> None:
    case = create_case(data_dir, "Test Person Bravo", "a note")
    result = haven(
        data_dir, "erase", case["code"], "--reason", "legal_obligation", "--actor", "cm@example.test"
    )
    assert result.returncode == 2
    assert read_person(data_dir, case["code"])["state"] == "open"


@pytest.mark.slow
def test_erase_makes_the_person_unreadable_and_records_the_erasure(data_dir: Path) -> None:
    case = create_case(data_dir, "Test Person Charlie", "a note about Charlie")
    assert read_person(data_dir, case["code"])["name"] == "Test Person Charlie"
    record_erasure_purpose(data_dir, case["code"])
    result = haven(
        data_dir, "erase", case["code"], "--reason", "legal_obligation", "--actor", "dpo@example.test"
    )
    assert result.returncode == 0, result.stderr
    person = read_person(data_dir, case["code"])
    assert person["state"] == "erased" and person["erased_at"] and person["bi"] == ""
    assert _status(data_dir)["erasures"] == 1
    again = haven(
        data_dir, "erase", case["code"], "--reason", "legal_obligation", "--actor", "dpo@example.test"
    )
    assert again.returncode == 2
