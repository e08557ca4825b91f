"""Forms of the follow-up pages: parse and check the shape of the input only; the rules are the services'."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from haven.cases import vocab as case_vocab
from haven.cases.forms import CountryField, DateInput
from haven.followup import vocab
from haven.followup.summary import SECTIONS


def _choices(items: Any) -> list[tuple[str, Any]]:
    # The labels stay lazy: each is translated when shown, in the reader's language.
    return list(items)


class CloseForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("Outcome"), choices=[("", "—"), *_choices(case_vocab.CLOSURE_REASONS)]
    )
    note = forms.CharField(
        label=_("Reason for closing"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        help_text=_("Kept sealed. Say why the work ends now and what the person knows about it."),
    )
    version = forms.IntegerField(widget=forms.HiddenInput)
    confirmed = forms.BooleanField(required=False, widget=forms.HiddenInput)


class ReopenForm(forms.Form):
    stage = forms.ChoiceField(
        label=_("Back to stage"),
        choices=[c for c in _choices(case_vocab.STAGES) if c[0] not in ("closed", "first_contact")],
        initial="assessment",
    )
    note = forms.CharField(
        label=_("Why the case is reopened"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000
    )
    version = forms.IntegerField(widget=forms.HiddenInput)


class ReturnRiskCheckForm(forms.Form):
    country = CountryField(label=_("Country of return"))
    checked_on = forms.DateField(label=_("Date of the check"), widget=DateInput, initial=timezone.localdate)
    risk = forms.ChoiceField(
        label=_("Risk of re-trafficking at the place of return"), choices=_choices(case_vocab.RETURN_RISKS)
    )
    notes = forms.CharField(
        label=_("What the assessment found (sealed)"),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        max_length=20_000,
    )


class InformedForm(forms.Form):
    step = forms.CharField(widget=forms.HiddenInput, initial="informed")
    informed_on = forms.DateField(
        label=_("Information given on"), widget=DateInput, initial=timezone.localdate
    )


class ChoiceForm(forms.Form):
    step = forms.CharField(widget=forms.HiddenInput, initial="choice")
    choice = forms.ChoiceField(label=_("The person's choice"), choices=_choices(vocab.IDENTIFICATION_CHOICES))
    on = forms.DateField(label=_("Date"), widget=DateInput, initial=timezone.localdate)


class DecisionForm(forms.Form):
    step = forms.CharField(widget=forms.HiddenInput, initial="decision")
    status = forms.ChoiceField(label=_("Decision received"), choices=_choices(vocab.DECISION_STATUSES))
    decided_by = forms.ChoiceField(label=_("Decided by"), choices=_choices(vocab.DECISION_ORGS))
    decided_on = forms.DateField(label=_("Date of the decision"), widget=DateInput)


class ReflectionForm(forms.Form):
    step = forms.CharField(widget=forms.HiddenInput, initial="reflection")
    starts_on = forms.DateField(label=_("Starts on"), widget=DateInput)
    ends_on = forms.DateField(
        label=_("Ends on (leave empty for the national length)"), widget=DateInput, required=False
    )


class PermitForm(forms.Form):
    step = forms.CharField(widget=forms.HiddenInput, initial="permit")
    valid_from = forms.DateField(label=_("Valid from"), widget=DateInput)
    valid_until = forms.DateField(label=_("Valid until"), widget=DateInput)


STEP_FORMS: dict[str, type[forms.Form]] = {
    "informed": InformedForm,
    "choice": ChoiceForm,
    "decision": DecisionForm,
    "reflection": ReflectionForm,
    "permit": PermitForm,
}


class SummaryForm(forms.Form):
    sections = forms.MultipleChoiceField(
        label=_("Sections to include"),
        choices=[],
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Only the case code, stage and case manager are printed unless you choose more."),
    )
    language = forms.ChoiceField(label=_("Language"), choices=[])

    def __init__(
        self, *args: Any, allowed: list[str], languages: list[tuple[str, str]], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["sections"].choices = [(name, str(SECTIONS[name])) for name in allowed]  # type: ignore[attr-defined]
        self.fields["language"].choices = languages  # type: ignore[attr-defined]
