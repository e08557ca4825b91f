"""One way in, checked action by action: every action of the one action table (haven/accounts/actions.py)
has a parity case, and each role gets the same decision on every channel that offers the action.

The expected decisions are written out by hand below, from the product brief (who does what), never
derived from the permission code. An action reached only on the web is checked by the URL x role table
(tests/core/test_url_permissions.py) plus the service decision here; an action with an API or a command line
is run through each of them.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.http import Http404
from django.test import Client

from haven.accounts.actions import ACTIONS, API, CLI, WEB, may
from haven.accounts.models import User
from haven.accounts.permissions import Role
from haven.audit.models import AuditEvent
from haven.cases import services as cases
from haven.cases.models import Case
from haven.evidence import services as evidence
from haven.screening import services as screening
from tests.cases.helpers import ApiClient
from tests.core.test_url_permissions import TABLE as URL_ACCESS

DONE, REFUSED = "done", "refused"
VOLUNTEER, CASEWORKER, MANAGER = "volunteer", "caseworker", "case_manager"
PROGRAMME, DPO, ADMIN = "programme_manager", "data_protection_officer", "admin"

# Who may take each action, by hand (PRODUCT.md: volunteers screen and hand over; caseworkers and the case
# manager work on cases; the DPO answers for data protection; the programme manager for the library and the
# evidence; the administrator never touches case data).
EXPECTED: dict[str, set[str]] = {
    "screening.run": {VOLUNTEER, CASEWORKER, MANAGER},
    "screening.library_draft": {PROGRAMME},
    "screening.library_approve": {PROGRAMME, MANAGER},
    "case.first_contact": {VOLUNTEER, CASEWORKER, MANAGER},
    "case.import": {MANAGER},  # a bulk import is the contact person's, into their own team
    "case.handover": {VOLUNTEER, CASEWORKER, MANAGER},
    "case.open": {MANAGER},
    "case.assign": {MANAGER},
    "case.edit": {CASEWORKER, MANAGER},
    "person.update": {CASEWORKER, MANAGER},
    "person.identifying": {CASEWORKER, MANAGER, DPO},
    "person.correct": {CASEWORKER, MANAGER, DPO},
    "person.sensitive": {MANAGER, DPO},
    "consent.record": {CASEWORKER, MANAGER},
    "pressure.confirm": {MANAGER},
    "pressure.sign_off": {DPO},
    "case.notes_tasks": {CASEWORKER, MANAGER},
    "person.erase": {DPO},
    "person.export": {DPO},
    "stats.release": {PROGRAMME, DPO},
    "stats.export": {PROGRAMME, DPO},
    "stats.reproduce": {DPO},
    "stats.budget": {DPO},
    # The organisation's tools are the programme manager's (PRODUCT.md: readiness checklist, staff training
    # and wellbeing, awareness activities, evidence for humanitarian diplomacy). The staff register holds
    # suitability notes: not the administrator's, who manages accounts only.
    "readiness.edit": {PROGRAMME},
    "awareness.edit": {PROGRAMME},
    "legal.edit": {PROGRAMME},
    "advocacy.edit": {PROGRAMME},
    "staff.edit": {PROGRAMME},
    # Every staff member and volunteer looks after their own wellbeing; only the programme manager sees the
    # Society's counts, never an individual's entries.
    "wellbeing.record": {VOLUNTEER, CASEWORKER, MANAGER, PROGRAMME, DPO, ADMIN},
    "wellbeing.read": {VOLUNTEER, CASEWORKER, MANAGER, PROGRAMME, DPO, ADMIN},
    "wellbeing.summary": {PROGRAMME},
}

# The web pages of the actions reached only on the web: their role decisions are the URL x role table's.
WEB_PAGES: dict[str, tuple[str, ...]] = {
    "screening.library_draft": ("screening:library_draft_new", "screening:library_indicator"),
    "screening.library_approve": ("screening:library_draft_approve",),
    "case.handover": ("cases:handover", "cases:handover_screening"),
    "case.open": ("cases:open",),
    "case.assign": ("cases:assign",),
    "case.edit": ("cases:stage", "cases:close", "cases:legal_basis", "cases:events"),
    "person.correct": ("cases:person_edit",),
    "pressure.confirm": ("cases:pressure",),
    "pressure.sign_off": ("cases:pressure",),
    "person.erase": ("cases:erase",),
    "person.export": ("cases:export",),
    "stats.reproduce": ("evidence:release_reproduce",),
    "stats.budget": ("evidence:budget_set",),
    "readiness.edit": (
        "organisation:readiness_start",
        "organisation:readiness_answer",
        "organisation:readiness_item_add",
    ),
    "awareness.edit": (
        "organisation:awareness_create",
        "organisation:awareness_risks",
        "organisation:awareness_held",
    ),
    "legal.edit": ("organisation:legal_add",),
    "advocacy.edit": ("organisation:advocacy_create", "organisation:advocacy_meeting"),
    "staff.edit": ("staff:create", "staff:update", "staff:training_add", "staff:detail"),
    "wellbeing.record": ("staff:wellbeing_check_in", "staff:wellbeing_offer"),
    "wellbeing.read": ("staff:wellbeing", "staff:wellbeing_member"),
    "wellbeing.summary": ("staff:wellbeing_summary",),
}

# Actions with parity tests of their own, through every channel (named here so that they count).
OWN_PARITY_TESTS: dict[str, str] = {
    "stats.export": (
        "tests/evidence/test_export_parity.py::test_the_export_needs_a_fresh_second_factor_in_every_channel"
    ),
    "person.erase": (
        "tests/cases/test_parity.py"
        "::test_the_erasure_confirmation_gets_the_same_decision_on_the_web_and_in_the_service"
    ),
}


@pytest.fixture
def staff(make_user: Callable[..., User]) -> dict[str, User]:
    """One account per role, all in North (the administrator in no team)."""
    return {role.value: make_user(role, None if role == Role.ADMIN else "North") for role in Role}


@pytest.fixture
def north_case(staff: dict[str, User]) -> Case:
    """A North case, managed by North's case manager, with North's caseworker assigned."""
    manager = staff[MANAGER]
    case = cases.first_contact_create(actor=manager, values={"stated_age": 30}, confirm_new_person=True)
    case = cases.case_open(actor=manager, case=case)
    return cases.case_assign(actor=manager, case=case, caseworkers=[staff[CASEWORKER]])


def _service(call: Callable[[], object]) -> str:
    try:
        call()
    except (PermissionDenied, Http404):
        return REFUSED
    return DONE


def _http(response: Any, done: tuple[int, ...]) -> str:
    if response.status_code in done:
        return DONE
    assert response.status_code in (403, 404), (response.status_code, response.content[:300])
    return REFUSED


def _web(user: User) -> Client:
    from django_otp.plugins.otp_totp.models import TOTPDevice

    client = Client()
    client.force_login(user)
    session = client.session
    session["otp_device_id"] = TOTPDevice.objects.get(user=user, confirmed=True).persistent_id
    session.save()
    return client


# -- the runners: one per action and channel -----------------------------------------------------------------

START = {"private_space": "yes", "information_language": "en", "kind": "quick", "age": "30"}


def run_screening(channel: str, user: User, case: Case, tmp: Path) -> str:
    if channel == "service":
        return _service(
            lambda: screening.screening_start(
                actor=user, kind="quick", age=30, age_in_doubt=False, information_language="en"
            )
        )
    if channel == WEB:
        return _http(_web(user).post("/screening/", START), (302,))
    return _http(ApiClient(user).post("/screenings", {"age": 30, "answers": {"cd.threats": "yes"}}), (200,))


def run_first_contact(channel: str, user: User, case: Case, tmp: Path) -> str:
    if channel == "service":
        return _service(
            lambda: cases.first_contact_create(actor=user, values={"stated_age": 30}, confirm_new_person=True)
        )
    if channel == WEB:
        form = {"stated_age": "30", "gender": "NonSpecifiedUnknown", "age_method": "statement"}
        return _http(_web(user).post("/cases/new/", form), (302,))
    if channel == API:
        return _http(ApiClient(user).post("/cases", {"person": {"stated_age": 30}}), (201,))
    path = tmp / f"people-{user.pk}.csv"
    path.write_text("stated_age;gender\n30;NonSpecifiedUnknown\n", encoding="utf-8")
    try:
        call_command("import_people", str(path), "--team", "North", "--actor", user.email, stdout=StringIO())
    except CommandError as exc:
        assert exc.returncode == 2
        return REFUSED
    return DONE


def run_person_update(channel: str, user: User, case: Case, tmp: Path) -> str:
    version = Case.objects.get(pk=case.pk).person.version
    if channel == "service":
        return _service(
            lambda: cases.person_update(
                actor=user, case=case, expected_version=version, values={"legal_status": "unknown"}
            )
        )
    if channel == WEB:
        form = {"version": str(version), "gender": "NonSpecifiedUnknown", "age_method": "statement"}
        form.update({"stated_age": "30", "legal_status": "unknown"})
        return _http(_web(user).post(f"/cases/{case.code}/person/edit/", form), (302,))
    body = {"version": version, "values": {"legal_status": "unknown"}}
    api = ApiClient(user)
    response = api.client.put(
        f"/api/v1/cases/{case.code}/person", body, content_type="application/json", **api.auth
    )
    return _http(response, (200,))


def run_consent(channel: str, user: User, case: Case, tmp: Path) -> str:
    explained_by = case.case_manager
    assert explained_by is not None
    fields = {
        "purpose": "assistance",
        "status": "given",
        "given_on": date.today().isoformat(),
        "language": "en",
        "information_sheet_version": "v1",
    }
    if channel == "service":
        return _service(
            lambda: cases.consent_record(
                actor=user,
                case=case,
                purpose="assistance",
                status="given",
                given_on=date.today(),
                language="en",
                explained_by=explained_by,
                interpreter=False,
                information_sheet_version="v1",
            )
        )
    if channel == WEB:
        form = {**fields, "explained_by": str(explained_by.pk)}
        return _http(_web(user).post(f"/cases/{case.code}/consent/", form), (302,))
    body = {**fields, "explained_by": explained_by.pk}
    return _http(ApiClient(user).post(f"/cases/{case.code}/consents", body), (201,))


def run_note(channel: str, user: User, case: Case, tmp: Path) -> str:
    if channel == "service":
        return _service(
            lambda: cases.note_add(actor=user, case=case, section="general", body="Synthetic note.")
        )
    if channel == WEB:
        form = {"section": "general", "body": "Synthetic note."}
        return _http(_web(user).post(f"/cases/{case.code}/notes/", form), (302,))
    body = {"section": "general", "body": "Synthetic note."}
    return _http(ApiClient(user).post(f"/cases/{case.code}/notes", body), (201,))


def run_release(channel: str, user: User, case: Case, tmp: Path) -> str:
    if channel == "service":
        return _service(lambda: evidence.dp_release(actor=user, by=["gender"], epsilon=0.1))
    if channel == WEB:
        form = {"first": "gender", "second": "", "epsilon": "0.1"}
        return _http(_web(user).post("/evidence/releases/new/", form), (302,))
    return _http(ApiClient(user).post("/stats/releases", {"by": ["gender"], "epsilon": 0.1}), (201,))


RUNNERS: dict[str, tuple[Callable[[str, User, Case, Path], str], tuple[str, ...]]] = {
    "screening.run": (run_screening, ("service", WEB, API)),
    "case.first_contact": (run_first_contact, ("service", WEB, API)),
    "case.import": (run_first_contact, (CLI,)),
    "person.update": (run_person_update, ("service", WEB, API)),
    "person.identifying": (run_person_update, ("service", WEB, API)),
    "person.sensitive": (run_note, ("service", WEB, API)),
    "consent.record": (run_consent, ("service", WEB, API)),
    "case.notes_tasks": (run_note, ("service", WEB, API)),
    "stats.release": (run_release, ("service", WEB, API)),
}

# Runners that exercise an action whose permission is only part of what they need: the decision expected
# through them is the intersection (for example, editing a person needs both the edit and identity rights).
RUNNER_NEEDS: dict[str, tuple[str, ...]] = {
    "person.update": ("person.update", "person.identifying"),
    "person.identifying": ("person.update", "person.identifying"),
    "person.sensitive": ("case.notes_tasks",),
}

# The screening's command line (`haven screen evaluate`) and the statistics commands are the operator's on
# the server, not an account's: they are checked below to go through the same audited services.
OPERATOR_COMMANDS = {"screening.run", "stats.release", "stats.budget", "stats.export"}


def test_every_action_in_the_table_has_a_parity_case() -> None:
    names = {action.name for action in ACTIONS}
    assert set(EXPECTED) == names, "a new action needs its row in EXPECTED"
    for action in ACTIONS:
        covered: set[str] = set()
        if action.name in RUNNERS:
            covered |= {c for c in RUNNERS[action.name][1] if c != "service"}
        if action.name in WEB_PAGES:
            assert all(name in URL_ACCESS for name in WEB_PAGES[action.name]), action.name
            covered.add(WEB)
        if action.name in OWN_PARITY_TESTS:
            path, test = OWN_PARITY_TESTS[action.name].split("::")
            assert f"def {test}(" in (Path(__file__).resolve().parents[2] / path).read_text(), test
            covered |= set(action.channels)
        if action.name in OPERATOR_COMMANDS:
            covered.add(CLI)
        assert set(action.channels) <= covered, (
            f"{action.name}: no parity case for {set(action.channels) - covered}"
        )


@pytest.mark.parametrize("action", [a.name for a in ACTIONS])
@pytest.mark.parametrize("role", [r.value for r in Role])
def test_the_action_table_grants_what_the_hand_written_table_says(staff, action: str, role: str) -> None:
    assert may(staff[role], action) is (role in EXPECTED[action])


CASES = [(action, channel) for action, (_run, channels) in RUNNERS.items() for channel in channels]


@pytest.mark.parametrize(("action", "channel"), CASES, ids=[f"{a}-{c}" for a, c in CASES])
def test_each_role_gets_the_same_decision_on_every_channel(
    staff, north_case, tmp_path, action: str, channel: str
) -> None:
    run, _channels = RUNNERS[action]
    needs = RUNNER_NEEDS.get(action, (action,))
    decisions = {role: run(channel, user, north_case, tmp_path) for role, user in staff.items()}
    expected = {role: DONE if all(role in EXPECTED[name] for name in needs) else REFUSED for role in staff}
    assert decisions == expected


def test_the_screening_command_line_goes_through_the_audited_service(db, tmp_path) -> None:
    answers = tmp_path / "answers.json"
    answers.write_text(json.dumps({"age": 30, "answers": {"cd.threats": "yes"}}), encoding="utf-8")
    out = StringIO()
    call_command("screen", "evaluate", "--answers", str(answers), "--json", stdout=out)
    assert json.loads(out.getvalue())["outcome"] == "some_signs"
    event = AuditEvent.objects.get(action="screening.evaluated")
    assert event.detail["via"] == "cli" and event.actor_id is None


def test_a_refusal_by_the_service_is_a_permission_refusal_not_an_input_error(staff, north_case) -> None:
    # The admin has no case rights: the service refuses before reading any input, even a bad one.
    with pytest.raises(PermissionDenied):
        cases.note_add(actor=staff[ADMIN], case=north_case, section="no-such-section", body="")
    with pytest.raises(ValidationError):
        cases.note_add(actor=staff[MANAGER], case=north_case, section="no-such-section", body="x")


def test_every_action_is_checked_by_a_service_and_every_check_names_an_action_of_the_table() -> None:
    import ast

    haven = Path(__file__).resolve().parents[2] / "haven"
    used: dict[str, list[str]] = {}
    for path in haven.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id == "authorize"
                and len(node.args) == 2
                and isinstance(node.args[1], ast.Constant)
            ):
                used.setdefault(str(node.args[1].value), []).append(str(path.relative_to(haven)))
    names = {action.name for action in ACTIONS}
    assert set(used) <= names, set(used) - names
    assert names <= set(used), f"actions no service checks: {names - set(used)}"
    # The checks live in the services (and the importer, the bulk variant of a service), never in a view.
    places = {place for places in used.values() for place in places}
    assert all(p.endswith(("services.py", "importer.py")) for p in places), places


def _denied(what: str) -> int:
    return sum(1 for e in AuditEvent.objects.filter(action="access.denied") if e.detail.get("what") == what)


def test_a_refusal_on_the_command_line_writes_an_audit_entry_like_one_on_the_web(staff, north_case, tmp_path):
    path = tmp_path / "people.csv"
    path.write_text("stated_age\n30\n", encoding="utf-8")
    volunteer = staff[VOLUNTEER]
    with pytest.raises(CommandError):
        call_command(
            "import_people", str(path), "--team", "North", "--actor", volunteer.email, stdout=StringIO()
        )
    assert _denied("case.assign") == 1
    with pytest.raises(CommandError):
        call_command(
            "erase",
            north_case.code,
            "--reason",
            "person_request",
            "--actor",
            volunteer.email,
            stdout=StringIO(),
        )
    refusals = AuditEvent.objects.filter(action="access.denied", actor_id=volunteer.pk)
    assert refusals.count() == 2
    assert refusals.order_by("-pk").first().object_id in ("", north_case.code)
    call_command("audit", "verify", stdout=StringIO())


def test_another_persons_screening_answers_404_and_the_refusal_is_audited(staff):
    run = screening.screening_start(
        actor=staff[VOLUNTEER], kind="quick", age=30, age_in_doubt=False, information_language="en"
    )
    other = _web(staff[CASEWORKER])
    assert other.get(f"/screening/{run.uid}/").status_code == 404
    assert _denied("screening.own") == 1
