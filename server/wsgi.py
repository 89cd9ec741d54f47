"""Running the app under gunicorn (a production WSGI server), from `metakg serve`.

The app is created in each worker process after the fork (no preloading), so every worker
opens the store read-only itself and starts its own query worker processes.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from gunicorn.app.base import BaseApplication

from server.app import create_app


class _Gunicorn(BaseApplication):  # type: ignore[misc]
    def __init__(self, settings: Mapping[str, Any]) -> None:
        self.settings = dict(settings)
        super().__init__()

    def load_config(self) -> None:
        s = self.settings
        options = {
            "bind": f"{s['host']}:{s['port']}",
            "workers": s["workers"],
            "threads": s["threads"],
            "worker_class": "gthread",
            # Long GET queries are judged by the app (414 with advice), not cut by gunicorn.
            "limit_request_line": 0,
            # A worker must outlive the slowest allowed query by a margin.
            "timeout": int(s["query_timeout"]) + 30,
            "graceful_timeout": 10,
            "accesslog": "-",
            "errorlog": "-",
            "preload_app": False,
        }
        for key, value in options.items():
            self.cfg.set(key, value)

    def load(self) -> Any:
        return create_app(self.settings)


def serve(settings: Mapping[str, Any]) -> None:
    _Gunicorn(settings).run()
