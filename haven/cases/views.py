"""Case pages: parse the request, get the case through `access.case_for_user`, call one service or
selector, render. Work without JavaScript at phone width; bad input gets the form back with a 400."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any, cast

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.forms import Form
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from haven.accounts.decorators import require_perm, require_recent_auth
from haven.accounts.models import User
from haven.accounts.permissions import Perm
from haven.accounts.services import record_refusal
from haven.cases import forms as f
from haven.cases import selectors, services, summary, vocab
from haven.cases import timeline as case_timeline
from haven.cases.access import (
    case_for_purpose,
    case_for_user,
    cases_openable_by,
    lists_cases_it_cannot_open,
    sections_read,
)
from haven.cases.consent import recipient_choices
from haven.cases.links import CaseLinks
from haven.cases.models import Attachment, Case, Consent, PressureCheck, Task
from haven.cases.sealing import Opened
from haven.core import confirm, dates
from haven.screening.present import present_result, ui_lang
from haven.screening.selectors import screening_for_user
from haven.vault.errors import VaultError

PAGE_SIZE = 25


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


def _need(user: User, perm: Perm) -> None:
    if not user.has(perm):
        raise PermissionDenied(perm.value)


class _Can(dict[str, bool]):
    """`can.case_edit` in templates: the user's permissions, each checked the first time a page asks."""

    def __init__(self, user: User) -> None:
        super().__init__()
        self._user = user

    def __missing__(self, name: str) -> bool:
        perm = Perm.__members__.get(name.upper())
        if perm is None:
            raise KeyError(name)
        allowed = self[name] = self._user.has(perm)
        return allowed


def _page(request: HttpRequest, template: str, context: dict[str, Any], status: int = 200) -> HttpResponse:
    user = _user(request)
    context["can"] = _Can(user)
    case = context.get("case")
    if isinstance(case, Case):
        context.setdefault("links", CaseLinks(case.code))
        context.setdefault("is_child", case.person.is_child)
        context.setdefault("erased", case.person.erased_at is not None)
    return render(request, f"cases/{template}", context, status=status)


def _ask_to_confirm_new_person(form: Form) -> None:
    """The confirm step after a possible duplicate: the same form again, which now says "create anyway"."""
    data = cast(QueryDict, form.data).copy()
    data["create_anyway"] = "on"
    form.data = data


def _header(user: User, case: Case) -> dict[str, Any]:
    """What the case's header needs on a page outside the case templates (the confirmation step)."""
    return {
        "case": case,
        "can": _Can(user),
        "links": CaseLinks(case.code),
        "is_child": case.person.is_child,
        "erased": case.person.erased_at is not None,
    }


def _to(case: Case, name: str = "detail") -> HttpResponse:
    return redirect(reverse(f"cases:{name}", args=[case.code]))


@dataclass(frozen=True)
class Posted:
    """What became of a form page's request: `done` when the service acted (the view then says so and
    redirects); otherwise the `status` to show the page again with (200 for a GET, 400 with the errors)."""

    done: bool
    status: int
    result: Any = None


def _submit(request: HttpRequest, form: Form, call: Callable[[dict[str, Any]], Any]) -> Posted:
    """The one POST / validate / call / show-errors step of a form page: on a POST with valid fields, call
    the service with the cleaned data; its ValidationError goes onto the form's fields (status 400). Any
    other exception (a conflict, a possible duplicate, a refusal) passes through to the view."""
    if request.method != "POST":
        return Posted(done=False, status=200)
    if not form.is_valid():
        return Posted(done=False, status=400)
    try:
        result = call(form.cleaned_data)
    except ValidationError as exc:
        f.apply_errors(form, exc)
        return Posted(done=False, status=400)
    return Posted(done=True, status=200, result=result)


def _run_action(
    request: HttpRequest, case: Case, form: Form, call: Callable[[dict[str, Any]], object]
) -> HttpResponse:
    """Run one versioned case action from a posted form: 400 on bad input, 409 when the case moved on."""
    if not form.is_valid():
        return _page(request, "action_error.html", {"case": case, "form": form}, status=400)
    try:
        call(form.cleaned_data)
    except services.Conflict:
        return _page(request, "conflict.html", {"case": case}, status=409)
    except ValidationError as exc:
        f.apply_errors(form, exc)
        return _page(request, "action_error.html", {"case": case, "form": form}, status=400)
    return _to(case)


# -- lists -------------------------------------------------------------------------------------------------


@require_GET
@require_perm(Perm.CASE_VIEW)
def case_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    form = f.ListFilterForm(request.GET or None)
    filters: dict[str, Any] = form.cleaned_data if form.is_valid() else {}
    page = selectors.case_list_page(
        user,
        status=filters.get("status", ""),
        stage=filters.get("stage", ""),
        child=filters.get("child", ""),
        mine=bool(filters.get("mine")),
        risk=filters.get("risk", ""),
        page=request.GET.get("page"),
        per_page=PAGE_SIZE,
    )
    query = request.GET.copy()
    query.pop("page", None)
    # A pseudonymous list (programme manager) shows codes it may not open: those are not links.
    listed = [case.pk for case in page.object_list]
    openable = (
        set(cases_openable_by(user).filter(pk__in=listed).values_list("pk", flat=True))
        if lists_cases_it_cannot_open(user)
        else set(listed)
    )
    context = {"form": form, "page": page, "query": query.urlencode(), "openable": openable}
    return _page(request, "list.html", context)


@require_GET
@require_perm(Perm.CASE_EDIT)
def overdue(request: HttpRequest) -> HttpResponse:
    tasks = selectors.overdue_tasks(_user(request))
    page = Paginator(tasks, 50).get_page(request.GET.get("page"))
    return _page(request, "overdue.html", {"page": page, "rows": selectors.overdue_rows(page.object_list)})


@require_http_methods(["GET", "POST"])
@require_perm(Perm.CASE_VIEW)
def search(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    form = f.SearchForm(request.POST or None)
    matches: list[str] | None = None
    found: selectors.SearchResult | None = None
    status = 200
    if request.method == "POST":
        if form.is_valid() and form.cleaned_data["q"].strip():
            # The one search box (the terms travel in the body, never in a URL).
            try:
                found = services.case_search(actor=user, text=form.cleaned_data["q"])
            except selectors.SearchInputError:
                form.add_error(
                    "q",
                    _("Type a case code, a name (with the year of birth if you know it) or a phone number."),
                )
                status = 400
            except PermissionDenied as exc:
                record_refusal(request, exc)  # answered here, not raised: audited here
                form.add_error(
                    "q",
                    _(
                        "Your role finds cases by their code only. To find a person by name or phone, ask "
                        "the case manager."
                    ),
                )
                status = 403
            else:
                exact = [c for c in found.cases if c.code == found.query.text]
                if found.query.kind == "code" and exact and len(found.cases) == 1:
                    return _to(case_for_user(user, exact[0].code))
        elif form.is_valid():
            code = form.cleaned_data["code"].strip().upper()
            name = form.cleaned_data["name"].strip()
            dob = form.cleaned_data["date_of_birth"]
            if code:
                try:
                    case = case_for_user(user, code)
                except Http404 as exc:
                    record_refusal(request, exc)  # answered here, not raised: audited here
                    form.add_error("code", _("No case with this code that you may open."))
                    status = 404
                else:
                    return _to(case)
            elif name and dob:
                _need(user, Perm.CASE_SEARCH_NAME)
                matches = selectors.possible_existing(user, name=name, dob=dob)
            else:
                form.add_error(None, _("Give a case code, or a name and a date of birth."))
                status = 400
        else:
            status = 400
    context = {
        "form": form,
        "matches": matches,
        "found": found,
        "can_search_name": user.has(Perm.CASE_SEARCH_NAME),
    }
    return _page(request, "search.html", context, status=status)


@require_http_methods(["GET", "POST"])
@require_perm(Perm.CASE_FIRST_CONTACT)
def first_contact(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    form = f.FirstContactForm(request.POST or None)
    possible: list[str] = []
    try:
        posted = _submit(
            request,
            form,
            lambda data: services.first_contact_create(
                actor=user,
                values=form.person_values(),
                note=data["note"],
                hand_over=data["hand_over"],
                confirm_new_person=data["create_anyway"],
            ),
        )
    except services.PossibleDuplicate as exc:
        possible = exc.codes
        _ask_to_confirm_new_person(form)
        posted = Posted(done=False, status=409)
    if posted.done:
        case = posted.result
        messages.success(request, _("First contact recorded as %(code)s.") % {"code": case.code})
        if case.handed_over and not user.has(Perm.CASE_ASSIGN):
            return redirect("cases:list")
        return _to(case)
    return _page(request, "first_contact.html", {"form": form, "possible": possible}, status=posted.status)


# -- one case ----------------------------------------------------------------------------------------------


@require_GET
@require_perm(Perm.CASE_VIEW)
def detail(request: HttpRequest, code: str) -> HttpResponse:
    user = _user(request)
    case = case_for_user(user, code, section="summary")
    fields = selectors.person_fields(case, user, selectors.SUMMARY_FIELDS)
    work = summary.case_summary(case, user)
    # The summary shows the name and safe contact to roles that may see them, and the last notes: reads of
    # the identity and of the notes (with their sensitive sections) too.
    sections_read(user, case, [*selectors.sections_of(fields), *work.sections_read], already=("summary",))
    context = {
        "case": case,
        "fields": fields,
        "work": work,
        "stage_form": f.StageForm(initial={"stage": case.stage, "version": case.version}),
        "tombstone": selectors.tombstone_for(case) if case.person.erased_at else None,
        # Names only: the page needs no more of the accounts than that.
        "caseworkers": list(case.caseworkers.order_by("pk").values("display_name", "email")),
        "screenings": [
            {
                "screening": s,
                "result": present_result(s.result, s.library(), s.answers, ui_lang()) if s.result else None,
            }
            for s in selectors.screenings_for(case)
        ],
    }
    return _page(request, "detail.html", context)


@require_http_methods(["GET", "POST"])
@require_perm(Perm.CASE_PURPOSE)
def purpose(request: HttpRequest, code: str) -> HttpResponse:
    """The DPO records why they must open this case; it then opens to them for a few hours."""
    user = _user(request)
    case = case_for_purpose(user, code)
    form = f.PurposeForm(request.POST or None)
    posted = _submit(
        request,
        form,
        lambda data: services.dpo_purpose_record(
            actor=user, case=case, purpose=data["purpose"], reason=data["reason"]
        ),
    )
    if posted.done:
        until = formats.time_format(timezone.localtime(posted.result.expires_at), "TIME_FORMAT")
        messages.success(
            request,
            _("The case is open to you until %(until)s for this purpose. Every page you open is recorded.")
            % {"until": until},
        )
        return _to(case)
    status = posted.status
    return render(
        request,
        "cases/purpose.html",
        {"code": case.code, "form": form, "hours": settings.DPO_PURPOSE_HOURS},
        status=status,
    )


@require_GET
@require_perm(Perm.CASE_VIEW)
def person_section(request: HttpRequest, code: str, section: str) -> HttpResponse:
    user = _user(request)
    if section not in selectors.PERSON_PAGES:
        raise Http404
    case = case_for_user(user, code, section=section)
    fields = selectors.person_fields(case, user, selectors.PERSON_SECTIONS[section])
    notes = selectors.notes_for(case, user, section) if section in vocab.SENSITIVE_SECTIONS else []
    labels = {name: field.label for name, field in f.PersonForm.base_fields.items()}
    rows = [(labels.get(name, name), _readable(name, value)) for name, value in fields.items()]
    return _page(request, "person.html", {"case": case, "section": section, "rows": rows, "notes": notes})


def _readable(name: str, value: Opened) -> Opened:
    """The date of birth (sealed as ISO 8601 text) in words in the reader's language; the rest as it is."""
    if name == "date_of_birth" and value.value:
        return replace(value, value=str(dates.readable(value.value)))
    return value


def _person_initial(case: Case, user: User, form_fields: list[str]) -> dict[str, Any]:
    person = case.person
    sealed = tuple(name for name in form_fields if name in person.SEALED_FIELDS)
    opened = selectors.person_fields(case, user, sealed)
    initial: dict[str, Any] = {name: value.value or "" for name, value in opened.items()}
    for name in services.CODED_PERSON_FIELDS:
        initial[name] = getattr(person, name)
    initial["version"] = person.version
    return initial


@require_http_methods(["GET", "POST"])
@require_perm(Perm.CASE_EDIT)
def person_edit(request: HttpRequest, code: str) -> HttpResponse:
    user = _user(request)
    _need(user, Perm.CASE_VIEW_IDENTIFYING)
    case = case_for_user(user, code, section="identity")
    if case.person.erased_at is not None:
        raise Http404
    is_child = case.person.is_child
    conflict = False
    if request.method == "POST":
        form = f.PersonForm(request.POST, user=user, is_child=is_child)
    else:
        form = f.PersonForm(user=user, is_child=is_child)
        form.initial = _person_initial(case, user, list(form.fields))
    try:
        posted = _submit(
            request,
            form,
            lambda data: services.person_update(
                actor=user, case=case, expected_version=data["version"], values=form.person_values()
            ),
        )
    except services.Conflict as exc:
        # Keep everything the user typed; the hidden version moves on so that saving again is a
        # deliberate choice made after seeing the other change.
        conflict = True
        posted = Posted(done=False, status=409)
        data_copy = cast(QueryDict, form.data).copy()
        data_copy["version"] = str(exc.current_version)
        form.data = data_copy
    if posted.done:
        messages.success(request, _("Saved."))
        return _to(case, "identity")
    return _page(
        request, "person_edit.html", {"case": case, "form": form, "conflict": conflict}, status=posted.status
    )


@require_POST
@require_perm(Perm.CASE_EDIT)
def stage(request: HttpRequest, code: str) -> HttpResponse:
    user = _user(request)
    case = case_for_user(user, code, section="summary")
    form = f.StageForm(request.POST)
    return _run_action(
        request,
        case,
        form,
        lambda data: services.case_stage_change(
            actor=user, case=case, stage=data["stage"], expected_version=data["version"]
        ),
    )


@require_POST
@require_perm(Perm.CASE_FIRST_CONTACT)
def handover(request: HttpRequest, code: str) -> HttpResponse:
    user = _user(request)
    case = case_for_user(user, code, section="summary")
    if not confirm.confirmed(request):
        return confirm.ask(
            request,
            key="handover",
            title=_("Hand this case over to the contact person?"),
            consequences=[
                _(
                    "The contact person of your team sees the case among the hand-overs waiting and "
                    "decides who takes it on."
                ),
                _("This cannot be taken back."),
            ],
            button=_("Yes, hand over"),
            cancel_url=reverse("cases:detail", args=[case.code]),
            context=_header(user, case),
        )
    try:
        services.case_handover(actor=user, case=case)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return _to(case)
    if user.has(Perm.CASE_ASSIGN):
        confirm.done(
            request,
            _("Handed over to the contact person. Next: take it on from the hand-overs waiting."),
            next_url=reverse("cases:handovers"),
            next_label=_("Hand-overs waiting"),
        )
        return _to(case)
    confirm.done(
        request,
        _(
            "Handed over to the contact person, who decides who takes it on. "
            "You can follow it in your hand-overs."
        ),
        next_url=reverse("cases:my_handovers"),
        next_label=_("My hand-overs"),
    )
    return redirect("cases:list")


@require_http_methods(["GET", "POST"])
@require_perm(Perm.CASE_FIRST_CONTACT)
def handover_from_screening(request: HttpRequest, uid: str) -> HttpResponse:
    """Hand a completed screening over to the contact person: details, agreement, note, confirm."""
    user = _user(request)
    screening = screening_for_user(user, uid)
    if screening.case_code:
        messages.info(request, _("This screening was already handed over."))
        return redirect("cases:my_handovers")
    initial = {"information_language": screening.information_language}
    form = f.HandoverForm(request.POST or None, initial=initial)
    possible: list[str] = []
    try:
        posted = _submit(
            request,
            form,
            lambda data: services.handover_from_screening(
                actor=user,
                screening=screening,
                values=form.person_values(),
                basis=data["basis"],
                reason=data["reason"],
                note=data["note"],
                confirm_new_person=data["create_anyway"],
            ),
        )
    except services.PossibleDuplicate as exc:
        possible = exc.codes
        _ask_to_confirm_new_person(form)
        posted = Posted(done=False, status=409)
    if posted.done:
        messages.success(request, _("Handed over to the contact person."))
        if user.has(Perm.CASE_ASSIGN):
            return _to(posted.result)
        return redirect("cases:my_handovers")
    status = posted.status
    team = user.team
    context = {
        "form": form,
        "screening": screening,
        "shown": present_result(screening.result or {}, screening.library(), screening.answers, ui_lang()),
        "team": team,
        "possible": possible,
    }
    return _page(request, "handover_screening.html", context, status=status)


@require_GET
@require_perm(Perm.CASE_ASSIGN)
def handovers(request: HttpRequest) -> HttpResponse:
    """Hand-overs waiting for the contact person, urgent first, with each screening's reasons."""
    user = _user(request)
    rows = [
        {
            "case": row.case,
            "urgent": row.urgent,
            "result": present_result(
                row.screening.result or {}, row.screening.library(), row.screening.answers, ui_lang()
            )
            if row.screening is not None and row.screening.result
            else None,
        }
        for row in selectors.handovers_waiting(user)
    ]
    return _page(request, "handovers.html", {"rows": rows})


@require_GET
@require_perm(Perm.CASE_FIRST_CONTACT)
def my_handovers(request: HttpRequest) -> HttpResponse:
    """What the user handed over from their screenings, and whether it was taken on (never the case)."""
    return _page(request, "my_handovers.html", {"rows": selectors.handovers_by(_user(request))})


@require_POST
@require_perm(Perm.CASE_ASSIGN)
def open_case(request: HttpRequest, code: str) -> HttpResponse:
    user = _user(request)
    case = case_for_user(user, code, section="summary")
    if not confirm.confirmed(request):
        return confirm.ask(
            request,
            key="take-on",
            title=_("Take on this case?"),
            consequences=[
                _("You become its case manager, and the case moves to screening."),
                _("It leaves the hand-overs waiting."),
            ],
            button=_("Yes, take it on"),
            cancel_url=reverse("cases:handovers"),
            context=_header(user, case),
        )
    try:
        services.case_open(actor=user, case=case)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return _to(case)
    confirm.done(
        request,
        _("You took on the case as its case manager. Next: assign caseworkers and plan the first tasks."),
        next_url=reverse("cases:assign", args=[case.code]),
        next_label=_("Assign caseworkers"),
    )
    return _to(case)


@require_http_methods(["GET", "POST"])
@require_perm(Perm.CASE_ASSIGN)
def assign(request: HttpRequest, code: str) -> HttpResponse:
    user = _user(request)
    case = case_for_user(user, code, section="summary")
    if request.method == "POST":
        form = f.AssignForm(request.POST, team_id=case.team_id)
    else:
        form = f.AssignForm(
            initial={"case_manager": case.case_manager_id, "caseworkers": list(case.caseworkers.all())},
            team_id=case.team_id,
        )
    posted = _submit(
        request,
        form,
        lambda data: services.case_assign(
            actor=user, case=case, case_manager=data["case_manager"], caseworkers=list(data["caseworkers"])
        ),
    )
    if posted.done:
        return _to(case)
    return _page(
        request, "form_page.html", {"case": case, "form": form, "title": _("Assign")}, status=posted.status
    )


# -- consent and legal basis -------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@require_perm(Perm.CASE_VIEW)
def consent(request: HttpRequest, code: str) -> HttpResponse:
    user = _user(request)
    if request.method == "POST":
        _need(user, Perm.CONSENT_RECORD)
    case = case_for_user(user, code, section="consent")
    form = f.ConsentForm(
        request.POST or None,
        team_id=case.team_id,
        initial={"language": case.person.information_language, "explained_by": user.pk},
    )
    basis_form = f.LegalBasisForm(initial={"basis": case.legal_basis})
    posted = _submit(
        request,
        form,
        lambda data: services.consent_record(
            actor=user,
            case=case,
            purpose=data["purpose"],
            status=data["status"],
            given_on=data["given_on"],
            language=data["language"],
            explained_by=data["explained_by"],
            interpreter=data["interpreter"],
            information_sheet_version=data["information_sheet_version"],
            recipient=data["recipient"].strip(),
            expires_on=data["expires_on"],
        ),
    )
    if posted.done:
        messages.success(request, _("Consent recorded."))
        return _to(case, "consent")
    status = posted.status
    context = {
        "case": case,
        "form": form,
        "basis_form": basis_form,
        "consents": selectors.consents_for(case),
        "recipient_choices": recipient_choices(),
        "can_record": user.has(Perm.CONSENT_RECORD),
        "can_edit": user.has(Perm.CASE_EDIT),
    }
    return _page(request, "consent.html", context, status=status)


@require_POST
@require_perm(Perm.CASE_EDIT)
def legal_basis(request: HttpRequest, code: str) -> HttpResponse:
    user = _user(request)
    case = case_for_user(user, code, section="consent")
    form = f.LegalBasisForm(request.POST)
    posted = _submit(
        request,
        form,
        lambda data: services.case_legal_basis_set(
            actor=user, case=case, basis=data["basis"], justification=data["justification"]
        ),
    )
    if posted.done:
        messages.success(request, _("Legal basis saved."))
        return _to(case, "consent")
    return _page(request, "action_error.html", {"case": case, "form": form}, status=400)


def _consent_of(case: Case, pk: int) -> Consent:
    found = Consent.objects.filter(case=case, pk=pk).first()
    if found is None:
        raise Http404
    return found


@require_http_methods(["GET", "POST"])
@require_perm(Perm.CONSENT_RECORD)
def consent_withdraw(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    user = _user(request)
    case = case_for_user(user, code, section="consent")
    record = _consent_of(case, pk)
    form = f.WithdrawForm(request.POST or None)
    if not user.has(Perm.CASE_ASSIGN):
        del form.fields["confirm_no_pressure"]
    # The page is the confirmation: its button carries confirm=yes; any other POST only shows it again.
    posted = (
        Posted(done=False, status=200)
        if request.method == "POST" and not confirm.confirmed(request)
        else None
    ) or _submit(
        request,
        form,
        lambda data: services.consent_withdraw(
            actor=user,
            case=case,
            consent=record,
            reason=data["reason"],
            confirm_no_pressure=bool(data.get("confirm_no_pressure")),
        ),
    )
    if posted.done:
        if posted.result:
            messages.warning(
                request,
                _("Consent withdrawn. Tell these organisations: %(who)s") % {"who": ", ".join(posted.result)},
            )
            confirm.done(
                request,
                _("Next: tell them, and check what was shared with each."),
                next_url=reverse("referrals:case", kwargs={"code": case.code}),
                next_label=_("Referrals"),
            )
        else:
            confirm.done(
                request,
                _(
                    "Consent withdrawn. No organisation needs to be told. "
                    "Next: check the consent that remains."
                ),
                next_url=reverse("cases:consent", args=[case.code]),
                next_label=_("Consent"),
            )
        return _to(case, "consent")
    return _page(
        request, "withdraw.html", {"case": case, "consent": record, "form": form}, status=posted.status
    )


@require_http_methods(["GET", "POST"])
@require_perm(Perm.CASE_VIEW)
def pressure(request: HttpRequest, code: str) -> HttpResponse:
    user = _user(request)
    if not (user.has(Perm.CASE_ASSIGN) or user.has(Perm.CONSENT_SIGN_OFF)):
        raise PermissionDenied
    case = case_for_user(user, code, section="pressure")
    check_form = f.PressureForm(request.POST if "kind" in request.POST else None)
    signoff_form = f.SignoffForm(request.POST if "check" in request.POST else None)
    status = 200
    if request.method == "POST":
        try:
            if "kind" in request.POST:
                _need(user, Perm.CASE_ASSIGN)
                if not check_form.is_valid():
                    raise ValidationError(_("Answer the question."))
                services.pressure_check_confirm(
                    actor=user,
                    case=case,
                    kind=check_form.cleaned_data["kind"],
                    signs_of_pressure=check_form.cleaned_data["signs_of_pressure"],
                )
            else:
                _need(user, Perm.CONSENT_SIGN_OFF)
                if not signoff_form.is_valid():
                    raise ValidationError(_("Give the basis and the reason."))
                found = PressureCheck.objects.filter(case=case, pk=signoff_form.cleaned_data["check"]).first()
                if found is None:
                    raise Http404
                services.pressure_signoff(
                    actor=user,
                    check=found,
                    basis=signoff_form.cleaned_data["basis"],
                    reason=signoff_form.cleaned_data["reason"],
                )
        except ValidationError as exc:
            f.apply_errors(signoff_form if "check" in request.POST else check_form, exc)
            status = 400
        else:
            messages.success(request, _("Recorded."))
            return _to(case, "pressure")
    context = {
        "case": case,
        "check_form": check_form,
        "signoff_form": signoff_form,
        "checks": selectors.pending_pressure_checks(case),
        "can_check": user.has(Perm.CASE_ASSIGN),
        "can_signoff": user.has(Perm.CONSENT_SIGN_OFF),
    }
    return _page(request, "pressure.html", context, status=status)


# -- child -------------------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@require_perm(Perm.CASE_VIEW_IDENTIFYING)
def child(request: HttpRequest, code: str) -> HttpResponse:
    user = _user(request)
    if request.method == "POST":
        _need(user, Perm.CASE_EDIT)
    case = case_for_user(user, code, section="child")
    form = f.BestInterestsForm(request.POST or None)
    posted = _submit(
        request,
        form,
        lambda data: services.best_interests_record(
            actor=user,
            case=case,
            decision=data["decision"],
            decided_on=data["decided_on"],
            recipients=data["recipients"],
        ),
    )
    if posted.done:
        return _to(case, "child")
    status = posted.status
    context = {
        "case": case,
        "form": form,
        "records": selectors.best_interests_for(case),
        "fields": selectors.person_fields(case, user, ("guardian",)),
        "schooling": vocab.label(vocab.SCHOOLING, case.person.schooling),
        "can_edit": user.has(Perm.CASE_EDIT),
    }
    return _page(request, "child.html", context, status=status)


# -- events ------------------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@require_perm(Perm.CASE_VIEW)
def events(request: HttpRequest, code: str) -> HttpResponse:
    user = _user(request)
    if request.method == "POST":
        _need(user, Perm.CASE_EDIT)
    case = case_for_user(user, code, section="events")
    event_form = f.EventForm(request.POST if "type" in request.POST else None)
    context_form = f.ContextForm(
        request.POST if "type" not in request.POST and request.method == "POST" else None,
        initial={"exploitation_types": case.exploitation_types, "means_of_control": case.means_of_control},
    )
    if "type" in request.POST:
        posted = _submit(
            request,
            event_form,
            lambda data: services.historic_event_add(
                actor=user,
                case=case,
                type=data["type"],
                country=data["country"],
                on=data["date"],
                precision=data["precision"],
            ),
        )
    else:
        posted = _submit(
            request,
            context_form,
            lambda data: services.case_events_set(
                actor=user,
                case=case,
                exploitation_types=data["exploitation_types"],
                means_of_control=data["means_of_control"],
            ),
        )
    if posted.done:
        return _to(case, "events")
    status = posted.status
    context = {
        "case": case,
        "event_form": event_form,
        "context_form": context_form,
        "events": selectors.events_for(case),
        "types": [vocab.label(vocab.EXPLOITATION_TYPES, c) for c in case.exploitation_types],
        "means": [vocab.label(vocab.MEANS_OF_CONTROL, c) for c in case.means_of_control],
        "can_edit": user.has(Perm.CASE_EDIT),
    }
    return _page(request, "events.html", context, status=status)


# -- notes, tasks, attachments, timeline -------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@require_perm(Perm.CASE_VIEW)
def notes(request: HttpRequest, code: str) -> HttpResponse:
    user = _user(request)
    if request.method == "POST":
        _need(user, Perm.CASE_EDIT)
    case = case_for_user(user, code, section="notes")
    sections = selectors.visible_note_sections(user)
    form = f.NoteForm(request.POST or None, sections=sections)
    posted = _submit(
        request,
        form,
        lambda data: services.note_add(actor=user, case=case, section=data["section"], body=data["body"]),
    )
    if posted.done:
        messages.success(request, _("Note added."))
        return _to(case, "notes")
    status = posted.status
    notes = selectors.notes_for(case, user)
    # Health, perpetrator or location notes among them are reads of those sections too.
    sections_read(user, case, selectors.note_sections_of(notes), already=("notes",))
    context = {"case": case, "form": form, "notes": notes, "can_edit": user.has(Perm.CASE_EDIT)}
    return _page(request, "notes.html", context, status=status)


@require_http_methods(["GET", "POST"])
@require_perm(Perm.CASE_VIEW)
def tasks(request: HttpRequest, code: str) -> HttpResponse:
    user = _user(request)
    if request.method == "POST":
        _need(user, Perm.CASE_EDIT)
    case = case_for_user(user, code, section="tasks")
    form = f.TaskForm(request.POST or None, team_id=case.team_id)
    posted = _submit(
        request,
        form,
        lambda data: services.task_add(
            actor=user,
            case=case,
            due_on=data["due_on"],
            kind=data["kind"],
            title=data["title"],
            assignee=data["assignee"],
        ),
    )
    if posted.done:
        messages.success(request, _("Task added."))
        return _to(case, "tasks")
    status = posted.status
    return _page(request, "tasks.html", {**_tasks_context(user, case), "form": form}, status=status)


def _task_of(case: Case, pk: int) -> Task:
    task = Task.objects.filter(case=case, pk=pk).first()
    if task is None:
        raise Http404
    return task


@require_POST
@require_perm(Perm.CASE_EDIT)
def task_assign(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    """Give a task to someone who may open the case; a refusal comes back with its reason (400)."""
    user = _user(request)
    case = case_for_user(user, code, section="tasks")
    task = _task_of(case, pk)
    form = f.TaskAssignForm(request.POST, team_id=case.team_id)
    posted = _submit(
        request,
        form,
        lambda data: services.task_assign(actor=user, case=case, task=task, assignee=data["assignee"]),
    )
    if posted.done:
        messages.success(request, _("Task assigned. They are told in their notifications."))
        return _to(case, "tasks")
    return _page(request, "action_error.html", {"case": case, "form": form}, status=400)


@require_POST
@require_perm(Perm.CASE_EDIT)
def task_undo(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    """Set a task marked done back to open, within a day."""
    user = _user(request)
    case = case_for_user(user, code, section="tasks")
    try:
        services.task_undo_done(actor=user, case=case, task=_task_of(case, pk))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return _page(request, "tasks.html", _tasks_context(user, case), status=400)
    messages.success(request, _("The task is open again."))
    return _to(case, "tasks")


def _tasks_context(user: User, case: Case) -> dict[str, Any]:
    return {
        "case": case,
        "form": f.TaskForm(team_id=case.team_id),
        "tasks": selectors.tasks_for(case),
        "can_edit": user.has(Perm.CASE_EDIT),
        "assign_form": f.TaskAssignForm(team_id=case.team_id),
        "undo_after": timezone.now() - services.TASK_UNDO_WINDOW,
    }


@require_POST
@require_perm(Perm.CASE_EDIT)
def task_done(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    user = _user(request)
    case = case_for_user(user, code, section="tasks")
    task = _task_of(case, pk)
    if not confirm.confirmed(request):
        return confirm.ask(
            request,
            key="task-done",
            title=_("Mark this task done?"),
            consequences=[
                _("The task leaves the open tasks and its reminders stop."),
                _("You can set it back to open within a day."),
            ],
            button=_("Yes, mark it done"),
            cancel_url=reverse("cases:tasks", args=[case.code]),
            context=_header(user, case),
        )
    try:
        services.task_done(actor=user, case=case, task=task)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        confirm.done(
            request,
            _("Marked done. You can undo this for a day. Next: the work still due on your cases."),
            next_url=reverse("followup:my_work"),
            next_label=_("My work"),
        )
    return _to(case, "tasks")


@require_http_methods(["GET", "POST"])
@require_perm(Perm.CASE_VIEW_IDENTIFYING)
def attachments(request: HttpRequest, code: str) -> HttpResponse:
    user = _user(request)
    if request.method == "POST":
        _need(user, Perm.CASE_EDIT)
    case = case_for_user(user, code, section="attachments")
    form = f.AttachmentForm(request.POST or None, request.FILES or None)
    posted = _submit(
        request,
        form,
        lambda data: services.attachment_add(
            actor=user, case=case, filename=data["file"].name or "", data=data["file"]
        ),
    )
    if posted.done:
        messages.success(request, _("File attached."))
        return _to(case, "attachments")
    status = posted.status
    context = {
        "case": case,
        "form": form,
        "attachments": selectors.attachments_for(case),
        "can_edit": user.has(Perm.CASE_EDIT),
    }
    return _page(request, "attachments.html", context, status=status)


_CONTENT_TYPES = {
    "pdf": "application/pdf",
    "png": "image/png",
    "jpeg": "image/jpeg",
    "txt": "text/plain; charset=utf-8",
}


@require_GET
@require_perm(Perm.CASE_VIEW_IDENTIFYING)
def attachment_download(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    user = _user(request)
    case = case_for_user(user, code, section="attachments")
    attachment = Attachment.objects.filter(case=case, pk=pk, file_deleted=False).first()
    if attachment is None:
        raise Http404
    try:
        data = services.attachment_read(case=case, attachment=attachment)
    except (VaultError, FileNotFoundError):
        raise Http404 from None
    response = HttpResponse(data, content_type=_CONTENT_TYPES[attachment.kind])
    # The stored name may identify the person: the download gets a neutral one.
    extension = "jpg" if attachment.kind == "jpeg" else attachment.kind
    response["Content-Disposition"] = f'attachment; filename="{case.code}-{attachment.pk}.{extension}"'
    return response


@require_GET
@require_perm(Perm.CASE_VIEW)
def timeline(request: HttpRequest, code: str) -> HttpResponse:
    user = _user(request)
    case = case_for_user(user, code, section="timeline")
    items = case_timeline.timeline_for(case, user, selectors.visible_note_sections(user))
    return _page(request, "timeline.html", {"case": case, "items": items})


# -- the person's rights (DPO) -----------------------------------------------------------------------------


@require_GET
@require_perm(Perm.PERSON_EXPORT)
@require_recent_auth
def export(request: HttpRequest, code: str) -> HttpResponse:
    user = _user(request)
    case = case_for_user(user, code, section="export")
    try:
        document = services.subject_access_export(actor=user, case=case)
    except ValidationError:
        raise Http404 from None  # an erased person: nothing readable is held
    if request.GET.get("format") == "json":
        response = JsonResponse(document, json_dumps_params={"ensure_ascii": False, "indent": 2})
        response["Content-Disposition"] = f'attachment; filename="{case.code}-access-request.json"'
        return response
    pretty = json.dumps(document, ensure_ascii=False, indent=2)
    return _page(request, "export.html", {"case": case, "document": document, "pretty": pretty})


@require_http_methods(["GET", "POST"])
@require_perm(Perm.PERSON_ERASE)
@require_recent_auth
def erase(request: HttpRequest, code: str) -> HttpResponse:
    user = _user(request)
    case = case_for_user(user, code, section="erase")
    if case.person.erased_at is not None:
        return _to(case)
    form = f.EraseForm(request.POST or None)
    posted = _submit(
        request,
        form,
        lambda data: services.person_erase(
            actor=user, case=case, reason=data["reason"], confirm_code=data["confirm_code"]
        ),
    )
    if posted.done:
        messages.success(request, _("The person's data was erased. A tombstone of the case remains."))
        return _to(case)
    return _page(request, "erase.html", {"case": case, "form": form}, status=posted.status)
