"""Test settings: the production module with the test profile and a private data directory."""

import os
import tempfile

os.environ.setdefault("HAVEN_ENV", "test")
os.environ.setdefault("HAVEN_DATA_DIR", tempfile.mkdtemp(prefix="haven-test-"))
os.environ.setdefault("HAVEN_LOG_FILE", os.path.join(os.environ["HAVEN_DATA_DIR"], "test-run.log"))

from haven.settings import *  # noqa: F403

STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # noqa: F405
