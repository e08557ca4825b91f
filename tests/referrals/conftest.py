from __future__ import annotations

from collections.abc import Callable

import pytest

from haven.accounts.models import User
from haven.accounts.permissions import Role


@pytest.fixture
def staff(make_user: Callable[..., User]) -> dict[str, User]:
    """One account per role, all in North (the administrator in no team)."""
    return {role.value: make_user(role, None if role == Role.ADMIN else "North") for role in Role}
