"""The evidence dashboard, the evidence brief (PDF) and the statistics API, per role."""

from __future__ import annotations

import io
import json
import re
import time
import zlib
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest
from django.test import Client
from pycanon import anonymity

from haven.accounts.middleware import REAUTH_AT
from haven.accounts.models import User
from haven.accounts.permissions import Perm, Role
from haven.api.services import token_create
from haven.audit.models import AuditEvent
from haven.evidence import brief, ctdc
from haven.evidence.anonymise import read_csv
from haven.evidence.models import DpRelease
from haven.evidence.services import dp_release
from tests.conftest import PASSWORD, current_code
from tests.evidence.conftest import CaseMaker
from tests.evidence.url_access import stored_release

pytestmark = pytest.mark.django_db

SignIn = Callable[[User], Client]


@pytest.mark.parametrize("role", list(Role))
def test_dashboard_is_shown_exactly_to_roles_with_stats_view(
    role: Role, users_by_role: dict[Role, User], signed_in: SignIn
) -> None:
    response = signed_in(users_by_role[role]).get("/evidence/")
    assert response.status_code == (200 if users_by_role[role].has(Perm.STATS_VIEW) else 403)


def test_case_managers_see_the_charts_but_no_release_button(
    users_by_role: dict[Role, User], signed_in: SignIn
) -> None:
    stored_release()
    page = signed_in(users_by_role[Role.CASE_MANAGER]).get("/evidence/").content.decode()
    assert 'data-action="release"' not in page
    assert 'role="img"' in page
    assert 'data-action="download-brief"' in page


def test_each_chart_is_an_accessible_image_with_its_data_table(
    users_by_role: dict[Role, User], signed_in: SignIn
) -> None:
    release = stored_release()
    page = signed_in(users_by_role[Role.PROGRAMME_MANAGER]).get("/evidence/").content.decode()
    section = page.split(f'data-release="{release.pk}"', 1)[1].split("</section>", 1)[0]
    svg = re.search(r"<svg[^>]*>.*?</svg>", section, re.S)
    assert svg is not None
    assert 'role="img"' in svg.group(0)
    assert f'aria-labelledby="release-{release.pk}-title release-{release.pk}-desc"' in svg.group(0)
    assert "<title" in svg.group(0) and "<desc" in svg.group(0)
    table = section.split("<table>", 1)[1]
    # The stored table: Female 12, Male 7, the two others below the threshold.
    assert "<td>Female</td><td>12</td>" in table
    assert "<td>Male</td><td>7</td>" in table
    assert table.count("fewer than 5") == 2
    assert "<script" not in page


def test_the_release_button_shows_the_remaining_budget_and_a_release_spends_it(
    make_stats_case: CaseMaker, users_by_role: dict[Role, User], signed_in: SignIn
) -> None:
    for _ in range(6):
        make_stats_case("given")
    client = signed_in(users_by_role[Role.PROGRAMME_MANAGER])
    assert "Release (ε = 3 left)" in client.get("/evidence/").content.decode()

    chosen = {"first": "ageBroad", "second": "", "epsilon": "0.5"}
    confirm = client.post("/evidence/releases/new/", chosen)
    assert confirm.status_code == 200  # first the cost, the budget left and the people counted
    shown = confirm.content.decode()
    assert "ε = 0.5" in shown and "ε = 3" in shown and "data-records>6<" in shown
    assert DpRelease.objects.count() == 0  # nothing spent before the user confirms

    response = client.post("/evidence/releases/new/", {**chosen, "confirmed": "yes"})

    assert response.status_code == 302
    release = DpRelease.objects.get()
    assert release.by == ["ageBroad"]
    assert release.source == "web"
    page = client.get("/evidence/").content.decode()
    assert "Release (ε = 2.5 left)" in page
    assert f'data-release="{release.pk}"' in page


def test_a_refused_release_tells_the_user_why(
    make_stats_case: CaseMaker, users_by_role: dict[Role, User], signed_in: SignIn
) -> None:
    make_stats_case("given")
    dp_release(actor=None, by=["gender"], epsilon=3.0)
    client = signed_in(users_by_role[Role.DPO])
    response = client.post(
        "/evidence/releases/new/",
        {"first": "gender", "second": "", "epsilon": "0.5", "confirmed": "yes"},
        follow=True,
    )
    assert "does not allow this release" in response.content.decode()
    assert DpRelease.objects.count() == 1
    assert AuditEvent.objects.filter(action="stats.release_refused").count() == 1


def test_bad_release_form_input_answers_400(users_by_role: dict[Role, User], signed_in: SignIn) -> None:
    client = signed_in(users_by_role[Role.PROGRAMME_MANAGER])
    for data in (
        {"first": "gender", "second": "gender", "epsilon": "0.5"},
        {"first": "gender", "second": "", "epsilon": "0"},
        {"first": "shoeSize", "second": "", "epsilon": "0.5"},
    ):
        assert client.post("/evidence/releases/new/", data).status_code == 400
    assert DpRelease.objects.count() == 0


def pdf_page_count(data: bytes) -> int:
    """The /Count of the PDF's page tree root (the /Pages object that has no /Parent)."""
    counts = []
    for body in re.findall(rb"<<(.*?)>>", data, re.S):
        count = re.search(rb"/Count (\d+)", body)
        if b"/Type /Pages" in body and b"/Parent" not in body and count:
            counts.append(int(count.group(1)))
    assert len(counts) == 1
    return counts[0]


def pdf_text(data: bytes) -> str:
    """Text drawn with the core fonts: the (…) Tj strings of every Flate-compressed content stream."""
    chunks = []
    for stream in re.findall(rb"stream\r?\n(.*?)\r?\nendstream", data, re.S):
        try:
            content = zlib.decompress(stream)
        except zlib.error:
            continue
        chunks += [m.decode("latin-1") for m in re.findall(rb"\((.*?)(?<!\\)\)\s*Tj", content, re.S)]
    return " ".join(chunks).replace("\\(", "(").replace("\\)", ")")


def test_the_evidence_brief_is_a_valid_pdf(users_by_role: dict[Role, User], signed_in: SignIn) -> None:
    client = signed_in(users_by_role[Role.CASE_MANAGER])
    stored_release()
    response = client.get("/evidence/brief.pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")
    assert response.content.rstrip().endswith(b"%%EOF")
    one_table = pdf_page_count(response.content)
    assert one_table >= 1
    for _ in range(11):
        stored_release()
    assert pdf_page_count(client.get("/evidence/brief.pdf").content) > one_table


def test_the_brief_explains_k_epsilon_and_what_was_suppressed(
    users_by_role: dict[Role, User], signed_in: SignIn, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Without the Unicode font the brief uses the PDF core fonts, whose text can be read back here.
    monkeypatch.setattr(brief, "_FONT_DIR", Path("/nonexistent"))
    stored_release()
    data = signed_in(users_by_role[Role.DPO]).get("/evidence/brief.pdf").content
    text = re.sub(r"\s+", " ", pdf_text(data))
    assert data.startswith(b"%PDF-")
    assert "epsilon" in text
    assert "k-anonymity" in text
    assert "fewer than 5" in text
    assert "suppressed" in text
    assert "Female" in text
    assert "20 records were in scope" in text


def test_the_release_csv_lists_every_cell(users_by_role: dict[Role, User], signed_in: SignIn) -> None:
    release = stored_release()
    response = signed_in(users_by_role[Role.DPO]).get(f"/evidence/releases/{release.pk}/table.csv")
    lines = response.content.decode().strip().splitlines()
    assert lines[0] == "gender;count;note"
    assert len(lines) == 1 + len(ctdc.DOMAINS["gender"])
    assert "Female;12;" in lines


def api_client(user: User) -> Client:
    _, raw = token_create(actor=user, user=user, name="evidence-test")
    return Client(HTTP_AUTHORIZATION=f"Bearer {raw}")


def test_the_api_releases_spends_budget_and_refuses_with_409_when_spent(
    make_stats_case: CaseMaker, users_by_role: dict[Role, User]
) -> None:
    for _ in range(8):
        make_stats_case("given")
    client = api_client(users_by_role[Role.PROGRAMME_MANAGER])

    made = client.post(
        "/api/v1/stats/releases", json.dumps({"by": ["gender"], "epsilon": 2.5}), "application/json"
    )
    assert made.status_code == 201, made.content
    body = made.json()
    assert body["records_in_scope"] == 8
    assert len(body["cells"]) == 4
    assert client.get("/api/v1/stats/budget").json()["remaining"] == pytest.approx(3.0 - body["epsilon"])

    refused = client.post(
        "/api/v1/stats/releases", json.dumps({"by": ["gender"], "epsilon": 1.0}), "application/json"
    )
    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "budget_spent"
    assert [r["id"] for r in client.get("/api/v1/stats/releases").json()] == [body["id"]]


def test_the_api_refuses_unknown_columns_and_epsilon_not_above_zero(users_by_role: dict[Role, User]) -> None:
    client = api_client(users_by_role[Role.DPO])
    for payload in ({"by": ["nationality"], "epsilon": 0.5}, {"by": ["gender"], "epsilon": 0}):
        response = client.post("/api/v1/stats/releases", json.dumps(payload), "application/json")
        assert response.status_code == 400
        assert response.json()["error"]["code"] == "invalid_input"


@pytest.mark.parametrize("epsilon", [1e-300, 5e-324, 1e-17, 0.009, 10.5])
def test_the_api_refuses_an_epsilon_outside_its_range_naming_the_range(
    users_by_role: dict[Role, User], epsilon: float
) -> None:
    client = api_client(users_by_role[Role.DPO])
    response = client.post(
        "/api/v1/stats/releases", json.dumps({"by": ["gender"], "epsilon": epsilon}), "application/json"
    )
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid_input"
    assert "0.01" in str(error) and "10" in str(error)
    assert not DpRelease.objects.exists()


@pytest.mark.parametrize("epsilon", [0.01, 10])
def test_the_api_takes_the_ends_of_the_epsilon_range(users_by_role: dict[Role, User], epsilon: float) -> None:
    client = api_client(users_by_role[Role.DPO])
    response = client.post(
        "/api/v1/stats/releases", json.dumps({"by": ["gender"], "epsilon": epsilon}), "application/json"
    )
    # 10 is above the default total budget of 3: the range is right, the budget refuses.
    assert response.status_code == (201 if epsilon <= 3 else 409), response.content


def test_the_api_export_is_k_anonymous(make_stats_case: CaseMaker, users_by_role: dict[Role, User]) -> None:
    for i in range(25):
        make_stats_case("given", gender=("Feminine", "Masculine")[i % 2])
    manager = users_by_role[Role.PROGRAMME_MANAGER]
    client = api_client(manager)
    # Record-level data: the token's holder confirms password and a fresh code first, as on the web.
    confirmed = client.post(
        "/api/v1/tokens/confirm",
        json.dumps({"password": PASSWORD, "code": current_code(manager)}),
        "application/json",
    )
    assert confirmed.status_code == 200, confirmed.content
    response = client.post("/api/v1/stats/exports", json.dumps({"k": 5}), "application/json")
    assert response.status_code == 200
    body = response.json()
    assert body["rows_out"] == len(body["rows"])
    groups: dict[tuple[str, ...], int] = {}
    for row in body["rows"]:
        key = tuple(row[c] for c in body["qi"])
        groups[key] = groups.get(key, 0) + 1
    assert min(groups.values()) >= 5


def recently_authenticated(client: Client) -> Client:
    """Mark the session as having just confirmed password and code (what the re-auth page does)."""
    session = client.session
    session[REAUTH_AT] = time.time()
    session.save()
    return client


def test_the_dpo_re_derives_a_release_on_the_web_after_re_authenticating(
    make_stats_case: CaseMaker, users_by_role: dict[Role, User], signed_in: SignIn
) -> None:
    for _ in range(9):
        make_stats_case("given", gender="Masculine")
    release = dp_release(actor=users_by_role[Role.PROGRAMME_MANAGER], by=["gender"], epsilon=1.0)
    client = signed_in(users_by_role[Role.DPO])
    assert client.get(f"/evidence/releases/{release.pk}/reproduce/").status_code == 302

    page = recently_authenticated(client).get(f"/evidence/releases/{release.pk}/reproduce/").content.decode()

    assert 'data-reproduced="yes"' in page
    assert "<td>Male</td><td>9</td>" in page


def test_the_release_page_lists_who_was_left_out_and_why(
    users_by_role: dict[Role, User], signed_in: SignIn
) -> None:
    release = stored_release()
    page = (
        signed_in(users_by_role[Role.CASE_MANAGER]).get(f"/evidence/releases/{release.pk}/").content.decode()
    )
    assert "2: no consent for anonymised statistics was recorded" in page
    assert "<td>Female</td><td>12</td>" in page


def test_a_web_export_downloads_k_anonymous_ctdc_csv(
    make_stats_case: CaseMaker, users_by_role: dict[Role, User], signed_in: SignIn
) -> None:
    for i in range(24):
        make_stats_case("given", citizenship=[("RO", "MD")[i % 2]])
    client = recently_authenticated(signed_in(users_by_role[Role.PROGRAMME_MANAGER]))
    response = client.post("/evidence/exports/new/", {"k": "11"})
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    released = read_csv(io.StringIO(response.content.decode()))
    assert list(released) == list(ctdc.EXPORT_COLUMNS)
    frame = pd.DataFrame(released).reset_index(drop=True)
    assert anonymity.k_anonymity(frame, list(ctdc.EXPORT_COLUMNS)) >= 11
    assert client.post("/evidence/exports/new/", {"k": "1"}).status_code == 400
