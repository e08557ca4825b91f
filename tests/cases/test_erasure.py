"""Erasure destroys the person's key: names and notes become unreadable (VaultKeyMissing), blind indexes
and files go, a tombstone remains. A ciphertext moved to another row fails to open with a clear error."""

from __future__ import annotations

import io
from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from haven.accounts.permissions import Role
from haven.cases import services
from haven.cases.models import Attachment, Case, ErasureTombstone, Note, Person
from haven.cases.sealing import open_value
from haven.vault.errors import VaultDecryptError, VaultKeyMissing
from tests.cases.helpers import recently_authenticated, with_purpose

MARKER = "Test Marker Zeta-4471"


@pytest.fixture
def dpo(users_by_role):
    return users_by_role[Role.DPO]


def test_erasure_makes_name_and_notes_unreadable_and_keeps_a_tombstone(alice, dpo, make_case):
    case = make_case(alice, name=MARKER, phone="+00 111 222", document_number="TEST-DOC-1")
    note = services.note_add(actor=alice, case=case, section="general", body=f"Note about {MARKER}")
    attachment = services.attachment_add(
        actor=alice, case=case, filename="scan.pdf", data=b"%PDF-1.4 " + MARKER.encode()
    )
    path = services.attachment_path(attachment)
    assert path.exists()
    person = Person.objects.get(pk=case.person_id)
    assert person.name_dob_bi and person.phone_bi and person.document_bi

    services.person_erase(actor=dpo, case=case, reason="retention_expired")

    person.refresh_from_db()
    with pytest.raises(VaultKeyMissing):
        open_value(person.key_id, person, "name")
    with pytest.raises(VaultKeyMissing):
        open_value(person.key_id, Note.objects.get(pk=note.pk), "body")
    assert (person.name_dob_bi, person.phone_bi, person.document_bi) == ("", "", "")
    assert not Person.objects.filter(name_dob_bi__gt="").filter(pk=person.pk).exists()
    assert not path.exists()
    assert Attachment.objects.get(pk=attachment.pk).file_deleted
    tombstone = ErasureTombstone.objects.get(case_code=case.code)
    assert (tombstone.erased_by_id, tombstone.reason_code) == (dpo.pk, "retention_expired")


def test_marker_is_not_in_the_database_file_in_plaintext(alice, dpo, make_case):
    make_case(alice, name=MARKER)
    with connection.cursor() as cursor:
        rows = []
        for table in ("cases_person", "cases_note", "cases_case"):
            cursor.execute(f"SELECT * FROM {table}")
            rows += cursor.fetchall()
    assert MARKER.encode() not in repr(rows).encode()


def test_erasure_requested_by_the_person_needs_the_pressure_check(alice, dpo, make_case):
    case = make_case(alice)
    with pytest.raises(ValidationError):
        services.person_erase(actor=dpo, case=case, reason="person_request")
    services.pressure_check_confirm(actor=alice, case=case, kind="erasure", signs_of_pressure=False)
    services.person_erase(actor=dpo, case=case, reason="person_request")
    assert ErasureTombstone.objects.filter(case_code=case.code).exists()


def test_erased_case_pages_show_the_tombstone_and_no_500(alice, dpo, make_case, signed_in):
    case = make_case(alice, name=MARKER)
    services.note_add(actor=alice, case=case, section="general", body=MARKER)
    services.person_erase(actor=dpo, case=case, reason="retention_expired")
    client = signed_in(alice)
    for page in ("", "identity/", "notes/", "tasks/", "attachments/", "consent/", "timeline/"):
        response = client.get(f"/cases/{case.code}/{page}")
        assert response.status_code == 200, page
        assert MARKER.encode() not in response.content
    assert b'data-state="erased"' in client.get(f"/cases/{case.code}/").content


def test_erasure_in_the_web_needs_recent_authentication(alice, dpo, make_case, signed_in):
    case = with_purpose(dpo, make_case(alice), "erasure")
    client = signed_in(dpo)
    response = client.post(
        f"/cases/{case.code}/erase/", {"reason": "retention_expired", "confirm_code": case.code}
    )
    assert response.status_code == 302 and "/accounts/reauth" in response["Location"]
    assert not ErasureTombstone.objects.exists()
    recently_authenticated(client)
    wrong = client.post(f"/cases/{case.code}/erase/", {"reason": "retention_expired", "confirm_code": "HV-1"})
    assert wrong.status_code == 400
    done = client.post(
        f"/cases/{case.code}/erase/", {"reason": "retention_expired", "confirm_code": case.code}
    )
    assert done.status_code == 302
    assert ErasureTombstone.objects.filter(case_code=case.code).exists()


def test_swapped_ciphertexts_between_two_people_fail_to_open_with_a_clear_error(alice, make_case, signed_in):
    first = make_case(alice, name="Test Person One")
    second = make_case(alice, name="Test Person Two")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id, name FROM cases_person WHERE id IN (%s, %s)", [first.person_id, second.person_id]
        )
        blobs = dict(cursor.fetchall())
        cursor.execute(
            "UPDATE cases_person SET name = %s WHERE id = %s", [blobs[second.person_id], first.person_id]
        )
        cursor.execute(
            "UPDATE cases_person SET name = %s WHERE id = %s", [blobs[first.person_id], second.person_id]
        )
    for case in (first, second):
        person = Person.objects.get(pk=case.person_id)
        with pytest.raises(VaultDecryptError) as caught:
            open_value(person.key_id, person, "name")
        assert "different data key" in str(caught.value) or "failed authentication" in str(caught.value)
        page = signed_in(alice).get(f"/cases/{case.code}/")
        assert page.status_code == 200
        assert b"fails its integrity check" in page.content


def test_ciphertext_copied_to_another_column_of_the_same_person_fails_to_open(alice, make_case):
    case = make_case(alice, name="Test Person One")
    with connection.cursor() as cursor:
        cursor.execute("UPDATE cases_person SET aliases = name WHERE id = %s", [case.person_id])
    person = Person.objects.get(pk=case.person_id)
    with pytest.raises(VaultDecryptError):
        open_value(person.key_id, person, "aliases")


def test_subject_access_export_holds_everything_readable(alice, dpo, make_case, signed_in):
    case = make_case(alice, name=MARKER)
    services.note_add(actor=alice, case=case, section="health", body="Test health note")
    services.task_add(actor=alice, case=case, due_on=case.created_at.date(), title="Test task")
    with_purpose(dpo, case, "access_request")
    client = recently_authenticated(signed_in(dpo))
    page = client.get(f"/cases/{case.code}/export/")
    assert page.status_code == 200
    assert MARKER.encode() in page.content and b"Test health note" in page.content
    document = client.get(f"/cases/{case.code}/export/?format=json").json()
    assert document["person"]["name"] == MARKER
    assert document["tasks"][0]["title"] == "Test task"
    assert document["person"]["treated_as_child"] is False


def test_export_needs_recent_authentication(alice, dpo, make_case, signed_in):
    case = make_case(alice)
    response = signed_in(dpo).get(f"/cases/{case.code}/export/")
    assert response.status_code == 302 and "/accounts/reauth" in response["Location"]


def test_attachment_round_trip_and_type_check(alice, make_case, signed_in):
    case = make_case(alice)
    client = signed_in(alice)
    upload = io.BytesIO(b"\x89PNG\r\n\x1a\n" + b"0" * 100)
    upload.name = "photo.png"
    assert client.post(f"/cases/{case.code}/attachments/", {"file": upload}).status_code == 302
    attachment = Attachment.objects.get(case=case)
    assert b"0" * 100 not in services.attachment_path(attachment).read_bytes()
    download = client.get(f"/cases/{case.code}/attachments/{attachment.pk}/")
    assert download.status_code == 200 and download.content.endswith(b"0" * 100)
    assert "photo" not in download["Content-Disposition"]
    bad = io.BytesIO(b"MZ\x90\x00\x03 not allowed")
    bad.name = "tool.pdf"
    refused = client.post(f"/cases/{case.code}/attachments/", {"file": bad})
    assert refused.status_code == 400
    assert b"Only PDF, PNG, JPEG and plain-text" in refused.content


def test_oversized_attachment_is_refused_with_a_4xx(alice, make_case, signed_in, settings):
    settings.ATTACHMENT_MAX_BYTES = 2048
    case = make_case(alice)
    upload = io.BytesIO(b"%PDF-" + b"x" * 4096)
    upload.name = "big.pdf"
    response = signed_in(alice).post(f"/cases/{case.code}/attachments/", {"file": upload})
    assert response.status_code == 400
    assert not Attachment.objects.filter(case=case).exists()


def test_erasure_reapplied_after_a_restore_removes_what_the_old_backup_brought_back(alice, make_case):
    # The state an older backup brings back: the person's rows and files are there, but the erasure
    # ledger (kept with the keys) says their key was destroyed after the backup was taken.
    case = make_case(alice, name=MARKER, phone="+00 111 333")
    attachment = services.attachment_add(actor=alice, case=case, filename="scan.pdf", data=b"%PDF-1.4 x")
    path = services.attachment_path(attachment)
    person = Person.objects.get(pk=case.person_id)
    from haven.vault import integration as vault

    vault.erase_key(person.key_id, actor_id=alice.pk, case_code=case.code, reason_code="retention_expired")

    changed = services.erasure_reapply(key_id=person.key_id, case_code=case.code)

    person.refresh_from_db()
    assert changed >= 3
    assert person.erased_at is not None
    assert (person.name_dob_bi, person.phone_bi, person.document_bi) == ("", "", "")
    assert (person.name_bi, person.name_year_bi) == ("", "")
    assert not path.exists()
    assert Attachment.objects.get(pk=attachment.pk).file_deleted
    case.refresh_from_db()
    assert case.stage == "closed"
    assert services.erasure_reapply(key_id=person.key_id, case_code=case.code) == 0


def test_a_name_made_only_of_punctuation_is_stored_without_a_blind_index(alice, make_case):
    case = make_case(alice, name="-", document_number="./-")
    person = Person.objects.get(pk=case.person_id)
    assert (person.name_dob_bi, person.document_bi) == ("", "")
    assert (person.name_bi, person.name_year_bi) == ("", "")
    assert open_value(person.key_id, person, "name") == "-"


def test_a_restore_reapplies_erasures_through_the_hook_the_cases_app_registered(alice, make_case):
    from haven.vault import integration as vault
    from haven.vault import reapply

    assert services.erasure_reapply in reapply.erasure_hooks()
    case = make_case(alice, name=MARKER)
    attachment = services.attachment_add(actor=alice, case=case, filename="scan.pdf", data=b"%PDF-1.4 x")
    path = services.attachment_path(attachment)
    person = Person.objects.get(pk=case.person_id)
    vault.erase_key(person.key_id, actor_id=alice.pk, case_code=case.code, reason_code="retention_expired")

    _, rows, notes = reapply.reapply_erasures(vault.keystore())

    person.refresh_from_db()
    assert rows >= 3 and notes == []
    assert person.erased_at is not None and person.name_dob_bi == ""
    # Only the cases app knows where attachment files live: the vault's generic pass leaves them.
    assert not path.exists()


def test_without_a_registered_hook_a_restore_refuses_to_finish_and_writes_nothing_of_the_domain(
    alice, make_case, monkeypatch
):
    from haven.vault import integration as vault
    from haven.vault import reapply
    from haven.vault.errors import VaultError

    monkeypatch.setattr(reapply, "_erasure_hooks", [])
    case = make_case(alice, name=MARKER, phone="+00 111 444")
    person = Person.objects.get(pk=case.person_id)
    vault.erase_key(person.key_id, actor_id=alice.pk, case_code=case.code, reason_code="retention_expired")

    with pytest.raises(VaultError, match="no app registered an erasure hook"):
        reapply.reapply_erasures(vault.keystore())

    # The vault is not a second erasure writer: the rows are as the old backup left them.
    person.refresh_from_db()
    assert person.erased_at is None and person.phone_bi != ""


def test_erasure_and_its_reapplication_leave_the_same_rows(alice, dpo, make_case):
    # One writer for both: an erased person and a person whose erasure a restore re-applied look alike.
    from haven.vault import integration as vault

    erased = make_case(alice, name=MARKER, phone="+00 111 555", document_number="TEST 1")
    restored = make_case(alice, name=MARKER + " Two", phone="+00 111 556", document_number="TEST 2")
    for case in (erased, restored):
        services.attachment_add(actor=alice, case=case, filename="scan.pdf", data=b"%PDF-1.4 x")
    services.person_erase(actor=dpo, case=erased, reason="retention_expired")
    person = Person.objects.get(pk=restored.person_id)
    vault.erase_key(
        person.key_id, actor_id=alice.pk, case_code=restored.code, reason_code="retention_expired"
    )
    services.erasure_reapply(key_id=person.key_id, case_code=restored.code)

    def state(case: Case) -> tuple[object, ...]:
        person = Person.objects.get(pk=case.person_id)
        case.refresh_from_db()
        files = [a.file_deleted for a in Attachment.objects.filter(case=case)]
        indexes = (person.name_dob_bi, person.phone_bi, person.document_bi)
        return person.erased_at is not None, indexes, case.stage, case.status, files

    assert state(erased) == state(restored) == (True, ("", "", ""), "closed", "Closed", [True])


def test_erasure_rows_are_written_by_one_function_only():
    # Nothing but the one writer marks a person erased or an attachment file deleted.
    import ast
    from pathlib import Path

    root = Path(__file__).resolve().parents[2] / "haven"
    writers = set()
    for path in root.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.FunctionDef):
                continue
            for inner in ast.walk(node):
                targets = inner.targets if isinstance(inner, ast.Assign) else []
                names = {t.attr for t in targets if isinstance(t, ast.Attribute)}
                updates = (
                    isinstance(inner, ast.Call)
                    and isinstance(inner.func, ast.Attribute)
                    and inner.func.attr == "update"
                )
                keywords = {k.arg for k in inner.keywords} if updates else set()  # type: ignore[union-attr]
                if {"erased_at", "file_deleted"} & (names | keywords):
                    writers.add(f"{path.relative_to(root.parent)}:{node.name}")
    assert writers == {"haven/cases/services.py:_erase_person_rows"}


def test_registering_the_same_erasure_hook_twice_runs_it_once(monkeypatch):
    from haven.vault import reapply

    monkeypatch.setattr(reapply, "_erasure_hooks", [])
    reapply.register_erasure_hook(services.erasure_reapply)
    reapply.register_erasure_hook(services.erasure_reapply)
    assert reapply.erasure_hooks() == (services.erasure_reapply,)


def test_the_tombstone_keeps_nothing_but_code_dates_and_reason(alice, dpo, make_case, signed_in):
    # Values chosen to be recognisable, each a marker of its own (synthetic).
    case = make_case(
        alice, stated_age=47, gender="Masculine", languages=["tk", "ka"], citizenship=["TM"],
        information_language="fr",
    )  # fmt: skip
    services.consent_record(
        actor=alice, case=case, purpose="referral", status="given", given_on=date.today(), language="en",
        explained_by=alice, interpreter=False, information_sheet_version="v1", recipient="ORGMARKER77",
    )  # fmt: skip
    services.person_erase(actor=dpo, case=case, reason="retention_expired")

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT gender, languages, citizenship, stated_age, estimated_age, information_language "
            "FROM cases_person WHERE id = %s",
            [case.person_id],
        )
        gender, languages, citizenship, stated_age, estimated_age, information_language = cursor.fetchone()
        cursor.execute("SELECT recipient FROM cases_consent WHERE case_id = %s", [case.pk])
        recipients = [row[0] for row in cursor.fetchall()]
    assert gender == "NonSpecifiedUnknown"
    assert (stated_age, estimated_age, information_language) == (None, None, "")
    assert "tk" not in languages and "TM" not in citizenship
    assert recipients == [""]
    client = signed_in(dpo)
    for page in ("", "timeline/", "consent/", "identity/"):
        content = client.get(f"/cases/{case.code}/{page}").content.decode()
        assert "ORGMARKER77" not in content, page
        assert "Masculine" not in content and ">47<" not in content, page
    tombstone = ErasureTombstone.objects.get(case_code=case.code)
    assert {f.name for f in ErasureTombstone._meta.get_fields()} == {
        "id", "case_code", "erased_at", "erased_by", "reason_code"
    }  # fmt: skip
    assert tombstone.reason_code == "retention_expired"
