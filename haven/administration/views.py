"""The administrator's pages: accounts and teams. Each view parses, calls one service, renders.

No page here shows case data; the services refuse every role without `accounts.manage`.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from haven.accounts import services
from haven.accounts.decorators import require_perm
from haven.accounts.models import Team, User
from haven.accounts.permissions import ROLE_LABELS, Perm, Role
from haven.administration.forms import (
    AccountFilterForm,
    InviteForm,
    MfaResetForm,
    RoleForm,
    TeamChoiceForm,
    TeamContactsForm,
    TeamCreateForm,
)
from haven.api.services import token_revoke_for, tokens_of
from haven.core import confirm

# The pages are the administrator's; every service they call checks the action again.
manager_only = require_perm(Perm.ACCOUNTS_MANAGE)


def _actor(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


def _account(request: HttpRequest, user_id: int) -> services.AccountRow:
    try:
        return services.account_get(actor=_actor(request), user_id=user_id)
    except LookupError:
        raise Http404("account") from None


def _to(row_or_user: services.AccountRow | User) -> HttpResponse:
    user = row_or_user.user if isinstance(row_or_user, services.AccountRow) else row_or_user
    return redirect("manage:account", user_id=user.pk)


@manager_only
def accounts(request: HttpRequest) -> HttpResponse:
    form = AccountFilterForm(request.GET or None)
    filters = services.AccountFilter()
    if form.is_bound and form.is_valid():
        team = form.cleaned_data["team"]
        filters = services.AccountFilter(
            role=form.cleaned_data["role"],
            team=team.pk if team else None,
            status=form.cleaned_data["status"],
            mfa=form.cleaned_data["mfa"],
        )
    rows = services.accounts_list(actor=_actor(request), filters=filters)
    return render(
        request, "manage/accounts.html", {"form": form, "rows": rows, "role_labels": _role_labels()}
    )


def _role_labels() -> dict[str, Any]:
    return {role.value: label for role, label in ROLE_LABELS.items()}


@manager_only
@require_http_methods(["GET", "POST"])
def invite(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    form = InviteForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                user, raw = services.user_invite(
                    actor=actor,
                    email=form.cleaned_data["email"],
                    role=form.cleaned_data["role"],
                    team=form.cleaned_data["team"],
                    display_name=form.cleaned_data["display_name"],
                )
            except ValidationError as exc:
                _apply(form, exc)
            else:
                return _invitation_page(request, user, raw)
        status = 400
    return render(request, "manage/invite.html", {"form": form}, status=status)


def _apply(form: Any, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc)


def _invitation_page(request: HttpRequest, user: User, raw: str) -> HttpResponse:
    link = request.build_absolute_uri(reverse("accounts:invitation", kwargs={"token": raw}))
    response = render(request, "manage/invited.html", {"account": user, "link": link})
    response["Cache-Control"] = "no-store"
    return response


@manager_only
def account(request: HttpRequest, user_id: int) -> HttpResponse:
    actor = _actor(request)
    row = _account(request, user_id)
    context = {
        "row": row,
        "account": row.user,
        "role_form": RoleForm(initial={"role": row.user.role}),
        "team_form": TeamChoiceForm(initial={"team": row.user.team_id}),
        "tokens": tokens_of(actor=actor, user=row.user),
        "role_label": ROLE_LABELS[Role(row.user.role)],
        "is_self": row.user.pk == actor.pk,
    }
    return render(request, "manage/account.html", context)


def _done(request: HttpRequest, row: services.AccountRow, call: Any, success: str) -> HttpResponse:
    try:
        call()
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, success)
    return _to(row)


@manager_only
@require_POST
def account_role(request: HttpRequest, user_id: int) -> HttpResponse:
    row = _account(request, user_id)
    form = RoleForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose one of the roles."))
        return _to(row)
    return _done(
        request,
        row,
        lambda: services.user_set_role(actor=_actor(request), user=row.user, role=form.cleaned_data["role"]),
        _("Role changed. The account's open sessions ended; the new role applies at its next sign-in."),
    )


@manager_only
@require_POST
def account_team(request: HttpRequest, user_id: int) -> HttpResponse:
    row = _account(request, user_id)
    form = TeamChoiceForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose one of the teams."))
        return _to(row)
    return _done(
        request,
        row,
        lambda: services.user_set_team(actor=_actor(request), user=row.user, team=form.cleaned_data["team"]),
        _("Team changed. The account now sees its new team's cases."),
    )


@manager_only
@require_http_methods(["GET", "POST"])
def account_disable(request: HttpRequest, user_id: int) -> HttpResponse:
    row = _account(request, user_id)
    if not confirm.confirmed(request):
        return render(request, "manage/confirm.html", {"account": row.user, "what": "disable"})
    return _done(
        request,
        row,
        lambda: services.user_disable(actor=_actor(request), user=row.user),
        _("Account disabled: its sessions and API tokens stopped working. Re-enable it to let it back in."),
    )


@manager_only
@require_POST
def account_enable(request: HttpRequest, user_id: int) -> HttpResponse:
    row = _account(request, user_id)
    if not confirm.confirmed(request):
        return confirm.ask(
            request,
            key="enable",
            title=_("Re-enable %(email)s?") % {"email": row.user.email},
            consequences=[
                _("The account can sign in with its password again, in its role and team."),
                _("Its old authenticator stays void: it signs in fully after a second-factor reset."),
            ],
            button=_("Yes, re-enable the account"),
            cancel_url=reverse("manage:account", args=[row.user.pk]),
        )
    return _done(
        request,
        row,
        lambda: services.user_enable(actor=_actor(request), user=row.user),
        _("Account re-enabled. Reset its second factor so that its holder can set up a new authenticator."),
    )


@manager_only
@require_POST
def account_unlock(request: HttpRequest, user_id: int) -> HttpResponse:
    row = _account(request, user_id)
    return _done(
        request,
        row,
        lambda: services.user_throttle_reset(actor=_actor(request), user=row.user),
        _("Unlocked: the failed sign-ins counted against this account are forgotten."),
    )


@manager_only
@require_http_methods(["GET", "POST"])
def account_mfa_reset(request: HttpRequest, user_id: int) -> HttpResponse:
    row = _account(request, user_id)
    form = MfaResetForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        return _done(
            request,
            row,
            lambda: services.user_mfa_reset(
                actor=_actor(request), user=row.user, identity_check=form.cleaned_data["identity_check"]
            ),
            _("Second factor reset. At the next sign-in the holder sets up a new authenticator."),
        )
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "manage/confirm.html",
        {"account": row.user, "what": "mfa_reset", "form": form},
        status=status,
    )


@manager_only
@require_POST
def account_reinvite(request: HttpRequest, user_id: int) -> HttpResponse:
    row = _account(request, user_id)
    try:
        raw = services.user_invite_again(actor=_actor(request), user=row.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return _to(row)
    return _invitation_page(request, row.user, raw)


@manager_only
@require_POST
def token_revoke(request: HttpRequest, user_id: int, token_id: int) -> HttpResponse:
    row = _account(request, user_id)
    actor = _actor(request)
    token = next((t for t in tokens_of(actor=actor, user=row.user) if t.pk == token_id), None)
    if token is None:
        raise Http404("token")
    if not confirm.confirmed(request):
        return confirm.ask(
            request,
            key="revoke-token",
            title=_("Revoke the API token %(name)s?") % {"name": token.name},
            consequences=[
                _("Programs using it are refused from the next request."),
                _("A revoked token cannot be used again; the account can create a new one."),
            ],
            button=_("Yes, revoke the token"),
            cancel_url=reverse("manage:account", args=[row.user.pk]),
        )
    token_revoke_for(actor=actor, token=token)
    messages.success(request, _("Token revoked: programs using it are refused from now on."))
    return _to(row)


@manager_only
@require_http_methods(["GET", "POST"])
def teams(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    form = TeamCreateForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                team = services.team_create(actor=actor, name=form.cleaned_data["name"])
            except ValidationError as exc:
                _apply(form, exc)
            else:
                messages.success(request, _("Team added. Now name its contact person."))
                return redirect("manage:team", team_id=team.pk)
        status = 400
    rows = services.teams_list(actor=actor)
    return render(request, "manage/teams.html", {"form": form, "teams": rows}, status=status)


@manager_only
@require_http_methods(["GET", "POST"])
def team(request: HttpRequest, team_id: int) -> HttpResponse:
    actor = _actor(request)
    found = Team.objects.filter(pk=team_id).first()
    if found is None:
        raise Http404("team")
    fields = ("contact_person", "contact_how", "safeguarding_contact", "safeguarding_steps")
    form = TeamContactsForm(request.POST or None, initial={name: getattr(found, name) for name in fields})
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.team_contacts_set(actor=actor, team=found, **form.cleaned_data)
            except ValidationError as exc:
                _apply(form, exc)
            else:
                messages.success(
                    request, _("Saved. Screening results of the team's members show these contacts.")
                )
                return redirect("manage:teams")
        status = 400
    return render(request, "manage/team.html", {"form": form, "team": found}, status=status)
