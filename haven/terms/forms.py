"""The terminology checker's form: paste a text or upload a document."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from haven.terms.documents import MAX_BYTES, SUFFIXES, DocumentUnreadable, read_document

MAX_TEXT = 200_000
LANG_CHOICES = [("", _("English and French")), ("en", _("English only")), ("fr", _("French only"))]


class CheckForm(forms.Form):
    text = forms.CharField(
        label=_("Text to check"),
        required=False,
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 10}),
        help_text=_("Nothing you paste or upload is kept: the text is checked and shown back to you only."),
    )
    document = forms.FileField(
        label=_("Or a document (.txt, .md, .docx)"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": ",".join(SUFFIXES)}),
    )
    lang = forms.ChoiceField(label=_("Rules for"), choices=LANG_CHOICES, required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        upload = data.get("document")
        if upload is not None:
            if upload.size > MAX_BYTES:
                self.add_error("document", _("The document is too large to check."))
                return data
            try:
                data["text"] = read_document(upload.name or "", upload.read())
            except DocumentUnreadable:
                self.add_error("document", _("This document cannot be read: use a .txt, .md or .docx file."))
                return data
        if not data.get("text", "").strip():
            self.add_error("text", _("Paste a text or choose a document to check."))
        return data

    def langs(self) -> list[str] | None:
        """The languages whose rules apply (None: both)."""
        lang = self.cleaned_data.get("lang")
        return [lang] if lang else None
