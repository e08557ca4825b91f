"""Django's database sessions, except that a signed-in reader keeps reading while storage refuses writes.

Every signed-in request records when it was last seen (the idle timeout, `SessionTimeoutMiddleware`), so
every page saves its session. When the disk is read-only or full that save would turn every page into an
error; here a save of an existing session that meets such a failure is skipped instead. That errs on the
safe side: the idle timeout counts from the last save that worked, so the session ends sooner, not later.
A new session (signing in) must be saved, and still fails.
"""

from __future__ import annotations

import logging

from django.contrib.sessions.backends.base import UpdateError
from django.contrib.sessions.backends.db import SessionStore as DbSessionStore
from django.db import DatabaseError

from haven.core.storage import storage_failure

log = logging.getLogger("haven.storage")


class SessionStore(DbSessionStore):
    def save(self, must_create: bool = False) -> None:
        if must_create or self.session_key is None:
            super().save(must_create=must_create)
            return
        try:
            super().save(must_create=False)  # in its own atomic block: a failure leaves no broken transaction
        except (DatabaseError, UpdateError) as exc:  # Django raises UpdateError from the DatabaseError
            failure = storage_failure(exc)
            if failure is None:
                raise
            log.warning("session not saved: storage %s", failure)
