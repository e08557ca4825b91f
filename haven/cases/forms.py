"""Forms for the case pages: parse and check input only; the services decide and write."""

from __future__ import annotations

import unicodedata
from functools import cache
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from haven.accounts.models import User
from haven.accounts.permissions import Perm
from haven.cases import vocab
from haven.cases.access import eligible_for


def _choices(items: vocab.Choices, blank: str | None = None) -> list[tuple[str, Any]]:
    options: list[tuple[str, Any]] = [(code, text) for code, text in items]
    if blank is not None:
        options.insert(0, ("", blank))
    return options


class CodeListField(forms.CharField):
    """Comma-separated codes (ISO 639 languages, ISO 3166 countries, organisation codes)."""

    def __init__(self, *, allowed: frozenset[str] | None = None, upper: bool = False, **kwargs: Any) -> None:
        self.allowed = allowed
        self.upper = upper
        super().__init__(required=False, **kwargs)

    def clean(self, value: Any) -> list[str]:
        text = super().clean(value) or ""
        codes = [part.strip() for part in text.replace(";", ",").split(",") if part.strip()]
        codes = [c.upper() if self.upper else c.lower() for c in codes] if self.allowed is not None else codes
        if self.allowed is not None:
            unknown = [c for c in codes if c not in self.allowed]
            if unknown:
                raise ValidationError(_("Unknown codes: %(codes)s"), params={"codes": ", ".join(unknown[:5])})
        return list(dict.fromkeys(codes))

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, list):
            return ", ".join(value)
        return value


def _collation_key(name: str) -> str:
    """Sort names as a reader expects: case and accents ignored ("Égypte" among the E)."""
    decomposed = unicodedata.normalize("NFKD", name.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _options(codes: frozenset[str], name: Any, lang: str) -> tuple[tuple[str, str], ...]:
    """(code, name) sorted by name in `lang`; a name two codes share gets its code, so none is ambiguous."""
    named = [(code, str(name(code, lang))) for code in codes]
    named = [(code, text[:1].upper() + text[1:]) for code, text in named]
    counts: dict[str, int] = {}
    for _code, text in named:
        counts[text] = counts.get(text, 0) + 1
    named = [(code, f"{text} ({code})" if counts[text] > 1 else text) for code, text in named]
    return tuple(sorted(named, key=lambda option: (_collation_key(option[1]), option[0])))


@cache
def _language_options(lang: str) -> tuple[tuple[str, str], ...]:
    return _options(vocab.language_codes(), vocab.language_name, lang)


@cache
def _country_options(lang: str) -> tuple[tuple[str, str], ...]:
    return _options(vocab.country_codes(), vocab.country_name, lang)


def language_options() -> list[tuple[str, str]]:
    """Every language (ISO 639 code) by its name in the reader's language, sorted by that name (CLDR)."""
    return list(_language_options(get_language() or "en"))


def country_options() -> list[tuple[str, str]]:
    """Every country (ISO 3166-1 code) by its name in the reader's language, sorted by that name (CLDR)."""
    return list(_country_options(get_language() or "en"))


def _with_blank(options: Any) -> Any:
    return lambda: [("", "—"), *options()]


class _Pick:
    """Languages and countries are chosen by name and kept as codes; a code typed in any case is accepted."""

    upper = False

    def _norm(self, value: Any) -> Any:
        if isinstance(value, str):
            value = value.strip()
            return value.upper() if self.upper else value.lower()
        return value


class LanguageField(_Pick, forms.ChoiceField):
    """One language, chosen by name in the reader's language; the cleaned value is its ISO 639 code."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("error_messages", {"invalid_choice": _("Unknown language code: %(value)s.")})
        super().__init__(choices=_with_blank(language_options), **kwargs)

    def to_python(self, value: Any) -> str:
        return str(self._norm(super().to_python(value)))


class CountryField(_Pick, forms.ChoiceField):
    """One country, chosen by name in the reader's language; the cleaned value is its ISO 3166-1 code."""

    upper = True

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("error_messages", {"invalid_choice": _("Unknown country code: %(value)s.")})
        super().__init__(choices=_with_blank(country_options), **kwargs)

    def to_python(self, value: Any) -> str:
        return str(self._norm(super().to_python(value)))


class _PickMany(_Pick, forms.MultipleChoiceField):
    widget = forms.SelectMultiple(attrs={"size": 6})

    def to_python(self, value: Any) -> list[str]:
        return list(dict.fromkeys(self._norm(v) for v in super().to_python(value)))


class LanguagesField(_PickMany):
    """Several languages, chosen by name; the cleaned value is the list of their codes."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("error_messages", {"invalid_choice": _("Unknown language code: %(value)s.")})
        kwargs.setdefault("required", False)
        super().__init__(choices=language_options, **kwargs)


class CountriesField(_PickMany):
    """Several countries, chosen by name; the cleaned value is the list of their codes."""

    upper = True

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("error_messages", {"invalid_choice": _("Unknown country code: %(value)s.")})
        kwargs.setdefault("required", False)
        super().__init__(choices=country_options, **kwargs)


def apply_errors(form: forms.Form, exc: ValidationError) -> None:
    """Show a service's validation error on the form: on the field when the form has it, else on top."""
    if hasattr(exc, "error_dict"):
        for name, errors in exc.error_dict.items():
            form.add_error(
                name if name in form.fields else None, [str(m) for e in errors for m in e.messages]
            )
    else:
        form.add_error(None, exc.messages)


class DateInput(forms.DateInput):
    input_type = "date"


AGE_HELP = _(
    "A person who gives an age of 18 or over is an adult unless there is doubt. In doubt, or with no age "
    "at all, the person is treated as a child. An estimate from appearance alone never makes an adult."
)


class PersonFieldsMixin(forms.Form):
    """The person's values, as the first-contact and edit forms share them."""

    name = forms.CharField(label=_("Name (as the person gives it)"), required=False, max_length=300)
    preferred_name = forms.CharField(
        label=_("Preferred name"),
        required=False,
        max_length=300,
        help_text=_("What the person wants to be called, if not their name."),
    )
    date_of_birth = forms.DateField(label=_("Date of birth"), required=False, widget=DateInput)
    stated_age = forms.IntegerField(
        label=_("Age the person gives"), required=False, min_value=0, max_value=120
    )
    estimated_age = forms.IntegerField(label=_("Estimated age"), required=False, min_value=0, max_value=120)
    age_method = forms.ChoiceField(
        label=_("How the age was established"), choices=_choices(vocab.AGE_METHODS), initial="unknown"
    )
    age_in_doubt = forms.BooleanField(
        label=_("The age is in doubt (not sure, or looks younger than the age given)"),
        required=False,
        help_text=AGE_HELP,
    )
    gender = forms.ChoiceField(
        label=_("Gender"), choices=_choices(vocab.GENDERS), initial="NonSpecifiedUnknown"
    )
    languages = LanguagesField(
        label=_("Languages spoken"), help_text=_("Choose one or more (hold Ctrl or ⌘ to choose several).")
    )
    information_language = LanguageField(label=_("Language for information"), required=False)
    phone = forms.CharField(label=_("Phone number"), required=False, max_length=60)
    safe_contact = forms.CharField(
        label=_("How to contact the person safely"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_('For example: "only by phone, never leave a message".'),
    )

    def person_values(self) -> dict[str, Any]:
        """The cleaned values the person services take (nothing else)."""
        from haven.cases.services import PERSON_FIELDS

        values = {k: v for k, v in self.cleaned_data.items() if k in PERSON_FIELDS}
        if values.get("date_of_birth") is None and "date_of_birth" in values:
            values["date_of_birth"] = None
        return values


class FirstContactForm(PersonFieldsMixin):
    note = forms.CharField(
        label=_("What happened (short note)"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Record the least possible. Never write what the person did not want written."),
    )
    hand_over = forms.BooleanField(label=_("Hand over to the contact person now"), required=False)
    create_anyway = forms.BooleanField(
        label=_("I checked the possible existing records; create a new one"),
        required=False,
        widget=forms.HiddenInput,
    )


class HandoverForm(PersonFieldsMixin):
    """A hand-over from a screening: the few details the contact person needs (the age comes from the
    screening), why they may be passed on, and a short note."""

    basis = forms.ChoiceField(
        label=_("May the person's details go to the contact person?"),
        choices=_choices(vocab.HANDOVER_BASES),
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label=_("Reason, when the person has not agreed"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    note = forms.CharField(
        label=_("Hand-over note for the contact person"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("What they need to know to reach and help the person. Record the least possible."),
    )
    create_anyway = forms.BooleanField(required=False, widget=forms.HiddenInput)

    # The age is the screening's; the rest of the person's record waits for the contact person.
    OMITTED = ("date_of_birth", "stated_age", "estimated_age", "age_method", "age_in_doubt")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in self.OMITTED:
            self.fields.pop(name, None)


class PersonForm(PersonFieldsMixin):
    version = forms.IntegerField(widget=forms.HiddenInput)
    aliases = forms.CharField(label=_("Other names"), required=False, max_length=1000)
    contact = forms.CharField(
        label=_("Other contact details"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    documents = forms.CharField(
        label=_("Identity documents"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    document_number = forms.CharField(label=_("Document number"), required=False, max_length=80)
    citizenship = CountriesField(label=_("Citizenship"))
    legal_status = forms.ChoiceField(
        label=_("Legal or residence status"), choices=_choices(vocab.LEGAL_STATUSES)
    )
    guardian = forms.CharField(
        label=_("Guardian or representative"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    schooling = forms.ChoiceField(label=_("Schooling"), choices=_choices(vocab.SCHOOLING), required=False)
    location = forms.CharField(
        label=_("Address or exact location"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    health = forms.CharField(
        label=_("Health"), required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 3})
    )
    perpetrator = forms.CharField(
        label=_("Perpetrator context (for the person's safety only)"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args: Any, user: User, is_child: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not user.has(Perm.CASE_VIEW_SENSITIVE):
            for name in ("location", "health", "perpetrator"):
                del self.fields[name]
        if not is_child:
            # Child-specific fields appear only for a child (and for anyone whose age is in doubt).
            del self.fields["guardian"]
            del self.fields["schooling"]


class ConsentForm(forms.Form):
    purpose = forms.ChoiceField(label=_("Purpose"), choices=_choices(vocab.CONSENT_PURPOSES))
    recipient = forms.CharField(
        label=_("Recipient (organisation code, referrals only)"),
        required=False,
        max_length=64,
        # The service directory's organisations are offered (a <datalist> on the consent page).
        widget=forms.TextInput(attrs={"list": "recipient-codes"}),
    )
    status = forms.ChoiceField(
        label=_("The person's answer"), choices=[("given", _("Given")), ("refused", _("Refused"))]
    )
    given_on = forms.DateField(label=_("Date"), widget=DateInput, initial=timezone.localdate)
    expires_on = forms.DateField(label=_("Valid until (optional)"), required=False, widget=DateInput)
    language = LanguageField(label=_("Language used"))
    explained_by = forms.ModelChoiceField(label=_("Explained by"), queryset=User.objects.none())
    interpreter = forms.BooleanField(label=_("An interpreter was present"), required=False)
    information_sheet_version = forms.CharField(
        label=_("Information sheet version"), max_length=32, initial="v1"
    )

    def __init__(self, *args: Any, team_id: int | None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        people = eligible_for(team_id, "consent_explainer")
        self.fields["explained_by"].queryset = people.order_by("display_name", "email")  # type: ignore[attr-defined]
        self.fields["explained_by"].label_from_instance = lambda u: u.display_name or u.email  # type: ignore[attr-defined]


class WithdrawForm(forms.Form):
    reason = forms.ChoiceField(label=_("Reason"), choices=_choices(vocab.WITHDRAWAL_REASONS))
    confirm_no_pressure = forms.BooleanField(
        label=_("As case manager, I confirm: no sign that a third party is pressing the person to withdraw"),
        required=False,
    )


class LegalBasisForm(forms.Form):
    basis = forms.ChoiceField(label=_("Legal basis"), choices=_choices(vocab.LEGAL_BASES))
    justification = forms.CharField(
        label=_("Written justification (vital interest)"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class NoteForm(forms.Form):
    section = forms.ChoiceField(label=_("Section"), choices=_choices(vocab.NOTE_SECTIONS))
    body = forms.CharField(label=_("Note"), max_length=20_000, widget=forms.Textarea(attrs={"rows": 4}))

    def __init__(self, *args: Any, sections: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["section"].choices = [c for c in _choices(vocab.NOTE_SECTIONS) if c[0] in sections]  # type: ignore[attr-defined]


class TaskForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=_choices(vocab.TASK_KINDS), required=False)
    title = forms.CharField(label=_("Title"), required=False, max_length=500)
    due_on = forms.DateField(label=_("Due on"), widget=DateInput)
    assignee = forms.ModelChoiceField(label=_("Assigned to"), queryset=User.objects.none(), required=False)

    def __init__(self, *args: Any, team_id: int | None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _assignee_field(self.fields["assignee"], team_id)


def _assignee_field(field: forms.Field, team_id: int | None) -> None:
    # The list offers the case's team; any account is accepted here, so that the service, which holds the
    # rule (only someone who may open the case), can refuse the others with the reason.
    assert isinstance(field, forms.ModelChoiceField)
    field.queryset = User.objects.all()
    people = eligible_for(team_id, "task_assignee").order_by("email")
    field.widget.choices = [("", "—"), *((u.pk, u.display_name or u.email) for u in people)]


class TaskAssignForm(forms.Form):
    assignee = forms.ModelChoiceField(label=_("Assign to"), queryset=User.objects.none(), required=False)

    def __init__(self, *args: Any, team_id: int | None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _assignee_field(self.fields["assignee"], team_id)


class AttachmentForm(forms.Form):
    file = forms.FileField(label=_("File (PDF, PNG, JPEG or plain text)"))


class StageForm(forms.Form):
    stage = forms.ChoiceField(
        label=_("Move to stage"), choices=[c for c in _choices(vocab.STAGES) if c[0] != "closed"]
    )
    version = forms.IntegerField(widget=forms.HiddenInput)


class AssignForm(forms.Form):
    case_manager = forms.ModelChoiceField(
        label=_("Case manager"), queryset=User.objects.none(), required=False
    )
    caseworkers = forms.ModelMultipleChoiceField(
        label=_("Caseworkers"),
        queryset=User.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, team_id: int | None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Only the people the service accepts: active staff of the case's own team.
        managers = eligible_for(team_id, "case_manager").order_by("email")
        workers = eligible_for(team_id, "caseworker").order_by("email")
        self.fields["case_manager"].queryset = managers  # type: ignore[attr-defined]
        self.fields["caseworkers"].queryset = workers  # type: ignore[attr-defined]
        for name in ("case_manager", "caseworkers"):
            self.fields[name].label_from_instance = lambda u: u.display_name or u.email  # type: ignore[attr-defined]


class BestInterestsForm(forms.Form):
    decision = forms.CharField(
        label=_("Decision and reasons"), max_length=8000, widget=forms.Textarea(attrs={"rows": 4})
    )
    decided_on = forms.DateField(label=_("Decided on"), widget=DateInput, initial=timezone.localdate)
    recipients = CodeListField(
        label=_("Organisations a referral may go to (codes)"),
        help_text=_("Comma-separated organisation codes"),
    )


class EventForm(forms.Form):
    type = forms.ChoiceField(label=_("Event"), choices=_choices(vocab.EVENT_TYPES))
    country = CountryField(label=_("Country"))
    date = forms.DateField(label=_("Date"), required=False, widget=DateInput)
    precision = forms.ChoiceField(
        label=_("Date precision"), choices=_choices(vocab.DATE_PRECISIONS), initial="unknown"
    )


class ContextForm(forms.Form):
    exploitation_types = forms.MultipleChoiceField(
        label=_("Types of exploitation"),
        choices=_choices(vocab.EXPLOITATION_TYPES),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    means_of_control = forms.MultipleChoiceField(
        label=_("Means of control"),
        choices=_choices(vocab.MEANS_OF_CONTROL),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )


class PressureForm(forms.Form):
    kind = forms.ChoiceField(label=_("Request"), choices=_choices(vocab.PRESSURE_KINDS))
    signs_of_pressure = forms.TypedChoiceField(
        label=_("Is there any sign that a third party is pressing the person?"),
        choices=[("no", _("No sign of pressure")), ("yes", _("Signs of pressure"))],
        coerce=lambda v: v == "yes",
        widget=forms.RadioSelect,
    )


class SignoffForm(forms.Form):
    check = forms.IntegerField(widget=forms.HiddenInput)
    basis = forms.ChoiceField(
        label=_("Continue on the basis of"),
        choices=[c for c in _choices(vocab.LEGAL_BASES) if c[0] != "consent"],
    )
    reason = forms.CharField(label=_("Reason"), max_length=4000, widget=forms.Textarea(attrs={"rows": 3}))


class EraseForm(forms.Form):
    reason = forms.ChoiceField(label=_("Legal reason"), choices=_choices(vocab.ERASURE_REASONS))
    confirm_code = forms.CharField(label=_("Type the case code to confirm"), max_length=16)


class PurposeForm(forms.Form):
    purpose = forms.ChoiceField(label=_("Purpose"), choices=_choices(vocab.DPO_PURPOSES))
    reason = forms.CharField(
        label=_("Reason"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("What request or event this is about, e.g. its date and reference."),
    )


class SearchForm(forms.Form):
    # The one search box (a case code or its beginning, a name, a name and year of birth, a phone number).
    q = forms.CharField(label=_("Find a person or a case"), required=False, max_length=300)
    code = forms.CharField(label=_("Case code"), required=False, max_length=16)
    name = forms.CharField(label=_("Name"), required=False, max_length=300)
    date_of_birth = forms.DateField(label=_("Date of birth"), required=False, widget=DateInput)


class ListFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"), choices=_choices(vocab.CASE_STATUSES, blank="—"), required=False
    )
    stage = forms.ChoiceField(label=_("Stage"), choices=_choices(vocab.STAGES, blank="—"), required=False)
    child = forms.ChoiceField(
        label=_("Child"),
        required=False,
        choices=[("", "—"), ("yes", _("Children and age in doubt")), ("no", _("Adults"))],
    )
    risk = forms.ChoiceField(
        label=_("Risk"),
        required=False,
        choices=[
            ("", "—"),
            ("high", _("High risk")),
            ("medium", _("Medium risk")),
            ("low", _("Low risk")),
            ("none", _("Not assessed yet")),
        ],
    )
    mine = forms.BooleanField(label=_("Assigned to me"), required=False)
