"""URL × role expectations for the organisation's pages: the programme manager's tools; guidance cards and
the legal framework are for every signed-in person."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from haven.accounts.models import User
from haven.organisation import services
from haven.organisation.models import ReadinessAssessment
from tests.core.access_table import BAD_REQUEST, PROGRAMME_MANAGER, REDIRECT, Access, page


def year(users: Mapping[str, User]) -> dict[str, Any]:
    if not ReadinessAssessment.objects.filter(year=2026).exists():
        services.readiness_start(actor=None, year=2026)
    return {"year": 2026}


def activity_uid(users: Mapping[str, User]) -> dict[str, Any]:
    activity = services.awareness_create(
        actor=None, values={"title": "Test session", "held_on": "2026-03-01", "audience": "public"}
    )
    return {"uid": activity.uid}


def ask_uid(users: Mapping[str, User]) -> dict[str, Any]:
    ask = services.advocacy_ask_create(actor=None, text="Test ask", authority="Test ministry")
    return {"uid": ask.uid}


URL_ACCESS: dict[str, Access] = {
    "organisation:readiness": page(roles={PROGRAMME_MANAGER}),
    "organisation:readiness_start": page(
        roles={PROGRAMME_MANAGER}, method="POST", data={"year": "2026"}, allowed=REDIRECT
    ),
    "organisation:readiness_answer": page(
        roles={PROGRAMME_MANAGER},
        method="POST",
        kwargs=year,
        data={"item_key": "ref.training", "status": "in_place"},
        allowed=REDIRECT,
    ),
    "organisation:readiness_item_add": page(
        roles={PROGRAMME_MANAGER},
        method="POST",
        data={"checklist": "referral", "text": "Our own item"},
        allowed=REDIRECT,
    ),
    "organisation:readiness_report": page(roles={PROGRAMME_MANAGER}, kwargs=year),
    "organisation:awareness": page(roles={PROGRAMME_MANAGER}),
    "organisation:awareness_create": page(
        roles={PROGRAMME_MANAGER},
        method="POST",
        data={"title": "Session", "held_on": "2026-03-01", "audience": "public"},
        allowed=REDIRECT,
    ),
    "organisation:awareness_detail": page(roles={PROGRAMME_MANAGER}, kwargs=activity_uid),
    "organisation:awareness_risks": page(
        roles={PROGRAMME_MANAGER},
        method="POST",
        kwargs=activity_uid,
        data={"security_risks": "None seen", "perception_risks": "None seen"},
        allowed=REDIRECT,
    ),
    # Without its risk assessment the activity is refused as held: the form comes back with the reason.
    "organisation:awareness_held": page(
        roles={PROGRAMME_MANAGER},
        method="POST",
        kwargs=activity_uid,
        data={"reach": "10"},
        allowed=BAD_REQUEST,
    ),
    "organisation:legal": page(),
    "organisation:legal_add": page(
        roles={PROGRAMME_MANAGER}, method="POST", data={"kind": "law", "title": "Test law"}, allowed=REDIRECT
    ),
    "organisation:guidance": page(),
    "organisation:guidance_card": page(kwargs={"key": "approach"}),
    "organisation:advocacy": page(roles={PROGRAMME_MANAGER}),
    "organisation:advocacy_create": page(
        roles={PROGRAMME_MANAGER},
        method="POST",
        data={"text": "Ask", "authority": "Ministry"},
        allowed=REDIRECT,
    ),
    "organisation:advocacy_meeting": page(
        roles={PROGRAMME_MANAGER},
        method="POST",
        kwargs=ask_uid,
        data={"met_on": "2026-02-01", "with_whom": "Ministry", "status": "raised"},
        allowed=REDIRECT,
    ),
}
