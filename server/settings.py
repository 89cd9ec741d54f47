"""metakg's settings: one table, read from ``METAKG_*`` environment variables when asked.

Nothing is read at import time. The CLI (and later the app factory) calls
:func:`load_settings`; command-line options override what it returns.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Setting:
    name: str
    default: Callable[[], Any]
    parse: Callable[[str], Any]
    help: str

    @property
    def env(self) -> str:
        return "METAKG_" + self.name.upper()


def _positive_int(value: str) -> int:
    number = int(value)
    if number < 1:
        raise ValueError("must be a whole number of at least 1")
    return number


def _count(value: str) -> int:
    number = int(value)
    if number < 0:
        raise ValueError("must be a whole number of at least 0")
    return number


def _positive_float(value: str) -> float:
    number = float(value)
    if number <= 0:
        raise ValueError("must be a number greater than 0")
    return number


def _choice(value: str, choices: tuple[str, ...]) -> str:
    if value not in choices:
        raise ValueError(f"must be one of: {', '.join(choices)}")
    return value


def _url(value: str) -> str:
    if not value.startswith(("http://", "https://")):
        raise ValueError("must be an http:// or https:// URL")
    return value


def _default_store() -> Path:
    # graph.store pulls in pyoxigraph, networkx and the SHACL shapes: imported only when the
    # default is needed, so that `metakg --help` (which prints this table) starts fast.
    from graph.store import default_store_path

    return default_store_path()


def _flag(value: str) -> bool:
    folded = value.strip().casefold()
    if folded in ("1", "true", "yes", "on"):
        return True
    if folded in ("0", "false", "no", "off"):
        return False
    raise ValueError("must be true or false")


SETTINGS: tuple[Setting, ...] = (
    Setting(
        "store",
        _default_store,
        lambda value: Path(value).expanduser(),
        "Directory of the knowledge base store (default: the per-user data directory).",
    ),
    Setting("host", lambda: "127.0.0.1", str, "Address `metakg serve` listens on."),
    Setting("port", lambda: 8000, _positive_int, "Port `metakg serve` listens on."),
    Setting(
        "workers",
        lambda: os.cpu_count() or 2,
        _positive_int,
        "Server worker processes (default: one per CPU core).",
    ),
    Setting("threads", lambda: 2, _positive_int, "Threads per server worker."),
    Setting(
        "query_timeout",
        lambda: 10.0,
        _positive_float,
        "Deadline of one SPARQL or named query, in seconds; a query past it is stopped (504).",
    ),
    Setting(
        "row_cap",
        lambda: 10000,
        _positive_int,
        "Most rows (or triples) one query may return; beyond it the answer is an explicit error.",
    ),
    Setting(
        "query_processes",
        lambda: 1,
        _positive_int,
        "Query processes per server worker, at least one per thread (a runaway query is "
        "stopped by ending its process).",
    ),
    Setting(
        "query_slots",
        lambda: 2,
        _positive_int,
        "User SPARQL queries one server worker runs at once, each in a query process of its "
        "own (at low CPU priority after 0.5 s) and on a thread of its own (beyond `threads`), "
        "so that lookups and named queries never wait for them; a query that finds every slot "
        "taken for 0.5 s is answered 503 with Retry-After.",
    ),
    Setting(
        "query_memory",
        lambda: 250000,
        _count,
        "Query processes copy a store of at most this many quads into memory at start "
        "(queries run about 1.5-3x faster; about 0.5 KB of memory per quad and process); "
        "0 always reads from disk.",
    ),
    Setting(
        "max_body",
        lambda: 1048576,
        _positive_int,
        "Largest request body accepted, in bytes (413 beyond it).",
    ),
    Setting(
        "max_url",
        lambda: 8192,
        _positive_int,
        "Longest request URL accepted, in characters (414 beyond it: send long queries by POST).",
    ),
    Setting(
        "rate_limit",
        lambda: "6000 per minute",
        str,
        "Requests allowed per client address (flask-limiter syntax, e.g. '100 per second'); "
        "'off' disables it.",
    ),
    Setting("cors", lambda: True, _flag, "Allow cross-origin GET/POST on the query routes."),
    Setting(
        "sparql_endpoint",
        lambda: "",
        _url,
        "Query endpoint of a remote SPARQL 1.1 store (e.g. http://localhost:7878/query); when "
        "set, the API, named queries and CLI read from it instead of the embedded store.",
    ),
    Setting(
        "sparql_update_endpoint",
        lambda: "",
        _url,
        "Update endpoint of that store (e.g. http://localhost:7878/update), used by "
        "`metakg push` and `metakg load --remote`.",
    ),
    Setting(
        "sparql_store_endpoint",
        lambda: "",
        _url,
        "Graph Store Protocol endpoint of that store (e.g. http://localhost:7878/store); "
        "optional, makes `metakg push` upload in bulk instead of by SPARQL Update.",
    ),
    Setting("neo4j_uri", lambda: "", str, "Neo4j server for `metakg neo4j` (bolt:// or neo4j://)."),
    Setting("neo4j_user", lambda: "neo4j", str, "Neo4j user name."),
    Setting("neo4j_password", lambda: "", str, "Neo4j password."),
    Setting("neo4j_database", lambda: "neo4j", str, "Neo4j database name."),
)


class SettingError(ValueError):
    pass


def load_settings(environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    environ = os.environ if environ is None else environ
    values: dict[str, Any] = {}
    for setting in SETTINGS:
        raw = environ.get(setting.env)
        if raw is None or raw == "":
            values[setting.name] = setting.default()
            continue
        try:
            values[setting.name] = setting.parse(raw)
        except ValueError as exc:
            raise SettingError(f"{setting.env}={raw!r} is not valid: {exc}") from None
    return values


def settings_with(
    overrides: Mapping[str, Any] | None, environ: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """The settings from the environment, with ``overrides`` (by setting name) on top."""
    values = load_settings(environ)
    for name, value in (overrides or {}).items():
        if name not in values:
            raise SettingError(
                f"unknown setting {name!r}; known settings: {', '.join(sorted(values))}"
            )
        values[name] = value
    return values


def release_date(environ: Mapping[str, str] | None = None) -> str:
    """The date a build records: fixed by ``SOURCE_DATE_EPOCH`` when set (the reproducible-
    builds convention, read here with the other variables), else now. A value that is not a
    number of seconds raises :class:`graph.dataset.ReleaseDateError`."""
    from graph import dataset

    return dataset.release_date(os.environ if environ is None else environ)


def describe_settings() -> str:
    return "\n".join(f"{s.env}: {s.help}" for s in SETTINGS)


def to_environ(values: Mapping[str, Any]) -> dict[str, str]:
    """``METAKG_*`` variables that reproduce ``values`` (for server worker processes)."""
    by_name = {s.name: s for s in SETTINGS}
    return {by_name[name].env: str(value) for name, value in values.items() if name in by_name}
