"""Shared set-up for the referral tests: a North case, directory entries of every kind, consent."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta
from typing import Any

from django.utils import timezone

from haven.accounts.models import User
from haven.cases import services as cases
from haven.cases.models import Case
from haven.referrals.models import Organisation

VALID = {
    "safe_to_cooperate": True,
    "mandate_in_line": True,
    "data_protection": "adequate",
}


def organisation(code: str, org_type: str = "shelter", **values: Any) -> Organisation:
    """A directory entry; a partner with a valid cooperation assessment unless told otherwise."""
    today = timezone.localdate()
    defaults: dict[str, Any] = {
        "name": f"Test {code}",
        "org_type": org_type,
        "contact_phone": "+33 1 00 00 00 00",
        "contact_email": f"{code.lower()}@example.test",
        "areas": ["north"],
        "languages": ["fr", "en"],
        "domains": ["accommodation"],
        "target_groups": ["women"],
        "capacity": 3,
        "waiting_days": 2,
        "reviewed_on": today - timedelta(days=10),
        "review_due": today + timedelta(days=300),
        **VALID,
    }
    defaults.update(values)
    return Organisation.objects.create(code=code, **defaults)


def north_case(users: Mapping[str, User], **person: Any) -> Case:
    """A North case of an adult woman managed by North's case manager, North's caseworker assigned."""
    manager = users["case_manager"]
    values = {
        "name": "Test Person Ref",
        "date_of_birth": date(1990, 5, 17),
        "phone": "+33 6 11 22 33 44",
        "gender": "Feminine",
        "age_method": "document",
        "stated_age": 36,
        "age_established_adult": True,
        "information_language": "fr",
        **person,
    }
    case = cases.first_contact_create(actor=manager, values=values, confirm_new_person=True)
    case = cases.case_open(actor=manager, case=case)
    return cases.case_assign(actor=manager, case=case, caseworkers=[users["caseworker"]])


def give_consent(users: Mapping[str, User], case: Case, recipient: str) -> None:
    manager = users["case_manager"]
    cases.consent_record(
        actor=manager,
        case=case,
        purpose="referral",
        status="given",
        given_on=timezone.localdate(),
        language="fr",
        explained_by=manager,
        interpreter=False,
        information_sheet_version="v1",
        recipient=recipient,
    )
