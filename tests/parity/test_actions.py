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
    # Finding a person by who they are (name, year of birth, phone) is an identifying read: the contact
    # person, and the DPO for the cases they recorded a purpose for.
    "case.find_person": {MANAGER, DPO},
    "case.open": {MANAGER},
    "case.assign": {MANAGER},
    "case.edit": {CASEWORKER, MANAGER},
    # Closure is the contact person's (PRODUCT.md: "follow-up, closure"), and so is the caution before a
    # voluntary return.
    "case.close": {MANAGER},
    "case.reopen": {MANAGER},
    "case.return_risk_check": {MANAGER},
    # Those who work on the case record the person's choice about formal identification and print summaries.
    "identification.record": {CASEWORKER, MANAGER},
    "case.summary_print": {CASEWORKER, MANAGER},
    # Everyone who may open a case gets notifications about it and clears their own.
    "notification.read": {VOLUNTEER, CASEWORKER, MANAGER, PROGRAMME, DPO},
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
    "case.purpose_record": {DPO},  # the DPO's "break-glass": why they must open one case
    "assessment.needs": {CASEWORKER, MANAGER},
    "assessment.risk": {CASEWORKER, MANAGER},
    "assessment.risk_sign_off": {MANAGER},  # the risk plan's and the family-links check's sign-off
    "family_links.request": {CASEWORKER, MANAGER},
    "support_plan.edit": {CASEWORKER, MANAGER},
    "child.protection": {CASEWORKER, MANAGER},
    "stats.release": {PROGRAMME, DPO},
    "stats.export": {PROGRAMME, DPO},
    "stats.reproduce": {DPO},
    "stats.budget": {DPO},
    # Accounts and teams are the administrator's alone; the audit trail the DPO's and (account events only)
    # the administrator's.
    "account.list": {ADMIN},
    "account.invite": {ADMIN},
    "account.set_role": {ADMIN},
    "account.set_team": {ADMIN},
    "account.disable": {ADMIN},
    "account.enable": {ADMIN},
    "account.unlock": {ADMIN},
    "account.mfa_reset": {ADMIN},
    "account.tokens": {ADMIN},
    "team.manage": {ADMIN},
    "audit.view": {DPO, ADMIN},
    "audit.export": {DPO, ADMIN},
    "request.register": {DPO},
    "pressure.request": {DPO},
    "retention.review": {DPO},
    # Referrals (PRODUCT.md: the programme manager maps services and sees the gaps; the case manager makes
    # referrals with consent; caseworkers record a partner's answer and link; withdrawal is recorded by those
    # who record consent; the DPO signs off the pressure review and, with a case manager, authority requests).
    "directory.manage": {PROGRAMME},
    "directory.import": {PROGRAMME},
    "referral.send": {MANAGER},
    "referral.status": {CASEWORKER, MANAGER},
    "referral.link": {CASEWORKER, MANAGER},
    "referral.stop_sharing": {CASEWORKER, MANAGER},
    "referral.restore_sharing": {DPO},
    "referral.residence_request": {MANAGER},
    "authority.request": {MANAGER, DPO},
    "referral.gaps": {PROGRAMME},
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
    "case.edit": ("cases:stage", "cases:legal_basis", "cases:events"),
    "case.summary_print": ("followup:summary",),
    "notification.read": ("notifications:mark_read",),
    "person.correct": ("cases:person_edit",),
    "pressure.confirm": ("cases:pressure",),
    "pressure.sign_off": ("cases:pressure",),
    "person.erase": ("cases:erase",),
    "person.export": ("cases:export",),
    "stats.reproduce": ("evidence:release_reproduce",),
    "stats.budget": ("evidence:budget_set",),
    "account.invite": ("manage:invite",),
    "account.tokens": ("manage:account", "manage:token_revoke"),
    "team.manage": ("manage:teams", "manage:team"),
    "audit.view": ("oversight:audit", "oversight:audit_verify"),
    "audit.export": ("oversight:audit_export",),
    "request.register": ("oversight:requests", "oversight:request", "oversight:request_close"),
    "pressure.request": ("oversight:ask_pressure_check",),
    "retention.review": ("oversight:retention", "oversight:retention_extend"),
    "referral.link": ("referrals:link",),
    "referral.stop_sharing": ("referrals:stop",),
    "referral.restore_sharing": ("referrals:restore",),
    "referral.residence_request": ("referrals:residence",),
    "authority.request": ("referrals:authority", "referrals:authority_decide"),
    "referral.gaps": ("referrals:gaps", "referrals:gaps_export"),
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

_REFERRALS = "tests/referrals/test_parity.py"
# Actions with parity tests of their own, through every channel (named here so that they count).
_FOLLOWUP_PARITY = (
    "tests/followup/test_parity.py::test_each_role_gets_the_same_decision_on_the_web_and_the_api"
)
OWN_PARITY_TESTS: dict[str, str] = {
    "case.find_person": (
        "tests/cases/test_search.py::test_the_web_and_the_api_find_the_same_cases_for_each_role"
    ),
    "case.close": _FOLLOWUP_PARITY,
    "case.reopen": _FOLLOWUP_PARITY,
    "case.return_risk_check": _FOLLOWUP_PARITY,
    "identification.record": _FOLLOWUP_PARITY,
    "directory.manage": f"{_REFERRALS}::test_the_directory_gets_the_same_decision_on_every_channel",
    "directory.import": f"{_REFERRALS}::test_the_directory_gets_the_same_decision_on_every_channel",
    "referral.send": f"{_REFERRALS}::test_referring_gets_the_same_decision_on_every_channel",
    "referral.status": f"{_REFERRALS}::test_a_partners_answer_gets_the_same_decision_on_every_channel",
    "stats.export": (
        "tests/evidence/test_export_parity.py::test_the_export_needs_a_fresh_second_factor_in_every_channel"
    ),
    "case.assign": (
        "tests/assessment/test_parity.py::test_each_role_gets_the_same_assignment_decision_everywhere"
    ),
    **{
        name: "tests/assessment/test_parity.py::test_each_role_gets_the_same_decision_on_every_channel"
        for name in (
            "assessment.needs",
            "assessment.risk",
            "assessment.risk_sign_off",
            "family_links.request",
            "support_plan.edit",
            "child.protection",
        )
    },
    "person.erase": (
        "tests/cases/test_parity.py"
        "::test_the_erasure_confirmation_gets_the_same_decision_on_the_web_and_in_the_service"
    ),
    "case.purpose_record": (
        "tests/cases/test_dpo_purpose.py::test_recording_a_purpose_gets_the_same_decision_on_the_web_and_the_api"
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
        form = {"first": "gender", "second": "", "epsilon": "0.1", "confirmed": "yes"}
        return _http(_web(user).post("/evidence/releases/new/", form), (302,))
    return _http(ApiClient(user).post("/stats/releases", {"by": ["gender"], "epsilon": 0.1}), (201,))


def _account_runner(
    verb: str, web_path: str, form: dict[str, str], cli_args: tuple[str, ...]
) -> Callable[[str, User, Case, Path], str]:
    """Run one account action on a fresh North caseworker account, through the service, the web or the CLI."""

    def run(channel: str, user: User, case: Case, tmp: Path) -> str:
        from haven.accounts import services as accounts
        from tests.conftest import PASSWORD

        target = accounts.user_create(
            actor=None,
            email=f"target-{verb}-{user.pk}-{channel}@example.test",
            password=PASSWORD,
            role=Role.CASEWORKER,
            team=user.team or case.team,
        )
        if channel == "service":
            calls: dict[str, Callable[[], object]] = {
                "list": lambda: accounts.accounts_list(actor=user),
                "disable": lambda: accounts.user_disable(actor=user, user=target),
                "enable": lambda: accounts.user_enable(actor=user, user=target),
                "unlock": lambda: accounts.user_throttle_reset(actor=user, user=target),
                "reset-mfa": lambda: accounts.user_mfa_reset(
                    actor=user, user=target, identity_check="in_person"
                ),
                "set-role": lambda: accounts.user_set_role(actor=user, user=target, role="volunteer"),
                "set-team": lambda: accounts.user_set_team(actor=user, user=target, team=case.team),
            }
            return _service(calls[verb])
        if channel == WEB:
            path = web_path.format(pk=target.pk)
            client = _web(user)
            values = {key: value.format(team=case.team.pk) for key, value in form.items()}
            response = client.get(path) if verb == "list" else client.post(path, values)
            return _http(response, (200,) if verb == "list" else (302,))
        args = [verb] if verb == "list" else [verb, target.email]
        try:
            call_command("user", *args, *cli_args, "--actor", user.email, stdout=StringIO())
        except CommandError as exc:
            assert exc.returncode == 2
            return REFUSED
        return DONE

    return run


RUNNERS: dict[str, tuple[Callable[[str, User, Case, Path], str], tuple[str, ...]]] = {
    "account.list": (_account_runner("list", "/manage/accounts/", {}, ("--json",)), ("service", WEB, CLI)),
    "account.disable": (
        _account_runner("disable", "/manage/accounts/{pk}/disable/", {"confirm": "yes"}, ()),
        ("service", WEB, CLI),
    ),
    "account.enable": (
        _account_runner("enable", "/manage/accounts/{pk}/enable/", {"confirm": "yes"}, ()),
        ("service", WEB, CLI),
    ),
    "account.unlock": (
        _account_runner("unlock", "/manage/accounts/{pk}/unlock/", {}, ()),
        ("service", WEB, CLI),
    ),
    "account.mfa_reset": (
        _account_runner(
            "reset-mfa",
            "/manage/accounts/{pk}/second-factor/",
            {"identity_check": "in_person"},
            ("--identity-check", "in_person"),
        ),
        ("service", WEB, CLI),
    ),
    "account.set_role": (
        _account_runner("set-role", "/manage/accounts/{pk}/role/", {"role": "volunteer"}, ("volunteer",)),
        ("service", WEB, CLI),
    ),
    "account.set_team": (
        _account_runner("set-team", "/manage/accounts/{pk}/team/", {"team": "{team}"}, ("North",)),
        ("service", WEB, CLI),
    ),
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
OPERATOR_COMMANDS = {
    "screening.run",
    "stats.release",
    "stats.budget",
    "stats.export",
    "team.manage",
    "retention.review",
}


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
