"""haven serve [--host] [--port] [--workers]: serve Haven with gunicorn, a production-grade WSGI server."""

from __future__ import annotations

import sys
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser


class Command(BaseCommand):
    help = (
        "Serve Haven over HTTP with gunicorn (never Django's development server). Checks the configuration "
        "and keys first and refuses to start when they are wrong. Put a TLS-terminating reverse proxy in "
        "front of it in production."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
        parser.add_argument("--port", type=int, default=8000, help="port to listen on (default 8000)")
        parser.add_argument("--workers", type=int, default=2, help="worker processes (default 2)")
        parser.add_argument("--threads", type=int, default=4, help="threads per worker (default 4)")

    def handle(self, *args: Any, **options: Any) -> None:
        from gunicorn.app.base import BaseApplication

        from haven.core.checks import haven_problems

        if not 0 < options["port"] < 65536:
            raise CommandError("--port must be between 1 and 65535", returncode=2)
        problems = haven_problems()
        if problems:
            for problem in problems:
                self.stderr.write(f"problem: {problem}")
            raise CommandError(
                "Haven will not start until these are fixed (see 'haven check').", returncode=1
            )

        from haven.wsgi import application

        bind = f"{options['host']}:{options['port']}"
        config = {
            "bind": bind,
            "workers": options["workers"],
            "threads": options["threads"],
            "worker_class": "gthread",
            "accesslog": None,  # Haven's own request log carries the request id and no query strings.
            "errorlog": "-",
            "timeout": 60,
            "graceful_timeout": 20,
            "forwarded_allow_ips": "127.0.0.1",
        }

        class HavenServer(BaseApplication):
            def load_config(self) -> None:
                for key, value in config.items():
                    self.cfg.set(key, value)

            def load(self) -> Any:
                return application

        self.stdout.write(f"Haven ({settings.HAVEN_ENV}) serving on http://{bind}/ — press Ctrl+C to stop")
        sys.stdout.flush()
        HavenServer().run()
