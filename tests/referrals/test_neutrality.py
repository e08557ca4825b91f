"""The neutrality guard: Haven never sends, prints, exports or shares case data with law enforcement,
prosecution or courts, and with the immigration service only at the person's recorded request.

Expectations are written by hand from the guidance (seed 4.1; PRODUCT.md principle 2), never computed by the
guard. The path-walk test proves every producer of outgoing case data needs the guard's clearance and that
every function that calls a producer obtains its clearance from the guard.
"""

from __future__ import annotations

import ast
import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from haven.accounts.permissions import Role
from haven.audit.models import AuditEvent
from haven.cases import services as cases
from haven.cases.models import Case
from haven.referrals import outgoing, services
from haven.referrals.models import Referral
from haven.referrals.neutrality import Clearance, NeutralityRefused, guard_outgoing
from haven.referrals.vocab import ORGANISATION_TYPES
from tests.cases.helpers import ApiClient
from tests.referrals.helpers import give_consent, north_case, organisation

HAVEN = Path(__file__).resolve().parents[2] / "haven"

# By hand, from the guidance: never these, whatever the role, consent or override.
NEVER = {"law_enforcement", "prosecution", "court"}
# Only when the person asked for it (residence permit) and the case manager recorded the request.
ONLY_ON_REQUEST = {"immigration"}
KINDS = ("referral", "letter", "payload", "share", "export", "consent", "best_interests", "disclosure")
CHANNELS = ("web", "api", "cli", "service")


def _denied_neutrality() -> int:
    return sum(
        1
        for e in AuditEvent.objects.filter(action="access.denied")
        if e.detail.get("what") == "neutrality.refused"
    )


def test_the_guard_refuses_every_authority_for_every_role_channel_and_kind_of_output(staff) -> None:
    case = north_case(staff)
    types = [code for code, _label in ORGANISATION_TYPES]
    assert NEVER | ONLY_ON_REQUEST <= set(types)
    checked = 0
    for org_type in types:
        org = organisation(f"ORG-{org_type}", org_type)
        for user in staff.values():
            for channel in CHANNELS:
                for what in KINDS:
                    refused = org_type in NEVER | ONLY_ON_REQUEST
                    for target in ({"organisation": org}, {"org_type": org_type}):
                        if refused:
                            with pytest.raises(NeutralityRefused):
                                guard_outgoing(actor=user, case=case, channel=channel, what=what, **target)
                        else:
                            clearance = guard_outgoing(
                                actor=user, case=case, channel=channel, what=what, **target
                            )
                            assert clearance.case_id == case.pk
                        checked += 1
    assert checked == len(types) * len(staff) * len(CHANNELS) * len(KINDS) * 2


def test_consent_does_not_open_the_door_to_the_police(staff) -> None:
    case = north_case(staff)
    police = organisation("POLICE-N", "law_enforcement")
    with pytest.raises(NeutralityRefused):
        give_consent(staff, case, police.code)
    # A recipient the person consented to earlier, later described as a prosecution service: still refused.
    partner = organisation("LATER-PROS", "shelter")
    give_consent(staff, case, partner.code)
    referral = services.referral_draft(
        actor=staff["case_manager"], case=case, organisation=partner, need_domain="accommodation"
    )
    partner.org_type = "prosecution"
    partner.save()
    with pytest.raises(NeutralityRefused):
        services.referral_send(actor=staff["case_manager"], referral=referral)
    for fmt in ("pdf", "txt"):
        with pytest.raises(NeutralityRefused):
            services.referral_letter(actor=staff["case_manager"], referral=referral, fmt=fmt)
    with pytest.raises(NeutralityRefused):
        services.referral_minimise(
            actor=staff["case_manager"],
            referral=referral,
            fields=["case_code"],
            safe_contact_method="through_society",
            language="fr",
        )
    assert Referral.objects.get(pk=referral.pk).status == "draft"


def test_a_best_interests_decision_cannot_name_a_court(staff) -> None:
    case = north_case(staff, stated_age=15, age_established_adult=False, date_of_birth=None)
    court = organisation("COURT-N", "court")
    with pytest.raises(NeutralityRefused):
        cases.best_interests_record(
            actor=staff["case_manager"],
            case=case,
            decision="protection",
            decided_on=case.created_at.date(),
            recipients=[court.code],
        )


def test_the_immigration_service_only_at_the_persons_recorded_request(staff) -> None:
    case = north_case(staff)
    immigration = organisation("IMMIG-N", "immigration")
    with pytest.raises(NeutralityRefused):
        services.referral_draft(
            actor=staff["case_manager"], case=case, organisation=immigration, need_domain="legal"
        )
    with pytest.raises(PermissionDenied):
        services.residence_request_record(actor=staff["caseworker"], case=case, organisation=immigration)
    services.residence_request_record(actor=staff["case_manager"], case=case, organisation=immigration)
    referral = services.referral_draft(
        actor=staff["case_manager"], case=case, organisation=immigration, need_domain="legal"
    )
    assert referral.status == "draft"
    # Another case of the same person's Society has no such request: still refused there.
    other = north_case(staff, name="Test Other Ref")
    with pytest.raises(NeutralityRefused):
        guard_outgoing(
            actor=staff["case_manager"], case=other, organisation=immigration, channel="web", what="letter"
        )


def test_a_clearance_cannot_be_forged_nor_reused_for_another_organisation(staff) -> None:
    case = north_case(staff)
    shelter = organisation("SHELTER-N")
    other = organisation("SHELTER-S")
    give_consent(staff, case, shelter.code)
    referral = services.referral_draft(
        actor=staff["case_manager"], case=case, organisation=shelter, need_domain="accommodation"
    )
    with pytest.raises(PermissionDenied):
        Clearance(
            case_id=case.pk,
            organisation_id=shelter.pk,
            org_type="shelter",
            what="letter",
            channel="web",
            token=object(),
        )
    wrong = guard_outgoing(
        actor=staff["case_manager"], case=case, organisation=other, channel="web", what="letter"
    )
    with pytest.raises(PermissionDenied):
        outgoing.letter_text(wrong, referral)
    payload_only = guard_outgoing(
        actor=staff["case_manager"], case=case, organisation=shelter, channel="web", what="payload"
    )
    with pytest.raises(PermissionDenied):
        outgoing.letter_pdf(payload_only, referral)


# -- every channel, every role -------------------------------------------------------------------------------


def _web(user) -> Client:
    from tests.parity.test_actions import _web as signed_in_web

    return signed_in_web(user)


@pytest.mark.parametrize("org_type", sorted(NEVER))
@pytest.mark.parametrize("role", [r.value for r in Role])
def test_every_role_is_refused_a_referral_to_an_authority_on_the_web_the_api_and_the_command_line(
    staff, role, org_type
) -> None:
    case = north_case(staff)
    police = organisation("AUTHORITY-N", org_type)
    user = staff[role]
    before = _denied_neutrality()

    response = _web(user).post(
        f"/referrals/case/{case.code}/refer/", {"organisation": police.code, "need": "safety"}
    )
    assert response.status_code == 403
    assert b'data-refusal="neutrality_refused"' in response.content
    assert b"neutral" in response.content

    answer = ApiClient(user).post(
        f"/cases/{case.code}/referrals", {"organisation": police.code, "need_domain": "safety"}
    )
    assert answer.status_code == 403
    assert answer.json()["error"]["code"] == "neutrality_refused"

    with pytest.raises(CommandError) as refused:
        call_command(
            "referral",
            "create",
            case.code,
            "--organisation",
            police.code,
            "--need",
            "safety",
            "--actor",
            user.email,
            stdout=StringIO(),
        )
    assert refused.value.returncode == 2
    assert "neutrality_refused" in str(refused.value)

    assert _denied_neutrality() == before + 3
    assert not Referral.objects.exists()


def test_letters_and_sending_to_an_organisation_later_described_as_a_court_are_refused_on_every_channel(
    staff,
) -> None:
    case = north_case(staff)
    partner = organisation("PART-N")
    give_consent(staff, case, partner.code)
    manager = staff["case_manager"]
    referral = services.referral_draft(
        actor=manager, case=case, organisation=partner, need_domain="accommodation"
    )
    partner.org_type = "court"
    partner.save()
    base = f"/referrals/case/{case.code}/r/{referral.uid}"
    web = _web(manager)
    assert web.get(f"{base}/letter.pdf").status_code == 403
    assert web.get(f"{base}/letter.txt").status_code == 403
    assert web.post(f"{base}/send/", {"confirm": "yes"}).status_code == 403
    api = ApiClient(manager)
    for path in (f"/cases/{case.code}/referrals/{referral.uid}/letter?format=txt",):
        assert api.get(path).json()["error"]["code"] == "neutrality_refused"
    assert (
        api.post(f"/cases/{case.code}/referrals/{referral.uid}/send").json()["error"]["code"]
        == "neutrality_refused"
    )
    for verb, extra in (("letter", ["--out", "/dev/null", "--format", "txt"]), ("send", [])):
        with pytest.raises(CommandError, match="neutrality_refused"):
            call_command(
                "referral",
                verb,
                case.code,
                str(referral.uid),
                "--actor",
                manager.email,
                *extra,
                stdout=StringIO(),
            )
    assert _denied_neutrality() == 7
    assert not AuditEvent.objects.filter(action__in=["referral.sent", "referral.letter"]).exists()


def test_consent_naming_the_police_is_refused_through_the_case_api_too(staff) -> None:
    case = north_case(staff)
    police = organisation("POLICE-N", "law_enforcement")
    manager = staff["case_manager"]
    body = {
        "purpose": "referral",
        "status": "given",
        "given_on": str(case.created_at.date()),
        "language": "fr",
        "explained_by": manager.pk,
        "information_sheet_version": "v1",
        "recipient": police.code,
    }
    answer = ApiClient(manager).post(f"/cases/{case.code}/consents", body)
    assert answer.status_code == 403
    assert answer.json()["error"]["code"] == "neutrality_refused"


# -- the path walk -------------------------------------------------------------------------------------------

PRODUCER_NAMES = {fn.__name__ for fn in outgoing.PRODUCERS}


def _functions(tree: ast.AST):
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            yield node


def _calls(node: ast.AST) -> set[str]:
    names = set()
    for sub in ast.walk(node):
        if isinstance(sub, ast.Call):
            func = sub.func
            names.add(func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", ""))
    return names


def test_every_producer_of_outgoing_case_data_takes_a_clearance_first() -> None:
    tree = ast.parse((HAVEN / "referrals" / "outgoing.py").read_text(encoding="utf-8"))
    public = {f.name: f for f in _functions(tree) if not f.name.startswith("_") and f.col_offset == 0}
    # Every public function of the module produces outgoing data and is listed; each checks its clearance.
    assert set(public) == PRODUCER_NAMES
    for name, function in public.items():
        assert function.args.args[0].arg == "clearance", name
        first = function.body[1] if isinstance(function.body[0], ast.Expr) else function.body[0]
        assert "require" in _calls(first), f"{name} must check its clearance before anything else"


def test_every_path_that_produces_outgoing_case_data_calls_the_guard() -> None:
    """Any function anywhere in Haven that calls a producer must get its clearance from guard_outgoing in
    the same function: a new outgoing path without the guard fails here."""
    callers = []
    for path in HAVEN.rglob("*.py"):
        if path.name == "outgoing.py" and path.parent.name == "referrals":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for function in _functions(tree):
            called = _calls(function)
            if called & PRODUCER_NAMES:
                callers.append(f"{path.relative_to(HAVEN)}::{function.name}")
                assert "guard_outgoing" in called, (
                    f"{path}::{function.name} produces outgoing data without the guard"
                )
    # The paths known today (a new one is fine if it calls the guard; this list shows the walk found them).
    assert {
        "referrals/services.py::referral_send",
        "referrals/services.py::referral_letter",
        "referrals/services.py::authority_disclose",
    } <= set(callers)


def test_nothing_else_in_haven_writes_a_pdf_or_builds_case_files_for_organisations() -> None:
    """fpdf is used only by the referral letter (through the guard), the evidence brief (anonymised
    statistics), the person's own access-request answer and the case summary printed for the person or a
    colleague: the last two go to no organisation, and nothing in Haven sends them to one."""
    users = sorted(
        str(p.relative_to(HAVEN)) for p in HAVEN.rglob("*.py") if "from fpdf" in p.read_text(encoding="utf-8")
    )
    assert users == ["evidence/brief.py", "followup/summary.py", "oversight/pdf.py", "referrals/outgoing.py"]


def test_every_service_that_names_an_organisation_for_case_data_calls_the_guard() -> None:
    """Services of the referral network that take a case and an organisation (or a referral or an authority
    request) and may move data call the guard; the ones that move nothing are listed by hand with why."""
    moves_nothing = {
        "link_create": "a card for the person; nothing goes to the service",
        "referral_status_set": "records the partner's answer; nothing goes out",
        "sharing_stop": "stops sharing",
        "sharing_restore": "lifts a stop; sharing itself still goes through the guard",
        "residence_request_record": "records the person's request",
        "authority_request_register": "registers a request; the answer is refusal",
        "authority_request_approve": "an approval; the disclosure itself is guarded",
        "authority_request_refuse": "refusal",
        "dialogue_record": "a meeting note, no case file",
        "inform_tasks": "tasks inside Haven",
    }
    tree = ast.parse((HAVEN / "referrals" / "services.py").read_text(encoding="utf-8"))
    for function in _functions(tree):
        if function.col_offset or function.name.startswith("_"):
            continue
        params = {a.arg for a in function.args.kwonlyargs}
        if params & {"referral", "request"} or {"case", "organisation"} <= params:
            if function.name in moves_nothing:
                continue
            assert "guard_outgoing" in _calls(function), function.name


def test_the_neutrality_refusal_is_a_permission_refusal_that_every_channel_audits() -> None:
    refusal = NeutralityRefused(case_code="HV-2026-00001", org_type="court", kind="letter")
    assert isinstance(refusal, PermissionDenied)
    assert refusal.what == "neutrality.refused"
    assert "neutral" in str(refusal.explanation)
    assert not isinstance(refusal, ValidationError)


def test_payload_json_is_serialisable_and_carries_no_values_in_the_audit(staff) -> None:
    case = north_case(staff)
    shelter = organisation("SHELTER-N")
    give_consent(staff, case, shelter.code)
    referral = services.referral_draft(
        actor=staff["case_manager"], case=case, organisation=shelter, need_domain="accommodation"
    )
    payload = services.referral_send(actor=staff["case_manager"], referral=referral)
    json.dumps(payload)
    sent = AuditEvent.objects.get(action="referral.sent")
    assert sent.detail["fields"] == ["case_code", "needs", "language", "safe_contact_method"]
    assert case.code not in json.dumps(sent.detail)
    assert isinstance(Case.objects.get(pk=case.pk), Case)


def test_the_immigration_service_at_the_persons_request_works_through_the_api_too(staff) -> None:
    case = north_case(staff)
    immigration = organisation("IMMIG-N", "immigration")
    manager = staff["case_manager"]
    body = {"organisation": immigration.code, "need_domain": "legal"}
    refused = ApiClient(manager).post(f"/cases/{case.code}/referrals", body)
    assert refused.json()["error"]["code"] == "neutrality_refused"
    services.residence_request_record(actor=manager, case=case, organisation=immigration)
    assert ApiClient(manager).post(f"/cases/{case.code}/referrals", body).status_code == 201


def test_every_service_in_haven_that_takes_a_recipient_passes_the_guard() -> None:
    """Across every app: a service that names an organisation or a recipient calls the guard (directly, or
    through the cases app's recipient hook that the referrals app fills), or is listed here by hand as
    moving no case data. The subject access export takes no recipient: it answers the person, never an
    organisation."""
    moves_nothing = {
        "referrals/services.py": {
            "organisation_save",
            "link_create",
            "referral_status_set",
            "sharing_stop",
            "sharing_restore",
            "residence_request_record",
            "authority_request_register",
            "authority_request_approve",
            "authority_request_refuse",
            "dialogue_record",
            "inform_tasks",
            "organisation_for_code",
        },
    }
    names = {"organisation", "recipient", "recipients", "referral"}
    for path in HAVEN.glob("*/services.py"):
        where = str(path.relative_to(HAVEN))
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for function in _functions(tree):
            if function.col_offset or function.name.startswith("_"):
                continue
            params = {a.arg for a in function.args.kwonlyargs + function.args.args}
            if not params & names or function.name in moves_nothing.get(where, set()):
                continue
            called = _calls(function)
            assert called & {"guard_outgoing", "check_recipient"}, f"{where}::{function.name}"
    export = next(
        f
        for f in _functions(ast.parse((HAVEN / "cases" / "services.py").read_text()))
        if f.name == "subject_access_export"
    )
    assert not {a.arg for a in export.args.kwonlyargs} & names


def test_the_cases_consent_paths_are_wired_to_the_guard() -> None:
    from haven.cases import consent
    from haven.referrals import hooks

    assert hooks.guard_recipient in consent._RECIPIENT_GUARDS
    assert hooks.on_withdrawal in consent._WITHDRAWAL_LISTENERS
