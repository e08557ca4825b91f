"""Optimistic locking: two people edit the same case; the second save gets the conflict page (409), the
first person's data is kept and the second person's input is not lost."""

from __future__ import annotations

import pytest

from haven.cases import services
from haven.cases.sealing import open_value


def _form(client, code):
    response = client.get(f"/cases/{code}/person/edit/")
    assert response.status_code == 200
    form = response.context["form"]
    return {name: form[name].value() or "" for name in form.fields}


def _post(values):
    data = {k: v for k, v in values.items() if v not in (None, False)}
    data["age_established_adult"] = "on"
    # Languages and citizenship are lists of codes, posted as a multiple choice (one value each).
    data["languages"] = list(values["languages"] or [])
    data["citizenship"] = list(values["citizenship"] or [])
    return data


def test_second_save_gets_the_conflict_page_and_no_data_is_lost(alice, bob, make_case, signed_in):
    case = make_case(alice)
    services.case_assign(actor=alice, case=case, caseworkers=[bob])
    first, second = signed_in(alice), signed_in(bob)
    form_a, form_b = _form(first, case.code), _form(second, case.code)

    form_a["safe_contact"] = "Test: only on Tuesdays"
    saved = first.post(f"/cases/{case.code}/person/edit/", _post(form_a))
    assert saved.status_code == 302

    form_b["safe_contact"] = "Test: never by phone"
    conflict = second.post(f"/cases/{case.code}/person/edit/", _post(form_b))
    assert conflict.status_code == 409
    assert b'data-state="conflict"' in conflict.content
    assert b"Test: never by phone" in conflict.content  # the second person's input is still in the form

    case.person.refresh_from_db()
    assert open_value(case.person.key_id, case.person, "safe_contact") == "Test: only on Tuesdays"
    assert case.person.version == 2


def test_saving_again_after_the_conflict_is_a_deliberate_overwrite(alice, make_case, signed_in):
    case = make_case(alice)
    client = signed_in(alice)
    stale = _form(client, case.code)
    services.person_update(actor=alice, case=case, expected_version=1, values={"aliases": "Test Alias"})
    stale["safe_contact"] = "Test: late"
    conflict = client.post(f"/cases/{case.code}/person/edit/", _post(stale))
    assert conflict.status_code == 409
    again = conflict.context["form"].data
    assert client.post(f"/cases/{case.code}/person/edit/", again).status_code == 302


def test_stale_version_raises_conflict_in_the_service(alice, make_case):
    case = make_case(alice)
    services.person_update(actor=alice, case=case, expected_version=1, values={"aliases": "Test A"})
    with pytest.raises(services.Conflict) as caught:
        services.person_update(actor=alice, case=case, expected_version=1, values={"aliases": "Test B"})
    assert caught.value.current_version == 2


def test_api_answers_409_on_a_stale_version(alice, make_case):
    from django.test import Client

    from haven.api.services import token_create

    case = make_case(alice)
    _t, raw = token_create(actor=alice, user=alice)
    auth = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
    body = {"version": 1, "values": {"aliases": "Test A"}}
    client = Client()
    ok = client.put(f"/api/v1/cases/{case.code}/person", body, content_type="application/json", **auth)
    assert ok.status_code == 200 and ok.json()["version"] == 2
    stale = client.put(f"/api/v1/cases/{case.code}/person", body, content_type="application/json", **auth)
    assert stale.status_code == 409
    assert stale.json()["error"]["code"] == "conflict"
    assert stale.json()["error"]["current_version"] == 2


def test_stale_stage_change_gets_the_conflict_page(alice, make_case, signed_in):
    case = make_case(alice)
    client = signed_in(alice)
    assert (
        client.post(
            f"/cases/{case.code}/stage/", {"stage": "assessment", "version": case.version}
        ).status_code
        == 302
    )
    stale = client.post(f"/cases/{case.code}/stage/", {"stage": "support", "version": case.version})
    assert stale.status_code == 409
