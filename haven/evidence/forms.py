"""Forms of the evidence dashboard."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from haven.evidence import ctdc
from haven.evidence.labels import column_label_lazy
from haven.evidence.services import MAX_EPSILON, MIN_EPSILON

COLUMN_CHOICES = [(c, column_label_lazy(c)) for c in ctdc.COLUMNS if c != "datasource"]


class ReleaseForm(forms.Form):
    """A new differentially private table: one or two columns and the ε to spend."""

    first = forms.ChoiceField(label=_("Count by"), choices=COLUMN_CHOICES, initial="gender")
    second = forms.ChoiceField(
        label=_("and by (optional)"), choices=[("", _("— nothing else —")), *COLUMN_CHOICES], required=False
    )
    epsilon = forms.FloatField(
        label=_("Privacy loss to spend (ε)"),
        min_value=MIN_EPSILON,
        max_value=MAX_EPSILON,
        initial=0.5,
        help_text=_("Smaller ε protects more but adds more noise. 0.5 is a common choice."),
        widget=forms.NumberInput(attrs={"step": "0.01"}),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("first") and data.get("first") == data.get("second"):
            self.add_error("second", _("Choose a different column, or nothing."))
        return data

    def columns(self) -> list[str]:
        """The chosen columns, in order."""
        data = self.cleaned_data
        return [data["first"], *([data["second"]] if data.get("second") else [])]


class BudgetForm(forms.Form):
    """The DPO's setting of the total privacy budget."""

    total = forms.FloatField(
        label=_("Total privacy budget (ε)"),
        min_value=0.01,
        max_value=100,
        widget=forms.NumberInput(attrs={"step": "0.1"}),
    )


class ExportForm(forms.Form):
    """A k-anonymous record-level export in the CTDC layout."""

    k = forms.IntegerField(
        label=_("k: smallest group"),
        min_value=2,
        max_value=1000,
        initial=11,
        help_text=_("Every combination of released values describes at least k people. CTDC uses 11."),
    )
