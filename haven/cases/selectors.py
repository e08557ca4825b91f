"""Reads of case data. Lists are pseudonymous (codes, stages, flags: nothing to decrypt); the per-case
readers decrypt only what the asked-for section needs, for a case already fetched through `access.py`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import connection
from django.db.models import Min, OuterRef, Q, QuerySet, Subquery
from django.db.models.expressions import RawSQL
from django.utils import timezone, translation

from haven.accounts.models import User
from haven.accounts.permissions import Perm
from haven.audit.services import audit_record
from haven.cases import vocab
from haven.cases.access import cases_openable_by, may_see_section, visible_branches
from haven.cases.models import (
    Attachment,
    BestInterests,
    Case,
    Consent,
    ErasureTombstone,
    HistoricEvent,
    Note,
    Person,
    PressureCheck,
    StageChange,
    Task,
)
from haven.cases.sealing import (
    Opened,
    PersonOpener,
    birth_year,
    name_dob_index,
    name_index,
    name_year_index,
    person_indexes,
)
from haven.core.parsing import page_number
from haven.screening.models import Screening
from haven.vault import integration as vault

SUMMARY_FIELDS = ("name", "preferred_name", "safe_contact")

# Which case section each sealed person field belongs to (what a read of it is audited as). Derived from
# the model's field groups so that a new identifying or sensitive field cannot be left out. The guardian
# is identifying but belongs to the child section.
PERSON_SECTIONS: dict[str, tuple[str, ...]] = {
    "identity": tuple(name for name in Person.IDENTIFYING_FIELDS if name != "guardian"),
    "child": ("guardian",),
    **{name: (name,) for name in Person.SENSITIVE_FIELDS},
}
# The person sections that have a page of their own (the child section has its own page elsewhere).
PERSON_PAGES = frozenset(PERSON_SECTIONS) - {"child"}


def person_sections_for(user: User) -> tuple[str, ...]:
    """The person sections `user`'s role may read, in PERSON_SECTIONS order."""
    return tuple(section for section in PERSON_SECTIONS if may_see_section(user, section))


# The list counts at most this many rows past the start of the page; beyond that it says "N+" pages, so a
# page costs the same with 100 or 100 000 visible cases.
LIST_COUNT_AHEAD = 500
# What a list row shows (codes, flags, names of team and case manager): nothing sealed is loaded.
LIST_ROW_FIELDS = (
    "code",
    "status",
    "risk_level",
    "stage",
    "updated_at",
    "handed_over",
    "team",
    "team__name",
    "person",
    "person__age_established_adult",
    "person__erased_at",
    "case_manager",
    "case_manager__display_name",
    "case_manager__email",
)


@dataclass(frozen=True)
class ListPaginator:
    """What the list template asks of a paginator: the number of pages, or "N+" when not all counted."""

    num_pages: int | str


@dataclass(frozen=True)
class CasePage:
    """One page of the case list, with the methods of Django's `Page` the list template uses."""

    object_list: list[Case]
    number: int
    paginator: ListPaginator
    more: bool
    # Cases counted from the first: exact unless `capped`, when the count stopped LIST_COUNT_AHEAD rows
    # past the start of this page and there are more.
    counted: int = 0
    capped: bool = False

    def has_next(self) -> bool:
        return self.more

    def has_previous(self) -> bool:
        return self.number > 1

    def next_page_number(self) -> int:
        return self.number + 1

    def previous_page_number(self) -> int:
        return self.number - 1


# The risk filter: a level of the latest risk assessment, or "none" for cases not assessed yet.
RISK_FILTERS = ("low", "medium", "high", "none")


def _list_filter(user: User, *, status: str, stage: str, child: str, mine: bool, risk: str = "") -> Q:
    wanted = Q()
    if status:
        wanted &= Q(status=status)
    if stage:
        wanted &= Q(stage=stage)
    if risk in RISK_FILTERS:
        wanted &= Q(risk_level="" if risk == "none" else risk)
    if child == "yes":
        wanted &= Q(person__age_established_adult=False)
    elif child == "no":
        wanted &= Q(person__age_established_adult=True)
    if mine:
        assigned = Case.caseworkers.through.objects.filter(user=user).values("case_id")
        wanted &= Q(case_manager=user) | Q(pk__in=assigned)
    return wanted


def _branch_ids_sql(branches: list[Q], wanted: Q) -> list[tuple[str, tuple[Any, ...]]]:
    """Each branch's case ids in list order, compiled once per request (compiling costs more than running)."""
    compiled = []
    for branch in branches:
        ids = Case.objects.filter(branch).filter(wanted).order_by("-updated_at", "-pk").values_list("pk")
        sql, params = ids.query.sql_with_params()
        compiled.append((sql, tuple(params)))
    return compiled


def _first_ids_sql(compiled: list[tuple[str, tuple[Any, ...]]], limit: int) -> tuple[str, list[Any]]:
    """The first `limit` ids of each branch, as one union.

    Only SQL compiled by Django from the branch querysets is joined here and every value, the limit too,
    stays a parameter. Django itself refuses a LIMIT inside a UNION on SQLite, hence the hand-made union.
    """
    parts: list[str] = []
    params: list[Any] = []
    for n, (sql, branch_params) in enumerate(compiled):
        parts.append(f"SELECT * FROM ({sql} LIMIT %s) AS branch_{n}")  # noqa: S608 (compiled SQL, see above)
        params.extend((*branch_params, limit))
    return " UNION ".join(parts), params


def case_list_page(
    user: User,
    *,
    status: str = "",
    stage: str = "",
    child: str = "",
    mine: bool = False,
    risk: str = "",
    page: str | int | None = 1,
    per_page: int = 25,
    past_the_end: str = "last",
) -> CasePage:
    """One page of the cases `user` may list (`access.visible_branches`), newest change first: Haven's one
    case-list selector, for the web list and `GET /api/v1/cases` alike. Two queries whatever the number of
    cases: a count capped at LIST_COUNT_AHEAD rows past the page, and the page's rows with team, person and
    case manager joined (nothing sealed is loaded).

    Each branch of the access rule (`access.visible_branches`) is read in list order from its own index
    and cut at the end of the page before the branches are merged, so nothing sorts every visible case.
    Like Django's `Paginator.get_page`, a page number that is not a number gives the first page and one
    past the end gives the last (`haven.core.parsing.page_number`, which also caps a page number too large
    for the database's integers). With `past_the_end="empty"` (the API, whose clients page until a page
    comes back empty) a page past the end is empty and keeps its number.
    """
    number = page_number(page)
    branches = visible_branches(user)
    if branches is None:
        return CasePage([], number if past_the_end == "empty" else 1, ListPaginator(1), more=False)
    wanted = _list_filter(user, status=status, stage=stage, child=child, mine=mine, risk=risk)
    offset = (number - 1) * per_page
    compiled = _branch_ids_sql(branches, wanted)
    count_sql, count_params = _first_ids_sql(compiled, offset + LIST_COUNT_AHEAD + 1)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM ({count_sql}) AS visible", count_params)  # noqa: S608
        counted = int(cursor.fetchone()[0])
    num_pages: int | str
    capped = counted > offset + LIST_COUNT_AHEAD
    if capped:
        counted = offset + LIST_COUNT_AHEAD
        num_pages, more = f"{(offset + LIST_COUNT_AHEAD) // per_page}+", True
    else:
        last = max(1, -(-counted // per_page))
        if number > last and past_the_end == "empty":
            return CasePage([], number, ListPaginator(last), more=False, counted=counted)
        number = min(number, last)
        offset = (number - 1) * per_page
        num_pages, more = last, number < last
    ids_sql, ids_params = _first_ids_sql(compiled, offset + per_page)
    rows = _with_next_due(
        Case.objects.filter(pk__in=RawSQL(ids_sql, ids_params))  # noqa: S611 (compiled SQL, see above)
        .select_related("team", "person", "case_manager")
        .only(*LIST_ROW_FIELDS)
        .order_by("-updated_at", "-pk")
    )[offset : offset + per_page]
    return CasePage(list(rows), number, ListPaginator(num_pages), more=more, counted=counted, capped=capped)


def _with_next_due(cases: QuerySet[Case]) -> QuerySet[Case]:
    """`cases` with `next_due`: the due date of the earliest open task of each (None without one), read in
    the same query as the rows (a correlated subquery served by the task index), never one query a row."""
    earliest = (
        Task.objects.filter(case=OuterRef("pk"), done_at=None, closed_at=None)
        .order_by()
        .values("case")
        .annotate(first=Min("due_on"))
        .values("first")
    )
    return cases.annotate(next_due=Subquery(earliest))


def overdue_tasks(user: User) -> QuerySet[Task]:
    """Open tasks past their due date on cases `user` may open (titles stay sealed here)."""
    return (
        Task.objects.filter(
            case__in=cases_openable_by(user), done_at=None, closed_at=None, due_on__lt=timezone.localdate()
        )
        .select_related("case", "case__person", "assignee")
        .order_by("due_on", "pk")
    )


def sections_of(opened: Mapping[str, Opened]) -> list[str]:
    """The person sections (PERSON_SECTIONS) the opened fields belong to: what a read of them returned."""
    return [section for section, names in PERSON_SECTIONS.items() if any(n in opened for n in names)]


def note_sections_of(notes: Iterable[NoteView]) -> list[str]:
    """The sensitive sections (health, perpetrator, location) of the notes a read returned."""
    return sorted({n.note.section for n in notes if n.note.section in vocab.SENSITIVE_SECTIONS})


@dataclass(frozen=True)
class OverdueRow:
    """One line of an overdue list: the task, its title opened, and how many days it is overdue."""

    task: Task
    title: Opened
    days_overdue: int


def overdue_rows(tasks: Iterable[Task]) -> list[OverdueRow]:
    """The overdue list's lines for `tasks` (one page): titles opened with one key unwrap per person."""
    today = timezone.localdate()
    openers: dict[str, PersonOpener] = {}
    rows = []
    for task in tasks:
        key_id = task.case.person.key_id
        opener = openers.setdefault(key_id, PersonOpener(key_id))
        rows.append(OverdueRow(task, opener.open(task, "title"), (today - task.due_on).days))
    return rows


def person_fields(case: Case, user: User, names: tuple[str, ...]) -> dict[str, Opened]:
    """Decrypt the named person fields the user's role allows (others are left out)."""
    person = case.person
    allowed = []
    for name in names:
        if name in Person.SENSITIVE_FIELDS and not user.has(Perm.CASE_VIEW_SENSITIVE):
            continue
        if name in Person.IDENTIFYING_FIELDS and not user.has(Perm.CASE_VIEW_IDENTIFYING):
            continue
        allowed.append(name)
    if person.erased_at is not None:
        return {name: Opened(None, "erased") for name in allowed}
    return PersonOpener(person.key_id).open_many(person, allowed)


def visible_note_sections(user: User) -> list[str]:
    """Note sections the user may read."""
    sensitive = user.has(Perm.CASE_VIEW_SENSITIVE)
    return [code for code, _l in vocab.NOTE_SECTIONS if sensitive or code not in vocab.SENSITIVE_SECTIONS]


@dataclass
class NoteView:
    note: Note
    body: Opened


def notes_for(case: Case, user: User, section: str = "") -> list[NoteView]:
    """The case's notes in the sections the user may read, newest first, decrypted."""
    sections = visible_note_sections(user)
    if section:
        if section not in sections:
            raise PermissionDenied
        sections = [section]
    notes = (
        Note.objects.filter(case=case, section__in=sections)
        .select_related("author")
        .order_by("-created_at", "-pk")
    )
    opener = PersonOpener(case.person.key_id)
    return [NoteView(n, opener.open(n, "body")) for n in notes]


@dataclass
class TaskView:
    task: Task
    title: Opened
    overdue: bool


def tasks_for(case: Case) -> list[TaskView]:
    """The case's tasks: open ones first by due date, titles decrypted."""
    today = timezone.localdate()
    tasks = Task.objects.filter(case=case).select_related("assignee").order_by("done_at", "due_on", "pk")
    opener = PersonOpener(case.person.key_id)
    return [TaskView(t, opener.open(t, "title"), t.is_open and t.due_on < today) for t in tasks]


@dataclass
class AttachmentView:
    attachment: Attachment
    filename: Opened


def attachments_for(case: Case) -> list[AttachmentView]:
    """The case's attachments with their file names decrypted."""
    items = Attachment.objects.filter(case=case).select_related("uploaded_by").order_by("-uploaded_at", "-pk")
    opener = PersonOpener(case.person.key_id)
    return [AttachmentView(a, opener.open(a, "filename")) for a in items]


def consents_for(case: Case) -> list[Consent]:
    """Every consent record of the case, newest first."""
    return list(
        Consent.objects.filter(case=case)
        .select_related("explained_by", "recorded_by")
        .order_by("-recorded_at", "-pk")
    )


@dataclass
class BestInterestsView:
    record: BestInterests
    decision: Opened


def best_interests_for(case: Case) -> list[BestInterestsView]:
    """The case's best-interests decisions, newest first, decrypted."""
    records = (
        BestInterests.objects.filter(case=case).select_related("decided_by").order_by("-decided_on", "-pk")
    )
    opener = PersonOpener(case.person.key_id)
    return [BestInterestsView(r, opener.open(r, "decision")) for r in records]


def pending_pressure_checks(case: Case) -> list[PressureCheck]:
    """Checks not yet used by a withdrawal or erasure, newest first."""
    return list(PressureCheck.objects.filter(case=case, used_at=None).order_by("-confirmed_at"))


def events_for(case: Case) -> list[HistoricEvent]:
    """The case's historic trafficking events, oldest first."""
    return list(HistoricEvent.objects.filter(case=case).order_by("date", "pk"))


def possible_existing(user: User, *, name: str, dob: date) -> list[str]:
    """Codes of cases the user may open whose person has this name and date of birth.

    The blind index only narrows the candidates (it is truncated so that different people share values);
    each candidate is decrypted and compared before it counts as a match.
    """
    if not user.has(Perm.CASE_SEARCH_NAME):
        raise PermissionDenied
    if not vault.normalise_for_index(name, "name"):
        return []
    index = name_dob_index(name, dob)
    wanted = (vault.normalise_for_index(name, "name"), dob.isoformat())
    candidates = (
        cases_openable_by(user)
        .filter(person__name_dob_bi=index, person__erased_at=None)
        .select_related("person")
        .order_by("pk")[:200]
    )
    matches: list[str] = []
    checked = 0
    for case in candidates:
        checked += 1
        theirs = PersonOpener(case.person.key_id).open_many(case.person, ("name", "date_of_birth"))
        if any(value.problem for value in theirs.values()):
            continue
        their_name, their_dob = theirs["name"].value or "", theirs["date_of_birth"].value or ""
        if (vault.normalise_for_index(their_name, "name"), their_dob) == wanted:
            matches.append(case.code)
    audit_record(
        actor_id=user.pk,
        action="case.name_search",
        object_type="case",
        object_id="",
        detail={"candidates": checked, "matches": matches[:20]},
    )
    return matches


# -- finding people ------------------------------------------------------------------------------------------

# How many cases a search shows at most, and how many index candidates it opens at most to compare.
SEARCH_LIMIT = 50
SEARCH_CANDIDATES = 200
CODE_PREFIX = re.compile(r"HV(-[0-9]{0,4}(-[0-9]{0,5})?)?")
PHONE_LIKE = re.compile(r"\+?[0-9 ().\-/]+")
MIN_PHONE_DIGITS = 6
YEAR = re.compile(r"(18|19|20)[0-9]{2}")


class SearchInputError(ValueError):
    """A search text that says nothing to look for (empty, or a year without a name)."""


@dataclass(frozen=True)
class SearchQuery:
    """What one search box asks, read from its text: a case-code prefix, a phone number, or a name with
    perhaps a year of birth."""

    kind: str  # "code", "phone", "name" or "name_year"
    text: str
    year: str = ""

    @property
    def needs_name_search(self) -> bool:
        """Finding people by who they are (name, phone) is an identifying read: `case.find_person`."""
        return self.kind != "code"


def read_search(text: str) -> SearchQuery:
    """The search asked by `text` (SearchInputError when it asks for nothing).

    "HV-2026-0" is a case-code prefix; digits with spaces, dots, dashes or brackets (at least six) a phone
    number; anything else a name, where a four-digit year among the words is the year of birth.
    """
    text = " ".join(text.split())
    if not text:
        raise SearchInputError("empty")
    compact = text.replace(" ", "").upper()
    if CODE_PREFIX.fullmatch(compact):
        return SearchQuery("code", compact)
    if PHONE_LIKE.fullmatch(text) and len(re.sub(r"\D", "", text)) >= MIN_PHONE_DIGITS:
        return SearchQuery("phone", text)
    words = text.split()
    years = [word for word in words if YEAR.fullmatch(word)]
    name = " ".join(word for word in words if not YEAR.fullmatch(word))
    if not vault.normalise_for_index(name, "name"):
        raise SearchInputError("no name")
    if len(years) == 1:
        return SearchQuery("name_year", name, years[0])
    return SearchQuery("name", text if years else name)


@dataclass(frozen=True)
class SearchResult:
    """The cases a search found (list rows, with `next_due`), what kind of search it was, and whether
    more were found than shown."""

    query: SearchQuery
    cases: list[Case]
    more: bool = False


def find_cases(user: User, text: str) -> SearchResult:
    """Cases `user` may open (`access.cases_openable_by`) that the search box's `text` finds (`read_search`);
    called through `services.case_search`, which checks the action.

    A case-code prefix reads codes only. A name, a name with a year of birth or a phone number looks up its
    blind index (`sealing`: a truncated keyed hash of the normalised value, shared by several people by
    design): nothing is decrypted to narrow the search. Each candidate is then opened through the one
    decryption path (`PersonOpener`) and compared before it counts, as `possible_existing` does. Erased
    people have no index and are never found by who they were. Every search is audited with its kind,
    the number of candidates and the codes found, never the words searched for.
    """
    query = read_search(text)
    openable = cases_openable_by(user)
    if query.needs_name_search and not user.has(Perm.CASE_SEARCH_NAME):
        raise PermissionDenied(Perm.CASE_SEARCH_NAME.value)  # `services.case_search` checks first
    checked = 0
    if query.kind == "code":
        codes = list(
            openable.filter(code__startswith=query.text)
            .order_by("code")
            .values_list("code", flat=True)[: SEARCH_LIMIT + 1]
        )
    else:
        candidates, same = _index_candidates(query)
        found = (
            openable.filter(candidates, person__erased_at=None)
            .select_related("person")
            .order_by("code")[:SEARCH_CANDIDATES]
        )
        codes = []
        for case in found:
            checked += 1
            if same(case.person):
                codes.append(case.code)
    audit_record(
        actor_id=user.pk,
        action="case.search",
        object_type="case",
        object_id="",
        detail={"kind": query.kind, "candidates": checked, "found": len(codes), "matches": codes[:20]},
    )
    more = len(codes) > SEARCH_LIMIT
    codes = codes[:SEARCH_LIMIT]
    rows = _with_next_due(
        Case.objects.filter(code__in=codes)
        .select_related("team", "person", "case_manager")
        .only(*LIST_ROW_FIELDS)
        .order_by("code")
    )
    return SearchResult(query, list(rows), more=more)


def _index_candidates(query: SearchQuery) -> tuple[Q, Callable[[Person], bool]]:
    """The blind-index filter for `query`, and the comparison of a candidate's opened values with it."""
    index, same = _index_and_comparison(query)
    # An empty index is "no value", shared by everyone without one: it must never select them.
    return (Q(**index) if all(index.values()) else Q(pk__in=[])), same


def _index_and_comparison(query: SearchQuery) -> tuple[dict[str, str], Callable[[Person], bool]]:
    if query.kind == "phone":
        wanted_digits = re.sub(r"\D", "", query.text)
        index = person_indexes({"phone": query.text})["phone_bi"]

        def same_phone(person: Person) -> bool:
            phone = PersonOpener(person.key_id).open(person, "phone")
            return not phone.problem and re.sub(r"\D", "", phone.value or "") == wanted_digits

        return {"person__phone_bi": index}, same_phone
    wanted_name = vault.normalise_for_index(query.text, "name")

    def same_name(person: Person) -> bool:
        theirs = PersonOpener(person.key_id).open_many(person, ("name", "date_of_birth"))
        if any(value.problem for value in theirs.values()):
            return False
        if vault.normalise_for_index(theirs["name"].value or "", "name") != wanted_name:
            return False
        return not query.year or birth_year(theirs["date_of_birth"].value) == query.year

    if query.kind == "name_year":
        return {"person__name_year_bi": name_year_index(query.text, query.year)}, same_name
    return {"person__name_bi": name_index(query.text)}, same_name


def _opened(value: Opened) -> str | None:
    if value.problem:
        return f"[{value.problem}]"
    return value.value


# Sections other apps add to the access-request document (each returns {section name: content}); an app
# that keeps data on a case registers its section in its AppConfig.ready, so the export stays complete
# without the cases app importing it.
EXPORT_SECTIONS: list[Callable[[Case], dict[str, Any]]] = []


def register_export_section(section: Callable[[Case], dict[str, Any]]) -> None:
    """Add `section` to every access-request document (once)."""
    if section not in EXPORT_SECTIONS:
        EXPORT_SECTIONS.append(section)


def subject_access_document(case: Case) -> dict[str, Any]:
    """Everything Haven holds on the case's person, readable, in the person's language if we have it."""
    person = case.person
    opener = PersonOpener(person.key_id)
    language = person.information_language if person.information_language in ("en", "fr") else "en"
    with translation.override(language):

        def labelled(choices: vocab.Choices, code: str) -> dict[str, str]:
            return {"code": code, "label": vocab.label(choices, code)}

        # Every field of the person's field groups, and the one derived answer (the age rule's).
        labelled_fields = {
            "gender": vocab.GENDERS,
            "legal_status": vocab.LEGAL_STATUSES,
            "age_method": vocab.AGE_METHODS,
        }
        person_values: dict[str, Any] = {
            name: _opened(opener.open(person, name)) for name in Person.SEALED_FIELDS
        }
        for name in Person.CODED_FIELDS:
            value = getattr(person, name)
            person_values[name] = labelled(labelled_fields[name], value) if name in labelled_fields else value
        document: dict[str, Any] = {
            "case": case.code,
            "generated_at": timezone.now().isoformat(timespec="seconds"),
            "language": language,
            "person": {**person_values, "treated_as_child": person.is_child},
            "case_record": {
                "status": labelled(vocab.CASE_STATUSES, case.status),
                "stage": labelled(vocab.STAGES, case.stage),
                "legal_basis": labelled(vocab.LEGAL_BASES, case.legal_basis),
                "vital_interest_justification": _opened(opener.open(case, "vital_interest_justification")),
                "closure_reason": {
                    "code": case.closure_reason,
                    "label": vocab.closure_label(case.closure_reason),
                },
                "opened": case.created_at.date().isoformat(),
                "exploitation_types": [
                    labelled(vocab.EXPLOITATION_TYPES, c) for c in case.exploitation_types
                ],
                "means_of_control": [labelled(vocab.MEANS_OF_CONTROL, c) for c in case.means_of_control],
            },
            "consents": [
                {
                    "purpose": labelled(vocab.CONSENT_PURPOSES, c.purpose),
                    "recipient": c.recipient,
                    "status": labelled(vocab.CONSENT_STATUSES, c.status),
                    "given_on": c.given_on.isoformat(),
                    "expires_on": c.expires_on.isoformat() if c.expires_on else None,
                    "language": c.language,
                    "interpreter": c.interpreter,
                    "information_sheet_version": c.information_sheet_version,
                    "withdrawn_at": c.withdrawn_at.isoformat(timespec="seconds") if c.withdrawn_at else None,
                }
                for c in consents_for(case)
            ],
            "events": [
                {
                    "type": e.type,
                    "country": e.country,
                    "date": e.date.isoformat() if e.date else None,
                    "precision": e.date_precision,
                }
                for e in events_for(case)
            ],
            "best_interests": [
                {"decided_on": b.record.decided_on.isoformat(), "decision": _opened(b.decision)}
                for b in best_interests_for(case)
            ],
            "notes": [
                {
                    "section": n.section,
                    "at": n.created_at.isoformat(timespec="seconds"),
                    "text": _opened(opener.open(n, "body")),
                }
                for n in Note.objects.filter(case=case).order_by("created_at", "pk")
            ],
            "tasks": [
                {
                    "kind": t.task.kind,
                    "title": _opened(t.title),
                    "due_on": t.task.due_on.isoformat(),
                    "done": t.task.done_at is not None,
                }
                for t in tasks_for(case)
            ],
            "attachments": [
                {"name": _opened(a.filename), "type": a.attachment.kind, "size": a.attachment.size}
                for a in attachments_for(case)
            ],
            "stage_history": [
                {"stage": s.to_stage, "status": s.status, "at": s.changed_at.isoformat(timespec="seconds")}
                for s in StageChange.objects.filter(case=case).order_by("changed_at", "pk")
            ],
        }
        for section in EXPORT_SECTIONS:
            document.update(section(case))
    return document


def tombstone_for(case: Case) -> ErasureTombstone | None:
    """The erasure tombstone of a case, if its person was erased."""
    return ErasureTombstone.objects.filter(case_code=case.code).first()


# -- hand-overs from screenings ------------------------------------------------------------------------------


@dataclass(frozen=True)
class HandoverView:
    """A hand-over waiting for the contact person: the case code, when, how urgent, and the screening."""

    case: Case
    screening: Screening | None
    urgent: bool


def handovers_waiting(user: User) -> list[HandoverView]:
    """First contacts handed over to the contact person of ``user``'s team and not yet taken on; urgent
    ones first. Only for those who take hand-overs on (the case assign permission)."""
    if not user.has(Perm.CASE_ASSIGN) or user.team_id is None:
        return []
    cases = list(
        cases_openable_by(user)
        .filter(team_id=user.team_id, stage="first_contact", handed_over=True)
        .order_by("-handover_urgent", "handed_over_at", "id")
    )
    screenings = {s.case_code: s for s in Screening.objects.filter(case_code__in=[c.code for c in cases])}
    return [HandoverView(case=c, screening=screenings.get(c.code), urgent=c.handover_urgent) for c in cases]


@dataclass(frozen=True)
class MyHandover:
    """What a volunteer sees of a hand-over they made: when, the outcome, and whether it was taken on."""

    handed_over_at: Any
    outcome: str
    accepted: bool
    urgent: bool


def handovers_by(user: User, limit: int = 20) -> list[MyHandover]:
    """The hand-overs ``user`` made from their screenings, newest first: status only, never the case."""
    screenings = list(
        Screening.objects.filter(created_by=user).exclude(case_code="").order_by("-linked_at")[:limit]
    )
    cases = {c.code: c for c in Case.objects.filter(code__in=[s.case_code for s in screenings])}
    return [
        MyHandover(
            handed_over_at=s.linked_at,
            outcome=s.outcome,
            accepted=s.case_code in cases and cases[s.case_code].stage != "first_contact",
            urgent=s.case_code in cases and cases[s.case_code].handover_urgent,
        )
        for s in screenings
    ]


def screenings_for(case: Case) -> list[Screening]:
    """The screenings linked to a case (the caller opened the case through an access function)."""
    return list(Screening.objects.filter(case_code=case.code).select_related("library_version"))


def key_ids_in_use() -> list[str]:
    """The data key id of every person row, erased or not (`haven keys gc` keeps these keys)."""
    return list(Person.objects.values_list("key_id", flat=True))
