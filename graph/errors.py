"""The root of metakg's error tree.

Every error metakg raises on purpose derives from :class:`MetakgError` and carries the HTTP
status and title a server answers with, so one handler can render any of them (as
``application/problem+json`` once the HTTP API exists) and the CLI can print them plainly.
"""

from __future__ import annotations


class MetakgError(Exception):
    status = 500
    title = "Internal error"
