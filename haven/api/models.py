"""Personal access tokens for API clients. Only a hash of each token is stored."""

from __future__ import annotations

from django.conf import settings
from django.db import models

# What a token may be used for, chosen when it is made (least privilege: a statistics client cannot read
# cases). The role's permissions still apply on top: a scope never grants what the role lacks.
SCOPES: dict[str, str] = {
    "cases.read": "read cases and screenings",
    "cases.write": "record and change cases and screenings",
    "statistics": "read and make anonymised statistics",
    "export": "export statistics datasets",
}


class ApiToken(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=80)
    prefix = models.CharField(max_length=12, db_index=True)
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    # When its holder last confirmed password and a fresh second-factor code through it: sensitive calls
    # (the statistics export) need that within REAUTH_SECONDS, as the web asks for a fresh sign-in.
    confirmed_at = models.DateTimeField(null=True, blank=True)
    # The scopes (keys of SCOPES) chosen at creation, and when the token stops working.
    scopes = models.JSONField(default=list)
    expires_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"token {self.prefix}…"
