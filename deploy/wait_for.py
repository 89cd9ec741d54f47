"""Wait until the services metakg talks to are up: the first step of the compose `init` service.

    python wait_for.py [--timeout SECONDS] [TARGET ...]

A TARGET is an ``http://`` or ``https://`` URL, ready once it answers with any HTTP status below
500, or a ``bolt://``, ``neo4j://`` or ``tcp://`` URI, ready once a TCP connection to its host
and port opens. Without targets, the METAKG_SPARQL_ENDPOINT and METAKG_NEO4J_URI settings that
are set in the environment are the targets.

Exit status: 0 when every target is ready; 1 when the deadline passes first (the message names
the targets that are not ready and the last error of each); 2 for a target that is not a URL of
those kinds. Standard library only, so it runs before anything else is importable.
"""

from __future__ import annotations

import argparse
import os
import socket
import sys
import time
import urllib.error
import urllib.request
from urllib.parse import urlsplit

ENVIRONMENT_TARGETS = ("METAKG_SPARQL_ENDPOINT", "METAKG_NEO4J_URI")
TCP_PORTS = {"bolt": 7687, "neo4j": 7687}
HTTP_SCHEMES = ("http", "https")


class BadTarget(ValueError):
    pass


def check(target: str, *, timeout: float) -> str | None:
    """None when ``target`` is ready, else why not (one line)."""
    parts = urlsplit(target)
    try:
        port = parts.port
    except ValueError as exc:
        raise BadTarget(f"{target!r}: {exc}") from None
    if parts.scheme in HTTP_SCHEMES and parts.hostname:
        try:
            with urllib.request.urlopen(target, timeout=timeout):
                return None
        except urllib.error.HTTPError as exc:
            return None if exc.code < 500 else f"HTTP {exc.code}"
        except (OSError, ValueError) as exc:
            return str(getattr(exc, "reason", exc))
    if parts.scheme in (*TCP_PORTS, "tcp") and parts.hostname:
        port = port or TCP_PORTS.get(parts.scheme)
        if port is None:
            raise BadTarget(f"{target!r}: a tcp:// target needs a port, e.g. tcp://neo4j:7687")
        try:
            with socket.create_connection((parts.hostname, port), timeout=timeout):
                return None
        except OSError as exc:
            return str(exc)
    raise BadTarget(f"{target!r} is not an http(s)://, bolt://, neo4j:// or tcp:// URL with a host")


def wait(targets: list[str], *, timeout: float, interval: float = 1.0) -> dict[str, str]:
    """Poll until every target is ready or ``timeout`` seconds pass; the ones still not ready."""
    deadline = time.monotonic() + timeout
    pending = {target: "not tried" for target in targets}
    while True:
        for target in list(pending):
            reason = check(target, timeout=max(0.5, min(5.0, interval * 5)))
            if reason is None:
                print(f"ready: {target}", flush=True)
                del pending[target]
            else:
                pending[target] = reason
        if not pending or time.monotonic() >= deadline:
            return pending
        time.sleep(interval)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("targets", nargs="*", metavar="TARGET")
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds (default 120)")
    parser.add_argument("--interval", type=float, default=1.0, help="seconds between tries")
    args = parser.parse_args(argv)
    targets = args.targets or [os.environ[n] for n in ENVIRONMENT_TARGETS if os.environ.get(n)]
    if not targets:
        print(
            f"nothing to wait for: give targets or set {' or '.join(ENVIRONMENT_TARGETS)}",
            file=sys.stderr,
        )
        return 2
    try:  # every target is checked once before any waiting, so a malformed one fails at once
        pending = wait(targets, timeout=args.timeout, interval=args.interval)
    except BadTarget as exc:
        print(f"wait_for: {exc}", file=sys.stderr)
        return 2
    for target, reason in pending.items():
        print(f"not ready after {args.timeout:g} s: {target} ({reason})", file=sys.stderr)
    return 1 if pending else 0


if __name__ == "__main__":
    sys.exit(main())
