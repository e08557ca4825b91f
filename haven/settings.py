"""Haven's settings, read from the environment through typed helpers (see haven/core/env.py).

HAVEN_ENV selects the profile:
- production (the default, so a forgotten variable never weakens a deployment): secrets required,
  secure cookies, HSTS, HTTPS redirect;
- local: the embedded default that `make run` serves on 127.0.0.1 over plain HTTP;
- test: the test suite.
DEBUG is on only when HAVEN_DEBUG=1 and the profile is local or test.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from haven.core.env import env_bool, env_choice, env_int, env_list, env_secret, env_str

BASE_DIR = Path(__file__).resolve().parent
HAVEN_ENV = env_choice("HAVEN_ENV", "production", ("production", "local", "test"))
PRODUCTION = HAVEN_ENV == "production"
DEBUG = env_bool("HAVEN_DEBUG", False) and not PRODUCTION

DATA_DIR = Path(env_str("HAVEN_DATA_DIR", "var")).resolve()
ATTACHMENTS_DIR = DATA_DIR / "attachments"


def _secret_key() -> str:
    value = env_secret("SECRET_KEY")
    if value:
        if len(value) < 50:
            raise ImproperlyConfigured("SECRET_KEY must be at least 50 characters long")
        return value
    if PRODUCTION:
        raise ImproperlyConfigured("SECRET_KEY (or SECRET_KEY_FILE) must be set when HAVEN_ENV=production")
    # Local and test profiles keep a generated key beside the data, readable by the owner only.
    path = DATA_DIR / "secret_key"
    if not path.exists():
        DATA_DIR.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_urlsafe(64))
    return path.read_text(encoding="utf-8").strip()


SECRET_KEY = _secret_key()
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", [] if PRODUCTION else ["127.0.0.1", "localhost", "testserver"])
if PRODUCTION and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS must list the host names Haven answers to in production")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "haven.core",
    "haven.audit",
    "haven.accounts",
    "haven.vault",
    "haven.cases",
    "haven.notifications",
    "haven.followup",
    "haven.assessment",
    "haven.screening",
    "haven.evidence",
    "haven.oversight",
    "haven.referrals",
    "haven.terms",
    "haven.staff",
    "haven.organisation",
    "haven.administration",
    "haven.demo",
    "haven.api",
]

MIDDLEWARE = [
    "haven.core.middleware.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "haven.vault.middleware.VaultHealthMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "haven.accounts.middleware.SessionTimeoutMiddleware",
    "haven.accounts.middleware.RequireMfaMiddleware",
    "haven.accounts.middleware.RefusalAuditMiddleware",
    "haven.accounts.middleware.ReadLimitMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "haven.core.middleware.NoStoreMiddleware",
]

ROOT_URLCONF = "haven.urls"
WSGI_APPLICATION = "haven.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "haven.core.context_processors.navigation",
                "haven.notifications.context_processors.unread",
            ],
        },
    },
]
# Widgets render through Jinja2 (Django's own widget templates, same HTML): a page's selects and inputs
# take a third of the time they take through the Django template engine.
FORM_RENDERER = "django.forms.renderers.Jinja2"

DATABASE_URL = env_str("DATABASE_URL", f"sqlite:///{DATA_DIR / 'haven.sqlite3'}")
# PostgreSQL keeps a connection open per worker thread (DB_CONN_MAX_AGE seconds, checked before reuse so a
# restarted server costs no failed request): opening one costs more than most of Haven's queries. SQLite
# opens a file, which costs nothing worth keeping.
_IS_POSTGRES = DATABASE_URL.startswith(("postgres://", "postgresql://", "pgsql://"))
DATABASES = {
    "default": dj_database_url.parse(
        DATABASE_URL,
        conn_max_age=env_int("DB_CONN_MAX_AGE", 60 if _IS_POSTGRES else 0),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers work while one writer commits; IMMEDIATE avoids upgrade deadlocks between
    # workers; secure_delete overwrites freed pages so erased data does not linger in the file.
    # Django's backend, with the threads of a process queueing for the write lock (haven/core/sqlite).
    DATABASES["default"]["ENGINE"] = "haven.core.sqlite"
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA secure_delete=ON;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["haven.accounts.backends.EmailBackend"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.Argon2PasswordHasher"]
if HAVEN_ENV == "test":
    # Same algorithm, cheaper parameters: the suite logs in thousands of times.
    PASSWORD_HASHERS = ["haven.accounts.hashers.FastArgon2PasswordHasher"]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "haven.accounts.validators.MaximumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "accounts:login"

# Sign-in throttling (haven/accounts/throttle.py): after LOGIN_FAILURE_LIMIT failures under one key (the
# account, the client address, a recognised device), each further attempt waits 2, 4, 8, ... seconds, at
# most LOGIN_MAX_DELAY_MINUTES. Nothing is ever locked, so the old lock's setting is refused, not ignored.
if "HAVEN_LOCKOUT_MINUTES" in os.environ:
    raise ImproperlyConfigured(
        "HAVEN_LOCKOUT_MINUTES is no longer used: accounts are never locked, failed sign-ins are slowed "
        "down; set HAVEN_LOGIN_MAX_DELAY_MINUTES (the longest wait between two attempts) instead"
    )
LOGIN_FAILURE_LIMIT = env_int("HAVEN_LOGIN_FAILURE_LIMIT", 5, minimum=1)
LOGIN_MAX_DELAY_MINUTES = env_int("HAVEN_LOGIN_MAX_DELAY_MINUTES", 15, minimum=1)
# Database sessions that let a signed-in reader go on reading while the disk refuses writes.
SESSION_ENGINE = "haven.core.sessions"
SESSION_IDLE_SECONDS = env_int("HAVEN_SESSION_IDLE_SECONDS", 30 * 60, minimum=60)
SESSION_ABSOLUTE_SECONDS = env_int("HAVEN_SESSION_ABSOLUTE_SECONDS", 12 * 3600, minimum=600)
REAUTH_SECONDS = env_int("HAVEN_REAUTH_SECONDS", 5 * 60, minimum=30)
# API tokens expire: this many days after creation unless a shorter life is asked, never more than the max.
API_TOKEN_DEFAULT_DAYS = env_int("HAVEN_API_TOKEN_DEFAULT_DAYS", 90, minimum=1)
API_TOKEN_MAX_DAYS = env_int("HAVEN_API_TOKEN_MAX_DAYS", 365, minimum=1)
if API_TOKEN_DEFAULT_DAYS > API_TOKEN_MAX_DAYS:
    raise ImproperlyConfigured("HAVEN_API_TOKEN_DEFAULT_DAYS cannot be more than HAVEN_API_TOKEN_MAX_DAYS")
# No bulk extraction (haven/accounts/reads.py): reading more than READ_LIMIT_PEOPLE different people within
# READ_LIMIT_SECONDS through one API token or one web session is refused (429) and raises an alert entry.
READ_LIMIT_PEOPLE = env_int("HAVEN_READ_LIMIT_PEOPLE", 30, minimum=1)
READ_LIMIT_SECONDS = env_int("HAVEN_READ_LIMIT_SECONDS", 60, minimum=1)
# The DPO opens a case's content only under a recorded purpose, for this many hours after recording it.
DPO_PURPOSE_HOURS = env_int("HAVEN_DPO_PURPOSE_HOURS", 8, minimum=1)
OTP_TOTP_ISSUER = "Haven"
# django-otp's per-device back-off is off: wrong codes count under Haven's sign-in throttle, per account,
# address and recognised device, which does not refuse the right code to the holder's own browser.
OTP_TOTP_THROTTLE_FACTOR = 0

SESSION_COOKIE_AGE = SESSION_ABSOLUTE_SECONDS
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = PRODUCTION
CSRF_COOKIE_SECURE = PRODUCTION
SECURE_SSL_REDIRECT = PRODUCTION and env_bool("HAVEN_SSL_REDIRECT", True)
SECURE_HSTS_SECONDS = 31536000 if PRODUCTION else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = PRODUCTION
SECURE_HSTS_PRELOAD = PRODUCTION
SECURE_CONTENT_TYPE_NOSNIFF = True
# same-origin, not no-referrer: browsers send "Origin: null" on form posts under no-referrer, which
# fails the CSRF origin check; our URLs carry no personal data, and nothing leaks to other origins.
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# Behind a reverse proxy: trust its X-Forwarded-Proto, and take the client address (for sign-in
# throttling) from the last hop it appended to X-Forwarded-For.
BEHIND_PROXY = env_bool("HAVEN_BEHIND_PROXY", False)
if BEHIND_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
X_FRAME_OPTIONS = "DENY"

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("fr", _("French"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
# Dates and numbers as each language writes them, day before month (haven/formats/<lang>/formats.py).
FORMAT_MODULE_PATH = ["haven.formats"]
USE_I18N = True
TIME_ZONE = "UTC"
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
WHITENOISE_USE_FINDERS = HAVEN_ENV != "production"
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
# The recovery and reflection period of this country, in days: at least 30 (Council of Europe Convention
# on Action against Trafficking in Human Beings, Art. 13); a lower value is refused at start-up.
REFLECTION_DAYS = env_int("HAVEN_REFLECTION_DAYS", 30, minimum=30)
# How many days ahead a review (consent expiry, end of the reflection period, …) shows on "my work".
REVIEW_NOTICE_DAYS = env_int("HAVEN_REVIEW_NOTICE_DAYS", 14, minimum=1)
ATTACHMENT_MAX_BYTES = env_int("HAVEN_ATTACHMENT_MAX_BYTES", 10 * 1024 * 1024, minimum=1024)
# An upload is plaintext until the service seals it: it stays in memory, never in a temporary file
# (haven/core/uploads.py; a body larger than one attachment and the form fields is refused unread).
FILE_UPLOAD_HANDLERS = ["haven.core.uploads.MemoryOnlyUploadHandler"]
# Read only by Django's own handlers (not used) and by its ASGI handler, which spools a request body
# larger than this to a temporary file: as large as the biggest body Haven accepts, so nothing spills.
FILE_UPLOAD_MAX_MEMORY_SIZE = ATTACHMENT_MAX_BYTES + DATA_UPLOAD_MAX_MEMORY_SIZE + 64 * 1024

# A differentially private table is refused when fewer people than this are in scope: the noise would
# drown every figure, and a near-empty table is no evidence (docs/evidence.md).
RELEASE_MIN_RECORDS = env_int("HAVEN_RELEASE_MIN_RECORDS", 20, minimum=0)

# The vault's master key never comes from SECRET_KEY nor the database: HAVEN_MASTER_KEY,
# HAVEN_MASTER_KEY_FILE, or DATA_DIR/keys/master.key (0600).
VAULT_DIR = DATA_DIR / "keys"
EXPECTED_PEOPLE = env_int("HAVEN_EXPECTED_PEOPLE", 100_000, minimum=100)

# Signed checkpoints of the audit chain live outside the database (docs/operations.md): a file in the data
# dir, and optionally a witness the database's writers cannot reach (a second file, or syslog).
AUDIT_CHECKPOINT_FILE = DATA_DIR / "audit-checkpoints.jsonl"
AUDIT_CHECKPOINT_SECONDS = env_int("HAVEN_AUDIT_CHECKPOINT_SECONDS", 60, minimum=1)
# Wellbeing counts below this are shown as "fewer than" to the programme manager, never as a number.
WELLBEING_MIN_COUNT = env_int("HAVEN_WELLBEING_MIN_COUNT", 5, minimum=2)
AUDIT_WITNESS = env_str("HAVEN_AUDIT_WITNESS", "")
if AUDIT_WITNESS and AUDIT_WITNESS != "syslog":
    if not Path(AUDIT_WITNESS).is_absolute():
        raise ImproperlyConfigured("HAVEN_AUDIT_WITNESS must be 'syslog' or an absolute file path")
    if Path(AUDIT_WITNESS).resolve() == AUDIT_CHECKPOINT_FILE:
        raise ImproperlyConfigured("HAVEN_AUDIT_WITNESS must not be the checkpoint file itself")

# Account administration: how long an enrolment link works.
INVITATION_HOURS = env_int("HAVEN_INVITATION_HOURS", 72, minimum=1)
# The audit viewer highlights patterns worth a look (docs/operations.md): within AUDIT_ALERT_WINDOW_MINUTES,
# this many refusals of one account, or reads of this many different cases by one account; and reads of a
# case outside working hours (local time, [start, end) in whole hours).
AUDIT_ALERT_WINDOW_MINUTES = env_int("HAVEN_AUDIT_ALERT_WINDOW_MINUTES", 60, minimum=1)
AUDIT_ALERT_REFUSALS = env_int("HAVEN_AUDIT_ALERT_REFUSALS", 10, minimum=1)
AUDIT_ALERT_CASES = env_int("HAVEN_AUDIT_ALERT_CASES", 20, minimum=2)
AUDIT_WORKING_HOURS_START = env_int("HAVEN_AUDIT_WORKING_HOURS_START", 7, minimum=0)
AUDIT_WORKING_HOURS_END = env_int("HAVEN_AUDIT_WORKING_HOURS_END", 20, minimum=1)

# Retention (docs/data-register.md): a closed case is due for review this many days after it was closed;
# an anonymous screening this many days after it was made. Nothing is erased without a person deciding.
RETENTION_CASE_DAYS = env_int("HAVEN_RETENTION_CASE_DAYS", 5 * 365, minimum=1)
RETENTION_SCREENING_DAYS = env_int("HAVEN_RETENTION_SCREENING_DAYS", 365, minimum=1)

LOG_LEVEL = env_choice("HAVEN_LOG_LEVEL", "INFO", ("DEBUG", "INFO", "WARNING", "ERROR"))
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "haven.core.logging.RequestIdFilter"}},
    "formatters": {"json": {"()": "haven.core.logging.JsonFormatter"}},
    "handlers": {
        "stderr": {"class": "logging.StreamHandler", "formatter": "json", "filters": ["request_id"]},
    },
    "root": {"handlers": ["stderr"], "level": LOG_LEVEL},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
if env_str("HAVEN_LOG_FILE", ""):
    LOGGING["handlers"]["file"] = {  # type: ignore[index]
        "class": "haven.core.logging.AppendFileHandler",
        "filename": env_str("HAVEN_LOG_FILE", ""),
        "formatter": "json",
        "filters": ["request_id"],
    }
    LOGGING["root"]["handlers"] = ["stderr", "file"]  # type: ignore[index]

NINJA_PAGINATION_PER_PAGE = 50
