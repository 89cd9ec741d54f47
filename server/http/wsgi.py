"""Running the app under Granian (a production HTTP server written in Rust), from
`metakg serve`.

Each worker process creates the app itself (the settings reach it as ``METAKG_*``
variables), opens the store read-only, serves requests on ``threads`` threads plus one per
user SPARQL slot (``query_slots``: a runaway query holds its thread until the deadline, and
must not hold one that lookups need), and runs queries in its own pools of query processes
(server/sparql/runner.py).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from typing import Any

from granian import Granian
from granian.constants import Interfaces

from graph.errors import MetakgError
from server.http.app import create_app
from server.settings import to_environ

log = logging.getLogger("metakg.server")


def create() -> Any:
    """The WSGI app of one worker process (Granian's factory target). Its query processes are
    started now, so that the first queries do not wait for them. A store that is missing now
    is not fatal: every route answers 503 saying so, until one is built."""
    app = create_app()
    try:
        app.extensions["metakg"].executor.start()
    except MetakgError as error:
        log.warning("query processes not started: %s", error)
    return app


def serve(settings: Mapping[str, Any]) -> None:
    values = dict(settings)
    os.environ.update(to_environ(values))
    Granian(
        "server.http.wsgi:create",
        factory=True,
        interface=Interfaces.WSGI,
        address=str(values["host"]),
        port=int(values["port"]),
        workers=int(values["workers"]),
        blocking_threads=int(values["threads"]) + int(values["query_slots"]),
        respawn_failed_workers=True,
        respawn_interval=0.5,
        log_access=False,
    ).serve()
