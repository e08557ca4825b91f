"""Structured logs: one JSON object per line, with the request id, and no personal data.

Log calls in Haven pass identifiers and codes only; request logs carry the method, the path (paths never
hold personal data by design), the status and the user id.
"""

from __future__ import annotations

import contextvars
import json
import logging
import os
from datetime import UTC, datetime

request_id_var: contextvars.ContextVar[str] = contextvars.ContextVar("haven_request_id", default="-")


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id_var.get()
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        payload = {
            "at": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "request_id": getattr(record, "request_id", "-"),
            "message": record.getMessage(),
        }
        for key in ("status", "method", "path", "user_id", "duration_ms"):
            if hasattr(record, key):
                payload[key] = getattr(record, key)
        if record.exc_info and record.exc_info[0] is not None:
            # The exception type only: messages and tracebacks can quote data.
            payload["exception"] = record.exc_info[0].__name__
        # ASCII only: a line separator such as U+2028 in a logged path must not split a log line.
        return json.dumps(payload, ensure_ascii=True)


class AppendFileHandler(logging.Handler):
    """Append each record to a file with one `write` on an O_APPEND descriptor.

    Several processes (gunicorn workers, commands) share one log file: a single append per line keeps
    lines whole and never interleaved, even when a process is killed. The file is readable by its owner
    only.
    """

    def __init__(self, filename: str) -> None:
        super().__init__()
        self._fd = os.open(filename, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)

    def emit(self, record: logging.LogRecord) -> None:
        try:
            os.write(self._fd, (self.format(record) + "\n").encode("utf-8"))
        except Exception:  # noqa: BLE001 — logging must never break the request; Handler reports it
            self.handleError(record)

    def close(self) -> None:
        try:
            os.close(self._fd)
        except OSError:
            pass
        super().close()
