"""Root URLs. Each domain app owns its prefix; paths never carry personal data (only case codes and ids)."""

from django.urls import include, path
from django.views.i18n import set_language

from haven.api.router import api
from haven.cases.api import router as cases_api
from haven.core import views as core_views
from haven.evidence.api import router as evidence_api
from haven.screening.api import router as screening_api

# Each domain app's API under its own prefix of /api/v1/.
api.add_router("/cases", cases_api)
api.add_router("/screenings", screening_api)
api.add_router("/stats", evidence_api)

handler400 = "haven.core.views.error_400"
handler403 = "haven.core.views.error_403"
handler404 = "haven.core.views.error_404"
handler500 = "haven.core.views.error_500"

urlpatterns = [
    path("", include("haven.core.urls")),
    path("health", core_views.health, name="health"),
    path("accounts/", include("haven.accounts.urls")),
    path("manage/", include("haven.administration.urls")),
    path("oversight/", include("haven.oversight.urls")),
    path("cases/", include("haven.cases.urls")),
    path("screening/", include("haven.screening.urls")),
    path("i18n/setlang/", set_language, name="set_language"),
    path("evidence/", include("haven.evidence.urls")),
    path("api/v1/", api.urls),
]
