"""Seal every authenticator secret still stored in clear (hex) with the vault's TOTP key, in place."""

from django.db import migrations


def seal_secrets(apps, schema_editor):  # type: ignore[no-untyped-def]
    device_model = apps.get_model("otp_totp", "TOTPDevice")
    pending = [d for d in device_model.objects.all().only("pk", "user_id", "key") if not d.key.startswith("vault1:")]
    if not pending:
        return  # a new installation: no key store needed
    from haven.vault.integration import seal_totp_secret

    for device in pending:
        sealed = seal_totp_secret(user_id=int(device.user_id), hex_key=device.key)
        device_model.objects.filter(pk=device.pk).update(key=sealed)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0005_admin_invitations_recovery_codes"),
        ("otp_totp", "0003_add_timestamps"),
    ]

    operations = [migrations.RunPython(seal_secrets, migrations.RunPython.noop)]
