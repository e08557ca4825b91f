"""Forms of the referral pages: parsing only; every rule lives in the services."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from haven.cases import vocab as case_vocab
from haven.cases.forms import LanguageField, LanguagesField
from haven.referrals import vocab


def _choices(items: case_vocab.Choices) -> list[tuple[str, Any]]:
    # The labels stay lazy: each is translated when shown, in the reader's language.
    return list(items)


class ListField(forms.CharField):
    """Codes separated by spaces or commas."""

    def to_python(self, value: object) -> list[str]:  # type: ignore[override]
        text = super().to_python(value) or ""
        return [part for part in text.replace(",", " ").split() if part]


class OrganisationForm(forms.Form):
    code = forms.CharField(label=_("Code"), max_length=64)
    name = forms.CharField(label=_("Name"), max_length=200)
    org_type = forms.ChoiceField(label=_("Type"), choices=lambda: _choices(vocab.ORGANISATION_TYPES))
    mandate_notes = forms.CharField(
        label=_("Mandate notes"), max_length=2000, required=False, widget=forms.Textarea
    )
    contact_phone = forms.CharField(label=_("Phone"), max_length=64, required=False)
    contact_email = forms.CharField(label=_("E-mail"), max_length=200, required=False)
    contact_address = forms.CharField(label=_("Address"), max_length=300, required=False)
    areas = ListField(label=_("Areas served (codes)"), required=False)
    languages = LanguagesField(label=_("Languages"))
    capacity = forms.IntegerField(label=_("Places free now"), min_value=0, max_value=100_000, required=False)
    waiting_days = forms.IntegerField(
        label=_("Waiting time (days)"), min_value=0, max_value=100_000, required=False
    )
    target_groups = forms.MultipleChoiceField(
        label=_("Target groups"),
        choices=lambda: _choices(case_vocab.TARGET_GROUPS),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    domains = forms.MultipleChoiceField(
        label=_("Needs it meets"),
        choices=lambda: _choices(case_vocab.NEEDS_DOMAINS),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    support_types = forms.MultipleChoiceField(
        label=_("Support types"),
        choices=lambda: _choices(case_vocab.SUPPORT_TYPES),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    safe_to_cooperate = forms.BooleanField(label=_("Safe to cooperate with"), required=False)
    mandate_in_line = forms.BooleanField(label=_("Works in line with its mandate"), required=False)
    data_protection = forms.ChoiceField(
        label=_("Data protection standard"), choices=lambda: _choices(vocab.DATA_PROTECTION_STANDARDS)
    )
    agreement_ref = forms.CharField(
        label=_("Data-sharing agreement reference"), max_length=64, required=False
    )
    agreement_expires = forms.DateField(label=_("Agreement expires on"), required=False)
    reviewed_on = forms.DateField(label=_("Cooperation last reviewed on"), required=False)
    review_due = forms.DateField(label=_("Next review due"), required=False)


class FieldsForm(forms.Form):
    shared = forms.MultipleChoiceField(
        label=_("What goes to the organisation"),
        choices=[(name, name) for name in vocab.SHAREABLE_FIELDS],
        widget=forms.CheckboxSelectMultiple,
    )
    safe_contact_method = forms.ChoiceField(
        label=_("Safe way to make contact"), choices=lambda: _choices(vocab.SAFE_CONTACT_METHODS)
    )
    language = LanguageField(label=_("Language of the letter"))


class AuthorityForm(forms.Form):
    organisation = forms.CharField(label=_("Authority (directory code)"), max_length=64)
    legal_basis = forms.CharField(label=_("Legal basis claimed"), max_length=2000, widget=forms.Textarea)
    scope = forms.MultipleChoiceField(
        label=_("What is asked for"),
        choices=[(n, n) for n in ("case_code", *vocab.IDENTITY_FIELDS)],
        widget=forms.CheckboxSelectMultiple,
    )
    received_on = forms.DateField(label=_("Received on"))
    deadline = forms.DateField(label=_("Deadline"), required=False)


class ApproveForm(forms.Form):
    reason = forms.CharField(
        label=_("Why the law compels the disclosure"), max_length=2000, widget=forms.Textarea
    )
    person_interest = forms.CharField(
        label=_("The person's interest"), max_length=2000, widget=forms.Textarea
    )


class DialogueForm(forms.Form):
    organisation = forms.CharField(label=_("Authority (directory code)"), max_length=64)
    held_on = forms.DateField(label=_("Date of the meeting"))
    purpose = forms.ChoiceField(label=_("Purpose"), choices=lambda: _choices(vocab.DIALOGUE_PURPOSES))
