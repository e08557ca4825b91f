"""Access requests (GDPR Art. 15): registered with a one-month deadline, answered in the person's
information language as HTML, PDF (the text is read back here), JSON checked against the schema in docs/,
and an archive with the files themselves."""

from __future__ import annotations

import io
import json
import re
import time
import zipfile
import zlib
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ValidationError

from haven.accounts.middleware import REAUTH_AT
from haven.accounts.models import User
from haven.accounts.permissions import Role
from haven.audit.models import AuditEvent
from haven.cases import services as cases
from haven.cases.models import Case
from haven.oversight import answer as answer_module
from haven.oversight import services
from haven.oversight.models import DataRequest
from haven.screening import services as screening
from tests.conftest import REPO_ROOT

SCHEMA = REPO_ROOT / "docs" / "access-request.schema.json"


@pytest.fixture
def dpo(make_user: Callable[..., User]) -> User:
    return make_user(Role.DPO, "North", "dpo@example.test")


@pytest.fixture
def french_case(alice: User, make_case: Callable[..., Case]) -> Case:
    """A French-speaking person's case with a note, a task, a file and a linked screening (all synthetic)."""
    case = make_case(alice, information_language="fr")
    cases.note_add(actor=alice, case=case, section="general", body="Note synthétique numéro un.")
    cases.task_add(
        actor=alice, case=case, title="Rendez-vous synthétique", due_on=date.today() + timedelta(days=3)
    )
    cases.attachment_add(
        actor=alice, case=case, filename="attestation.txt", data=b"Contenu synthetique du fichier.\n"
    )
    run = screening.screening_start(
        actor=alice, kind="quick", age=30, age_in_doubt=False, information_language="fr"
    )
    screening.screening_link_to_case(actor=alice, screening=run, case_code=case.code, consent_confirmed=True)
    return Case.objects.get(pk=case.pk)


def pdf_text(data: bytes) -> str:
    """Text drawn with the standard fonts: the (…) Tj strings of every Flate-compressed content stream."""
    chunks = []
    for stream in re.findall(rb"stream\r?\n(.*?)\r?\nendstream", data, re.S):
        try:
            content = zlib.decompress(stream)
        except zlib.error:
            continue
        chunks += [m.decode("latin-1") for m in re.findall(rb"\((.*?)(?<!\\)\)\s*Tj", content, re.S)]
    return " ".join(chunks).replace("\\(", "(").replace("\\)", ")").replace("\\\\", "\\")


def test_a_request_is_due_one_month_after_it_came_in(dpo: User, french_case: Case) -> None:
    # Expected dates written by hand (Art. 12(3): one month; a month without the day ends on its last day).
    for received, due in ((date(2026, 1, 15), date(2026, 2, 15)), (date(2026, 1, 31), date(2026, 2, 28))):
        item = services.data_request_register(
            actor=dpo, case=french_case, kind="access", received_on=received
        )
        assert item.due_on == due
    with pytest.raises(ValidationError):
        services.data_request_register(
            actor=dpo, case=french_case, kind="access", received_on=date.today() + timedelta(days=1)
        )


def test_the_register_reminds_in_the_last_week(dpo: User, french_case: Case) -> None:
    soon = services.data_request_register(
        actor=dpo, case=french_case, kind="access", received_on=date.today() - timedelta(days=26)
    )
    later = services.data_request_register(
        actor=dpo, case=french_case, kind="restriction", received_on=date.today()
    )
    rows = {row.request.pk: row for row in services.data_requests(actor=dpo)}
    assert rows[soon.pk].reminder and not rows[later.pk].reminder


def test_the_french_answer_is_in_french_with_files_screenings_and_the_deadline(
    dpo: User, french_case: Case
) -> None:
    item = services.data_request_register(
        actor=dpo, case=french_case, kind="access", received_on=date(2026, 1, 31)
    )
    bundle = services.data_request_answer(actor=dpo, request=item, case=french_case)
    text = pdf_text(bundle.pdf)
    assert "Vos données détenues par Haven" in text
    assert "Demande reçue le 31 janvier 2026" in text
    assert "Réponse due au plus tard le 28 février 2026" in text
    assert "Repérages" in text and "Fichiers" in text and "attestation.txt" in text
    assert "Note synthétique numéro un." in text
    assert "Vos droits" in text
    # The file itself goes with it.
    assert bundle.files == [("files/01-attestation.txt", b"Contenu synthetique du fichier.\n")]
    assert bundle.json["language"] == "fr"
    assert DataRequest.objects.get(pk=item.pk).answered_at is not None
    assert AuditEvent.objects.filter(
        action="person.exported", actor_id=dpo.pk, object_id=french_case.code
    ).exists()


def test_every_section_of_today_is_registered_for_other_apps_to_extend() -> None:
    keys = answer_module.section_keys()
    for key in ("identity", "case", "consents", "notes", "tasks", "screenings", "files"):
        assert key in keys


def _check(value: Any, schema: dict[str, Any], defs: dict[str, Any], where: str = "$") -> None:
    """A small, independent check of the schema keywords the schema file uses."""
    if "$ref" in schema:
        schema = defs[schema["$ref"].split("/")[-1]]
    kind = schema.get("type")
    types = {"object": dict, "array": list, "string": str, "integer": int, "boolean": bool}
    if kind:
        assert isinstance(value, types[kind]), f"{where}: expected {kind}"
    if "const" in schema:
        assert value == schema["const"], where
    if "enum" in schema:
        assert value in schema["enum"], where
    if "pattern" in schema:
        assert re.fullmatch(schema["pattern"], value), f"{where}: {value!r} does not match"
    if kind == "object":
        for name in schema.get("required", []):
            assert name in value, f"{where}: {name} missing"
        if schema.get("additionalProperties") is False:
            assert set(value) <= set(schema.get("properties", {})), (
                f"{where}: unexpected {set(value) - set(schema['properties'])}"
            )
        for name, sub in schema.get("properties", {}).items():
            if name in value:
                _check(value[name], sub, defs, f"{where}.{name}")
    if kind == "array":
        for index, item in enumerate(value):
            _check(item, schema["items"], defs, f"{where}[{index}]")


def test_the_json_answer_validates_against_the_schema_in_docs(dpo: User, french_case: Case) -> None:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    item = services.data_request_register(
        actor=dpo, case=french_case, kind="access", received_on=date.today()
    )
    document = services.data_request_answer(actor=dpo, request=item, case=french_case).json
    _check(document, schema, schema.get("$defs", {}))
    # And the check can fail: a document without its sections does not pass.
    broken = {k: v for k, v in document.items() if k != "sections"}
    with pytest.raises(AssertionError):
        _check(broken, schema, schema.get("$defs", {}))


def test_the_dpo_registers_and_downloads_the_archive_on_the_web(
    dpo: User, french_case: Case, signed_in
) -> None:
    client = signed_in(dpo)
    response = client.post(
        "/oversight/requests/",
        {"case": french_case.code, "kind": "access", "received_on": date.today().isoformat()},
    )
    assert response.status_code == 302
    item = DataRequest.objects.get(case_code=french_case.code)
    session = client.session
    session[REAUTH_AT] = time.time()
    session.save()
    archive = client.get(f"/oversight/requests/{item.pk}/answer/", {"format": "zip"})
    assert archive.status_code == 200
    names = zipfile.ZipFile(io.BytesIO(archive.content)).namelist()
    assert set(names) == {"answer.pdf", "answer.html", "answer.json", "files/01-attestation.txt"}
    page = client.get(f"/oversight/requests/{item.pk}/answer/", {"format": "html"}).content.decode()
    assert 'lang="fr"' in page and 'data-section="screenings"' in page


def test_a_case_outside_reach_cannot_be_registered(
    alice: User, dpo: User, french_case: Case, signed_in
) -> None:
    # The case manager may not register requests: the DPO's register.
    client = signed_in(alice)
    response = client.post(
        "/oversight/requests/", {"case": french_case.code, "kind": "access", "received_on": "2026-01-01"}
    )
    assert response.status_code == 403
    missing = signed_in(dpo).post(
        "/oversight/requests/", {"case": "HV-2001-99999", "kind": "access", "received_on": "2026-01-01"}
    )
    assert missing.status_code == 404


def test_a_rectification_request_is_recorded_and_closed(dpo: User, french_case: Case) -> None:
    item = services.data_request_register(
        actor=dpo, case=french_case, kind="rectification", received_on=date.today()
    )
    services.data_request_close(actor=dpo, request=item)
    assert DataRequest.objects.get(pk=item.pk).answered_at is not None
    assert AuditEvent.objects.filter(action="request.closed", object_id=french_case.code).exists()


def test_the_schema_file_is_valid_json() -> None:
    assert json.loads(Path(SCHEMA).read_text(encoding="utf-8"))["type"] == "object"


def test_the_answer_gives_dates_in_words_to_the_person_and_iso_to_machines(
    dpo: User, alice: User, french_case: Case
) -> None:
    cases.task_add(actor=alice, case=french_case, title="Rendez-vous daté", due_on=date(2026, 3, 9))
    item = services.data_request_register(
        actor=dpo, case=french_case, kind="access", received_on=date(2026, 1, 31)
    )
    bundle = services.data_request_answer(actor=dpo, request=item, case=french_case)
    text = pdf_text(bundle.pdf)
    assert "9 mars 2026" in text
    assert re.search(r"\b20\d\d-\d\d-\d\d\b", text) is None
    values = [f["value"] for s in bundle.json["sections"] for e in s["entries"] for f in e["fields"]]
    assert "2026-03-09" in values
    assert bundle.json["request"]["received_on"] == "2026-01-31"
