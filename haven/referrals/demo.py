"""A synthetic service directory for the demo organisation, and the needs its demo cases were linked for,
so that the directory, the matching services and the gap analysis have something to show.

    haven directory demo

Everything goes through the services, with the demo accounts as actors. The legal aid entry's review has
expired (so it is not proposed), and nothing meets "work and livelihood": the gap analysis names both.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from haven.accounts.models import Organisation as Society
from haven.accounts.models import User
from haven.accounts.permissions import Role
from haven.cases.models import Case
from haven.referrals import services
from haven.referrals.models import Link, Organisation

# The demo teams are "North branch" and "South branch"; the directory names areas the same way.
NORTH, SOUTH = "north branch", "south branch"


def _entries() -> list[dict[str, Any]]:
    today = timezone.localdate()
    reviewed = {"reviewed_on": today - timedelta(days=30), "review_due": today + timedelta(days=335)}
    safe = {"safe_to_cooperate": True, "mandate_in_line": True, "data_protection": "adequate", **reviewed}
    return [
        {
            "code": "DEMO-SHELTER-W",
            "name": "Demo Women's Shelter",
            "org_type": "shelter",
            "domains": ["accommodation", "safety"],
            "target_groups": ["women", "girls"],
            "areas": [NORTH],
            "languages": ["en", "fr", "ro"],
            "capacity": 4,
            "waiting_days": 3,
            "contact_phone": "+00 0000 0001",
            "contact_email": "shelter@demo.invalid",
            **safe,
        },
        {
            "code": "DEMO-PSY",
            "name": "Demo Psychosocial Centre",
            "org_type": "psychosocial",
            "domains": ["mental_health"],
            "target_groups": ["women", "men", "girls", "boys"],
            "areas": [NORTH, SOUTH],
            "languages": ["en", "fr"],
            "capacity": 10,
            "waiting_days": 14,
            "contact_phone": "+00 0000 0002",
            **safe,
        },
        {
            "code": "DEMO-LEGAL",
            "name": "Demo Legal Aid",
            "org_type": "legal_aid",
            "domains": ["legal"],
            "target_groups": ["women", "men"],
            "areas": [NORTH],
            "languages": ["en"],
            "capacity": 5,
            "contact_phone": "+00 0000 0003",
            **{**safe, "reviewed_on": today - timedelta(days=400), "review_due": today - timedelta(days=35)},
        },
        {
            "code": "DEMO-POLICE",
            "name": "Demo Police",
            "org_type": "law_enforcement",
            "contact_phone": "+00 0000 0009",
            "areas": [NORTH, SOUTH],
        },
        {
            "code": "DEMO-IMMIGRATION",
            "name": "Demo Immigration Office",
            "org_type": "immigration",
            "contact_phone": "+00 0000 0008",
            "areas": [NORTH, SOUTH],
        },
    ]


# Which demo cases were linked for which need: by the case's position in creation order (synthetic).
NEEDS_BY_POSITION = (
    (1, "DEMO-SHELTER-W", "accommodation"),  # every case
    (2, "DEMO-PSY", "mental_health"),  # every second case
    (3, "DEMO-LEGAL", "legal"),  # every third case (the legal aid's review expired)
)


@transaction.atomic
def demo_directory_create() -> tuple[int, int]:
    """Create the demo directory (once) and link the demo cases for their needs; returns (entries, links)."""
    society = Society.objects.filter(is_demo=True).first()
    if society is None:
        raise ValueError("there is no demo organisation: run haven init --demo first")
    staff = {
        u.role: u for u in User.objects.filter(team__organisation=society, is_active=True).order_by("pk")
    }
    programme, manager = staff.get(Role.PROGRAMME_MANAGER.value), staff.get(Role.CASE_MANAGER.value)
    if programme is None or manager is None:
        raise ValueError("the demo organisation needs a programme manager and a case manager")
    made = 0
    for entry in _entries():
        if not Organisation.objects.filter(code=entry["code"]).exists():
            services.organisation_save(actor=programme, values=entry)
            made += 1
    links = 0
    cases = Case.objects.filter(team__organisation=society, person__erased_at=None).order_by("pk")
    for position, case in enumerate(cases, start=1):
        for every, code, need in NEEDS_BY_POSITION:
            if position % every or Link.objects.filter(case=case, need_domain=need).exists():
                continue
            organisation = Organisation.objects.get(code=code)
            services.link_create(
                actor=manager, case=case, organisation=organisation, need_domain=need, language="en"
            )
            links += 1
    return made, links
