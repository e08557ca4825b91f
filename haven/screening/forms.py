"""Forms for the screening pages: start, answers (one radio group per question) and the library edit."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from haven.screening.library import Indicator, load_library
from haven.screening.models import Screening
from haven.screening.services import check_usable

ANSWER_CHOICES = [
    ("yes", _("Yes")),
    ("no", _("No")),
    ("unknown", _("Don't know")),
    ("declined", _("Prefers not to say")),
]
ANSWER_LABELS = dict(ANSWER_CHOICES)
MAX_LIBRARY_CHARS = 500_000


class StartForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Which screening?"),
        choices=[
            (Screening.Kind.QUICK.value, _("Quick screening: about 10 questions, a few minutes")),
            (Screening.Kind.FULL.value, _("Full screening: every question, in sections, over several talks")),
        ],
        initial=Screening.Kind.QUICK.value,
        widget=forms.RadioSelect,
    )
    age = forms.IntegerField(
        label=_("Age, if known"),
        required=False,
        min_value=0,
        max_value=120,
        help_text=_("Leave empty when the age is not known: the person is then treated as a child."),
    )
    age_in_doubt = forms.BooleanField(
        label=_("The age is in doubt (the person may be under 18)"),
        required=False,
        help_text=_("When the age is in doubt, the person is treated as a child."),
    )


class AnswersForm(forms.Form):
    """One optional radio group per question; a question left empty was simply not asked."""

    def __init__(self, *args: Any, questions: Sequence[Indicator], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for indicator in questions:
            self.fields[indicator.id] = forms.ChoiceField(
                label=indicator.id,
                choices=ANSWER_CHOICES,
                required=False,
                widget=forms.RadioSelect,
            )

    def answers(self) -> dict[str, str]:
        """The questions answered on this page (after is_valid)."""
        return {key: value for key, value in self.cleaned_data.items() if value}


class LibraryEditForm(forms.Form):
    content = forms.CharField(
        label=_("Indicator library (JSON)"),
        widget=forms.Textarea(attrs={"rows": 30, "spellcheck": "false", "class": "library-json"}),
        help_text=_(
            "Change question texts (English and French), interpreter sentences, grades per list or the"
            " quick flag. Saving creates a new version; screenings already made keep the version they used."
        ),
        max_length=MAX_LIBRARY_CHARS,
        strip=False,
    )

    def clean_content(self) -> dict[str, Any]:
        raw = self.cleaned_data["content"]
        try:
            data = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise forms.ValidationError(
                _("This is not valid JSON: %(problem)s at line %(line)s."),
                params={"problem": exc.msg, "line": exc.lineno},
            ) from exc
        if isinstance(data, dict):
            # The version is assigned on saving; whatever the text says is replaced.
            data = {**data, "version": "draft"}
        try:
            check_usable(load_library(data))
        except ValueError as exc:
            raise forms.ValidationError(
                _("The library is not valid: %(problem)s"), params={"problem": str(exc)}
            ) from exc
        assert isinstance(data, dict)
        return data
