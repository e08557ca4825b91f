"""/api/v1/terms: the terminology checker for clients (any token). Nothing sent is stored."""

from __future__ import annotations

from typing import Literal

from django.http import HttpRequest
from ninja import Field, Router, Schema

from haven.api.router import StrictSchema
from haven.terms.checker import check
from haven.terms.forms import MAX_TEXT

router: Router = Router(tags=["terminology"])


class CheckIn(StrictSchema):
    text: str = Field(..., max_length=MAX_TEXT)
    lang: Literal["en", "fr"] | None = None


class FindingOut(Schema):
    rule: str
    lang: str
    source: str
    text: str
    line: int
    column: int
    start: int
    end: int
    why: str
    instead: list[str]
    context: str


class CheckOut(Schema):
    findings: list[FindingOut]


@router.post("/check", response=CheckOut, url_name="terms_check")
def check_text(request: HttpRequest, payload: CheckIn) -> dict[str, object]:
    """Each word to avoid in the text, with why and what to say instead (an empty list: nothing found)."""
    findings = check(payload.text, [payload.lang] if payload.lang else None)
    return {"findings": [f.as_dict() for f in findings]}
