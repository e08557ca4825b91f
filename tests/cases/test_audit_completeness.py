"""Audit completeness: probing another team's case code writes a refusal entry that looks exactly like the
one for a code that does not exist (web and API), and each read is audited as the sections it really
returned: the summary's name is a read of the identity, health notes among the notes a read of health."""

from __future__ import annotations

import pytest

from haven.accounts.permissions import Role
from haven.audit.models import AuditEvent
from haven.cases import services
from tests.cases.helpers import MISSING_CODE, ApiClient

FIELDS = ("action", "actor_id", "object_type", "detail")


@pytest.fixture
def south_case(make_user, make_case):
    return make_case(make_user(Role.CASE_MANAGER, "South"))


def _refusals(actor, code):
    return [
        {name: getattr(e, name) for name in FIELDS}
        for e in AuditEvent.objects.filter(action="access.denied", actor_id=actor.pk, object_id=code)
    ]


@pytest.mark.parametrize("channel", ["web", "api"])
def test_probing_another_teams_case_writes_a_refusal_like_a_missing_code(
    alice, south_case, signed_in, channel
):
    if channel == "web":
        browser = signed_in(alice)
        answers = [browser.get(f"/cases/{code}/").status_code for code in (south_case.code, MISSING_CODE)]
    else:
        api = ApiClient(alice)
        answers = [api.get(f"/cases/{code}").status_code for code in (south_case.code, MISSING_CODE)]
    assert answers == [404, 404]
    existing, missing = _refusals(alice, south_case.code), _refusals(alice, MISSING_CODE)
    assert len(existing) == 1 and len(missing) == 1
    # Same fields, same values: nothing in the entry tells an existing case from a missing one.
    assert existing == missing
    assert not AuditEvent.objects.filter(action="case.viewed", object_id=south_case.code).exists()


def _sections(actor, code, since):
    return sorted(
        e.detail["section"]
        for e in AuditEvent.objects.filter(
            action="case.viewed", actor_id=actor.pk, object_id=code, seq__gt=since
        )
    )


def _head():
    return AuditEvent.objects.order_by("-seq").values_list("seq", flat=True).first() or 0


# The sections each read really returns, by hand: the summary shows the name and safe contact only to roles
# that may see identifying data (the case manager, not the volunteer who recorded the first contact).
SUMMARY_READ = {"case manager": ["identity", "summary"], "volunteer": ["summary"]}


@pytest.mark.parametrize("who", list(SUMMARY_READ))
def test_the_summary_is_audited_as_every_section_it_shows_on_the_web_and_the_api(
    who, alice, users_by_role, make_case, signed_in
):
    reader = alice if who == "case manager" else users_by_role[Role.VOLUNTEER]
    case = make_case(reader, name="Test Person Summary", safe_contact="Test safe contact", open_case=False)
    since = _head()
    page = signed_in(reader).get(f"/cases/{case.code}/")
    assert page.status_code == 200
    assert (b"Test Person Summary" in page.content) is ("identity" in SUMMARY_READ[who])
    assert _sections(reader, case.code, since) == SUMMARY_READ[who]
    since = _head()
    answer = ApiClient(reader).get(f"/cases/{case.code}")
    assert answer.status_code == 200
    assert (answer.json()["name"] == "Test Person Summary") is ("identity" in SUMMARY_READ[who])
    assert _sections(reader, case.code, since) == SUMMARY_READ[who]


def test_health_notes_among_the_notes_are_audited_as_a_read_of_health(alice, make_case, signed_in):
    case = make_case(alice)
    services.note_add(actor=alice, case=case, section="health", body="Test health note")
    services.note_add(actor=alice, case=case, section="general", body="Test general note")
    since = _head()
    assert signed_in(alice).get(f"/cases/{case.code}/notes/").status_code == 200
    assert _sections(alice, case.code, since) == ["health", "notes"]
    since = _head()
    assert ApiClient(alice).get(f"/cases/{case.code}/notes").status_code == 200
    assert _sections(alice, case.code, since) == ["health", "notes"]


def test_notes_without_sensitive_sections_are_audited_as_notes_only(alice, make_case, signed_in):
    case = make_case(alice)
    services.note_add(actor=alice, case=case, section="general", body="Test general note")
    since = _head()
    assert signed_in(alice).get(f"/cases/{case.code}/notes/").status_code == 200
    assert _sections(alice, case.code, since) == ["notes"]
