"""Authentication by e-mail and password for Django; sign-in itself (throttle, audit) is in services."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.http import HttpRequest

from haven.accounts.models import User


class EmailBackend(ModelBackend):
    """Django's model backend, keyed by e-mail, for Django's own uses of authenticate()."""

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> User | None:
        email = kwargs.get("email", username)
        if not email or not password:
            return None
        user = User.objects.filter(email__iexact=email).first()
        if user is None:
            # Spend the same time as a real check so that unknown addresses cannot be told apart.
            User().set_password(password)
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None
