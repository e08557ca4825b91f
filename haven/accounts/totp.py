"""Authenticator secrets sealed by the vault: django-otp's TOTP device reads its key through here.

django-otp stores the secret as hex in `otp_totp_totpdevice.key` and reads it through the `bin_key`
property. Haven stores the sealed secret in the same column (`vault1:…`, bound to the account) and makes
`bin_key` open it, so verification, the QR code and the typed key work unchanged. A value not sealed yet
(hex) is still read, so that the in-place migration (accounts 0006) can run while the site answers.
"""

from __future__ import annotations

from django_otp.plugins.otp_totp.models import TOTPDevice

from haven.vault.integration import SEALED_SECRET_PREFIX, open_totp_secret, seal_totp_secret


def _bin_key(device: TOTPDevice) -> bytes:
    return open_totp_secret(user_id=int(device.user_id), stored=str(device.key))


def install() -> None:
    """Make every TOTPDevice read its secret through the vault (called once, from AccountsConfig.ready)."""
    TOTPDevice.bin_key = property(_bin_key)


def is_sealed(stored: str) -> bool:
    return stored.startswith(SEALED_SECRET_PREFIX)


def seal_device(device: TOTPDevice) -> None:
    """Seal a device's secret in place (a new enrolment, or the migration of an older one)."""
    if is_sealed(str(device.key)):
        return
    device.key = seal_totp_secret(user_id=int(device.user_id), hex_key=str(device.key))
    TOTPDevice.objects.filter(pk=device.pk).update(key=device.key)
