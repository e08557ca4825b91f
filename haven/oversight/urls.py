from django.urls import path

# The `case` path converter is registered once, by the cases URLconf; importing it makes sure it is.
import haven.cases.urls  # noqa: F401
from haven.oversight import views

app_name = "oversight"
urlpatterns = [
    path("audit/", views.audit, name="audit"),
    path("audit/export/", views.audit_export, name="audit_export"),
    path("audit/verify/", views.audit_verify, name="audit_verify"),
    path("requests/", views.requests, name="requests"),
    path("requests/<int:request_id>/", views.request_detail, name="request"),
    path("requests/<int:request_id>/close/", views.request_close, name="request_close"),
    path("requests/<int:request_id>/answer/", views.request_answer, name="request_answer"),
    path("retention/", views.retention, name="retention"),
    path("retention/<case:code>/extend/", views.retention_extend, name="retention_extend"),
    path("cases/<case:code>/ask-pressure-check/", views.ask_pressure_check, name="ask_pressure_check"),
]
