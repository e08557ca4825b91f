"""Password rules beyond Django's own (length ≥ 12 and common passwords are Django validators)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


class MaximumLengthValidator:
    """Allow long passphrases (ASVS asks for at least 64) but refuse absurd lengths that waste CPU."""

    maximum = 128

    def validate(self, password: str, user: Any = None) -> None:
        if len(password) > self.maximum:
            raise ValidationError(
                _("This password is too long: at most %(maximum)d characters.") % {"maximum": self.maximum},
                code="password_too_long",
            )

    def get_help_text(self) -> str:
        return _("Your password can be up to %(maximum)d characters long.") % {"maximum": self.maximum}
