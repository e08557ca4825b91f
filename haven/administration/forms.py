"""Forms of the account administration; they parse input only, the services decide."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from haven.accounts.models import Team
from haven.accounts.permissions import ROLE_LABELS, Role
from haven.accounts.services import IDENTITY_CHECKS

ROLE_CHOICES = [(role.value, ROLE_LABELS[role]) for role in Role]


class AccountFilterForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), required=False, choices=[("", _("Any")), *ROLE_CHOICES])
    team = forms.ModelChoiceField(
        label=_("Team"), required=False, queryset=Team.objects.order_by("name"), empty_label=_("Any")
    )
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[
            ("", _("Any")),
            ("active", _("Active")),
            ("invited", _("Invited")),
            ("disabled", _("Disabled")),
        ],
    )
    mfa = forms.ChoiceField(
        label=_("Second factor"),
        required=False,
        choices=[("", _("Any")), ("yes", _("Set up")), ("no", _("Not set up"))],
    )


class InviteForm(forms.Form):
    email = forms.EmailField(label=_("E-mail"), max_length=254)
    display_name = forms.CharField(label=_("Name shown to colleagues"), max_length=120, required=False)
    role = forms.ChoiceField(label=_("Role"), choices=ROLE_CHOICES)
    team = forms.ModelChoiceField(
        label=_("Team"),
        required=False,
        queryset=Team.objects.order_by("name"),
        help_text=_("Every role but the administrator works in a team."),
    )


class RoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=ROLE_CHOICES)


class TeamChoiceForm(forms.Form):
    team = forms.ModelChoiceField(
        label=_("Team"), required=False, queryset=Team.objects.order_by("name"), empty_label=_("No team")
    )


class MfaResetForm(forms.Form):
    identity_check = forms.ChoiceField(
        label=_("How did you make sure the request comes from the account's holder?"),
        choices=[("", "—"), *IDENTITY_CHECKS.items()],
    )


class TeamCreateForm(forms.Form):
    name = forms.CharField(label=_("Team name"), max_length=200)


class TeamContactsForm(forms.Form):
    contact_person = forms.CharField(label=_("Contact person"), max_length=120, required=False)
    contact_how = forms.CharField(
        label=_("How to reach them"),
        max_length=200,
        required=False,
        help_text=_("For example a phone number."),
    )
    safeguarding_contact = forms.CharField(
        label=_("Child safeguarding: who to call"), max_length=200, required=False
    )
    safeguarding_steps = forms.CharField(
        label=_("Child safeguarding: the steps"), max_length=2000, required=False, widget=forms.Textarea
    )
