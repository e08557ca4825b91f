"""Forms for the screening pages: start, answers (one radio group per question) and the library edit."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from haven.screening.library import Indicator
from haven.screening.models import Screening

ANSWER_CHOICES = [
    ("yes", _("Yes")),
    ("no", _("No")),
    ("unknown", _("Don't know")),
    ("declined", _("Prefers not to say")),
]
ANSWER_LABELS = dict(ANSWER_CHOICES)


YES_NO = [("yes", _("Yes")), ("no", _("No"))]
INFORMATION_LANGUAGES = [("en", _("English")), ("fr", _("French")), ("ar", _("Arabic"))]


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


GRADE_CHOICES = [
    ("", _("not on this list")),
    ("strong", _("strong")),
    ("medium", _("medium")),
    ("weak", _("weak")),
]


class IndicatorForm(forms.Form):
    """One indicator of a library draft: its texts in each language, its grade on each list, quick or not.

    Fields only; whether the changed library is valid and may be activated is the services' decision.
    """

    def __init__(self, *args: Any, indicator: Indicator, lists: Sequence[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lists = tuple(lists)
        texts = (
            ("text", _("Question"), indicator.text),
            ("interpreter", _("Interpreter sentence (at most 12 words)"), indicator.interpreter),
            ("child_text", _("Question for a child (optional)"), indicator.child_text),
        )
        for name, label, text in texts:
            for lang, language in (("en", _("English")), ("fr", _("French"))):
                self.fields[f"{name}_{lang}"] = forms.CharField(
                    label=f"{label} — {language}",
                    required=name != "child_text",
                    max_length=400,
                    initial=text.get(lang) if text is not None else "",
                )
        # The interpreter sentence may also be in Arabic, for the person (written right to left).
        self.fields["interpreter_ar"] = forms.CharField(
            label=_("Interpreter sentence (at most 12 words)") + " — " + _("Arabic"),
            required=False,
            max_length=400,
            initial=indicator.interpreter.ar,
            widget=forms.TextInput(attrs={"dir": "rtl", "lang": "ar"}),
        )
        for list_name in self.lists:
            self.fields[f"grade_{list_name}"] = forms.ChoiceField(
                label=_("Grade on the list %(list)s") % {"list": list_name},
                choices=GRADE_CHOICES,
                required=False,
                initial=indicator.grade(list_name) or "",
            )
        self.fields["quick"] = forms.BooleanField(
            label=_("Part of the quick screening"), required=False, initial=indicator.quick
        )

    def changes(self) -> dict[str, Any]:
        """The indicator's new values, in the library's shape (after is_valid)."""
        data = self.cleaned_data
        child = {"en": data["child_text_en"], "fr": data["child_text_fr"]}
        return {
            "text": {"en": data["text_en"], "fr": data["text_fr"]},
            "interpreter": {
                "en": data["interpreter_en"],
                "fr": data["interpreter_fr"],
                **({"ar": data["interpreter_ar"]} if data["interpreter_ar"].strip() else {}),
            },
            "child_text": child if any(child.values()) else None,
            "grades": {name: data[f"grade_{name}"] for name in self.lists if data[f"grade_{name}"]},
            "quick": data["quick"],
        }


class ApproveForm(forms.Form):
    confirm = forms.BooleanField(
        label=_("I have read every change, and I approve this draft as the new library version"),
        required=True,
    )
