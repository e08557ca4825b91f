"""French everywhere: every page of the URL table, read by every role that may open it with a French browser,
shows no English (tests/core/french.py says how English is recognised); the same for the PDFs, and every coded
value shown to a user has a French label.

The pages are the URL × role table's (tests/*/url_access.py): each page is opened with the table's own set-up,
and a case page's case is given more to show first (consents, tasks, notes, events, a referral), so the case
summary, timeline and lists are read with content; everyone has a notification of every kind. A form's action
(POST) is followed to the page it leads to, so its success or refusal message is read too."""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from haven.accounts.models import User
from haven.accounts.permissions import Role
from haven.cases import services as cases
from haven.cases.models import Case
from haven.notifications.kinds import KINDS
from haven.notifications.services import notify
from haven.referrals import services as referrals
from tests.core.access_table import NO_MFA, OK, REDIRECT
from tests.core.french import english_in, visible_texts
from tests.core.test_url_permissions import TABLE, client_for, resolve, send
from tests.referrals.helpers import give_consent, organisation

FRENCH = {"HTTP_ACCEPT_LANGUAGE": "fr-FR,fr;q=0.9"}
ISO_DAY = re.compile(r"\b(?:19|20)\d\d-\d\d-\d\d\b")
ROLES = [role.value for role in Role]


def _pages() -> list[str]:
    """Every URL of the table that some role opens as a page (not the API), or posts a form to."""
    names = []
    for name, access in sorted(TABLE.items()):
        if access.json or name.startswith("api-v1:"):
            continue
        wanted = OK if access.method == "GET" else REDIRECT
        if any(access.expect[role] == wanted for role in ROLES):
            names.append(name)
    return names


def enrich(code: str, manager: User) -> None:
    """Give a case more to show: consents, a done and an open task, notes, events and a referral."""
    case = Case.objects.get(code=code)
    today = timezone.localdate()
    if case.stage in ("first_contact", "closed"):
        return  # a first contact or a closed case stays as the table made it (what the page is about)
    for purpose, status in (("statistics", "given"), ("data_storage", "refused")):
        cases.consent_record(
            actor=manager,
            case=case,
            purpose=purpose,
            status=status,
            given_on=today - timedelta(days=3),
            language="fr",
            explained_by=manager,
            interpreter=True,
            information_sheet_version="v1",
        )
    cases.task_add(actor=manager, case=case, due_on=today + timedelta(days=4), kind="appointment")
    done = cases.task_add(actor=manager, case=case, due_on=today - timedelta(days=2), kind="follow_up_call")
    cases.task_done(actor=manager, case=case, task=done)
    cases.note_add(actor=manager, case=case, section="general", body="Test note")
    cases.case_events_set(
        actor=manager, case=case, exploitation_types=["ForcedLabour"], means_of_control=["PhysicalThreats"]
    )
    org = organisation(f"FR-ORG-{case.pk}")
    give_consent({"case_manager": manager}, case, org.code)
    referrals.referral_draft(actor=manager, case=case, organisation=org, need_domain="accommodation")


@pytest.fixture
def accounts(users_by_role: dict[Role, User], make_user: Callable[..., User]) -> dict[str, User]:
    users: dict[str, User] = {role.value: user for role, user in users_by_role.items()}
    users[NO_MFA] = make_user(Role.CASEWORKER, "North", "half-signed-in@example.test")
    # Something of every kind in everyone's notifications, so that the list is read with content.
    for kind, _label in KINDS:
        notify(user_ids=[user.pk for user in users.values()], kind=kind)
    return users


def _read(response: Any) -> list[str]:
    kind = response.get("Content-Type", "")
    if kind.startswith("application/pdf"):
        return pdf_texts(response.content)
    if kind.startswith("text/html"):
        return visible_texts(response.content.decode())
    return []


def pdf_texts(data: bytes) -> list[str]:
    """The lines of text of a PDF."""
    reader = PdfReader(io.BytesIO(data))
    return [
        " ".join(line.split())
        for page in reader.pages
        for line in page.extract_text().splitlines()
        if line.strip()
    ]


# Every page as every role: about a minute and a half on two workers, so it runs with `make test`, not
# `make test-fast` (`pytest -m slow tests/core/test_french_everywhere.py` runs it alone).
@pytest.mark.slow
@pytest.mark.parametrize("name", _pages())
def test_a_french_reader_sees_no_english_on(name: str, accounts: dict[str, User]) -> None:
    access = TABLE[name]
    wanted = OK if access.method == "GET" else REDIRECT
    found: dict[str, list[str]] = {}
    iso_dates: dict[str, list[str]] = {}
    for role in ROLES:
        if access.expect[role] != wanted:
            continue
        kwargs = dict(resolve(access.kwargs, accounts) or {})
        if "lang" in kwargs:
            kwargs["lang"] = "fr"  # a page in the language of its address (the guides): the French one
        if "code" in kwargs:
            enrich(kwargs["code"], accounts["case_manager"])
        data = resolve(access.data, accounts)
        client = client_for(role, accounts, api=False)
        client.defaults.update(FRENCH)
        response = send(client, access, reverse(name, kwargs=kwargs), data)
        if access.method != "GET" and response.status_code in (301, 302, 303):
            response = client.get(response["Location"])
        assert response.status_code < 500, f"{name} as {role}: {response.status_code}"
        texts = _read(response)
        findings = english_in(texts)
        if findings:
            found[role] = [str(f) for f in findings]
        iso = [text for text in texts if ISO_DAY.search(text)]
        if iso:
            iso_dates[role] = iso
    assert not found, f"English on {name} in French:\n" + "\n".join(
        f"  {role}: " + "\n    ".join(items) for role, items in found.items()
    )
    # A date is read in words ("9 mars 2026"); ISO 8601 stays in attributes (<time datetime>, data-*).
    assert not iso_dates, f"An ISO date shown to the reader on {name}:\n" + "\n".join(
        f"  {role}: " + "\n    ".join(items) for role, items in iso_dates.items()
    )


def test_the_detector_finds_english_and_lets_french_through() -> None:
    english = visible_texts("<p>Every cell is empty.</p><p>3 bars show fewer than 5.</p><p>ε = 0.5</p>")
    french = visible_texts(
        "<p>Chaque case est vide.</p><p title='Date'>Date</p><p>3 barres : moins de 5.</p>"
        "<p lang='en'>A fight belongs to the police and the courts.</p><br><p>Fin de la page.</p>"
        "<p>ε = 0,5 · version v1.2 · section 4.3 des orientations</p>"
    )
    found = [f.text for f in english_in(english)]
    assert found == ["Every cell is empty.", "3 bars show fewer than 5.", "ε = 0.5"]
    assert english_in(french) == []


def test_a_case_page_is_read_with_content_and_its_coded_values_in_french(accounts: dict[str, User]) -> None:
    """The enrichment gives the case pages something to show, and coded values come in French (the
    French words typed here by hand)."""
    manager = accounts["case_manager"]
    values = {
        "name": "Test Person Fr",
        "age_method": "document",
        "stated_age": 30,
        "age_established_adult": True,
    }
    case = cases.case_open(actor=manager, case=cases.first_contact_create(actor=manager, values=values))
    enrich(case.code, manager)
    client = client_for(Role.CASE_MANAGER.value, accounts, api=False)
    client.defaults.update(FRENCH)
    tasks = client.get(reverse("cases:tasks", kwargs={"code": case.code})).content.decode()
    assert "Rendez-vous" in tasks and "Appointment" not in tasks
    consent = client.get(reverse("cases:consent", kwargs={"code": case.code})).content.decode()
    assert "Statistiques anonymisées" in consent and "Anonymised statistics" not in consent
    assert "Conservation des données personnelles" in consent
