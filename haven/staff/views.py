"""Staff register and wellbeing pages: thin, they parse, call one service or selector, and render."""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from haven.accounts.decorators import require_perm
from haven.accounts.models import User
from haven.accounts.permissions import Perm
from haven.staff import selectors, services
from haven.staff.forms import CheckInForm, MemberForm, MemberUpdateForm, OfferForm, TrainingForm, apply_errors
from haven.staff.models import StaffMember


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


def _member(uid: uuid.UUID) -> StaffMember:
    try:
        return selectors.members().get(uid=uid)
    except StaffMember.DoesNotExist:
        raise Http404("staff member") from None


@require_GET
@require_perm(Perm.STAFF_MANAGE)
def member_list(request: HttpRequest) -> HttpResponse:
    """The register: everyone, with whether their personal security training is valid today."""
    rows = [(m, selectors.training_status(m)) for m in selectors.members().prefetch_related("trainings")]
    return render(request, "staff/list.html", {"rows": rows, "form": MemberForm()})


@require_POST
@require_perm(Perm.STAFF_MANAGE)
def member_create(request: HttpRequest) -> HttpResponse:
    form = MemberForm(request.POST)
    if form.is_valid():
        try:
            member = services.staff_member_create(actor=_user(request), **form.cleaned_data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("Added to the register. Next: record their trainings."))
            return redirect("staff:detail", uid=member.uid)
    rows = [(m, selectors.training_status(m)) for m in selectors.members().prefetch_related("trainings")]
    return render(request, "staff/list.html", {"rows": rows, "form": form}, status=400)


def _detail(request: HttpRequest, member: StaffMember, status: int = 200, **forms: Any) -> HttpResponse:
    context = {
        "member": member,
        "trainings": selectors.training_status(member),
        "history": list(member.trainings.all()),
        "notes": services.staff_suitability_notes(actor=_user(request), member=member),
        "update_form": forms.get("update_form")
        or MemberUpdateForm(
            initial={
                "role": member.role,
                "team": member.team,
                "supporter": member.supporter,
                "active": member.active,
            }
        ),
        "training_form": forms.get("training_form") or TrainingForm(),
    }
    return render(request, "staff/detail.html", context, status=status)


@require_GET
@require_perm(Perm.STAFF_MANAGE)
def member_detail(request: HttpRequest, uid: uuid.UUID) -> HttpResponse:
    """One register entry: role, team, trainings and their validity, suitability notes (opened, audited)."""
    return _detail(request, _member(uid))


@require_POST
@require_perm(Perm.STAFF_MANAGE)
def member_update(request: HttpRequest, uid: uuid.UUID) -> HttpResponse:
    member = _member(uid)
    form = MemberUpdateForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.staff_member_update(
                actor=_user(request),
                member=member,
                role=data["role"],
                team=data["team"],
                supporter=data["supporter"],
                active=data["active"],
                suitability_notes=data["suitability_notes"] or None,
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("The register entry was saved."))
            return redirect("staff:detail", uid=member.uid)
    return _detail(request, member, status=400, update_form=form)


@require_POST
@require_perm(Perm.STAFF_MANAGE)
def training_add(request: HttpRequest, uid: uuid.UUID) -> HttpResponse:
    member = _member(uid)
    form = TrainingForm(request.POST)
    if form.is_valid():
        try:
            services.training_record(actor=_user(request), member=member, **form.cleaned_data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("The training was recorded."))
            return redirect("staff:detail", uid=member.uid)
    return _detail(request, member, status=400, training_form=form)


def _wellbeing_page(request: HttpRequest, form: CheckInForm, status: int = 200) -> HttpResponse:
    user = _user(request)
    own = selectors.member_for_user(user)
    entries = services.wellbeing_entries(actor=user, member_uid=str(own.uid))[1] if own else []
    context = {
        "form": form,
        "entries": entries,
        "own": own,
        "supported": list(selectors.supported_by(user)),
        "can_summary": user.has(Perm.WELLBEING_SUMMARY),
    }
    return render(request, "staff/wellbeing.html", context, status=status)


@require_GET
@require_perm(Perm.WELLBEING_OWN)
def wellbeing(request: HttpRequest) -> HttpResponse:
    """My own check-ins (only I and my designated supporter see them), and the people I support."""
    return _wellbeing_page(request, CheckInForm())


@require_POST
@require_perm(Perm.WELLBEING_OWN)
def wellbeing_check_in(request: HttpRequest) -> HttpResponse:
    form = CheckInForm(request.POST)
    if form.is_valid():
        try:
            entry = services.wellbeing_check_in(actor=_user(request), **form.cleaned_data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            if entry.kind == "support_requested":
                messages.success(
                    request,
                    _("Thank you. Your request for support was recorded; your designated supporter sees it."),
                )
            else:
                messages.success(
                    request, _("Thank you. Your check-in was recorded; only you and your supporter see it.")
                )
            return redirect("staff:wellbeing")
    return _wellbeing_page(request, form, status=400)


@require_GET
@require_perm(Perm.WELLBEING_OWN)
def wellbeing_member(request: HttpRequest, uid: uuid.UUID) -> HttpResponse:
    """A supported person's entries, for their designated supporter (anyone else: not found)."""
    member, entries = services.wellbeing_entries(actor=_user(request), member_uid=str(uid))
    return render(
        request, "staff/wellbeing_member.html", {"member": member, "entries": entries, "form": OfferForm()}
    )


@require_POST
@require_perm(Perm.WELLBEING_OWN)
def wellbeing_offer(request: HttpRequest, uid: uuid.UUID) -> HttpResponse:
    form = OfferForm(request.POST)
    if form.is_valid():
        try:
            services.wellbeing_offer_support(
                actor=_user(request), member_uid=str(uid), note=form.cleaned_data["note"]
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("The offer of support was recorded."))
    return redirect("staff:wellbeing_member", uid=uid)


@require_GET
@require_perm(Perm.WELLBEING_SUMMARY)
def wellbeing_summary(request: HttpRequest) -> HttpResponse:
    """Counts for the Society, small numbers suppressed: never an individual's entries."""
    try:
        year = int(request.GET.get("year", "") or 0) or None
    except ValueError:
        year = None
    if year is not None and not 2000 <= year <= 2100:
        year = None
    summary = services.wellbeing_summary(actor=_user(request), year=year)
    return render(request, "staff/wellbeing_summary.html", {"summary": summary})
