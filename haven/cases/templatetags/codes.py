"""Coded values shown by name in the reader's language: languages and countries (ISO codes are kept in the
data, for comparison with HTCDS and CTDC; people read names)."""

from __future__ import annotations

from collections.abc import Iterable

from django import template
from django.utils.translation import get_language

from haven.cases import vocab

register = template.Library()


@register.filter
def language_name(code: str | None) -> str:
    """ "ro" → "Romanian" (or "roumain" in French)."""
    return vocab.language_name(code, get_language()) if code else ""


@register.filter
def language_names(codes: Iterable[str] | None) -> str:
    """A list of language codes as names, comma-separated."""
    return ", ".join(vocab.language_name(code, get_language()) for code in codes or ())


@register.filter
def country_names(codes: Iterable[str] | None) -> str:
    """A list of country codes as names, comma-separated."""
    return ", ".join(vocab.country_name(code, get_language()) for code in codes or ())
