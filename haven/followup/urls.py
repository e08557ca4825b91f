"""Follow-up pages. Paths carry the pseudonymous case code only, never personal data."""

from django.urls import path, register_converter

from haven.followup import views


class CaseCodeConverter:
    regex = r"HV-[0-9]{4}-[0-9]{5,}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(CaseCodeConverter, "followup_case")

app_name = "followup"
urlpatterns = [
    path("work/", views.my_work, name="my_work"),
    path("cases/<followup_case:code>/close/", views.close, name="close"),
    path("cases/<followup_case:code>/reopen/", views.reopen, name="reopen"),
    path("cases/<followup_case:code>/return-check/", views.return_check, name="return_check"),
    path("cases/<followup_case:code>/identification/", views.identification, name="identification"),
    path("cases/<followup_case:code>/summary/", views.summary, name="summary"),
]
