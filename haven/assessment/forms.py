"""Forms of the assessment pages: they parse and label; every rule is the services'."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from haven.accounts.models import User
from haven.assessment import vocab as av
from haven.cases import vocab
from haven.cases.access import eligible_for
from haven.cases.forms import DateInput, LanguageField


def _choices(items: vocab.Choices) -> list[tuple[str, Any]]:
    return list(items)


class Text(forms.Textarea):
    def __init__(self) -> None:
        super().__init__(attrs={"rows": 3})


CHILD_EDUCATION_HELP = _("For a child: school first. Is the child in school, and what is in the way?")


class NeedsForm(forms.Form):
    """One fieldset per needs domain: `<domain>-level`, `-priorities`, `-agreed_action`, `-service_chosen`."""

    individual_factors = forms.MultipleChoiceField(
        label=_("Individual vulnerability factors"),
        choices=_choices(av.INDIVIDUAL_FACTORS),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    household_factors = forms.MultipleChoiceField(
        label=_("Household vulnerability factors"),
        choices=_choices(av.HOUSEHOLD_FACTORS),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    community_factors = forms.MultipleChoiceField(
        label=_("Community vulnerability factors"),
        choices=_choices(av.COMMUNITY_FACTORS),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    preferred_worker_gender = forms.ChoiceField(
        label=_("The person would rather work with"), choices=_choices(av.WORKER_GENDERS), required=False
    )
    preferred_interpreter_gender = forms.ChoiceField(
        label=_("The person would rather have an interpreter who is"),
        choices=_choices(av.WORKER_GENDERS),
        required=False,
    )
    interpreter_language = LanguageField(label=_("Interpreter language"), required=False)
    summary = forms.CharField(label=_("In the person's own words, overall"), widget=Text(), required=False)

    def __init__(self, *args: Any, is_child: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.domain_rows: list[dict[str, Any]] = []
        for code, label in vocab.NEEDS_DOMAINS:
            help_text = CHILD_EDUCATION_HELP if is_child and code == "education" else ""
            self.fields[f"{code}-level"] = forms.ChoiceField(
                label=_("Level of need"), choices=_choices(av.NEED_LEVELS), help_text=help_text
            )
            self.fields[f"{code}-priorities"] = forms.CharField(
                label=_("The person's priorities, in their words"), widget=Text(), required=False
            )
            self.fields[f"{code}-agreed_action"] = forms.CharField(
                label=_("Action agreed with the person"), widget=Text(), required=False
            )
            self.fields[f"{code}-service_chosen"] = forms.CharField(
                label=_("Service chosen"), max_length=500, required=False
            )
            self.domain_rows.append(
                {
                    "code": code,
                    "label": label,
                    "fields": [
                        self[f"{code}-{part}"]
                        for part in ("level", "priorities", "agreed_action", "service_chosen")
                    ],
                }
            )

    def domains(self) -> dict[str, dict[str, Any]]:
        data = self.cleaned_data
        return {
            code: {
                part: data.get(f"{code}-{part}", "")
                for part in ("level", "priorities", "agreed_action", "service_chosen")
            }
            for code, _label in vocab.NEEDS_DOMAINS
        }


class RiskForm(forms.Form):
    reprisal = forms.ChoiceField(label=_("Reprisal from traffickers"), choices=_choices(av.LIKELIHOODS))
    re_trafficking = forms.ChoiceField(label=_("Being trafficked again"), choices=_choices(av.LIKELIHOODS))
    exploiting_others = forms.ChoiceField(
        label=_("Being drawn into exploiting others"), choices=_choices(av.LIKELIHOODS)
    )
    threats_to_family = forms.ChoiceField(
        label=_("Threats to family at home"), choices=_choices(av.LIKELIHOODS)
    )
    relationship = forms.ChoiceField(
        label=_("The person's relationship to the trafficker"), choices=_choices(av.RELATIONSHIPS)
    )
    dependency = forms.BooleanField(label=_("The person depends on the trafficker"), required=False)
    debts = forms.BooleanField(label=_("The person has debts"), required=False)
    staff_exposure = forms.BooleanField(label=_("Staff or volunteers are exposed"), required=False)
    safe_house_exposure = forms.BooleanField(label=_("A safe house is exposed"), required=False)
    family_involvement = forms.ChoiceField(
        label=_("Did family take part in the trafficking?"),
        choices=_choices(av.FAMILY_INVOLVEMENT),
        required=False,
        help_text=_("Needed before any family tracing or contact."),
    )
    notes = forms.CharField(label=_("Notes"), widget=Text(), required=False)
    review_on = forms.DateField(label=_("Review the risk on"), widget=DateInput)


class SafetyPlanForm(forms.Form):
    audience = forms.ChoiceField(label=_("Plan for"), choices=_choices(av.SAFETY_AUDIENCES))
    measures = forms.CharField(label=_("Safety measures agreed"), widget=Text())
    review_on = forms.DateField(label=_("Review the plan on"), widget=DateInput)


class FamilyLinksForm(forms.Form):
    kind = forms.ChoiceField(label=_("Request"), choices=_choices(av.FAMILY_LINKS_KINDS))
    sought = forms.CharField(label=_("Who the person wants to find or reach"), widget=Text())
    details = forms.CharField(label=_("Details"), widget=Text(), required=False)


class GoalForm(forms.Form):
    support_type = forms.ChoiceField(label=_("Support type"), choices=_choices(vocab.SUPPORT_TYPES))
    objective = forms.CharField(label=_("Objective"), widget=Text())
    actions = forms.CharField(label=_("Actions"), widget=Text(), required=False)
    responsible_user = forms.ModelChoiceField(
        label=_("Responsible colleague"), queryset=User.objects.none(), required=False
    )
    responsible_partner = forms.CharField(
        label=_("Or responsible partner organisation"), max_length=500, required=False
    )
    planned_end = forms.DateField(label=_("Planned end"), widget=DateInput)

    def __init__(self, *args: Any, team_id: int | None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        people = eligible_for(team_id, "task_assignee")
        self.fields["responsible_user"].queryset = people.order_by("email")  # type: ignore[attr-defined]
        self.fields["responsible_user"].label_from_instance = lambda u: u.display_name or u.email  # type: ignore[attr-defined]


class GoalUpdateForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=_choices(av.SUPPORT_STATUSES))
    actual_end = forms.DateField(label=_("Actual end"), widget=DateInput, required=False)


class ReviewForm(forms.Form):
    reviewed_on = forms.DateField(label=_("Reviewed on"), widget=DateInput)
    with_person = forms.BooleanField(label=_("Reviewed with the person"), required=False, initial=True)
    summary = forms.CharField(label=_("What the person said and what changes"), widget=Text())
    next_review_on = forms.DateField(label=_("Next review on"), widget=DateInput)


class ChildStepForm(forms.Form):
    step = forms.ChoiceField(label=_("Step"), choices=_choices(av.CHILD_STEPS))
    step_on = forms.DateField(label=_("Date"), widget=DateInput)
    summary = forms.CharField(label=_("What was assessed or decided, and why"), widget=Text())
    guardian_involvement = forms.ChoiceField(
        label=_("Guardian involvement"), choices=_choices(av.GUARDIAN_INVOLVEMENT), required=False
    )
    schooling = forms.ChoiceField(label=_("School access"), choices=_choices(vocab.SCHOOLING), required=False)
    referred_to = forms.CharField(
        label=_("Child safeguarding service referred to"), max_length=500, required=False
    )
