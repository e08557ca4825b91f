"""People who use Haven: staff and volunteers of one National Society, in teams (branches).

The person assisted never has an account.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.db import models
from django.utils.crypto import salted_hmac

from haven.accounts.permissions import Perm, Role, role_has


class Organisation(models.Model):
    """The National Society running this Haven instance."""

    name = models.CharField(max_length=200)
    is_demo = models.BooleanField(default=False)

    def __str__(self) -> str:
        return self.name


class Team(models.Model):
    """A branch or service of the Society. Cases belong to a team."""

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="teams")
    name = models.CharField(max_length=200)
    # Who receives the team's hand-overs, shown on every screening result, and the team's child
    # safeguarding procedure, shown when a child is at risk.
    contact_person = models.CharField(max_length=120, blank=True)
    contact_how = models.CharField(max_length=200, blank=True)
    safeguarding_contact = models.CharField(max_length=200, blank=True)
    safeguarding_steps = models.TextField(max_length=2000, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["organisation", "name"], name="team_name_unique")]

    def __str__(self) -> str:
        return self.name


class UserManager(BaseUserManager["User"]):
    def get_by_natural_key(self, username: str | None) -> User:
        return self.get(email__iexact=username or "")

    def active_by_email(self, email: str) -> User | None:
        """The active account with this e-mail (any case, spaces around ignored), or None: how the command
        line finds the account named by --actor or --user."""
        return self.filter(email__iexact=email.strip(), is_active=True).first()


class User(AbstractBaseUser):
    """A Haven account, identified by e-mail, with exactly one role."""

    email = models.EmailField(unique=True)
    display_name = models.CharField(max_length=120, blank=True)
    role = models.CharField(max_length=32, choices=[(r.value, r.value) for r in Role])
    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="members", null=True, blank=True)
    is_active = models.BooleanField(default=True)
    is_demo = models.BooleanField(default=False)
    # Failed attempts since the last full sign-in, told to the account holder at the next one.
    failed_logins = models.PositiveIntegerField(default=0)
    # Whether whoever has the password may set up an authenticator: true for a new account and after an
    # administrator's reset, false once one is confirmed and from the moment the account is disabled.
    mfa_enrolment_open = models.BooleanField(default=False)
    # Bumped to end every session of the account at once (disable, password change, suspicion).
    session_epoch = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = ["role"]

    objects = UserManager()

    class Meta:
        ordering = ["email"]

    def __str__(self) -> str:
        return f"user {self.pk}"

    def has(self, perm: Perm) -> bool:
        """True when the account is active and its role grants `perm`."""
        return self.is_active and role_has(self.role, perm)

    def get_session_auth_hash(self) -> str:
        # Sessions are signed with the password hash *and* the epoch: bumping the epoch ends them all.
        key_salt = "haven.accounts.User.get_session_auth_hash"
        return salted_hmac(key_salt, f"{self.password}:{self.session_epoch}", algorithm="sha256").hexdigest()

    # Haven has no Django superusers or admin-site permissions; these keep contrib code content.
    @property
    def is_staff(self) -> bool:
        return False

    @property
    def is_superuser(self) -> bool:
        return False

    def has_perm(self, perm: str, obj: Any = None) -> bool:
        return False

    def has_module_perms(self, app_label: str) -> bool:
        return False


class LoginThrottle(models.Model):
    """Failed sign-in attempts counted under one key (see `haven.accounts.throttle`).

    The key is a keyed hash of an e-mail address as typed, a client address or a device cookie: the table
    holds neither addresses nor account ids, and rows for unknown addresses look like the others.
    """

    key = models.CharField(max_length=64, unique=True)
    failures = models.PositiveIntegerField(default=0)
    last_failure_at = models.DateTimeField(db_index=True)
    # No attempt under this key is checked before this time.
    wait_until = models.DateTimeField(null=True, blank=True)
    # Attempts refused unchecked during a wait: they change no wait, but show how hard someone tries.
    refused = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"throttle {self.pk}"


class PersonRead(models.Model):
    """One reader opening one person's case, kept for READ_LIMIT_SECONDS (see `haven.accounts.reads`).

    The reader is a keyed hash of an API token id or a web session key; the person an internal row id.
    Rows older than the window are deleted as new reads come in.
    """

    reader = models.CharField(max_length=64)
    person_id = models.BigIntegerField()
    read_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["reader", "read_at"], name="person_read_reader_idx")]

    def __str__(self) -> str:
        return f"read {self.pk}"


class Invitation(models.Model):
    """A one-time enrolment link sent to a new account's holder: they choose their own password with it.

    Only a hash of the link's secret is stored; the link works once and until ``expires_at``.
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="invitations")
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"invitation {self.pk}"


class RecoveryCode(models.Model):
    """One of the ten single-use codes given at enrolment, for signing in without the authenticator.

    Only a hash is stored (the codes carry 80 random bits, so a plain SHA-256 is enough, as for API tokens).
    django-otp's static-token plugin was not used: it stores its codes in clear.
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="recovery_codes")
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"recovery code {self.pk}"
