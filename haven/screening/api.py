"""/api/v1/screenings: evaluate a screening input and list the questions. Needs Perm.SCREENING_RUN.

The request body is parsed by the engine itself (not by a schema), so that a bad input gets the engine's
precise message: which field, which indicator id, which value.
"""

from __future__ import annotations

from typing import Any, Literal

from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse
from ninja import Query, Router, Schema

from haven.accounts.models import User
from haven.accounts.permissions import Perm
from haven.api.router import Error, error_response
from haven.core.parsing import InputRefused, load_json
from haven.screening.engine import ANSWERS, AgeRequired, ScreeningInputError
from haven.screening.library import to_public_json
from haven.screening.selectors import current_library
from haven.screening.services import screening_evaluate

router: Router = Router(tags=["screenings"])

OutcomeCode = Literal[
    "immediate_danger", "child_safeguarding", "strong_signs", "some_signs", "no_signs_noted"
]


class ReasonOut(Schema):
    code: str
    text: str
    group: str | None
    element: str | None
    answer_ids: list[str]


class NextStepOut(Schema):
    code: str
    text: str


class ElementsOut(Schema):
    act: bool
    means: bool
    purpose: bool


class ResultOut(Schema):
    outcome: OutcomeCode
    treated_as_child: bool
    groups_present: list[str]
    elements: ElementsOut
    reasons: list[ReasonOut]
    next_steps: list[NextStepOut]
    library_version: str
    confidence: Literal["high", "medium", "low"]
    list: str


class QuestionOut(Schema):
    id: str
    text: str
    group: str
    element: str
    grades: dict[str, Literal["strong", "medium", "weak"]]
    quick: bool
    ages: list[Literal["adult", "child"]]
    child_text: str | None
    observed: bool


class QuestionsOut(Schema):
    version: str
    lang: Literal["en", "fr"]
    lists: list[str]
    indicators: list[QuestionOut]


class QuestionsQuery(Schema):
    lang: Literal["en", "fr"] = "en"


_REQUEST_SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["age", "answers"],
    "properties": {
        "age": {
            "type": ["integer", "null"],
            "minimum": 0,
            "maximum": 120,
            "description": "the age the person gives; null when not sure (then age_in_doubt is true)",
        },
        "age_in_doubt": {
            "type": "boolean",
            "description": "not sure of the age, or looks younger than they say: treated as a child",
        },
        "list": {
            "type": ["string", "null"],
            "description": "a list name; without it every list for the age group",
        },
        "answers": {
            "type": "object",
            "description": "indicator id -> answer",
            "additionalProperties": {"type": "string", "enum": list(ANSWERS)},
        },
    },
}


def _allowed(request: HttpRequest) -> bool:
    user = request.user
    return isinstance(user, User) and user.has(Perm.SCREENING_RUN)


def _forbidden(request: HttpRequest) -> HttpResponse:
    return error_response(request, 403, "forbidden", "Your role does not allow running a screening.")


@router.get(
    "/questions",
    url_name="screenings_questions",
    response={200: QuestionsOut, 400: Error, 401: Error, 403: Error},
)
def questions(request: HttpRequest, query: Query[QuestionsQuery]) -> Any:
    """The questions of the active indicator library, texts in `lang` (en or fr)."""
    if not _allowed(request):
        return _forbidden(request)
    return to_public_json(current_library(), query.lang)


@router.post(
    "",
    url_name="screenings_evaluate",
    response={200: ResultOut, 400: Error, 401: Error, 403: Error, 413: Error, 422: Error},
    openapi_extra={
        "requestBody": {"required": True, "content": {"application/json": {"schema": _REQUEST_SCHEMA}}}
    },
)
def evaluate(request: HttpRequest) -> Any:
    """Evaluate answers (the same input as `haven screen evaluate`); nothing is stored.

    Body: `{"age": 16 | null, "age_in_doubt": bool, "list": optional list name,
    "answers": {"<id>": "yes" | "no" | "unknown" | "declined"}}`. Bad input answers 400 with a message
    naming the problem (unknown id, bad value, malformed JSON). Without an age answer (`age` null or absent
    and `age_in_doubt` not true) it answers 422 `age_required`: ask the age, or record that the person is
    not sure of it.
    """
    if not _allowed(request):
        return _forbidden(request)
    try:
        raw = request.body
    except RequestDataTooBig:
        return error_response(request, 413, "too_large", "The request body is too large.")
    try:
        data = load_json(raw)
    except InputRefused as exc:
        return error_response(request, 400, "invalid_input", str(exc))
    user = request.user
    assert isinstance(user, User)
    try:
        return screening_evaluate(actor=user, data=data, via="api")
    except AgeRequired as exc:
        return error_response(request, 422, "age_required", str(exc))
    except ScreeningInputError as exc:
        return error_response(request, 400, "invalid_input", str(exc))
