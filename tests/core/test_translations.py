"""English and French are complete: every text in the code has a French translation that is neither
empty nor fuzzy, and pages render in French for a French browser.

The first test regenerates the catalogue from the code (Django's makemessages, which needs Debian's
`gettext`) into a temporary copy, so it fails as soon as someone adds a text without translating it.
Fix: `cd haven && HAVEN_ENV=test ../.venv/bin/django-admin makemessages -l fr --settings=tests.settings
--pythonpath=..`, translate the new entries in haven/locale/fr/LC_MESSAGES/django.po, then
`.venv/bin/python -m haven.core.i18n_build`.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from django.test import Client
from django.utils import translation

from tests.conftest import REPO_ROOT

HAVEN_DIR = REPO_ROOT / "haven"
PO_FILE = HAVEN_DIR / "locale" / "fr" / "LC_MESSAGES" / "django.po"


def untranslated(po_path: Path) -> list[str]:
    with po_path.open("rb") as handle:
        catalog = read_po(handle)
    missing = []
    for message in catalog:
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        msgid = message.id[0] if isinstance(message.id, tuple) else message.id
        if message.fuzzy or not all(strings):
            missing.append(msgid)
    return missing


def test_the_french_catalogue_exists_and_is_complete() -> None:
    assert PO_FILE.exists(), "haven/locale/fr/LC_MESSAGES/django.po is missing"
    missing = untranslated(PO_FILE)
    assert not missing, f"{len(missing)} French entries are empty or fuzzy:\n" + "\n".join(missing)


@pytest.mark.skipif(
    shutil.which("xgettext") is None, reason="needs Debian's gettext (xgettext) to read the code"
)
def test_every_text_in_the_code_has_a_french_translation(tmp_path: Path) -> None:
    copy = tmp_path / "haven"
    shutil.copytree(HAVEN_DIR, copy, ignore=shutil.ignore_patterns("__pycache__", "*.mo", "static"))
    env = {**os.environ, "HAVEN_ENV": "test", "PYTHONPATH": str(REPO_ROOT)}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "django",
            "makemessages",
            "-l",
            "fr",
            "--settings=tests.settings",
            "--no-obsolete",
        ],
        cwd=copy,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    missing = untranslated(copy / "locale" / "fr" / "LC_MESSAGES" / "django.po")
    assert not missing, (
        f"{len(missing)} texts in the code have no French translation (run makemessages, translate them in "
        "haven/locale/fr/LC_MESSAGES/django.po, then python -m haven.core.i18n_build):\n" + "\n".join(missing)
    )


def test_the_compiled_catalogue_is_up_to_date() -> None:
    mo_file = PO_FILE.with_suffix(".mo")
    assert mo_file.exists(), "run .venv/bin/python -m haven.core.i18n_build"
    assert mo_file.stat().st_mtime >= PO_FILE.stat().st_mtime, "run .venv/bin/python -m haven.core.i18n_build"


def test_a_french_browser_gets_the_sign_in_page_in_french(db: None) -> None:
    response = Client(HTTP_ACCEPT_LANGUAGE="fr-FR,fr;q=0.9").get("/accounts/login/")
    html = response.content.decode()
    assert '<html lang="fr">' in html
    with translation.override("fr"):
        expected = translation.gettext("Sign in")
    assert expected != "Sign in"
    assert f"<h1>{expected}</h1>" in html
    assert "Mot de passe" in html


def test_an_english_browser_gets_english(db: None) -> None:
    html = Client(HTTP_ACCEPT_LANGUAGE="en-GB").get("/accounts/login/").content.decode()
    assert '<html lang="en">' in html and "<h1>Sign in</h1>" in html


def test_form_errors_are_translated_too(db: None) -> None:
    response = Client(HTTP_ACCEPT_LANGUAGE="fr").post(
        "/accounts/login/", {"email": "x@example.test", "password": "y" * 12}
    )
    assert response.status_code == 400
    with translation.override("fr"):
        message = translation.gettext("The e-mail or password is not right.")
    assert message != "The e-mail or password is not right."
    assert message.replace("'", "&#x27;") in response.content.decode()


def test_the_french_uses_the_agreed_terms() -> None:
    text = PO_FILE.read_text(encoding="utf-8").lower()
    for avoid in ("victime identifiée", "victime avérée", "combattre", "lutte contre", "sauvetage", "sauver"):
        assert avoid not in text, avoid
    assert "personne de contact" in text
    assert "signes d'une possible traite" in text or "signes de possible traite" in text
