"""One way in: each rule of an action lives in its service, so the web pages, the API and the command line
give the same decision. Each test runs one action through every channel that offers it; the expected
decisions are written out by hand here, never derived from the permission code.

alice manages cases in North; bob is a caseworker in North; charlie is a caseworker in South.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from haven.accounts.models import User
from haven.accounts.permissions import Role
from haven.cases import services
from haven.cases.models import Case, Consent, Task
from tests.cases.helpers import ApiClient, with_purpose

ALLOWED = "allowed"
REFUSED = "refused"


def _api_error(response) -> dict:  # type: ignore[no-untyped-def]
    body = response.json()
    assert set(body) == {"error"}, body
    assert {"code", "message"} <= set(body["error"]), body
    return body["error"]


# -- 1. people from another team get no part in a case -------------------------------------------------------

# Who may be given each part in a North case, by hand: North's staff yes, South's staff never.
PARTS: dict[tuple[str, str], str] = {
    ("task_assignee", "bob"): ALLOWED,
    ("task_assignee", "charlie"): REFUSED,
    ("task_assignee", "south_manager"): REFUSED,
    ("consent_explainer", "bob"): ALLOWED,
    ("consent_explainer", "charlie"): REFUSED,
    ("consent_explainer", "south_manager"): REFUSED,
    ("caseworker", "bob"): ALLOWED,
    ("caseworker", "charlie"): REFUSED,
    ("case_manager", "south_manager"): REFUSED,
}


@pytest.fixture
def people(alice: User, bob: User, charlie: User, make_user: Callable[..., User]) -> dict[str, User]:
    return {
        "alice": alice,
        "bob": bob,
        "charlie": charlie,
        "south_manager": make_user(Role.CASE_MANAGER, "South", "south-manager@example.test"),
    }


def _consent_form(explained_by: User) -> dict[str, str]:
    return {
        "purpose": "assistance",
        "status": "given",
        "given_on": date.today().isoformat(),
        "language": "en",
        "explained_by": str(explained_by.pk),
        "information_sheet_version": "v1",
    }


@pytest.mark.parametrize(("part", "who"), [key for key in PARTS if key[0] == "task_assignee"])
def test_a_task_assignee_gets_the_same_decision_on_web_and_api(
    part: str, who: str, people: dict[str, User], make_case, signed_in
) -> None:
    alice, assignee = people["alice"], people[who]
    case = make_case(alice)
    expected = PARTS[(part, who)]

    web = signed_in(alice).post(
        f"/cases/{case.code}/tasks/", {"title": "Test call", "due_on": "2030-01-01", "assignee": assignee.pk}
    )
    assert web.status_code == (302 if expected == ALLOWED else 400)

    api = ApiClient(alice).post(
        f"/cases/{case.code}/tasks", {"title": "Test call", "due_on": "2030-01-01", "assignee": assignee.pk}
    )
    assert api.status_code == (201 if expected == ALLOWED else 400), api.content
    if expected == REFUSED:
        assert _api_error(api)["code"] == "assignee_cannot_open_case"
    assert Task.objects.filter(case=case, assignee=assignee).count() == (2 if expected == ALLOWED else 0)


@pytest.mark.parametrize(("part", "who"), [key for key in PARTS if key[0] == "consent_explainer"])
def test_who_explained_a_consent_gets_the_same_decision_on_web_and_api(
    part: str, who: str, people: dict[str, User], make_case, signed_in
) -> None:
    alice, explainer = people["alice"], people[who]
    case = make_case(alice)
    expected = PARTS[(part, who)]

    web = signed_in(alice).post(f"/cases/{case.code}/consent/", _consent_form(explainer))
    assert web.status_code == (302 if expected == ALLOWED else 400)

    body = {**_consent_form(explainer), "explained_by": explainer.pk}
    api = ApiClient(alice).post(f"/cases/{case.code}/consents", body)
    assert api.status_code == (201 if expected == ALLOWED else 400), api.content
    if expected == REFUSED:
        assert _api_error(api)["code"] == "invalid_input"
    assert Consent.objects.filter(case=case, explained_by=explainer).count() == (
        2 if expected == ALLOWED else 0
    )


@pytest.mark.parametrize(("part", "who"), [key for key in PARTS if key[0] in ("caseworker", "case_manager")])
def test_an_assignment_gets_the_same_decision_on_the_web_and_in_the_service(
    part: str, who: str, people: dict[str, User], make_case, signed_in
) -> None:
    alice, person = people["alice"], people[who]
    case = make_case(alice)
    expected = PARTS[(part, who)]
    form = {"caseworkers": [person.pk]} if part == "caseworker" else {"case_manager": person.pk}

    web = signed_in(alice).post(f"/cases/{case.code}/assign/", form)
    assert web.status_code == (302 if expected == ALLOWED else 400)

    # No API or command assigns cases; the service is the one way in and decides the same.
    kwargs = {"caseworkers": [person]} if part == "caseworker" else {"case_manager": person}
    if expected == ALLOWED:
        services.case_assign(actor=alice, case=case, **kwargs)
    else:
        with pytest.raises(ValidationError):
            services.case_assign(actor=alice, case=case, **kwargs)
    case = Case.objects.get(pk=case.pk)
    assigned = case.caseworkers.filter(pk=person.pk).exists() or case.case_manager_id == person.pk
    assert assigned is (expected == ALLOWED)


def test_the_assign_form_lists_only_people_of_the_cases_team(
    people: dict[str, User], make_case, signed_in
) -> None:
    case = make_case(people["alice"])
    page = signed_in(people["alice"]).get(f"/cases/{case.code}/assign/")
    assert page.status_code == 200
    listed = page.content.decode()
    assert people["bob"].email in listed
    for outsider in ("charlie", "south_manager"):
        assert people[outsider].email not in listed


def test_the_task_and_consent_forms_list_only_people_of_the_cases_team(
    people: dict[str, User], make_case, signed_in
) -> None:
    case = make_case(people["alice"])
    client: Client = signed_in(people["alice"])
    for page in ("tasks", "consent"):
        listed = client.get(f"/cases/{case.code}/{page}/").content.decode()
        assert people["bob"].email in listed, page
        assert people["charlie"].email not in listed, page


# -- 2. a possible existing person is flagged in every channel -----------------------------------------------

SAME_PERSON = {"name": "Test Person Kappa", "date_of_birth": "1993-07-08"}

# What a second first contact with the same name and birth date gets, by hand: a warning and nothing
# created unless confirmed, for a role that may search by name; a volunteer is never told of records.
DUPLICATE: dict[tuple[str, bool], str] = {
    ("case_manager", False): "warned",
    ("case_manager", True): "created",
    ("volunteer", False): "created",
    ("volunteer", True): "created",
}


def _web_first_contact(confirm: bool) -> dict[str, str]:
    form = {**SAME_PERSON, "age_method": "unknown", "gender": "NonSpecifiedUnknown"}
    return {**form, "create_anyway": "on"} if confirm else form


@pytest.mark.parametrize(("role", "confirm"), list(DUPLICATE))
def test_a_possible_existing_person_gets_the_same_decision_on_web_and_api(
    role: str, confirm: bool, alice: User, make_user: Callable[..., User], make_case, signed_in
) -> None:
    existing = make_case(alice, **SAME_PERSON)
    actor = alice if role == "case_manager" else make_user(Role.VOLUNTEER, "North")
    expected = DUPLICATE[(role, confirm)]
    before = Case.objects.count()

    web = signed_in(actor).post("/cases/new/", _web_first_contact(confirm))
    if expected == "warned":
        assert web.status_code == 409
        assert b'data-warning="possible-existing"' in web.content and existing.code.encode() in web.content
    else:
        assert web.status_code == 302

    body = {"person": dict(SAME_PERSON), **({"confirm_new_person": True} if confirm else {})}
    api = ApiClient(actor).post("/cases", body)
    if expected == "warned":
        assert api.status_code == 409, api.content
        error = _api_error(api)
        assert error["code"] == "possible_duplicate" and error["cases"] == [existing.code]
    else:
        assert api.status_code == 201, api.content

    assert Case.objects.count() == before + (0 if expected == "warned" else 2)


def test_the_warning_is_a_service_rule(alice: User, make_case) -> None:
    existing = make_case(alice, **SAME_PERSON)
    with pytest.raises(services.PossibleDuplicate) as caught:
        services.first_contact_create(actor=alice, values=dict(SAME_PERSON))
    assert caught.value.codes == [existing.code]
    created = services.first_contact_create(actor=alice, values=dict(SAME_PERSON), confirm_new_person=True)
    assert created.code != existing.code


def test_the_api_documents_the_duplicate_answer(db: None) -> None:
    document = Client().get("/api/v1/openapi.json").json()
    create = document["paths"]["/api/v1/cases"]["post"]
    assert "409" in create["responses"]
    assert "confirm_new_person" in create["description"]


# -- 3. consent withdrawal, pressure sign-off, attachments and erasure: the rules are the services' ----------


@pytest.fixture
def dpo(make_user: Callable[..., User]) -> User:
    return make_user(Role.DPO, "North", "dpo@example.test")


def _consent(case: Case, alice: User, state: str) -> Consent:
    consent = services.consent_record(
        actor=alice,
        case=case,
        purpose="referral",
        recipient="ORG-TEST-1",
        status="refused" if state == "refused" else "given",
        given_on=date.today(),
        language="en",
        explained_by=alice,
        interpreter=False,
        information_sheet_version="v1",
    )
    if state == "withdrawn":
        services.consent_withdraw(
            actor=alice, case=case, consent=consent, reason="changed_mind", confirm_no_pressure=True
        )
    return consent


# Which consents can be withdrawn, by hand: only one that is given, and never once the person is erased.
WITHDRAW: dict[str, str] = {
    "given": ALLOWED,
    "refused": REFUSED,
    "withdrawn": REFUSED,
    "given, person erased": REFUSED,
}


@pytest.mark.parametrize("state", list(WITHDRAW))
def test_withdrawing_a_consent_gets_the_same_decision_on_web_and_api(
    state: str, alice: User, dpo: User, make_case, signed_in
) -> None:
    case = make_case(alice)
    on_web, on_api = (_consent(case, alice, state.split(",")[0]) for _channel in range(2))
    if state.endswith("erased"):
        services.person_erase(actor=dpo, case=case, reason="retention_expired")
    expected = WITHDRAW[state]
    answer = {"reason": "changed_mind", "confirm_no_pressure": True}

    web = signed_in(alice).post(
        f"/cases/{case.code}/consent/{on_web.pk}/withdraw/", {**answer, "confirm": "yes"}
    )
    assert web.status_code == (302 if expected == ALLOWED else 400)

    api = ApiClient(alice).post(f"/cases/{case.code}/consents/{on_api.pk}/withdraw", answer)
    assert api.status_code == (200 if expected == ALLOWED else 400), api.content
    if expected == REFUSED:
        assert _api_error(api)["code"] == "invalid_input"

    withdrawn_now = Consent.objects.filter(pk__in=[on_web.pk, on_api.pk], withdrawn_at__isnull=False)
    if state == "withdrawn":
        assert withdrawn_now.count() == 2  # withdrawn before, and left as it was
    else:
        assert withdrawn_now.count() == (2 if expected == ALLOWED else 0)


# Which pressure checks the DPO can sign off, by hand: one with signs of pressure, not yet signed off.
SIGN_OFF: dict[str, str] = {
    "signs of pressure": ALLOWED,
    "no sign of pressure": REFUSED,
    "already signed off": REFUSED,
    "signs of pressure, person erased": REFUSED,
}


@pytest.mark.parametrize("state", list(SIGN_OFF))
def test_signing_off_a_pressure_check_gets_the_same_decision_on_the_web_and_in_the_service(
    state: str, alice: User, dpo: User, make_case, signed_in
) -> None:
    case = with_purpose(dpo, make_case(alice), "consent_sign_off")

    def check() -> services.PressureCheck:
        made = services.pressure_check_confirm(
            actor=alice, case=case, kind="withdrawal", signs_of_pressure=state != "no sign of pressure"
        )
        if state == "already signed off":
            services.pressure_signoff(actor=dpo, check=made, basis="vital_interest", reason="Test reason one")
        return made

    on_web, in_service = check(), check()
    if state.endswith("erased"):
        services.person_erase(actor=dpo, case=case, reason="retention_expired")
    expected = SIGN_OFF[state]
    signed_before = dict(
        services.PressureCheck.objects.filter(pk__in=[on_web.pk, in_service.pk]).values_list(
            "pk", "signoff_at"
        )
    )

    web = signed_in(dpo).post(
        f"/cases/{case.code}/pressure/",
        {"check": on_web.pk, "basis": "vital_interest", "reason": "Test reason two"},
    )
    assert web.status_code == (302 if expected == ALLOWED else 400)

    # No API or command signs off; the service is the one way in and decides the same.
    if expected == ALLOWED:
        services.pressure_signoff(actor=dpo, check=in_service, basis="vital_interest", reason="Test reason")
    else:
        with pytest.raises(ValidationError):
            services.pressure_signoff(
                actor=dpo, check=in_service, basis="vital_interest", reason="Test reason"
            )
    signed = services.PressureCheck.objects.filter(
        pk__in=[on_web.pk, in_service.pk], signoff_at__isnull=False
    )
    assert signed.count() == (0 if expected == REFUSED and state != "already signed off" else 2)
    if expected == REFUSED:  # a refusal changes nothing, not even an earlier sign-off
        assert dict(signed.values_list("pk", "signoff_at")) == {
            pk: at for pk, at in signed_before.items() if at is not None
        }


class _LyingUpload:
    """An upload whose declared size is within the limit, while its content is not."""

    def __init__(self, content: bytes, size: int) -> None:
        self.content, self.size = content, size

    def read(self, size: int = -1, /) -> bytes:
        return self.content if size < 0 else self.content[:size]


def test_a_file_over_the_limit_is_refused_on_the_web_and_in_the_service_before_it_is_read(
    alice: User, make_case, signed_in, settings
) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.ATTACHMENT_MAX_BYTES = 2048
    case = make_case(alice)
    too_large = b"synthetic text " * 200  # 3000 bytes of plain text

    web = signed_in(alice).post(
        f"/cases/{case.code}/attachments/", {"file": SimpleUploadedFile("t.txt", too_large)}
    )
    assert web.status_code == 400
    assert b"at most" in web.content

    for data in (too_large, _LyingUpload(too_large, size=100)):
        with pytest.raises(ValidationError):
            services.attachment_add(actor=alice, case=case, filename="t.txt", data=data)
    fits = services.attachment_add(actor=alice, case=case, filename="t.txt", data=too_large[:2048])
    assert fits.size == 2048
    assert case.attachments.count() == 1


# The erasure confirmation, by hand: the typed code must be the case's own code.
ERASE_CONFIRM: dict[str, str] = {"the case code": ALLOWED, "another code": REFUSED, "lower case": ALLOWED}


@pytest.mark.parametrize("typed", list(ERASE_CONFIRM))
def test_the_erasure_confirmation_gets_the_same_decision_on_the_web_and_in_the_service(
    typed: str, alice: User, dpo: User, make_case, signed_in
) -> None:
    from haven.cases.models import ErasureTombstone
    from tests.cases.helpers import recently_authenticated

    on_web, in_service = with_purpose(dpo, make_case(alice)), make_case(alice)
    expected = ERASE_CONFIRM[typed]

    def code_for(case: Case) -> str:
        return {"the case code": case.code, "another code": "HV-2000-99999", "lower case": case.code.lower()}[
            typed
        ]

    client = recently_authenticated(signed_in(dpo))
    web = client.post(
        f"/cases/{on_web.code}/erase/", {"reason": "retention_expired", "confirm_code": code_for(on_web)}
    )
    assert web.status_code == (302 if expected == ALLOWED else 400)

    if expected == ALLOWED:
        services.person_erase(
            actor=dpo, case=in_service, reason="retention_expired", confirm_code=code_for(in_service)
        )
    else:
        with pytest.raises(ValidationError):
            services.person_erase(
                actor=dpo, case=in_service, reason="retention_expired", confirm_code=code_for(in_service)
            )
    erased = ErasureTombstone.objects.filter(case_code__in=[on_web.code, in_service.code]).count()
    assert erased == (2 if expected == ALLOWED else 0)


# What may still change once the person is erased, by hand: nothing.
AFTER_ERASURE = ["close", "handover", "task_done", "pressure_check", "export"]


@pytest.mark.parametrize("action", AFTER_ERASURE)
def test_nothing_changes_once_the_person_is_erased_on_the_web_or_in_the_service(
    action: str, alice: User, dpo: User, make_case, signed_in
) -> None:
    from tests.cases.helpers import recently_authenticated

    case = make_case(alice)
    task = services.task_add(actor=alice, case=case, due_on=date(2030, 1, 1), kind="appointment")
    services.person_erase(actor=dpo, case=case, reason="retention_expired")
    case = Case.objects.select_related("person").get(pk=case.pk)
    before = (case.version, case.closure_reason, case.handed_over)

    web_calls = {
        "close": (
            alice,
            "post",
            f"/cases/{case.code}/close/",
            {
                "outcome": "referred",
                "note": "Synthetic reason.",
                "version": case.version,
                "confirmed": "True",
            },
        ),
        "handover": (alice, "post", f"/cases/{case.code}/handover/", {"confirm": "yes"}),
        "task_done": (alice, "post", f"/cases/{case.code}/tasks/{task.pk}/done/", {"confirm": "yes"}),
        "pressure_check": (
            alice,
            "post",
            f"/cases/{case.code}/pressure/",
            {"kind": "erasure", "signs_of_pressure": "no"},
        ),
        "export": (dpo, "get", f"/cases/{case.code}/export/", None),
    }
    who, method, url, data = web_calls[action]
    client = recently_authenticated(signed_in(who))
    response = getattr(client, method)(url, data) if data is not None else getattr(client, method)(url)
    assert response.status_code in (400, 404) or (
        response.status_code == 302 and action in ("handover", "task_done")
    ), response.status_code

    service_calls = {
        "close": lambda: services.case_close(
            actor=alice, case=case, reason="referred", note="Synthetic reason."
        ),
        "handover": lambda: services.case_handover(actor=alice, case=case),
        "task_done": lambda: services.task_done(actor=alice, case=case, task=task),
        "pressure_check": lambda: services.pressure_check_confirm(
            actor=alice, case=case, kind="erasure", signs_of_pressure=False
        ),
        "export": lambda: services.subject_access_export(actor=dpo, case=case),
    }
    with pytest.raises(ValidationError):
        service_calls[action]()
    after = Case.objects.get(pk=case.pk)
    assert (after.version, after.closure_reason, after.handed_over) == before
    assert not Task.objects.filter(pk=task.pk, done_at__isnull=False).exists()
    assert not services.PressureCheck.objects.filter(case=case).exists()


# -- 4. every refusal is audited, on the web and on the API --------------------------------------------------

# Each refusal by hand: who asks, through which channel, what answer, and what the audit entry names (the
# permission or check that refused, and the case code when a case was asked for).
REFUSALS: list[tuple[str, str, str, str, str, dict | None, int, str, bool]] = [
    # name, who, channel, method, path, body, status, what, names the case
    ("web page of another team's case", "charlie", "web", "get", "/cases/{code}/", None, 404, "case.view",
     True),
    ("web search for another team's case", "charlie", "web", "post", "/cases/search/", {"code": "{code}"},
     404, "case.view", True),
    ("web sensitive section", "bob", "web", "get", "/cases/{code}/person/health/", None, 403,
     "case.view_sensitive", True),
    ("web page the role may not open", "bob", "web", "get", "/cases/{code}/assign/", None, 403, "case.assign",
     False),
    ("web pressure page", "bob", "web", "get", "/cases/{code}/pressure/", None, 403, "cases:pressure", False),
    ("api another team's case", "charlie", "api", "get", "/cases/{code}", None, 404, "case.view", True),
    ("api identity without the permission", "volunteer", "api", "get", "/cases/{code}/person", None, 403,
     "case.view_identifying", False),
    ("api sensitive value refused inside the service", "bob", "api", "put", "/cases/{code}/person",
     {"version": 1, "values": {"health": "Test value"}}, 403, "case.view_sensitive", False),
    ("api statistics", "bob", "api", "get", "/stats/budget", None, 403, "stats.view", False),
]  # fmt: skip


@pytest.mark.parametrize(
    ("name", "who", "channel", "method", "path", "body", "status", "what", "names_case"),
    REFUSALS,
    ids=[r[0] for r in REFUSALS],
)
def test_every_refusal_writes_one_audit_entry_with_codes_only(
    name: str,
    who: str,
    channel: str,
    method: str,
    path: str,
    body: dict | None,
    status: int,
    what: str,
    names_case: bool,
    alice: User,
    bob: User,
    charlie: User,
    make_user: Callable[..., User],
    make_case,
    signed_in,
) -> None:
    from haven.audit.models import AuditEvent

    case = make_case(alice)
    services.case_assign(actor=alice, case=case, caseworkers=[bob])
    person = Case.objects.get(pk=case.pk).person
    actor = {"bob": bob, "charlie": charlie}.get(who) or make_user(Role.VOLUNTEER, "North")
    url = path.format(code=case.code)
    data = {k: (v.format(code=case.code) if isinstance(v, str) else v) for k, v in (body or {}).items()}
    before = AuditEvent.objects.filter(action="access.denied").count()

    if channel == "web":
        client = signed_in(actor)
        response = client.get(url) if method == "get" else client.post(url, data)
    else:
        api = ApiClient(actor)
        if method == "get":
            response = api.get(url)
        else:
            response = api.client.put(f"/api/v1{url}", data, content_type="application/json", **api.auth)
        assert _api_error(response)["code"] == ("forbidden" if status == 403 else "not_found")
    assert response.status_code == status, response.content[:300]

    entries = list(AuditEvent.objects.filter(action="access.denied").order_by("seq"))[before:]
    assert len(entries) == 1, [e.detail for e in entries]
    entry = entries[0]
    assert (entry.actor_id, entry.detail) == (actor.pk, {"what": what})
    if names_case:
        assert (entry.object_type, entry.object_id) == ("case", case.code)
    # Codes and ids only: nothing of the person, nor of the account beyond its id.
    written = f"{entry.object_type} {entry.object_id} {entry.detail}"
    assert "Test" not in written and "@" not in written and str(person.pk) != entry.object_id


def test_a_refusal_for_a_made_up_code_names_no_object(charlie: User) -> None:
    from haven.audit.models import AuditEvent

    response = ApiClient(charlie).get("/cases/not a code, maybe a name")
    assert response.status_code == 404
    entry = AuditEvent.objects.filter(action="access.denied").order_by("-seq").first()
    assert entry is not None and (entry.object_type, entry.object_id) == ("", "")


def test_the_audit_chain_still_verifies_after_refusals(
    alice: User, charlie: User, make_case, signed_in
) -> None:
    import io
    import json

    from django.core.management import call_command

    from haven.audit.models import AuditEvent

    case = make_case(alice)
    signed_in(charlie).get(f"/cases/{case.code}/")
    ApiClient(charlie).get(f"/cases/{case.code}")
    assert AuditEvent.objects.filter(action="access.denied").count() == 2
    out = io.StringIO()
    call_command("audit", "verify", "--json", stdout=out)  # exits 1 (SystemExit) on a broken chain
    verdict = json.loads(out.getvalue())
    assert verdict["ok"] is True and verdict["checked"] == AuditEvent.objects.count()


# -- 5. an API read of the person is audited as every section it returns -------------------------------------

# The sections a read of the person returns, by hand, per role: sensitive sections only for the manager.
PERSON_READ: dict[str, set[str]] = {
    "case manager": {"identity", "child", "location", "health", "perpetrator"},
    "caseworker": {"identity", "child"},
}
SENSITIVE_VALUE = "Test health value"


@pytest.mark.parametrize("role", list(PERSON_READ))
def test_the_api_person_read_is_audited_as_the_sections_it_returns(
    role: str, alice: User, bob: User, make_case
) -> None:
    from haven.audit.models import AuditEvent

    case = make_case(alice, health=SENSITIVE_VALUE, location="Test location value")
    services.case_assign(actor=alice, case=case, caseworkers=[bob])
    reader = alice if role == "case manager" else bob

    def sections_read() -> list[str]:
        events = AuditEvent.objects.filter(action="case.viewed", object_id=case.code, actor_id=reader.pk)
        return [e.detail["section"] for e in events.order_by("seq")]

    before = len(sections_read())
    response = ApiClient(reader).get(f"/cases/{case.code}/person")
    assert response.status_code == 200
    values = response.json()["values"]
    read = sections_read()[before:]
    assert sorted(read) == sorted(PERSON_READ[role])  # each once
    assert ("health" in values and values["health"] == SENSITIVE_VALUE) is ("health" in PERSON_READ[role])
    assert ("location" in values) is ("location" in PERSON_READ[role])

    # The same read after a change through the API (PUT answers with the person) is audited alike.
    version = response.json()["version"]
    before = len(sections_read())
    changed = ApiClient(reader).client.put(
        f"/api/v1/cases/{case.code}/person",
        {"version": version, "values": {"aliases": "Test alias"}},
        content_type="application/json",
        **ApiClient(reader).auth,
    )
    assert changed.status_code == 200, changed.content
    assert "identity" in sections_read()[before:]
    assert set(sections_read()[before:]) == PERSON_READ[role]


def test_every_sealed_person_field_belongs_to_one_audited_section() -> None:
    from haven.cases.models import Person
    from haven.cases.selectors import PERSON_SECTIONS

    fields = [name for names in PERSON_SECTIONS.values() for name in names]
    assert sorted(fields) == sorted(Person.SEALED_FIELDS)


# -- 6. an import creates cases only in the importing case manager's own team --------------------------------

# Who may import into which team, by hand: a case manager into their own team only; a DPO into none.
IMPORTS: dict[tuple[str, str], str] = {
    ("north_manager", "North"): ALLOWED,
    ("north_manager", "South"): REFUSED,
    ("south_manager", "South"): ALLOWED,
    ("south_manager", "North"): REFUSED,
    ("dpo", "North"): REFUSED,
}


@pytest.mark.parametrize(("who", "team"), list(IMPORTS))
def test_an_import_gets_the_same_decision_on_the_command_line_and_in_the_service(
    who: str, team: str, alice: User, dpo: User, make_user: Callable[..., User], tmp_path
) -> None:
    from django.core.exceptions import PermissionDenied

    from haven.accounts.models import Team
    from haven.cases.importer import people_import
    from tests.cases.test_import import HEADER, ROWS, as_dicts, run_import, write_csv

    actor = {"north_manager": alice, "dpo": dpo}.get(who) or make_user(Role.CASE_MANAGER, "South")
    expected = IMPORTS[(who, team)]
    path = write_csv(tmp_path / "people.csv", HEADER, ROWS)

    code, _out, err = run_import(path, "--team", team, "--actor", actor.email)
    if expected == ALLOWED:
        assert code == 0, err
    else:
        assert code == 2
        message = err.strip()
        assert "\n" not in message and message.startswith("nothing imported")
    assert Case.objects.filter(team__name=team).count() == (len(ROWS) if expected == ALLOWED else 0)

    target = Team.objects.get(name=team)
    if expected == ALLOWED:
        assert people_import(actor=actor, team=target, rows=as_dicts(HEADER, ROWS), dry_run=True).ok
    else:
        with pytest.raises(PermissionDenied):
            people_import(actor=actor, team=target, rows=as_dicts(HEADER, ROWS), dry_run=True)


def test_importing_into_another_team_says_so_in_one_line(alice: User, tmp_path) -> None:
    from tests.cases.test_import import HEADER, ROWS, run_import, write_csv

    path = write_csv(tmp_path / "people.csv", HEADER, ROWS)
    code, _out, err = run_import(path, "--team", "South", "--actor", alice.email)
    assert code == 2
    assert "not a member of team 'South'" in err and err.count("\n") == 0
    assert not Case.objects.exists()
