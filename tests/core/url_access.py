"""URL × role expectations for the foundation: core pages, sign-in, language, and the API skeleton."""

from __future__ import annotations

from tests.core.access_table import (
    FORBIDDEN,
    LOGIN,
    MFA,
    NO_MFA,
    NOT_FOUND,
    OK,
    REDIRECT,
    SUBJECTS,
    Access,
    api,
    page,
    public,
)

URL_ACCESS: dict[str, Access] = {
    "core:home": page(),
    # The user guides: every role reads every guide; how to sign in is open to all, even half-way in.
    "core:help": page(),
    "core:guide": page(kwargs={"lang": "fr", "slug": "data-protection-officer"}),
    "core:sign_in_help": Access(expect={who: OK for who in SUBJECTS}, kwargs={"lang": "en"}),
    "health": public(),
    "set_language": public(REDIRECT, method="POST", data={"language": "fr", "next": "/"}),
    "accounts:login": public(),
    # The second step: sign in first; half-way it asks for the code; done, it sends you on.
    "accounts:mfa": page(allowed=REDIRECT, override={NO_MFA: OK}),
    # Enrolment only for an account without a working authenticator: all test accounts have one.
    "accounts:mfa_enrol": page(allowed=REDIRECT, override={NO_MFA: MFA}),
    "accounts:reauth": page(),
    # Signing out always ends on the sign-in page, signed in or not.
    "accounts:logout": public(LOGIN, method="POST"),
    "api-v1:openapi-json": public(),
    "api-v1:health": public(),
    # ninja's root path serves nothing (no interactive docs in Haven).
    "api-v1:api-root": public(NOT_FOUND),
    "api-v1:me": api(),
    # Every token holder lists their own tokens.
    "api-v1:tokens_list": api(),
    "api-v1:tokens_revoke": api(method="POST", data={"reason": "no_longer_needed"}),
    # Any token holder may confirm; a wrong password and code are refused (403) for everyone.
    "api-v1:tokens_confirm": api(
        method="POST", data={"password": "not it", "code": "000000"}, allowed=FORBIDDEN
    ),
}
