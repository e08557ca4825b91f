"""Web hygiene: strict CSP, no caching of signed-in pages, no framing, no third-party assets, and
error pages that show nothing of the failure."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from haven.accounts.models import User
from haven.accounts.permissions import Role
from tests.accounts.urls import CRASH_MARKER
from tests.conftest import PASSWORD

STATIC_DIR = Path(settings.BASE_DIR) / "static"
URL_ATTR = re.compile(r"""\b(?:src|href|action|srcset|poster|data|formaction)\s*=\s*["']([^"']*)["']""", re.I)
CSS_URL = re.compile(r"""(?:url\(\s*["']?|@import\s+["'])([^"')]+)""", re.I)


def directives(response) -> dict[str, list[str]]:  # type: ignore[no-untyped-def]
    policy = response["Content-Security-Policy"]
    parsed = {}
    for part in policy.split(";"):
        words = part.split()
        if words:
            parsed[words[0]] = words[1:]
    return parsed


def pages_for_everyone(users_by_role: dict[Role, User], signed_in: Callable[[User], Client]):  # type: ignore[no-untyped-def]
    """Every page a person can see today: before sign-in, half-way, and each role's start page."""
    anonymous = Client()
    yield "login", anonymous.get("/accounts/login/")
    yield "login-error", anonymous.post("/accounts/login/", {"email": "x@example.test", "password": "y" * 12})
    yield "not-found", anonymous.get("/no-such-page/")
    half = Client()
    half.post("/accounts/login/", {"email": users_by_role[Role.CASEWORKER].email, "password": PASSWORD})
    yield "mfa", half.get("/accounts/mfa/")
    for role, user in users_by_role.items():
        client = signed_in(user)
        yield f"home-{role.value}", client.get("/")
        yield f"reauth-{role.value}", client.get("/accounts/reauth/")


def test_every_page_carries_a_strict_content_security_policy(users_by_role, signed_in) -> None:  # type: ignore[no-untyped-def]
    for name, response in pages_for_everyone(users_by_role, signed_in):
        policy = directives(response)
        assert "'unsafe-inline'" not in policy["script-src"], name
        assert "'unsafe-eval'" not in policy["script-src"], name
        assert policy["script-src"] == ["'self'"], name
        assert "'unsafe-inline'" not in policy["style-src"], name
        assert policy["default-src"] == ["'self'"], name
        assert policy["frame-ancestors"] == ["'none'"], name
        assert policy["object-src"] == ["'none'"], name


def test_pages_have_no_inline_script_style_or_event_handler(users_by_role, signed_in) -> None:  # type: ignore[no-untyped-def]
    # The CSP would block them in the browser; finding none here means nothing is silently broken.
    for name, response in pages_for_everyone(users_by_role, signed_in):
        html = response.content.decode()
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html, re.I), name
        assert not re.search(r"<style\b", html, re.I), name
        assert not re.search(r"\sstyle\s*=", html, re.I), name
        assert not re.search(r"\son[a-z]+\s*=", html, re.I), name


def test_no_page_loads_anything_from_another_origin(users_by_role, signed_in) -> None:  # type: ignore[no-untyped-def]
    for name, response in pages_for_everyone(users_by_role, signed_in):
        for url in URL_ATTR.findall(response.content.decode()):
            parts = urlsplit(url)
            assert not parts.netloc or parts.netloc == "testserver", f"{name} refers to {url}"
            assert parts.scheme in ("", "http", "https", "data"), f"{name} refers to {url}"


def test_the_stylesheets_load_nothing_from_another_origin() -> None:
    sheets = list(STATIC_DIR.rglob("*.css"))
    assert sheets
    for sheet in sheets:
        for url in CSS_URL.findall(sheet.read_text(encoding="utf-8")):
            assert not re.match(r"^(https?:)?//", url.strip()), f"{sheet.name} loads {url}"


def test_the_enrolment_qr_code_is_an_inline_svg_without_external_references(make_user) -> None:  # type: ignore[no-untyped-def]
    from haven.accounts import services
    from haven.accounts.models import Team

    user = services.user_create(
        actor=None,
        email="qr@example.test",
        password=PASSWORD,
        role=Role.VOLUNTEER,
        team=Team.objects.get(name="North"),
    )
    client = Client()
    client.post("/accounts/login/", {"email": user.email, "password": PASSWORD})
    html = client.get("/accounts/mfa/enrol/").content.decode()
    svg = html[html.index("<svg") : html.index("</svg>")]
    assert "xlink:href" not in svg and "http" not in svg.replace("http://www.w3.org/2000/svg", "")
    assert not re.search(r"\sstyle\s*=", svg)


def test_signed_in_pages_are_never_cached(users_by_role, signed_in) -> None:  # type: ignore[no-untyped-def]
    for name, response in pages_for_everyone(users_by_role, signed_in):
        assert response["Cache-Control"] == "no-store", name


def test_api_answers_are_never_cached(db: None) -> None:
    assert Client().get("/api/v1/health")["Cache-Control"] == "no-store"
    assert Client().get("/api/v1/me")["Cache-Control"] == "no-store"


def test_our_own_static_files_may_be_cached(db: None) -> None:
    response = Client().get("/static/css/haven.css")
    assert response.status_code == 200
    assert "no-store" not in response.get("Cache-Control", "")


def test_pages_cannot_be_framed_or_sniffed(users_by_role, signed_in) -> None:  # type: ignore[no-untyped-def]
    for name, response in pages_for_everyone(users_by_role, signed_in):
        assert response["X-Frame-Options"] == "DENY", name
        assert response["X-Content-Type-Options"] == "nosniff", name
        assert response["Referrer-Policy"] == "same-origin", name  # never sent to other origins


def test_every_form_carries_a_csrf_token(users_by_role, signed_in) -> None:  # type: ignore[no-untyped-def]
    for name, response in pages_for_everyone(users_by_role, signed_in):
        html = response.content.decode()
        forms = re.findall(r"<form\b.*?</form>", html, re.S | re.I)
        post_forms = [form for form in forms if re.search(r'method="post"', form, re.I)]
        for form in post_forms:
            assert "csrfmiddlewaretoken" in form, name


def test_a_form_posted_without_its_csrf_token_is_refused(bob: User) -> None:
    client = Client(enforce_csrf_checks=True)
    response = client.post("/accounts/login/", {"email": bob.email, "password": PASSWORD})
    assert response.status_code == 403
    assert "_auth_user_id" not in client.session


def test_a_missing_page_shows_a_plain_not_found_page(db: None) -> None:
    assert settings.DEBUG is False
    response = Client().get("/cases/XYZ-123/nothing-here/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "Not found" in html
    assert "Traceback" not in html and "URLconf" not in html and "urlpatterns" not in html
    # The path shows up only as the language switcher's way back, never in the message.
    assert html.count("XYZ-123") == 1 and 'name="next" type="hidden" value="/cases/XYZ-123/' in html


@pytest.mark.urls("tests.accounts.urls")
def test_a_crash_shows_a_calm_page_with_no_traceback_or_detail(db: None) -> None:
    client = Client(raise_request_exception=False)
    response = client.get("/test/crash/")
    assert response.status_code == 500
    html = response.content.decode()
    assert "Something went wrong" in html
    for leak in ("Traceback", "RuntimeError", CRASH_MARKER, "tests/accounts/urls.py"):
        assert leak not in html


@pytest.mark.urls("tests.accounts.urls")
def test_a_crash_under_the_api_answers_in_the_api_error_shape(db: None) -> None:
    response = Client(raise_request_exception=False).get("/api/test/crash/")
    assert response.status_code == 500
    assert response.json() == {
        "error": {"code": "server_error", "message": "The server could not finish this request."}
    }


def test_the_error_pages_keep_the_security_headers(db: None) -> None:
    response = Client().get("/no-such-page/")
    assert response["X-Frame-Options"] == "DENY"
    assert "Content-Security-Policy" in response
    assert response["Cache-Control"] == "no-store"


def test_every_response_carries_a_request_id(db: None) -> None:
    first = Client().get(reverse("accounts:login"))["X-Request-Id"]
    second = Client().get(reverse("accounts:login"))["X-Request-Id"]
    assert re.fullmatch(r"[0-9a-f]{16}", first)
    assert first != second
