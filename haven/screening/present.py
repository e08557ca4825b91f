"""Turn library questions and stored results into text in the user's language.

Questions come in the library's own translations; the engine's texts (outcomes, reasons, next steps, group
labels) are looked up by their stable code and translated with gettext at render time.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django.utils.translation import get_language, gettext, gettext_noop

from haven.screening.engine import GROUP_LABELS, NEXT_STEP_TEXT, OUTCOME_TEXT, REASON_TEXT, Outcome
from haven.screening.forms import ANSWER_LABELS
from haven.screening.library import Indicator, Library

CONFIDENCE_TEXT: Mapping[str, str] = {
    "high": gettext_noop("High: every question asked has a yes or no answer, and they agree."),
    "medium": gettext_noop("Medium: some answers are 'don't know' or 'prefers not to say'."),
    "low": gettext_noop(
        "Low: many answers are open or contradictory. Screen again when the person is ready."
    ),
}

INTERPRETER = "interpreter"
# Person languages written right to left.
RTL_LANGUAGES = frozenset({"ar"})


def ui_lang() -> str:
    """The library language that matches the interface language (en or fr)."""
    return "fr" if (get_language() or "en").lower().startswith("fr") else "en"


def group_label(group: str) -> str:
    """The group's name in the interface language."""
    return gettext(GROUP_LABELS[group]) if group in GROUP_LABELS else group


def question_rows(
    questions: Sequence[Indicator],
    form: Any,
    lang: str,
    interpreter: bool,
    child: bool = False,
    person_lang: str = "",
) -> list[dict[str, Any]]:
    """One row per question for the templates: the bound field, the text to read out, and the other text.

    A child is asked the child's wording where the library has one; the interpreter sentence stays short.
    In interpreter mode, when the person's language is not the interface's and the library has the
    interpreter sentence in it (Arabic), that sentence is shown too, for the interpreter to read out.
    """
    rows = []
    for indicator in questions:
        full = indicator.text_for(lang, child)
        short = indicator.interpreter.get(lang)
        spoken = ""
        if interpreter and person_lang and person_lang != lang:
            spoken = indicator.interpreter.for_person(person_lang)
        rows.append(
            {
                "id": indicator.id,
                "field": form[indicator.id],
                "text": short if interpreter else full,
                "other": full if interpreter else "",
                "spoken": spoken,
                "spoken_lang": person_lang if spoken else "",
                "spoken_dir": "rtl" if spoken and person_lang in RTL_LANGUAGES else "ltr",
                "danger": indicator.signal == "immediate_danger",
            }
        )
    return rows


def _reason_text(reason: Mapping[str, Any]) -> str:
    code = reason.get("code", "")
    template = REASON_TEXT.get(code)
    if template is None:
        return str(reason.get("text", ""))
    text = gettext(template)
    if "%(group)s" in template:
        text = text % {"group": group_label(str(reason.get("group") or ""))}
    return text


def present_result(
    result: Mapping[str, Any], library: Library, answers: Mapping[str, str], lang: str
) -> dict[str, Any]:
    """A stored result (engine.result_to_json) in the interface language, with the answers behind
    each reason."""
    outcome = Outcome(result["outcome"])
    reasons = []
    for reason in result["reasons"]:
        cited = []
        for indicator_id in reason.get("answer_ids", []):
            indicator = library.get(indicator_id)
            answer = answers.get(indicator_id, "")
            cited.append(
                {
                    "id": indicator_id,
                    "question": indicator.text.get(lang) if indicator else indicator_id,
                    "answer": ANSWER_LABELS.get(answer, answer),
                }
            )
        reasons.append({"code": reason["code"], "text": _reason_text(reason), "answers": cited})
    next_steps = [
        gettext(NEXT_STEP_TEXT[step["code"]]) if step["code"] in NEXT_STEP_TEXT else step["text"]
        for step in result["next_steps"]
    ]
    confidence = result.get("confidence", "")
    return {
        "outcome": outcome.value,
        "outcome_text": gettext(OUTCOME_TEXT[outcome]),
        "treated_as_child": result["treated_as_child"],
        "groups_present": [group_label(group) for group in result["groups_present"]],
        "elements": result["elements"],
        "reasons": reasons,
        "next_steps": next_steps,
        "confidence": confidence,
        "confidence_text": gettext(CONFIDENCE_TEXT[confidence]) if confidence in CONFIDENCE_TEXT else "",
        "library_version": result["library_version"],
    }
