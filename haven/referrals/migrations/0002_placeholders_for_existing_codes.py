"""Every organisation code already named by a consent, a withdrawal's list of whom to tell, or a
best-interests decision becomes a directory entry: a placeholder ("not yet described") that a programme
manager completes. A placeholder is never proposed and is refused for referrals until described."""

from typing import Any

from django.db import migrations


def create_placeholders(apps: Any, schema_editor: Any) -> None:
    Consent = apps.get_model("cases", "Consent")
    BestInterests = apps.get_model("cases", "BestInterests")
    Organisation = apps.get_model("referrals", "Organisation")
    codes: set[str] = set()
    for recipient, inform in Consent.objects.values_list("recipient", "inform"):
        if recipient:
            codes.add(recipient)
        codes.update(code for code in inform or [] if isinstance(code, str) and code)
    for recipients in BestInterests.objects.values_list("recipients", flat=True):
        codes.update(code for code in recipients or [] if isinstance(code, str) and code)
    known = set(Organisation.objects.values_list("code", flat=True))
    Organisation.objects.bulk_create(
        Organisation(code=code[:64], name=code[:200], org_type="placeholder") for code in sorted(codes - known)
    )


class Migration(migrations.Migration):
    dependencies = [
        ("referrals", "0001_initial"),
        ("cases", "0001_initial"),
    ]

    operations = [migrations.RunPython(create_placeholders, migrations.RunPython.noop)]
