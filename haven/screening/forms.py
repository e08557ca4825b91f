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


YES_NO = [("yes", _("Yes")), ("no", _("No"))]
INFORMATION_LANGUAGES = [("en", _("English")), ("fr", _("French"))]


class StartForm(forms.Form):
    private_space = forms.ChoiceField(
        label=_("Can you talk with the person here, alone and safely?"),
        choices=YES_NO,
        widget=forms.RadioSelect,
    )
    information_language = forms.ChoiceField(
        label=_("Information given to the person in"),
        choices=INFORMATION_LANGUAGES,
        widget=forms.RadioSelect,
        help_text=_("Read or show the information above to the person before any question."),
    )
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
        label=_("How old is the person? (the age they say)"),
        required=False,
        min_value=0,
        max_value=120,
        help_text=_(
            "Ask the age first. Leave it empty only when the person is not sure, and tick the box below."
        ),
    )
    age_not_sure = forms.BooleanField(label=_("The person is not sure of their age"), required=False)
    looks_younger = forms.BooleanField(
        label=_("The person looks younger than the age they say"),
        required=False,
        help_text=_("In both cases the person is treated as a child."),
    )

    def age_in_doubt(self) -> bool:
        """Doubt about the age, from either box (after is_valid)."""
        return bool(self.cleaned_data["age_not_sure"] or self.cleaned_data["looks_younger"])


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
