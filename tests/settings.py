"""Test settings: the production module with the test profile and a private data directory."""

import os
import tempfile

os.environ["HAVEN_ENV"] = "test"
# Each test process (and each xdist worker) gets its own data directory, keys and log file.
os.environ["HAVEN_DATA_DIR"] = tempfile.mkdtemp(prefix="haven-test-")
os.environ["HAVEN_LOG_FILE"] = os.path.join(os.environ["HAVEN_DATA_DIR"], "test-run.log")

from haven.settings import *  # noqa: F403

if DATABASES["default"]["ENGINE"] == "haven.core.sqlite":  # noqa: F405
    # The in-memory test database pytest-django gives Django's own SQLite engine (it knows it by name).
    DATABASES["default"]["TEST"] = {"NAME": ":memory:"}  # noqa: F405

STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # noqa: F405

# A fresh key store for this process's data directory, before anything (even test collection) needs it.
from haven.vault.keystore import KeyStore  # noqa: E402

KeyStore.open(DATA_DIR, create=True).close()  # noqa: F405

# The budget and reproduction tests release tables over a handful of people; the minimum number of people
# in a table is tested on its own (tests/evidence/test_release_minimum.py sets it back).
RELEASE_MIN_RECORDS = 0
