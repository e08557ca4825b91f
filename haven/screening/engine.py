"""Screening decision engine: answers in, outcome with reasons and next steps out. Pure and deterministic.

Pure Python (no Django). It speaks of *signs of possible trafficking* and never identifies anyone: formal
identification is the authorities' role.

Public API (stable):
    parse_request(library, data) -> ScreeningRequest   strict parsing of a JSON-like dict
    evaluate(library, request) -> Result
    result_to_json(result) -> dict
    is_treated_as_child(age, age_in_doubt) -> bool
    group_rule(strong, medium, weak) -> bool            the ILO-EC group rule on counts of yes answers
    ScreeningInputError (a ValueError), AgeRequired (one of them)
    ScreeningRequest, Result, Reason, NextStep, Elements
    Outcome, OUTCOME_ORDER, OUTCOME_TEXT, Confidence, ANSWERS
    GROUP_LABELS, REASON_TEXT, NEXT_STEP_TEXT    English texts by stable code, for translation

Input: ``{"age": 16 | null (with age_in_doubt), "age_in_doubt": bool, "list": "child-labour" (optional),
"answers": {"<indicator id>": "yes" | "no" | "unknown" | "declined"}}``. Questions not asked are simply
absent; answers can be added over several conversations.

The rules, exactly (grades are taken from the list being evaluated; only "yes" answers count):

1. Age, one rule (``is_treated_as_child``): a child when under 18, or when the age is in doubt whatever the
   stated age ("not sure": ``age`` null with ``age_in_doubt``; "looks younger than they say": an age with
   ``age_in_doubt``). An age never asked (null without doubt) is an input error: ask it.
2. Counting: each yes counts in its group, except the smuggling-to-trafficking transition (the journey's
   organisers control the person now; the journey debt became bondage), which counts as coercion at
   destination. Means answers are counted for children too: never needed, never ignored.
3. Group rule: one of the six ILO-EC groups is present with 2 strong; or 1 strong + 1 medium or weak; or
   3 medium; or 2 medium + 1 weak.
4. The elements. *Act*: a recruitment group (1-3) is present, or a yes to an act question, to deception or
   coercion while being recruited (someone recruited the person), to the transition, or to being kept where
   one is exploited (harbouring). *Coercion*: the coercive recruitment or coercion at destination group is
   present, or a strong sign of either is yes. *Exploitation*: the exploitative conditions group is present,
   or a strong purpose sign is yes.
5. Signs: a group present other than the two abuse-of-vulnerability groups; or any strong indicator; or at
   least two medium-or-strong indicators outside those groups. A vulnerable situation alone is a risk, not
   a sign, and never reads as a means used: it is a means only when there are also signs of exploitation.
6. Adult: the published combination (a recruitment group AND exploitative conditions AND a group at
   destination, 5 or 6), or the three elements of rule 4 (act AND coercion AND exploitation).
7. Child rule: act (rule 4) AND any yes to a purpose question. No means needed.
8. Outcome, strongest first (totally ordered by OUTCOME_ORDER):
   - immediate_danger: a question with the ``immediate_danger`` signal is yes (any age, any list);
   - child_safeguarding: treated as a child AND (child rule met, OR any ILO group present, OR signs, OR any
     yes to coercion or control (groups 2 and 5, the transition), OR a ``child_alone`` question is yes).
     Coercion, control or abuse of a child is a reason for the child safeguarding procedure on its own;
   - strong_signs: an adult and rule 6 met;
   - some_signs: signs (rule 5); for a child, any yes to a means or purpose question;
   - no_signs_noted: otherwise. Nothing is concluded about the person.
9. Without an explicit list, every list for the person's age group (``adult-*`` or ``child-*``) is
   evaluated and the strongest outcome is reported; ties go to the list with more groups present, then to
   the first in library order. An explicit list must match the age group.
10. "unknown" and "declined" never change the outcome; they, and contradictory answers (contact with the
   journey organisers ended on arrival, yet they still control the person or the journey debt became
   bondage), lower ``confidence``: high (none), medium (up to a third of the answers uncertain), low (more,
   or no yes/no answer at all); a contradiction lowers it one step more.
11. Consent never lowers anything: there are no negative weights, so agreeing to the journey or the work
   only adds a note (when there are signs) that it does not count once means were used, or for a child.

Every yes can only keep or raise the outcome (monotone): the property tests check it.

User-facing strings are wrapped in ``gettext_noop`` so that Django's makemessages extracts them; results
carry a stable code next to the English text, and the web layer translates by code.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from haven.screening.library import ILO_GROUPS, Indicator, Library


def gettext_noop(message: str) -> str:
    """Mark ``message`` for translation extraction without translating it (same as Django's)."""
    return message


class ScreeningInputError(ValueError):
    """The screening input is malformed; the message says exactly what and where."""


class AgeRequired(ScreeningInputError):
    """No age answer: neither an age nor "not sure". The screening cannot be evaluated until it is asked."""


class Outcome(StrEnum):
    """Screening outcomes. Compare them with ``rank``, never as strings."""

    NO_SIGNS_NOTED = "no_signs_noted"
    SOME_SIGNS = "some_signs"
    STRONG_SIGNS = "strong_signs"
    CHILD_SAFEGUARDING = "child_safeguarding"
    IMMEDIATE_DANGER = "immediate_danger"

    @property
    def rank(self) -> int:
        """Position in OUTCOME_ORDER: higher means more urgent."""
        return OUTCOME_ORDER.index(self)


OUTCOME_ORDER: tuple[Outcome, ...] = (
    Outcome.NO_SIGNS_NOTED,
    Outcome.SOME_SIGNS,
    Outcome.STRONG_SIGNS,
    Outcome.CHILD_SAFEGUARDING,
    Outcome.IMMEDIATE_DANGER,
)

OUTCOME_TEXT: Mapping[Outcome, str] = {
    Outcome.NO_SIGNS_NOTED: gettext_noop("No signs noted"),
    Outcome.SOME_SIGNS: gettext_noop("Some signs of possible trafficking"),
    Outcome.STRONG_SIGNS: gettext_noop("Strong signs of possible trafficking"),
    Outcome.CHILD_SAFEGUARDING: gettext_noop("Child at risk: child safeguarding needed"),
    Outcome.IMMEDIATE_DANGER: gettext_noop("Immediate danger"),
}


class Confidence(StrEnum):
    """How complete and consistent the answers are. Never changes the outcome."""

    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"


ANSWERS: tuple[str, ...] = ("yes", "no", "unknown", "declined")
_UNCERTAIN = frozenset({"unknown", "declined"})
_REQUEST_KEYS = ("age", "age_in_doubt", "list", "answers")

RECRUITMENT_GROUPS: tuple[str, ...] = ILO_GROUPS[0:3]
EXPLOITATION_GROUP: str = ILO_GROUPS[3]
DESTINATION_GROUPS: tuple[str, ...] = ILO_GROUPS[4:6]
VULNERABILITY_GROUPS: frozenset[str] = frozenset({ILO_GROUPS[2], ILO_GROUPS[5]})
COERCION_GROUPS: frozenset[str] = frozenset({ILO_GROUPS[1], ILO_GROUPS[4]})
# Deception or coercion while being recruited can only happen if someone recruited the person.
ACT_GROUPS: frozenset[str] = frozenset({ILO_GROUPS[0], ILO_GROUPS[1]})
TRANSITION_SIGNALS: frozenset[str] = frozenset({"ongoing_control", "journey_debt_bondage"})

GROUP_LABELS: Mapping[str, str] = {
    "deceptive_recruitment": gettext_noop("deceptive recruitment"),
    "coercive_recruitment": gettext_noop("coercive recruitment"),
    "recruitment_abuse_of_vulnerability": gettext_noop("recruitment by abuse of vulnerability"),
    "exploitative_conditions": gettext_noop("exploitative conditions"),
    "coercion_at_destination": gettext_noop("coercion at destination"),
    "abuse_of_vulnerability_at_destination": gettext_noop("abuse of vulnerability at destination"),
    "safety": gettext_noop("safety"),
    "smuggling_context": gettext_noop("journey and consent"),
    "observed": gettext_noop("what you noticed"),
}

# Texts by stable reason code. "group_present" takes %(group)s, a GROUP_LABELS value.
REASON_TEXT: Mapping[str, str] = {
    "immediate_danger": gettext_noop("The person may be in danger now."),
    "child_alone": gettext_noop("A child is here without a parent or the adult who usually cares for them."),
    "treated_as_child": gettext_noop(
        "The person is under 18: signs of recruitment or movement and of exploitation are enough. The means"
        " are not needed, but signs of coercion or control are never ignored."
    ),
    "treated_as_child_age_in_doubt": gettext_noop(
        "The person's age is not sure or in doubt, so they are treated as a child: signs of recruitment or"
        " movement and of exploitation are enough. The means are not needed, but signs of coercion or"
        " control are never ignored."
    ),
    "group_present": gettext_noop("Enough signs of %(group)s."),
    "adult_combination_met": gettext_noop(
        "Signs of recruitment, of exploitative conditions and of coercion or abuse of vulnerability at"
        " destination are all present."
    ),
    "child_rule_met": gettext_noop(
        "Signs of recruitment or movement and of exploitation of a child are present."
    ),
    "adult_elements_met": gettext_noop(
        "Signs that others recruited, moved or keep the person, of coercion, and of exploitation are all"
        " present."
    ),
    "child_coercion": gettext_noop(
        "Signs that a child is coerced or controlled: on their own, a reason for the child safeguarding"
        " procedure."
    ),
    "strong_sign": gettext_noop("At least one strong sign was answered yes."),
    "several_signs": gettext_noop("Two or more medium or strong signs were answered yes."),
    "element_act": gettext_noop("Answers point to recruitment, transport, transfer or harbouring by others."),
    "element_means": gettext_noop("Answers point to deception or coercion."),
    "element_purpose": gettext_noop("Answers point to exploitation."),
    "vulnerability_used": gettext_noop(
        "Answers describe a difficult situation that others appear to take advantage of."
    ),
    "vulnerable_situation": gettext_noop(
        "Answers describe a difficult situation that makes the person more exposed. On its own it is a risk,"
        " not a sign that anyone took advantage of it."
    ),
    "consent_does_not_count": gettext_noop(
        "The person agreed at the start; that agreement does not count for a child, or once deception,"
        " coercion or abuse of vulnerability was used."
    ),
    "journey_debt_bondage": gettext_noop(
        "The debt for the journey turned into bondage: this suggests trafficking, not only smuggling."
    ),
    "ongoing_control": gettext_noop(
        "The people who organised the journey still control the person: this suggests trafficking,"
        " not only smuggling."
    ),
    "contact_ended_on_arrival": gettext_noop(
        "Contact with the journey organisers ended on arrival, as in smuggling; the situation now still"
        " matters."
    ),
    "contradictory_answers": gettext_noop(
        "Some answers do not agree with each other; check them again gently."
    ),
    "uncertain_answers": gettext_noop(
        "Some questions were answered 'unknown' or declined: this lowers confidence, not the outcome."
    ),
    "no_answers": gettext_noop("No question has a yes or no answer yet."),
    "too_few_answers": gettext_noop(
        "Too few questions were answered to say that no signs were noted: ask the rest when the person is"
        " ready."
    ),
}

NEXT_STEP_TEXT: Mapping[str, str] = {
    "safety_first": gettext_noop(
        "Safety first: call emergency services or move to a safe place, then the contact person."
    ),
    "child_safeguarding_now": gettext_noop("Start the child safeguarding procedure now."),
    "child_refer_contact_person": gettext_noop(
        "Refer to the contact person now; for a child, protection goes ahead in the child's best interests,"
        " and the child is listened to and kept informed."
    ),
    "refer_contact_person_now": gettext_noop("Refer to the contact person now, with the person's consent."),
    "offer_rights_information": gettext_noop(
        "Offer information on rights and services in a language the person understands."
    ),
    "stay_in_contact": gettext_noop(
        "Stay in contact, offer information on rights and services, screen again later."
    ),
    "talk_to_contact_person": gettext_noop(
        "Talk to the contact person about what you noticed;"
        " share the person's details only with their consent."
    ),
    "offer_general_services": gettext_noop("Offer general services. Nothing is concluded about the person."),
    "door_stays_open": gettext_noop(
        "The person can come back at any time; screen again if something changes."
    ),
    "child_welfare_concern": gettext_noop(
        "For any other concern about the child's welfare, follow the child protection procedure."
    ),
    "screen_again_when_ready": gettext_noop(
        "Some questions are still open: screen again when the person is ready, without pressure."
    ),
}

# Outcomes that call for the contact person (a hand-over), and those of them that cannot wait.
HANDOVER_OUTCOMES: frozenset[Outcome] = frozenset(
    {Outcome.SOME_SIGNS, Outcome.STRONG_SIGNS, Outcome.CHILD_SAFEGUARDING, Outcome.IMMEDIATE_DANGER}
)
URGENT_OUTCOMES: frozenset[Outcome] = frozenset({Outcome.CHILD_SAFEGUARDING, Outcome.IMMEDIATE_DANGER})

_OUTCOME_STEPS: Mapping[Outcome, tuple[str, ...]] = {
    Outcome.IMMEDIATE_DANGER: ("safety_first",),
    Outcome.CHILD_SAFEGUARDING: ("child_safeguarding_now", "child_refer_contact_person"),
    Outcome.STRONG_SIGNS: ("refer_contact_person_now", "offer_rights_information"),
    Outcome.SOME_SIGNS: ("stay_in_contact", "talk_to_contact_person"),
    Outcome.NO_SIGNS_NOTED: ("offer_general_services", "door_stays_open"),
}


AGE_REQUIRED = (
    "age is required: give the age the person says (a number), or set age_in_doubt to true when they"
    " are not sure of it"
)


def is_treated_as_child(age: int | None, age_in_doubt: bool) -> bool:
    """Haven's one age rule: a child when under 18, or when the age is in doubt, whatever the stated age.

    "Not sure" is ``age=None`` with ``age_in_doubt=True``; "looks younger than they say" is an age with
    ``age_in_doubt=True``. A person who gives an adult age is an adult unless doubt is recorded. An age that
    was never asked (``None`` without doubt) decides nothing: ScreeningInputError, so that it gets asked.
    """
    if age_in_doubt:
        return True
    if age is None:
        raise AgeRequired(AGE_REQUIRED)
    return age < 18


@dataclass(frozen=True)
class ScreeningRequest:
    """One screening: the person's age facts, an optional list, and answers by indicator id."""

    answers: Mapping[str, str]
    age: int | None = None
    age_in_doubt: bool = False
    list_name: str | None = None

    @property
    def treated_as_child(self) -> bool:
        """See is_treated_as_child."""
        return is_treated_as_child(self.age, self.age_in_doubt)


@dataclass(frozen=True)
class Reason:
    """Why the outcome is what it is. ``code`` is stable; ``text`` is English (see REASON_TEXT)."""

    code: str
    text: str
    group: str | None = None
    element: str | None = None
    answer_ids: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        """``{"code", "text", "group", "element", "answer_ids"}``."""
        return {
            "code": self.code,
            "text": self.text,
            "group": self.group,
            "element": self.element,
            "answer_ids": list(self.answer_ids),
        }


@dataclass(frozen=True)
class NextStep:
    """What to do now. ``code`` is stable; ``text`` is English (see NEXT_STEP_TEXT)."""

    code: str
    text: str


@dataclass(frozen=True)
class Elements:
    """Which elements of the legal definition the yes answers point to."""

    act: bool
    means: bool
    purpose: bool


@dataclass(frozen=True)
class Result:
    """The outcome of one screening, with the list that gave it."""

    outcome: Outcome
    treated_as_child: bool
    list_name: str
    groups_present: tuple[str, ...]
    elements: Elements
    reasons: tuple[Reason, ...]
    next_steps: tuple[NextStep, ...]
    confidence: Confidence
    library_version: str

    @property
    def outcome_text(self) -> str:
        """The outcome's English label."""
        return OUTCOME_TEXT[self.outcome]


# ---------------------------------------------------------------------------------------------- parsing


def _describe(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _lists_for(library: Library, child: bool) -> tuple[str, ...]:
    prefix = "child-" if child else "adult-"
    return tuple(name for name in library.lists if name.startswith(prefix))


def _check_request(library: Library, request: ScreeningRequest) -> None:
    age = request.age
    if age is not None and (isinstance(age, bool) or not isinstance(age, int) or not 0 <= age <= 120):
        raise ScreeningInputError(f"age must be an integer from 0 to 120 or null, got {_describe(age)}")
    if not isinstance(request.age_in_doubt, bool):
        raise ScreeningInputError(
            f"age_in_doubt must be true or false, got {_describe(request.age_in_doubt)}"
        )
    for indicator_id, answer in request.answers.items():
        if indicator_id not in library:
            raise ScreeningInputError(f"unknown indicator id {_describe(indicator_id)}")
        if answer not in ANSWERS:
            raise ScreeningInputError(
                f"answer for {indicator_id!r} must be one of {', '.join(ANSWERS)}; got {_describe(answer)}"
            )
    child = request.treated_as_child
    allowed = _lists_for(library, child)
    if request.list_name is not None:
        if request.list_name not in library.lists:
            raise ScreeningInputError(
                f"unknown list {_describe(request.list_name)} (allowed: {', '.join(library.lists)})"
            )
        if request.list_name not in allowed:
            who = (
                "treated as a child (age under 18, unknown or in doubt)" if child else "an adult (18 or over)"
            )
            raise ScreeningInputError(
                f"list {request.list_name!r} does not fit the person, who is {who};"
                f" use one of {', '.join(allowed) or '(none in this library)'}"
            )
    if not allowed:
        raise ScreeningInputError(f"the library has no list for {'children' if child else 'adults'}")


def parse_request(library: Library, data: object) -> ScreeningRequest:
    """Parse and check ``data`` (decoded JSON) against ``library``.

    Raises ScreeningInputError naming the problem: not an object, unknown field, wrong type, bad age
    (integer 0-120 or null), unknown list or a list that does not fit the age group, unknown indicator id,
    or an answer other than yes / no / unknown / declined, and an age never asked (``age`` null or absent
    without ``age_in_doubt``). ``answers`` is required; ``age_in_doubt`` defaults to false, ``list`` to every
    list for the age group.
    """
    if not isinstance(data, Mapping):
        raise ScreeningInputError(f"screening input must be a JSON object, got {type(data).__name__}")
    unknown = sorted(str(key) for key in data if key not in _REQUEST_KEYS)
    if unknown:
        raise ScreeningInputError(
            f"unknown field(s) {', '.join(unknown)} (allowed: {', '.join(_REQUEST_KEYS)})"
        )
    if "answers" not in data:
        raise ScreeningInputError("answers is required (an object of indicator id to answer; may be empty)")
    answers = data["answers"]
    if not isinstance(answers, Mapping):
        raise ScreeningInputError(f"answers must be an object, got {type(answers).__name__}")
    for key in answers:
        if not isinstance(key, str):
            raise ScreeningInputError(f"answer keys must be indicator ids (strings), got {_describe(key)}")
    age = data.get("age")
    if age is not None and (isinstance(age, bool) or not isinstance(age, int)):
        raise ScreeningInputError(f"age must be an integer from 0 to 120 or null, got {_describe(age)}")
    age_in_doubt = data.get("age_in_doubt", False)
    if not isinstance(age_in_doubt, bool):
        raise ScreeningInputError(f"age_in_doubt must be true or false, got {_describe(age_in_doubt)}")
    list_name = data.get("list")
    if list_name is not None and not isinstance(list_name, str):
        raise ScreeningInputError(f"list must be a list name (string) or null, got {_describe(list_name)}")
    request = ScreeningRequest(answers=dict(answers), age=age, age_in_doubt=age_in_doubt, list_name=list_name)
    _check_request(library, request)
    return request


# ------------------------------------------------------------------------------------------- evaluation


def group_rule(strong: int, medium: int, weak: int) -> bool:
    """The ILO-EC group rule: 2 strong; or 1 strong + 1 medium or weak; or 3 medium; or 2 medium + 1 weak."""
    return strong >= 2 or (strong >= 1 and medium + weak >= 1) or medium >= 3 or (medium >= 2 and weak >= 1)


def counted_group(indicator: Indicator) -> str:
    """The group an indicator's yes counts in: its own, except the smuggling-to-trafficking transition
    (journey debt turned into bondage, the organisers' control now), which is coercion at destination."""
    return "coercion_at_destination" if indicator.signal in TRANSITION_SIGNALS else indicator.group


def is_act_evidence(indicator: Indicator) -> bool:
    """Whether a yes shows the act (recruitment, transport, transfer, harbouring or receipt by others).

    An act question; deception or coercion while being recruited (only possible if someone recruited the
    person); the journey's organisers in control now; or being kept where one is exploited (harbouring).
    """
    if indicator.observed:
        return False
    return (
        indicator.element == "act"
        or indicator.group in ACT_GROUPS
        or indicator.signal in TRANSITION_SIGNALS
        or indicator.signal == "harbouring"
    )


@dataclass(frozen=True)
class _ListEvaluation:
    list_name: str
    outcome: Outcome
    groups: Mapping[str, tuple[str, ...]]  # present ILO groups -> the yes answers in them
    combination_met: bool  # adult: the published combination; child: act + purpose
    elements_met: bool  # adult only: act + coercion + exploitation, when the published combination is not met
    strong_ids: tuple[str, ...]
    several_ids: tuple[str, ...]
    act_ids: tuple[str, ...]
    means_ids: tuple[str, ...]  # deception and coercion, never vulnerability alone
    purpose_ids: tuple[str, ...]
    vulnerability_ids: tuple[str, ...]
    coercion_ids: tuple[str, ...]  # a child's coercion or control answers
    immediate_ids: tuple[str, ...]
    child_alone_ids: tuple[str, ...]


def _evaluate_list(library: Library, request: ScreeningRequest, list_name: str) -> _ListEvaluation:
    child = request.treated_as_child
    yes = {indicator_id for indicator_id, answer in request.answers.items() if answer == "yes"}

    counts: dict[str, dict[str, int]] = {group: {"strong": 0, "medium": 0, "weak": 0} for group in ILO_GROUPS}
    in_group: dict[str, list[str]] = {group: [] for group in ILO_GROUPS}
    act: list[str] = []
    means: list[str] = []
    purpose: list[str] = []
    vulnerability: list[str] = []
    coercion: list[str] = []
    strong_ids: list[str] = []
    several_ids: list[str] = []
    strong_coercion = False
    strong_purpose = False
    immediate: list[str] = []
    child_alone: list[str] = []

    # Library order, not answer order, so that reasons are deterministic.
    for indicator in library.indicators:
        if indicator.id not in yes:
            continue
        if indicator.signal == "immediate_danger":
            immediate.append(indicator.id)
        if indicator.signal == "child_alone" and child:
            child_alone.append(indicator.id)
        grade = indicator.grade(list_name)
        if grade is None:
            continue
        group = counted_group(indicator)
        if group in counts:
            counts[group][grade] += 1
            in_group[group].append(indicator.id)
        if is_act_evidence(indicator):
            act.append(indicator.id)
        if group in VULNERABILITY_GROUPS:
            vulnerability.append(indicator.id)
        elif indicator.element == "means" or group in COERCION_GROUPS:
            means.append(indicator.id)
        if indicator.element == "purpose":
            purpose.append(indicator.id)
            strong_purpose = strong_purpose or grade == "strong"
        # What the worker observed counts as a weak or medium sign, never as a child's answer about coercion
        # (a parent may answer for their child).
        if group in COERCION_GROUPS and not indicator.observed:
            coercion.append(indicator.id)
            strong_coercion = strong_coercion or grade == "strong"
        if grade == "strong":
            strong_ids.append(indicator.id)
        if grade in ("strong", "medium") and group not in VULNERABILITY_GROUPS:
            several_ids.append(indicator.id)

    groups = {
        group: tuple(in_group[group])
        for group in ILO_GROUPS
        if group_rule(counts[group]["strong"], counts[group]["medium"], counts[group]["weak"])
    }
    recruitment = any(group in groups for group in RECRUITMENT_GROUPS)
    exploitation = EXPLOITATION_GROUP in groups
    destination = any(group in groups for group in DESTINATION_GROUPS)
    coerced = any(group in groups for group in COERCION_GROUPS) or strong_coercion
    act_shown = recruitment or bool(act)
    # Vulnerability is a risk, not a sign: groups 3 and 6 alone never make "signs".
    signs = (
        any(group not in VULNERABILITY_GROUPS for group in groups)
        or bool(strong_ids)
        or len(several_ids) >= 2
    )

    published = recruitment and exploitation and destination
    if child:
        combination = act_shown and bool(purpose)
        elements_met = False
    else:
        combination = published
        elements_met = act_shown and coerced and (exploitation or strong_purpose)

    if immediate:
        outcome = Outcome.IMMEDIATE_DANGER
    elif child and (combination or bool(groups) or signs or bool(coercion) or bool(child_alone)):
        outcome = Outcome.CHILD_SAFEGUARDING
    elif child:
        outcome = Outcome.SOME_SIGNS if (means or purpose or vulnerability) else Outcome.NO_SIGNS_NOTED
    elif combination or elements_met:
        outcome = Outcome.STRONG_SIGNS
    elif signs:
        outcome = Outcome.SOME_SIGNS
    else:
        outcome = Outcome.NO_SIGNS_NOTED

    return _ListEvaluation(
        list_name=list_name,
        outcome=outcome,
        groups=groups,
        combination_met=combination,
        elements_met=elements_met and not combination,
        strong_ids=tuple(strong_ids),
        several_ids=tuple(several_ids) if len(several_ids) >= 2 else (),
        act_ids=tuple(act)
        or (tuple(i for group in RECRUITMENT_GROUPS for i in groups.get(group, ())) if combination else ()),
        means_ids=tuple(means),
        purpose_ids=tuple(purpose),
        vulnerability_ids=tuple(vulnerability),
        coercion_ids=tuple(coercion) if child else (),
        immediate_ids=tuple(immediate),
        child_alone_ids=tuple(child_alone),
    )


def _ids_with_signal(library: Library, request: ScreeningRequest, signal: str) -> tuple[str, ...]:
    return tuple(
        indicator.id
        for indicator in library.with_signal(signal)
        if request.answers.get(indicator.id) == "yes"
    )


def _confidence(request: ScreeningRequest, contradictions: bool) -> Confidence:
    answers = list(request.answers.values())
    uncertain = sum(1 for answer in answers if answer in _UNCERTAIN)
    if len(answers) == uncertain:
        return Confidence.LOW
    ratio = uncertain / len(answers)
    level = 0 if ratio == 0 else 1 if ratio <= 1 / 3 else 2
    if contradictions:
        level += 1
    return (Confidence.HIGH, Confidence.MEDIUM, Confidence.LOW)[min(level, 2)]


def quick_questions_for(library: Library, child: bool) -> tuple[Indicator, ...]:
    """The quick questions asked of this person (observed signs are not questions)."""
    age = "child" if child else "adult"
    return tuple(ind for ind in library.quick() if not ind.observed and age in ind.ages)


def _too_few_answers(library: Library, request: ScreeningRequest) -> bool:
    """Fewer questions have a yes or no answer than half the quick screening for the person.

    The quick screening is the least a screening asks; with fewer answers than half of it, "no signs" would
    say more than the answers do. Observed signs are not answers.
    """
    expected = len(quick_questions_for(library, request.treated_as_child))
    observed = {ind.id for ind in library.indicators if ind.observed}
    answered = [i for i, answer in request.answers.items() if answer in ("yes", "no") and i not in observed]
    return 2 * len(answered) < expected


def _reason(
    code: str, *, group: str | None = None, element: str | None = None, ids: tuple[str, ...] = ()
) -> Reason:
    text = REASON_TEXT[code]
    if group is not None and "%(group)s" in text:
        text = text % {"group": GROUP_LABELS[group]}
    return Reason(code=code, text=text, group=group, element=element, answer_ids=ids)


def evaluate(library: Library, request: ScreeningRequest) -> Result:
    """Screen one person: the strongest outcome over the list asked for, or every list for the age group.

    Raises ScreeningInputError if the request does not fit the library (see parse_request).
    """
    _check_request(library, request)
    child = request.treated_as_child
    names = (request.list_name,) if request.list_name is not None else _lists_for(library, child)
    evaluations = [_evaluate_list(library, request, name) for name in names]
    # max() keeps the first of equals, so ties go to library order.
    best = max(evaluations, key=lambda ev: (ev.outcome.rank, len(ev.groups)))

    consent_ids = _ids_with_signal(library, request, "consent")
    ended_ids = _ids_with_signal(library, request, "contact_ended")
    control_ids = _ids_with_signal(library, request, "ongoing_control")
    bondage_ids = _ids_with_signal(library, request, "journey_debt_bondage")
    contradiction_ids = (
        (ended_ids + control_ids + bondage_ids) if ended_ids and (control_ids or bondage_ids) else ()
    )
    uncertain_ids = tuple(ind.id for ind in library.indicators if request.answers.get(ind.id) in _UNCERTAIN)
    confidence = _confidence(request, bool(contradiction_ids))
    too_few = _too_few_answers(library, request)
    if too_few:
        confidence = Confidence.LOW

    reasons: list[Reason] = []
    if best.immediate_ids:
        reasons.append(_reason("immediate_danger", group="safety", ids=best.immediate_ids))
    if best.child_alone_ids:
        reasons.append(_reason("child_alone", group="safety", ids=best.child_alone_ids))
    if child:
        reasons.append(
            _reason("treated_as_child_age_in_doubt" if request.age_in_doubt else "treated_as_child")
        )
    # Vulnerability counts as a means only when someone appears to take advantage of it.
    vulnerability_used = bool(best.vulnerability_ids) and bool(best.purpose_ids)
    for group, ids in best.groups.items():
        if group in VULNERABILITY_GROUPS and not (child or vulnerability_used):
            continue  # a vulnerable situation alone: said once, below, as a risk
        reasons.append(_reason("group_present", group=group, ids=ids))
    if best.coercion_ids:
        reasons.append(_reason("child_coercion", element="means", ids=best.coercion_ids))
    if best.combination_met:
        reasons.append(_reason("child_rule_met" if child else "adult_combination_met"))
    elif best.elements_met:
        reasons.append(_reason("adult_elements_met"))
    else:
        if best.strong_ids:
            reasons.append(_reason("strong_sign", ids=best.strong_ids))
        if best.several_ids:
            reasons.append(_reason("several_signs", ids=best.several_ids))
    for element, ids in (
        ("act", best.act_ids),
        ("means", best.means_ids),
        ("purpose", best.purpose_ids),
    ):
        if ids:
            reasons.append(_reason(f"element_{element}", element=element, ids=ids))
    if best.vulnerability_ids:
        if vulnerability_used:
            reasons.append(_reason("vulnerability_used", element="means", ids=best.vulnerability_ids))
        else:
            reasons.append(_reason("vulnerable_situation", ids=best.vulnerability_ids))
    means_shown = bool(best.means_ids) or vulnerability_used
    # The note explains why agreement did not lower a result; with no signs there is nothing to explain.
    if consent_ids and best.outcome is not Outcome.NO_SIGNS_NOTED and (child or means_shown):
        reasons.append(_reason("consent_does_not_count", group="smuggling_context", ids=consent_ids))
    if bondage_ids:
        reasons.append(_reason("journey_debt_bondage", group="smuggling_context", ids=bondage_ids))
    if control_ids:
        reasons.append(_reason("ongoing_control", group="smuggling_context", ids=control_ids))
    if ended_ids:
        reasons.append(_reason("contact_ended_on_arrival", group="smuggling_context", ids=ended_ids))
    if contradiction_ids:
        reasons.append(_reason("contradictory_answers", ids=contradiction_ids))
    if uncertain_ids:
        reasons.append(_reason("uncertain_answers", ids=uncertain_ids))
    if not any(answer in ("yes", "no") for answer in request.answers.values()):
        reasons.append(_reason("no_answers"))
    elif too_few and best.outcome is Outcome.NO_SIGNS_NOTED:
        reasons.append(_reason("too_few_answers"))

    step_codes = list(_OUTCOME_STEPS[best.outcome])
    if child and best.outcome is Outcome.IMMEDIATE_DANGER:
        step_codes.append("child_safeguarding_now")
    if child and best.outcome.rank <= Outcome.SOME_SIGNS.rank:
        step_codes.append("child_welfare_concern")
    if best.outcome is Outcome.NO_SIGNS_NOTED and best.vulnerability_ids:
        step_codes.insert(0, "offer_rights_information")
    if confidence is Confidence.LOW and best.outcome.rank <= Outcome.SOME_SIGNS.rank:
        step_codes.append("screen_again_when_ready")

    return Result(
        outcome=best.outcome,
        treated_as_child=child,
        list_name=best.list_name,
        groups_present=tuple(best.groups),
        elements=Elements(act=bool(best.act_ids), means=means_shown, purpose=bool(best.purpose_ids)),
        reasons=tuple(reasons),
        next_steps=tuple(NextStep(code=code, text=NEXT_STEP_TEXT[code]) for code in step_codes),
        confidence=confidence,
        library_version=library.version,
    )


def result_to_json(result: Result) -> dict[str, Any]:
    """The result as plain JSON: ``{"outcome", "treated_as_child", "groups_present", "elements", "reasons",
    "next_steps", "library_version", "confidence", "list"}``; reasons and next steps carry code and text."""
    return {
        "outcome": result.outcome.value,
        "treated_as_child": result.treated_as_child,
        "groups_present": list(result.groups_present),
        "elements": {
            "act": result.elements.act,
            "means": result.elements.means,
            "purpose": result.elements.purpose,
        },
        "reasons": [reason.to_json() for reason in result.reasons],
        "next_steps": [{"code": step.code, "text": step.text} for step in result.next_steps],
        "library_version": result.library_version,
        "confidence": result.confidence.value,
        "list": result.list_name,
    }
