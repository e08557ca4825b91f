"""`haven terms check FILE… [--json]`: exit 1 with the suggestions when words to avoid are found, 0 on a
clean text, 2 on a file it cannot read."""

from __future__ import annotations

import io
import json
import zipfile
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from tests.terms.test_checker import GUIDE_TABLE_EN, GUIDE_TABLE_FR


def run(*args: str) -> tuple[int, str, str]:
    out, err = StringIO(), StringIO()
    try:
        call_command("terms", "check", *args, stdout=out, stderr=err)
    except SystemExit as exc:
        return int(exc.code or 0), out.getvalue(), err.getvalue()
    return 0, out.getvalue(), err.getvalue()


def docx(text: str) -> bytes:
    """A minimal Word document holding `text`, one paragraph per line."""
    ns = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
    body = "".join(f"<w:p><w:r><w:t>{line}</w:t></w:r></w:p>" for line in text.splitlines())
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr(
            "word/document.xml", f'<w:document xmlns:w="{ns}"><w:body>{body}</w:body></w:document>'
        )
    return buffer.getvalue()


def test_every_phrase_of_the_guides_table_is_flagged_with_its_alternatives_and_exit_1(tmp_path: Path):
    english = tmp_path / "leaflet.txt"
    english.write_text("\n".join(phrase for phrase, _ in GUIDE_TABLE_EN), encoding="utf-8")
    french = tmp_path / "depliant.md"
    french.write_text("\n".join(phrase for phrase, _ in GUIDE_TABLE_FR), encoding="utf-8")
    code, out, _err = run(str(english), str(french), "--json")
    assert code == 1
    report = json.loads(out)
    assert report["findings"] == len(GUIDE_TABLE_EN) + len(GUIDE_TABLE_FR)
    by_line = {
        (entry["path"], finding["line"]): " ".join(finding["instead"]).lower()
        for entry in report["files"]
        for finding in entry["findings"]
    }
    for number, (_phrase, suggested) in enumerate(GUIDE_TABLE_EN, start=1):
        assert suggested in by_line[(str(english), number)]
    for number, (_phrase, suggested) in enumerate(GUIDE_TABLE_FR, start=1):
        assert suggested in by_line[(str(french), number)]


def test_the_readable_output_names_the_line_why_and_what_instead(tmp_path: Path):
    path = tmp_path / "note.txt"
    path.write_text("Our volunteers rescue people.\n", encoding="utf-8")
    code, out, _err = run(str(path))
    assert code == 1
    assert f"{path}:1:16: 'rescue' (en.rescue)" in out
    assert "instead: assist; support; refer; accompany" in out


def test_a_clean_text_exits_0(tmp_path: Path):
    path = tmp_path / "clean.txt"
    path.write_text("Awareness-raising on the risks of human trafficking.\n", encoding="utf-8")
    code, out, _err = run(str(path))
    assert code == 0
    assert "No words to avoid found." in out


def test_a_word_document_is_read(tmp_path: Path):
    path = tmp_path / "campaign.docx"
    path.write_bytes(docx("Join the fight against human trafficking.\nThank you."))
    code, out, _err = run(str(path), "--json")
    assert code == 1
    assert [f["rule"] for f in json.loads(out)["files"][0]["findings"]] == ["en.the_fight_against"]


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("photo.png", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"),
        ("latin1.txt", "Un texte mal encodé".encode("latin-1")),
        ("broken.docx", b"PK\x03\x04 not really a zip"),
    ],
)
def test_a_binary_or_unreadable_file_exits_2_and_says_why(tmp_path: Path, name: str, content: bytes):
    path = tmp_path / name
    path.write_bytes(content)
    code, _out, err = run(str(path))
    assert code == 2
    assert f"{path}: cannot be checked" in err


def test_a_missing_file_exits_2_even_when_another_file_has_findings(tmp_path: Path):
    path = tmp_path / "note.txt"
    path.write_text("We rescue people.", encoding="utf-8")
    code, out, _err = run(str(path), str(tmp_path / "nowhere.txt"), "--json")
    assert code == 2
    files = json.loads(out)["files"]
    assert [len(f["findings"]) for f in files] == [1, 0]
    assert files[1]["error"] == "it does not exist"


@pytest.mark.slow  # three processes of the real `haven` command
def test_the_real_command_line_exits_1_on_findings_0_on_clean_text_and_2_on_a_binary(tmp_path: Path):
    import os
    import subprocess
    import sys

    root = Path(__file__).resolve().parents[2]
    haven = root / ".venv" / "bin" / "haven"
    command = [str(haven)] if haven.exists() else [sys.executable, "-m", "haven.cli"]
    env = dict(os.environ, HAVEN_ENV="test", HAVEN_DATA_DIR=str(tmp_path / "data"))
    env.pop("DJANGO_SETTINGS_MODULE", None)
    (tmp_path / "findings.txt").write_text("Anti-trafficking activities", encoding="utf-8")
    (tmp_path / "clean.txt").write_text("Activities to protect against human trafficking", encoding="utf-8")
    (tmp_path / "image.png").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00")
    codes = [
        subprocess.run(
            [*command, "terms", "check", str(tmp_path / name)],
            capture_output=True,
            text=True,
            env=env,
            timeout=120,
            check=False,
        ).returncode
        for name in ("findings.txt", "clean.txt", "image.png")
    ]
    assert codes == [1, 0, 2]
