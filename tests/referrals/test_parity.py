"""One way in for the referral actions: each role gets the same decision on every channel, and that decision
is the hand-written table of tests/parity/test_actions.py (EXPECTED)."""

from __future__ import annotations

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from haven.referrals.models import Referral
from tests.cases.helpers import ApiClient
from tests.parity.test_actions import DONE, EXPECTED, REFUSED, _web
from tests.referrals.helpers import give_consent, north_case, organisation


def _status(code: int, done: tuple[int, ...]) -> str:
    if code in done:
        return DONE
    assert code in (403, 404), code
    return REFUSED


def _cli(*args: str) -> str:
    try:
        call_command(*args, stdout=StringIO())
    except CommandError as exc:
        assert exc.returncode == 2
        return REFUSED
    return DONE


def test_referring_gets_the_same_decision_on_every_channel(staff) -> None:
    case = north_case(staff)
    shelter = organisation("SHELTER-N")
    give_consent(staff, case, shelter.code)
    for role, user in staff.items():
        expected = DONE if role in EXPECTED["referral.send"] else REFUSED
        form = {"organisation": shelter.code, "need": "accommodation"}
        web = _status(_web(user).post(f"/referrals/case/{case.code}/refer/", form).status_code, (302,))
        body = {"organisation": shelter.code, "need_domain": "accommodation"}
        api = _status(ApiClient(user).post(f"/cases/{case.code}/referrals", body).status_code, (201,))
        cli = _cli(
            "referral",
            "create",
            case.code,
            "--organisation",
            shelter.code,
            "--need",
            "accommodation",
            "--actor",
            user.email,
        )
        assert (role, web, api, cli) == (role, expected, expected, expected)


def test_a_partners_answer_gets_the_same_decision_on_every_channel(staff) -> None:
    case = north_case(staff)
    shelter = organisation("SHELTER-N")
    give_consent(staff, case, shelter.code)
    from haven.referrals import services

    for role, user in staff.items():
        expected = DONE if role in EXPECTED["referral.status"] else REFUSED
        decisions = []
        for channel in ("web", "api"):
            referral = services.referral_draft(
                actor=staff["case_manager"], case=case, organisation=shelter, need_domain="safety"
            )
            if channel == "web":
                url = f"/referrals/case/{case.code}/r/{referral.uid}/status/"
                _web(user).post(url, {"status": "withdrawn"})
            else:
                ApiClient(user).post(
                    f"/cases/{case.code}/referrals/{referral.uid}/status", {"status": "withdrawn"}
                )
            decisions.append(DONE if Referral.objects.get(pk=referral.pk).status == "withdrawn" else REFUSED)
        assert (role, decisions) == (role, [expected, expected])


def test_the_directory_gets_the_same_decision_on_every_channel(staff, tmp_path: Path) -> None:
    csv = tmp_path / "directory.csv"
    for role, user in staff.items():
        expected = DONE if role in EXPECTED["directory.manage"] else REFUSED
        assert EXPECTED["directory.import"] == EXPECTED["directory.manage"]
        code = f"ORG-{role}".upper().replace("_", "-")
        form = {"code": f"{code}-W", "name": "Test Web", "org_type": "shelter", "data_protection": "unknown"}
        web = _status(_web(user).post("/referrals/directory/new/", form).status_code, (302,))
        body = {"code": f"{code}-A", "name": "Test Api", "org_type": "shelter"}
        api = _status(ApiClient(user).post("/directory/organisations", body).status_code, (201,))
        csv.write_text(f"code;name;org_type\n{code}-C;Test Cli;shelter\n", encoding="utf-8")
        cli = _cli("directory", "import", str(csv), "--actor", user.email)
        assert (role, web, api, cli) == (role, expected, expected, expected)


@pytest.mark.parametrize("fmt", ["pdf", "txt"])
def test_only_the_case_manager_prints_a_letter(staff, fmt: str) -> None:
    case = north_case(staff)
    shelter = organisation("SHELTER-N")
    give_consent(staff, case, shelter.code)
    from haven.referrals import services

    referral = services.referral_draft(
        actor=staff["case_manager"], case=case, organisation=shelter, need_domain="safety"
    )
    for role, user in staff.items():
        expected = DONE if role in EXPECTED["referral.send"] else REFUSED
        web = _status(
            _web(user).get(f"/referrals/case/{case.code}/r/{referral.uid}/letter.{fmt}").status_code, (200,)
        )
        api = _status(
            ApiClient(user)
            .get(f"/cases/{case.code}/referrals/{referral.uid}/letter?format={fmt}")
            .status_code,
            (200,),
        )
        cli = _cli(
            "referral",
            "letter",
            case.code,
            str(referral.uid),
            "--format",
            fmt,
            "--out",
            "/dev/null",
            "--actor",
            user.email,
        )
        assert (role, web, api, cli) == (role, expected, expected, expected)
