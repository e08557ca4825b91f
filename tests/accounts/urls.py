"""A URL configuration for tests: Haven's own URLs plus views that exercise the decorators and the
error pages. Used with `@pytest.mark.urls("tests.accounts.urls")`; never part of the running site."""

from django.http import HttpRequest, HttpResponse
from django.urls import path

from haven.accounts.decorators import require_perm, require_recent_auth
from haven.accounts.permissions import Perm
from haven.urls import handler400, handler403, handler404, handler500
from haven.urls import urlpatterns as haven_urlpatterns

__all__ = ["handler400", "handler403", "handler404", "handler500", "urlpatterns"]

CRASH_MARKER = "crash-marker-5b1e0c"


@require_perm(Perm.PERSON_EXPORT)
@require_recent_auth
def sensitive(request: HttpRequest) -> HttpResponse:
    return HttpResponse("sensitive action ran")


@require_perm(Perm.AUDIT_VIEW)
def audit_only(request: HttpRequest) -> HttpResponse:
    return HttpResponse("audit page")


def crash(request: HttpRequest) -> HttpResponse:
    raise RuntimeError(f"unexpected failure {CRASH_MARKER}")


urlpatterns = [
    *haven_urlpatterns,
    path("test/sensitive/", sensitive, name="test_sensitive"),
    path("test/audit-only/", audit_only, name="test_audit_only"),
    path("test/crash/", crash, name="test_crash"),
    path("api/test/crash/", crash, name="test_api_crash"),
]
