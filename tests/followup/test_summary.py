"""The printable case summary: minimised by default, the sections chosen each time, in the person's language
where Haven has the strings, and each printing audited."""

from __future__ import annotations

import pytest

from haven.accounts.permissions import Role
from haven.audit.models import AuditEvent
from haven.cases import services
from haven.followup.summary import summary_language, summary_lines


@pytest.fixture
def case(alice, make_case):
    made = make_case(alice, name="Test Person Summary", information_language="fr")
    services.task_add(actor=alice, case=made, due_on=made.created_at.date(), kind="appointment")
    return made


def _text(lines) -> str:
    return "\n".join(text for _kind, text in lines)


def test_by_default_only_the_case_code_stage_and_case_manager_are_printed(alice, case):
    text = _text(summary_lines(case, [], "en", user=alice))
    assert case.code in text
    assert "Test Person Summary" not in text
    assert "Open tasks" not in text


def test_chosen_sections_are_added(alice, case):
    text = _text(summary_lines(case, ["identity", "tasks"], "en", user=alice))
    assert "Test Person Summary" in text
    assert "Appointment" in text


def test_the_summary_is_in_the_persons_language_where_the_strings_exist(alice, case, make_case):
    assert summary_language(case) == "fr"
    assert "Résumé du dossier" in _text(summary_lines(case, [], "fr", user=alice))
    other = make_case(alice, information_language="ro")
    assert summary_language(other) == "en"


def test_printing_downloads_a_pdf_and_is_audited_without_content(alice, case, signed_in):
    client = signed_in(alice)
    form = client.get(f"/cases/{case.code}/summary/").content.decode()
    assert 'value="fr" selected' in form
    assert "checked" not in form  # nothing chosen by default
    response = client.post(f"/cases/{case.code}/summary/", {"language": "fr", "sections": ["tasks"]})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")
    event = AuditEvent.objects.filter(action="case.summary_printed").get()
    assert event.object_id == case.code
    assert event.detail == {"sections": ["tasks"], "language": "fr"}


def test_each_printing_is_audited(alice, case, signed_in):
    client = signed_in(alice)
    for _ in range(2):
        client.post(f"/cases/{case.code}/summary/", {"language": "en"})
    assert AuditEvent.objects.filter(action="case.summary_printed").count() == 2


def test_a_role_without_identifying_data_cannot_print_it(make_user, make_case, alice, signed_in):
    # The caseworker sees identifying data; the sections offered follow the role.
    worker = make_user(Role.CASEWORKER, "North")
    case = make_case(alice)
    services.case_assign(actor=alice, case=case, caseworkers=[worker])
    page = signed_in(worker).get(f"/cases/{case.code}/summary/").content.decode()
    assert 'value="identity"' in page
    volunteer = make_user(Role.VOLUNTEER, "North")
    assert signed_in(volunteer).get(f"/cases/{case.code}/summary/").status_code == 403
