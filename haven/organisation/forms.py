"""Forms of the organisation's pages: parse and check input only; the services decide and write."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from haven.accounts.models import User
from haven.evidence.models import DpRelease
from haven.organisation.models import ASK_STATUSES, AUDIENCES, CHECKLISTS, REFERENCE_KINDS, STATUSES


class AccountChoiceField(forms.ModelChoiceField):
    """An active account, shown by its display name (or e-mail)."""

    def label_from_instance(self, obj: User) -> str:
        return obj.display_name or obj.email


class DateInput(forms.DateInput):
    input_type = "date"


class StartForm(forms.Form):
    year = forms.IntegerField(min_value=2000, max_value=2100)


class AnswerForm(forms.Form):
    item_key = forms.CharField(max_length=64, widget=forms.HiddenInput)
    status = forms.ChoiceField(label=_("Status"), choices=STATUSES)
    evidence = forms.CharField(label=_("Evidence (document link or note)"), max_length=1000, required=False)
    owner = forms.ModelChoiceField(
        label=_("Owner"), queryset=User.objects.filter(is_active=True), required=False
    )
    review_on = forms.DateField(label=_("Review date"), required=False, widget=DateInput)


class OwnItemForm(forms.Form):
    checklist = forms.ChoiceField(label=_("Checklist"), choices=CHECKLISTS)
    text = forms.CharField(label=_("What should be in place"), max_length=500)


class ActivityForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    held_on = forms.DateField(label=_("Date"), widget=DateInput)
    audience = forms.ChoiceField(label=_("Audience"), choices=AUDIENCES)
    place = forms.CharField(label=_("Place"), max_length=200, required=False)
    languages = forms.CharField(label=_("Languages"), max_length=200, required=False)
    messages = forms.CharField(
        label=_("Messages used"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    partners = forms.CharField(label=_("Partners"), max_length=500, required=False)


class RiskForm(forms.Form):
    security_risks = forms.CharField(
        label=_("Security risks (for participants, staff and volunteers)"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    perception_risks = forms.CharField(
        label=_("Perception risks (how the Red Cross may be seen, e.g. as part of law enforcement)"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    mitigation = forms.CharField(
        label=_("What we do about them"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class HeldForm(forms.Form):
    reach = forms.IntegerField(label=_("People reached"), min_value=0, max_value=10_000_000, required=False)


class ReferenceForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=REFERENCE_KINDS)
    title = forms.CharField(label=_("Title"), max_length=300)
    description = forms.CharField(
        label=_("Short description"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    link = forms.URLField(label=_("Link"), max_length=500, required=False, assume_scheme="https")


class AskForm(forms.Form):
    template = forms.CharField(max_length=64, required=False, widget=forms.HiddenInput)
    text = forms.CharField(label=_("The ask"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))
    authority = forms.CharField(label=_("Authority"), max_length=200)
    release = forms.ModelChoiceField(
        label=_("Anonymised evidence release that supports it"),
        queryset=DpRelease.objects.all(),
        required=False,
    )


class MeetingForm(forms.Form):
    met_on = forms.DateField(label=_("Date"), widget=DateInput)
    with_whom = forms.CharField(label=_("With (office or institution)"), max_length=200)
    outcome = forms.CharField(
        label=_("Outcome"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    status = forms.ChoiceField(label=_("The ask now stands"), choices=ASK_STATUSES)
