"""Bulk import of people, one new case each, from rows of text (a CSV file read by `haven import_people`).

All or nothing: every row is validated first, with the same rules as the services (`first_contact_create`:
the same person fields, coded values against the vocabularies, dates, lengths, the age rules), and any
problem stops the whole import before anything is written. The report names the row, the column and the
problem, never the value (it may be personal data). Only then the people are sealed under their own data
keys and their blind indexes computed, batch by batch outside any transaction, and written through the
cases services' bulk variants in short transactions, *staged*: invisible to every page, list and access
function until one last short transaction publishes the whole file at once, with one audit entry for the
import. So the service keeps answering during an import (SQLite's one write lock is held for a batch at a
time), readers never wait on PostgreSQL, and the user still sees all or nothing: a failure deletes what was
staged and its keys, and after a kill -9 `haven keys gc` does.

Rows are numbered as a spreadsheet shows them: the header is row 1, the first person row 2.
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Protocol

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from haven.accounts.actions import authorize
from haven.accounts.models import Team, User
from haven.accounts.permissions import Perm
from haven.cases import services, vocab
from haven.cases.access import WrongTeam, may_act_for_team
from haven.cases.models import Person
from haven.cases.sealing import index_blinder, person_indexes
from haven.cases.services import (
    CODED_PERSON_FIELDS,
    FIELD_MAX_CHARS,
    PERSON_FIELDS,
    check_established,
    decide_age,
)
from haven.vault import integration as vault

log = logging.getLogger("haven.cases")

FIRST_DATA_ROW = 2
# Rows sealed and then written per short transaction: small enough that SQLite's one write lock is held for
# tens of milliseconds at a time (readers write their audit entries meanwhile), large enough for bulk inserts.
BATCH_SIZE = 250
_TRUE = frozenset({"true", "yes", "1", "y"})
_FALSE = frozenset({"false", "no", "0", "n", ""})
_LIST_SEPARATORS = re.compile(r"[\s|]+")

SEALED_COLUMNS = tuple(Person.SEALED_FIELDS)
CODED_COLUMNS = tuple(CODED_PERSON_FIELDS)


@dataclass(frozen=True)
class RowProblem:
    """One problem in the input: where (row, column) and what, never the value itself."""

    row: int
    column: str
    problem: str

    def __str__(self) -> str:
        where = f"row {self.row}" + (f", column {self.column}" if self.column else "")
        return f"{where}: {self.problem}"


@dataclass
class ImportReport:
    """What an import did: the rows read, the cases created (0 when anything failed) and the problems."""

    rows: int = 0
    created: int = 0
    dry_run: bool = False
    problems: list[RowProblem] = field(default_factory=list)
    first_code: str = ""
    last_code: str = ""
    seconds: float = 0.0
    phases: dict[str, float] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.problems


@dataclass(frozen=True, slots=True)
class _Row:
    """A validated row: sealed texts and coded values aligned to the file's columns (compact for 100k)."""

    texts: tuple[str | None, ...]
    coded: tuple[Any, ...]
    dob: date | None


class Protector(Protocol):
    """Fills in a batch of new persons' key ids, sealed columns and blind indexes from their plaintext.

    The product uses `VaultProtector`; the benchmark swaps in a plaintext variant to measure what the
    encryption costs on this same path.
    """

    def protect(self, batch: Sequence[tuple[Person, dict[str, str]]]) -> None: ...


class VaultProtector:
    """Per-person data keys from the vault (created in bulk, one unwrap per person), sealing bound to table,
    column and row, and the blind indexes the services compute: all through the vault's public API
    (`person_key`, `blinder`) and the one index function (`sealing.person_indexes`)."""

    def __init__(self) -> None:
        # One key-store read for the whole import instead of up to three per person.
        self._blinder = index_blinder()
        # Every key this import created: if the import fails they protect nothing and are deleted.
        self.created_key_ids: list[str] = []

    def discard_created_keys(self) -> int:
        """Delete the keys this import created (after its transaction rolled back); returns how many."""
        created, self.created_key_ids = self.created_key_ids, []
        return vault.discard_keys(created) if created else 0

    def protect(self, batch: Sequence[tuple[Person, dict[str, str]]]) -> None:
        """Seal each person's values under a new data key of their own and set their blind indexes."""
        table = Person._meta.db_table
        key_ids = vault.new_keys(len(batch))
        self.created_key_ids += key_ids
        for (person, texts), key_id in zip(batch, key_ids, strict=True):
            person.key_id = key_id
            if texts:
                # One unwrap per person, as `sealing.PersonOpener` does when opening.
                sealed = vault.person_key(key_id).seal_texts(
                    table=table, row_id=str(person.uid), values=texts
                )
                for column, blob in sealed.items():
                    setattr(person, column, blob)
            for index, value in person_indexes(texts, blinder=self._blinder).items():
                setattr(person, index, value)


# -- validation --------------------------------------------------------------------------------------------


def _column_label(name: object, position: int) -> str:
    # Only a known column is named back: any other header cell may be a person's value (a file without
    # its header row has one in row 1), so it is shown by its position.
    if isinstance(name, str) and name in PERSON_FIELDS:
        return name
    return f"#{position}"


def _check_header(columns: Sequence[object], actor: User) -> list[RowProblem]:
    problems = []
    seen: set[object] = set()
    for position, name in enumerate(columns, start=1):
        label = _column_label(name, position)
        if name in seen:
            problems.append(RowProblem(1, label, "column given twice"))
        elif name not in PERSON_FIELDS:
            # Mass-assignment protection: only person fields a service may set are taken, never key_id,
            # uid, blind indexes, erasure marks or case fields.
            problems.append(
                RowProblem(1, label, "unknown column: the header row must name person fields (e.g. name)")
            )
        elif name in Person.SENSITIVE_FIELDS and not actor.has(Perm.CASE_VIEW_SENSITIVE):
            problems.append(RowProblem(1, label, "your role may not record this sensitive field"))
        seen.add(name)
    return problems


def _coded_value(name: str, raw: str) -> Any:
    """The typed value of a coded column; raises ValueError with a message that never quotes the value."""
    text = raw.strip()
    if name in ("languages", "citizenship"):
        allowed = vocab.language_codes() if name == "languages" else vocab.country_codes()
        values = [v for v in _LIST_SEPARATORS.split(text) if v]
        if any(v not in allowed for v in values):
            kind = "ISO 639 language" if name == "languages" else "ISO 3166 country"
            raise ValueError(f"give {kind} codes separated by spaces or '|'")
        return list(dict.fromkeys(values))
    if name == "information_language":
        if text and text not in vocab.language_codes():
            raise ValueError("unknown language code (give an ISO 639 code, e.g. en)")
        return text
    if name in ("age_established_adult", "age_in_doubt"):
        lowered = text.lower()
        if lowered not in _TRUE | _FALSE:
            raise ValueError("give yes or no")
        return lowered in _TRUE
    model_field = Person._meta.get_field(name)
    assert isinstance(model_field, models.Field)
    if not text:
        return model_field.get_default()
    if name in ("stated_age", "estimated_age"):
        if not (text.isascii() and text.isdigit()):
            raise ValueError("give a whole number of years")
        value: Any = int(text)
    else:
        value = text
    try:
        # The model field's own checks, as full_clean() runs them in the services (choices, range).
        return model_field.clean(value, None)
    except ValidationError:
        if model_field.choices:
            raise ValueError("not one of the codes Haven knows for this field") from None
        raise ValueError("not a possible value for this field") from None


def _sealed_value(name: str, raw: str, today: date) -> tuple[str | None, date | None]:
    """The stripped text to seal (None: not recorded), and the date for a date of birth."""
    text = raw.strip()
    if not text:
        return None, None
    if len(text) > FIELD_MAX_CHARS:
        raise ValueError(f"too long (at most {FIELD_MAX_CHARS} characters)")
    if name != "date_of_birth":
        return text, None
    try:
        dob = date.fromisoformat(text)
    except ValueError:
        raise ValueError("give the date as YYYY-MM-DD") from None
    if not date(1900, 1, 1) <= dob <= today:
        raise ValueError("this date of birth is not possible")
    return dob.isoformat(), dob


def _validate_row(
    number: int, row: Mapping[Any, Any], sealed: Sequence[str], coded: Sequence[str], today: date
) -> tuple[_Row | None, list[RowProblem]]:
    problems = []
    texts: list[str | None] = []
    dob = None
    for name in sealed:
        raw = row[name]
        if raw is None:
            problems.append(RowProblem(number, name, "fewer cells than the header has columns"))
            texts.append(None)
            continue
        try:
            text, parsed = _sealed_value(name, raw, today)
        except ValueError as exc:
            problems.append(RowProblem(number, name, str(exc)))
            texts.append(None)
            continue
        texts.append(text)
        dob = parsed or dob
    values: list[Any] = []
    for name in coded:
        raw = row[name]
        if raw is None:
            problems.append(RowProblem(number, name, "fewer cells than the header has columns"))
            values.append(None)
            continue
        try:
            values.append(_coded_value(name, raw))
        except ValueError as exc:
            problems.append(RowProblem(number, name, str(exc)))
            values.append(None)
    if None in row:
        problems.append(RowProblem(number, "", "more cells than the header has columns"))
    if problems:
        return None, problems
    if not any(texts) and not any(str(raw or "").strip() for raw in (row[name] for name in coded)):
        return None, [RowProblem(number, "", "the row is empty")]
    coded_values = dict(zip(coded, values, strict=True))
    if coded_values.get("age_established_adult"):
        # The services' rule, run on the row's values: adulthood is established, never assumed.
        probe = Person(**coded_values)
        try:
            check_established(probe, decide_age(probe, dob, established=True))
        except ValidationError as exc:
            messages = exc.message_dict.get("age_established_adult", exc.messages)
            return None, [RowProblem(number, "age_established_adult", str(m)) for m in messages]
    return _Row(tuple(texts), tuple(values), dob), []


def _validate(
    actor: User, rows: Iterable[Mapping[Any, Any]], columns: Sequence[str] | None
) -> tuple[list[str], list[str], list[_Row], int, list[RowProblem]]:
    """Check every row; returns the file's sealed and coded columns, clean rows, row count and problems."""
    problems: list[RowProblem] = []
    clean: list[_Row] = []
    sealed: list[str] = []
    coded: list[str] = []
    header: list[object] | None = None
    today = timezone.localdate()
    count = 0
    iterator = iter(rows)
    if columns is not None:
        # Checked before any row is read, so that a file holding only a (bad) header row is refused too.
        header = list(columns)
        header_problems = _check_header(header, actor)
        if header_problems:
            return sealed, coded, clean, sum(1 for _ in iterator), header_problems
        sealed = [c for c in SEALED_COLUMNS if c in header]
        coded = [c for c in CODED_COLUMNS if c in header]
    for row in iterator:
        count += 1
        number = count + FIRST_DATA_ROW - 1
        # csv.DictReader files cells beyond the header under the key None.
        names: list[object] = [name for name in row if name is not None]
        if header is None:
            header = names
            header_problems = _check_header(header, actor)
            if header_problems:
                # A bad header makes every row wrong: say it once, not once per row.
                problems += header_problems
                count += sum(1 for _ in iterator)
                break
            sealed = [c for c in SEALED_COLUMNS if c in header]
            coded = [c for c in CODED_COLUMNS if c in header]
        elif names != header:
            problems.append(RowProblem(number, "", "the columns differ from the header's"))
            continue
        valid, row_problems = _validate_row(number, row, sealed, coded, today)
        if valid is None:
            problems += row_problems
        elif not problems:  # once anything failed, nothing will be written: keep only the problems
            clean.append(valid)
    if header is None:
        problems.append(RowProblem(1, "", "the file has no rows"))
    return sealed, coded, clean, count, problems


# -- writing -----------------------------------------------------------------------------------------------


def _batches(items: list[_Row], size: int) -> Iterator[list[_Row]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _write(
    *,
    actor: User,
    team: Team,
    batch: uuid.UUID,
    codes: list[str],
    sealed: list[str],
    coded: list[str],
    clean: list[_Row],
    protector: Protector,
    batch_size: int,
    phases: dict[str, float],
    now: datetime,
) -> None:
    """Seal each batch outside any transaction, then stage it in one short one (`cases_stage_bulk`)."""
    for offset, rows in enumerate(_batches(clean, batch_size)):
        people = []
        for row in rows:
            values = dict(zip(coded, row.coded, strict=True))
            person = Person(uid=uuid.uuid4(), created_at=now, updated_at=now, **values)
            # Haven's one age rule, as the services apply it to a first contact.
            decide_age(person, row.dob, established=values.get("age_established_adult"))
            texts = {c: t for c, t in zip(sealed, row.texts, strict=True) if t is not None}
            people.append((person, texts))
        started = time.perf_counter()
        protector.protect(people)
        protected = time.perf_counter()
        first = offset * batch_size
        services.cases_stage_bulk(
            actor=actor,
            team=team,
            batch=batch,
            people=[person for person, _texts in people],
            codes=codes[first : first + len(people)],
            now=now,
        )
        phases["protect"] += protected - started
        phases["write"] += time.perf_counter() - protected


def people_import(
    *,
    actor: User,
    team: Team,
    rows: Iterable[Mapping[Any, Any]],
    dry_run: bool = False,
    columns: Sequence[str] | None = None,
    batch_size: int = BATCH_SIZE,
    protector: Protector | None = None,
) -> ImportReport:
    """Import people, one new case each (stage first contact, handed over to the actor), all or nothing.

    `rows` map column names (person fields, see `services.PERSON_FIELDS`) to text, as `csv.DictReader`
    gives them (`columns`: the header, when known before the first row, e.g. `DictReader.fieldnames`).
    Every row is validated before anything is written; when any row fails, nothing is written
    and the report lists every problem. With `dry_run`, only the validation runs. Needs the case-assignment
    permission (the Society's contact person) and a member of `team` (else WrongTeam, a PermissionDenied:
    the actor becomes the cases' manager). A failure or an interruption while writing (a key-store error,
    Ctrl-C) deletes the rows staged so far (never shown) and the data keys already made for the import.
    `protector` is for the benchmark only.
    """
    authorize(actor, "case.import")
    if not may_act_for_team(actor, team.pk):
        raise WrongTeam("case.own_team")
    started = time.perf_counter()
    sealed, coded, clean, count, problems = _validate(actor, rows, columns)
    validated = time.perf_counter()
    report = ImportReport(rows=count, dry_run=dry_run, problems=problems)
    report.phases["validate"] = validated - started
    if problems or dry_run:
        report.seconds = validated - started
        return report
    phases = {"protect": 0.0, "case_codes": 0.0, "write": 0.0}
    protector = protector or VaultProtector()
    now = timezone.now()
    batch = uuid.uuid4()
    reserving = time.perf_counter()
    codes = services.case_codes_reserve(actor=actor, year=now.year, count=len(clean))
    phases["case_codes"] = time.perf_counter() - reserving
    try:
        _write(
            actor=actor,
            team=team,
            batch=batch,
            codes=codes,
            sealed=sealed,
            coded=coded,
            clean=clean,
            protector=protector,
            batch_size=batch_size,
            phases=phases,
            now=now,
        )
        services.cases_import_publish(
            actor=actor, team=team, batch=batch, expected=len(clean), first=codes[0], last=codes[-1]
        )
    except BaseException:
        # Interrupted (Ctrl-C, SIGTERM) or refused: what was staged is deleted, then the data keys made for
        # it, which would otherwise pile up and be re-wrapped by every rotation. (After a kill -9 nothing
        # runs here: `haven keys gc` deletes the staged rows and their keys.)
        _clean_up(batch, codes, protector)
        raise
    report.first_code, report.last_code = codes[0], codes[-1]
    report.phases.update(phases)
    report.created = len(clean)
    report.seconds = time.perf_counter() - started
    return report


def _clean_up(batch: uuid.UUID, codes: list[str], protector: Protector) -> None:
    try:
        services.cases_import_discard(batch=batch, codes=codes)
    except Exception:  # noqa: BLE001 (the import's own error matters more; keys gc removes what is left)
        # The staged rows stay (invisible), so their keys must stay too: keys gc removes both later.
        log.warning("the staged rows of a failed import could not be deleted now; haven keys gc will")
        return
    discard = getattr(protector, "discard_created_keys", None)
    if discard is None:
        return
    try:
        discard()
    except Exception:  # noqa: BLE001 (the import's own error matters more; keys gc collects what is left)
        log.warning("the keys of a failed import could not be deleted now; haven keys gc will")
