"""Forms of the staff register and of wellbeing: parse and check input only; the services decide and write."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from haven.accounts.models import Team, User
from haven.staff.models import FEELINGS, KINDS, TRAININGS


class DateInput(forms.DateInput):
    input_type = "date"


def apply_errors(form: forms.Form, exc: ValidationError) -> None:
    """A service's validation error on the form: on the field when the form has it, else on top."""
    if hasattr(exc, "error_dict"):
        for name, errors in exc.error_dict.items():
            form.add_error(
                name if name in form.fields else None, [str(m) for e in errors for m in e.messages]
            )
    else:
        form.add_error(None, exc.messages)


class AccountChoiceField(forms.ModelChoiceField):
    """An active account, shown by its display name (or e-mail)."""

    def label_from_instance(self, obj: User) -> str:
        return obj.display_name or obj.email


class MemberForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    kind = forms.ChoiceField(label=_("Staff or volunteer"), choices=KINDS)
    role = forms.CharField(label=_("Role"), max_length=120, required=False)
    team = forms.ModelChoiceField(label=_("Team"), queryset=Team.objects.all(), required=False)
    user = AccountChoiceField(
        label=_("Haven account (if any)"), queryset=User.objects.filter(is_active=True), required=False
    )
    supporter = AccountChoiceField(
        label=_("Designated wellbeing supporter"),
        queryset=User.objects.filter(is_active=True),
        required=False,
        help_text=_("The one person who sees this person's wellbeing check-ins, besides themself."),
    )
    suitability_notes = forms.CharField(
        label=_("Suitability notes for work with people at high risk"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Sealed: only the programme manager opens them."),
    )


class MemberUpdateForm(forms.Form):
    role = forms.CharField(label=_("Role"), max_length=120, required=False)
    team = forms.ModelChoiceField(label=_("Team"), queryset=Team.objects.all(), required=False)
    supporter = AccountChoiceField(
        label=_("Designated wellbeing supporter"),
        queryset=User.objects.filter(is_active=True),
        required=False,
    )
    active = forms.BooleanField(label=_("Active"), required=False)
    suitability_notes = forms.CharField(
        label=_("New suitability notes (replace the current ones; leave empty to keep them)"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class TrainingForm(forms.Form):
    kind = forms.ChoiceField(label=_("Training"), choices=TRAININGS)
    completed_on = forms.DateField(label=_("Completed on"), widget=DateInput)
    expires_on = forms.DateField(label=_("Valid until (if it expires)"), required=False, widget=DateInput)


class CheckInForm(forms.Form):
    feeling = forms.ChoiceField(label=_("How are you?"), choices=FEELINGS, widget=forms.RadioSelect)
    wants_support = forms.BooleanField(
        label=_("I would like someone to talk to (psychosocial support)"), required=False
    )
    note = forms.CharField(
        label=_("Anything you want to note (only you and your supporter will see it)"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class OfferForm(forms.Form):
    note = forms.CharField(
        label=_("What support you offered"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class YearForm(forms.Form):
    year = forms.IntegerField(min_value=2000, max_value=2100, required=False)
