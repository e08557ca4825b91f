"""Closure and reopening: an outcome and a reason, a confirmation step, the return risk check before a
voluntary return, the child rule, history kept on reopening, and a closed case that offers only reopening."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError

from haven.cases import services
from haven.cases.models import Case, CaseClosure, StageChange
from haven.cases.sealing import open_value
from haven.cases.selectors import subject_access_document
from tests.cases.helpers import ApiClient

REASON = "The person settled with support from the municipality."


@pytest.fixture
def case(alice, bob, make_case):
    made = make_case(alice)
    return services.case_assign(actor=alice, case=made, caseworkers=[bob])


def _close_form(case: Case, outcome: str, *, confirmed: bool) -> dict[str, str]:
    form = {"outcome": outcome, "note": REASON, "version": str(case.version)}
    if confirmed:
        form["confirmed"] = "True"
    return form


def test_closing_on_the_web_asks_to_confirm_first(alice, case, signed_in):
    client = signed_in(alice)
    first = client.post(
        f"/cases/{case.code}/close/", _close_form(case, "integrated_locally", confirmed=False)
    )
    assert first.status_code == 200
    assert 'data-action="confirm-close"' in first.content.decode()
    assert Case.objects.get(pk=case.pk).stage != "closed"
    second = client.post(
        f"/cases/{case.code}/close/", _close_form(case, "integrated_locally", confirmed=True)
    )
    assert second.status_code == 302
    closed = Case.objects.get(pk=case.pk)
    assert (closed.stage, closed.closure_reason) == ("closed", "integrated_locally")


def test_a_closure_needs_an_outcome_and_a_written_reason(alice, case):
    with pytest.raises(ValidationError):
        services.case_close(actor=alice, case=case, reason="", note=REASON)
    with pytest.raises(ValidationError, match="Write the reason"):
        services.case_close(actor=alice, case=case, reason="moved", note="  ")
    services.case_close(actor=alice, case=case, reason="moved", note=REASON)
    closure = CaseClosure.objects.get(case=case)
    assert closure.outcome == "moved"
    assert REASON.encode() not in bytes(closure.reason or b"")  # sealed, never in clear
    assert open_value(case.person.key_id, closure, "reason") == REASON


def test_returned_voluntarily_is_refused_on_the_web_without_the_return_risk_check(alice, case, signed_in):
    form = _close_form(case, "returned_voluntarily", confirmed=True)
    response = signed_in(alice).post(f"/cases/{case.code}/close/", form)
    assert response.status_code == 400
    assert "re-trafficking risk check for the place of return" in response.content.decode()
    assert Case.objects.get(pk=case.pk).stage != "closed"


def test_returned_voluntarily_is_refused_through_the_api_without_the_return_risk_check(alice, case):
    body = {"outcome": "returned_voluntarily", "reason": REASON}
    response = ApiClient(alice).post(f"/cases/{case.code}/close", body)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "return_risk_check_required"
    assert Case.objects.get(pk=case.pk).stage != "closed"


def test_returned_voluntarily_is_allowed_once_the_check_is_recorded(alice, case, signed_in):
    check = {
        "country": "ng",
        "checked_on": date.today().isoformat(),
        "risk": "medium",
        "notes": "Debt settled.",
    }
    assert signed_in(alice).post(f"/cases/{case.code}/return-check/", check).status_code == 302
    body = {"outcome": "returned_voluntarily", "reason": REASON}
    response = ApiClient(alice).post(f"/cases/{case.code}/close", body)
    assert response.status_code == 200, response.content
    assert response.json()["closure_reason"] == "returned_voluntarily"


def test_the_close_page_explains_the_caution_about_voluntary_return(alice, case, signed_in):
    page = signed_in(alice).get(f"/cases/{case.code}/close/").content.decode()
    assert "extreme caution" in page
    assert 'data-state="check-missing"' in page


def test_a_check_made_before_a_reopening_does_not_count_for_a_later_return(alice, case):
    services.return_risk_check_record(
        actor=alice, case=case, country="NG", checked_on=date.today(), risk="low"
    )
    services.case_close(actor=alice, case=case, reason="moved", note=REASON)
    case = services.case_reopen(actor=alice, case=case, note="Came back.")
    with pytest.raises(ValidationError) as refused:
        services.case_close(actor=alice, case=case, reason="returned_voluntarily", note=REASON)
    assert refused.value.code == "return_risk_check_required"


def test_a_closed_case_page_offers_only_reopening(alice, case, signed_in):
    services.case_close(actor=alice, case=case, reason="lost_contact", note=REASON)
    page = signed_in(alice).get(f"/cases/{case.code}/").content.decode()
    actions = set(re.findall(r'data-action="([^"]+)"', page)) - {"logout"}
    assert actions == {"reopen"}
    forms = re.findall(r'<form[^>]*action="([^"]*)"', page)
    assert all("logout" in url or "i18n" in url for url in forms), forms


def test_an_open_case_page_offers_closing_and_not_reopening(alice, case, signed_in):
    page = signed_in(alice).get(f"/cases/{case.code}/").content.decode()
    actions = set(re.findall(r'data-action="([^"]+)"', page))
    assert "close" in actions and "reopen" not in actions


def test_a_closed_case_takes_no_new_task_and_no_stage_change(alice, case):
    services.case_close(actor=alice, case=case, reason="moved", note=REASON)
    with pytest.raises(ValidationError):
        services.task_add(actor=alice, case=case, due_on=date(2030, 1, 1), kind="appointment")
    with pytest.raises(ValidationError):
        services.case_stage_change(actor=alice, case=case, stage="support")


def test_reopening_keeps_the_history_of_each_closure(alice, case, signed_in):
    services.case_close(actor=alice, case=case, reason="moved", note=REASON)
    form = {
        "stage": "support",
        "note": "The person came back.",
        "version": str(Case.objects.get(pk=case.pk).version),
    }
    assert signed_in(alice).post(f"/cases/{case.code}/reopen/", form).status_code == 302
    services.case_close(actor=alice, case=case, reason="integrated_locally", note=REASON)
    closures = list(CaseClosure.objects.filter(case=case).order_by("closed_at", "pk"))
    assert [c.outcome for c in closures] == ["moved", "integrated_locally"]
    assert closures[0].reopened_by == alice and closures[0].reopened_at is not None
    assert closures[1].reopened_at is None
    stages = list(
        StageChange.objects.filter(case=case).order_by("changed_at", "pk").values_list("to_stage", flat=True)
    )
    assert stages[-3:] == ["closed", "support", "closed"]


def test_reopening_ends_with_a_link_to_the_tasks_to_add_next(alice, case, signed_in):
    services.case_close(actor=alice, case=case, reason="moved", note=REASON)
    form = {
        "stage": "support",
        "note": "The person came back.",
        "version": str(Case.objects.get(pk=case.pk).version),
    }
    page = signed_in(alice).post(f"/cases/{case.code}/reopen/", form, follow=True).content.decode()
    assert "The case is open again." in page
    assert f'href="/cases/{case.code}/tasks/" data-next' in page


def test_a_childs_case_is_closed_only_by_a_case_manager_with_the_best_interests_record(
    alice, bob, make_case, signed_in
):
    child = make_case(alice, stated_age=15, age_established_adult=False, date_of_birth="2011-05-01")
    child = services.case_assign(actor=alice, case=child, caseworkers=[bob])
    assert child.person.is_child
    # A caseworker may not close any case; the child rule also names the role.
    assert (
        signed_in(bob)
        .post(f"/cases/{child.code}/close/", _close_form(child, "moved", confirmed=True))
        .status_code
        == 403
    )
    response = ApiClient(alice).post(f"/cases/{child.code}/close", {"outcome": "moved", "reason": REASON})
    assert response.json()["error"]["code"] == "best_interests_required"
    services.best_interests_record(
        actor=alice, case=child, decision="Stay with the foster family.", decided_on=date.today()
    )
    response = ApiClient(alice).post(f"/cases/{child.code}/close", {"outcome": "moved", "reason": REASON})
    assert response.status_code == 200


def test_a_case_closed_with_a_former_outcome_shows_its_label_not_its_code(alice, case, signed_in):
    services.case_close(actor=alice, case=case, reason="other", note=REASON)
    # Cases closed before today's outcomes keep the codes of the time (written directly: no service
    # offers them any more).
    Case.objects.filter(pk=case.pk).update(closure_reason="support_completed")
    CaseClosure.objects.filter(case=case).update(outcome="person_declined")
    page = signed_in(alice).get(f"/cases/{case.code}/").content.decode()
    assert "Support plan completed" in page and "support_completed" not in page
    reopen = signed_in(alice).get(f"/cases/{case.code}/reopen/").content.decode()
    assert "The person chose not to continue" in reopen and "person_declined" not in reopen
    export = subject_access_document(Case.objects.get(pk=case.pk))
    assert export["case_record"]["closure_reason"] == {
        "code": "support_completed",
        "label": "Support plan completed",
    }


def test_the_case_path_converter_is_registered_once() -> None:
    # Registering it again (it was, in the oversight URLconf) makes Django warn at every start.
    sources = Path(__file__).resolve().parents[2] / "haven"
    registrations = [
        path
        for path in sources.rglob("urls.py")
        if re.search(r"register_converter\([^)]*\"case\"\)", path.read_text(encoding="utf-8"))
    ]
    assert [p.relative_to(sources).as_posix() for p in registrations] == ["cases/urls.py"]
