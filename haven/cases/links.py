"""Links to one case's pages, for templates: `{{ links.notes }}`, `{{ links.health }}`.

A case page carries a dozen links to the same case. Reversing each with `{% url %}` on every request was a
tenth of the page's rendering time; here each URL name is reversed once per process (with a placeholder
code) and filled in with the case's code.
"""

from __future__ import annotations

from functools import lru_cache

from django.urls import get_script_prefix, reverse

from haven.cases import vocab

# Matches the case-code converter; never a real code (sequences start at 1).
_PLACEHOLDER = "HV-0000-00000"


@lru_cache(maxsize=128)
def _pattern(name: str, section: str, script_prefix: str) -> str:
    args = [_PLACEHOLDER, section] if section else [_PLACEHOLDER]
    url = reverse(f"cases:{name}", args=args)
    assert url.count(_PLACEHOLDER) == 1, url
    return url


class CaseLinks(dict[str, str]):
    """The case's URL for each page name of the cases app that takes only the code; the sensitive person
    sections by their own name. An unknown name raises NoReverseMatch (never a silently empty link)."""

    def __init__(self, code: str) -> None:
        super().__init__()
        self.code = code

    def __missing__(self, name: str) -> str:
        if name in vocab.SENSITIVE_SECTIONS:
            pattern = _pattern("person", name, get_script_prefix())
        else:
            pattern = _pattern(name, "", get_script_prefix())
        url = self[name] = pattern.replace(_PLACEHOLDER, self.code)
        return url
