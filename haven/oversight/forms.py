"""The audit viewer's filter form: it parses input only."""

from __future__ import annotations

from datetime import date

from django import forms
from django.utils.translation import gettext_lazy as _

from haven.accounts.models import User
from haven.oversight.models import DataRequest, RetentionExtension
from haven.oversight.selectors import DONE, REFUSED, TrailFilter


class TrailFilterForm(forms.Form):
    since = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    actor = forms.CharField(label=_("Account (e-mail or number)"), required=False, max_length=254)
    action = forms.RegexField(
        label=_("Action"), required=False, max_length=64, regex=r"^[a-z][a-z0-9_.]*$",
        error_messages={"invalid": _("An action looks like case.viewed.")},
    )  # fmt: skip
    case = forms.RegexField(
        label=_("Case code"), required=False, max_length=32, regex=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$"
    )
    outcome = forms.ChoiceField(
        label=_("Outcome"),
        required=False,
        choices=[("", _("Any")), (DONE, _("Done")), (REFUSED, _("Refused"))],
    )

    def clean_actor(self) -> int | None:
        value = self.cleaned_data.get("actor", "").strip()
        if not value:
            return None
        if value.isdigit():
            return int(value)
        found = User.objects.filter(email__iexact=value).values_list("pk", flat=True).first()
        if found is None:
            raise forms.ValidationError(_("No account with that e-mail."))
        return int(found)

    def to_filter(self) -> TrailFilter:
        data = self.cleaned_data
        return TrailFilter(
            since=data.get("since"),
            until=data.get("until"),
            actor_id=data.get("actor"),
            action=data.get("action") or "",
            case_code=data.get("case") or "",
            outcome=data.get("outcome") or "",
        )


class DataRequestForm(forms.Form):
    case = forms.RegexField(label=_("Case code"), max_length=32, regex=r"^HV-[0-9]{4}-[0-9]{5,}$")
    kind = forms.ChoiceField(label=_("Kind of request"), choices=DataRequest.Kind.choices)
    received_on = forms.DateField(
        label=_("Received on"), widget=forms.DateInput(attrs={"type": "date"}), initial=date.today
    )


class RetentionExtendForm(forms.Form):
    until = forms.DateField(label=_("Keep until"), widget=forms.DateInput(attrs={"type": "date"}))
    reason = forms.ChoiceField(label=_("Why"), choices=RetentionExtension.Reason.choices)
