"""The core app: site views, operator commands and checks; it wires the vault's keys into the audit trail."""

from __future__ import annotations

from django.apps import AppConfig


def vault_audit_key() -> tuple[str, bytes]:
    """The audit-chain key from the process's key store (unwrapped once, then kept in memory)."""
    from haven.vault.integration import keystore

    return keystore().audit_key()


class CoreConfig(AppConfig):
    name = "haven.core"
    label = "core"
    verbose_name = "Core"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from haven.audit.keys import register_key_provider

        # The audit app sits beside the vault and may not import it: the key is handed to it from here.
        register_key_provider(vault_audit_key)
