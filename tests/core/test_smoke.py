from django.test import Client


def test_login_page_is_served_with_strict_headers(db: None) -> None:
    response = Client().get("/accounts/login/")
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    csp = response["Content-Security-Policy"]
    script_src = next(part for part in csp.split(";") if part.strip().startswith("script-src"))
    assert "unsafe-inline" not in script_src
    assert "'self'" in script_src
