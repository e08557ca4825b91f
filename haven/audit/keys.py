"""Where the audit trail gets its key: a provider registered from above, since the audit app may not
import the vault (the `layers` contract keeps them independent).

Haven's core app registers `integration.keystore().audit_key()` in `CoreConfig.ready`, the same way the
cases app registers its erasure hook with the vault. The key is random, kept wrapped by the master key
in the key store (id `audit-chain.v1`), and never stored in the database the trail lives in.
"""

from __future__ import annotations

from collections.abc import Callable

from django.core.exceptions import ImproperlyConfigured

AuditKeyProvider = Callable[[], tuple[str, bytes]]

_provider: AuditKeyProvider | None = None


def register_key_provider(provider: AuditKeyProvider) -> None:
    """Have the audit trail take its (key id, key) from `provider` (call it from an `AppConfig.ready`)."""
    global _provider
    _provider = provider


def audit_key() -> tuple[str, bytes]:
    """The current audit key id and key; fails closed when no provider was registered."""
    if _provider is None:
        raise ImproperlyConfigured(
            "no audit key provider is registered: 'haven.core' must be in INSTALLED_APPS (its AppConfig "
            "registers the vault's audit key)"
        )
    key_id, key = _provider()
    if not key_id or len(key) != 32:
        raise ImproperlyConfigured("the audit key provider returned no usable key")
    return key_id, key
