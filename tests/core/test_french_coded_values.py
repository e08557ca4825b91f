"""Every coded value a user may see has a French label that differs from its English one: the code lists of
each app's vocab module, every model field's choices, and the evidence columns and values. A label that is
the same word in both languages is allowed below, with its reason."""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from typing import Any

import pytest
from django.apps import apps
from django.utils import translation

from haven.accounts.permissions import ROLE_LABELS
from haven.evidence import ctdc, labels

VOCAB_MODULES = (
    "haven.cases.vocab",
    "haven.assessment.vocab",
    "haven.followup.vocab",
    "haven.referrals.vocab",
)

# English labels that are also the French word (checked by hand).
SAME_IN_FRENCH = {
    "Transport": "the same word in French",
    "Service": "the same word in French",
    "Code": "the same word in French",
    "Europe": "the same word in French",
    "Organisation": "the same word in French",
    "Document": "the same word in French",
    "Date": "the same word in French",
    "Contact": "the same word in French",
    "Initial": "the same word in French",
    "Minute": "the same word in French",
    "Transit": "the same word in French",
    "Exploitation": "the same word in French",
    "Servitude": "the same word in French",
    "Psychosocial": "the same word in French (psychosocial)",
    "Possible": "the same word in French",
    "Police": "the same word in French",
    "web": "the same word in French",
    "api": "the abbreviation API, the same in French",
}


def _choice_lists() -> Iterator[tuple[str, list[tuple[Any, Any]]]]:
    for name in VOCAB_MODULES:
        module = importlib.import_module(name)
        for attribute, value in vars(module).items():
            if attribute.isupper() and isinstance(value, list) and value and isinstance(value[0], tuple):
                if len(value[0]) == 2 and isinstance(value[0][0], str):
                    yield f"{name}.{attribute}", value
    for model in apps.get_models():
        if not model.__module__.startswith("haven."):
            continue
        for field in model._meta.get_fields():
            choices = getattr(field, "choices", None)
            # Choices whose labels are their codes are never shown as such (a role, a screening outcome
            # are shown through their own translated words, e.g. ROLE_LABELS).
            if choices and any(str(code) != str(label) for code, label in choices):
                yield f"{model.__name__}.{field.name}", list(choices)


def test_every_role_has_a_french_label() -> None:
    assert not _untranslated(list(ROLE_LABELS.items()))


def _untranslated(choices: list[tuple[Any, Any]]) -> list[str]:
    missing = []
    for _code, label in choices:
        if isinstance(label, (list, tuple)):  # an option group
            missing += _untranslated(list(label))
            continue
        with translation.override("en"):
            english = str(label)
        with translation.override("fr"):
            french = str(label)
        if english and french == english and english not in SAME_IN_FRENCH:
            missing.append(english)
    return missing


@pytest.mark.parametrize(
    ("where", "choices"), list(_choice_lists()), ids=lambda v: v if isinstance(v, str) else ""
)
def test_every_coded_value_has_a_french_label(where: str, choices: list[tuple[Any, Any]]) -> None:
    assert not _untranslated(choices), f"{where}: no French label for {_untranslated(choices)}"


def test_every_evidence_column_and_value_has_french_words() -> None:
    missing = []
    for column in ctdc.COLUMNS:
        # Country names come from CLDR (Babel), where some are the same in both languages ("Afghanistan");
        # the last test below checks one that is not.
        countries = column in ("citizenship", "CountryOfExploitation")
        for value in ["", *([] if countries else ctdc.DOMAINS.get(column, ()))]:
            with translation.override("en"):
                english = labels.value_label(column, value) if value else labels.column_label(column)
            with translation.override("fr"):
                french = labels.value_label(column, value) if value else labels.column_label(column)
            words = any(ch.isalpha() for ch in english)
            if words and french == english and english not in SAME_IN_FRENCH and not english.isupper():
                missing.append(f"{column}={value!r}: {english}")
    assert not missing, "\n".join(missing)


def test_the_gender_of_a_table_reads_in_french() -> None:
    """By hand: the CTDC codes of the gender column, as a French reader sees them."""
    with translation.override("fr"):
        assert labels.column_label("gender") == "Genre"
        assert [labels.value_label("gender", v) for v in ctdc.GENDERS] == [
            "Féminin",
            "Masculin",
            "Transgenre ou non conforme au genre",
            "Inconnu",
        ]
        assert labels.value_label("citizenship", "RO") == "Roumanie"
        assert labels.value_label("isForcedLabour", "1") == "Oui"
