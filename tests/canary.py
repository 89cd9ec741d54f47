"""A loopback canary for "nothing is fetched" tests: a real HTTP server on 127.0.0.1 (a free
port) that answers every GET with a small JSON-LD context and records the path asked for."""

from __future__ import annotations

import http.server
import json
import threading
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager

CONTEXT = {"@context": {"label": "http://www.w3.org/2000/01/rdf-schema#label"}}


@contextmanager
def counting_server() -> Iterator[tuple[str, list[str]]]:
    """Yield the server's base URL and the list of paths requested so far. The server is
    checked to count before it is handed over (that probe is then forgotten)."""
    requests: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            requests.append(self.path)
            body = json.dumps(CONTEXT).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/ld+json")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            return None

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        with urllib.request.urlopen(base + "/probe", timeout=5) as answer:
            assert answer.status == 200
        assert requests == ["/probe"]
        requests.clear()
        yield base, requests
    finally:
        server.shutdown()
        server.server_close()
