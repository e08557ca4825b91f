"""Root URLs. Each domain app owns its prefix; paths never carry personal data (only case codes and ids)."""

from django.urls import include, path
from django.views.i18n import set_language

from haven.api.router import api
from haven.assessment.api import router as assessment_api
from haven.cases.api import router as cases_api
from haven.core import views as core_views
from haven.evidence.api import router as evidence_api
from haven.followup.api import router as followup_api
from haven.referrals.api import router as referrals_api
from haven.screening.api import router as screening_api
from haven.terms.api import router as terms_api

# Each domain app's API under its own prefix of /api/v1/.
api.add_router("/cases", cases_api)
api.add_router("/cases", followup_api)
api.add_router("/cases", assessment_api)
api.add_router("/screenings", screening_api)
api.add_router("/stats", evidence_api)
api.add_router("", referrals_api)
api.add_router("/terms", terms_api)

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
    path("", include("haven.followup.urls")),
    path("notifications/", include("haven.notifications.urls")),
    path("cases/", include("haven.assessment.urls")),
    path("screening/", include("haven.screening.urls")),
    path("i18n/setlang/", set_language, name="set_language"),
    path("evidence/", include("haven.evidence.urls")),
    path("referrals/", include("haven.referrals.urls")),
    path("terms/", include("haven.terms.urls")),
    path("staff/", include("haven.staff.urls")),
    path("organisation/", include("haven.organisation.urls")),
    path("api/v1/", api.urls),
]
