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

from graph.store import default_store_path


@dataclass(frozen=True)
class Setting:
    name: str
    default: Callable[[], Any]
    parse: Callable[[str], Any]
    help: str

    @property
    def env(self) -> str:
        return "METAKG_" + self.name.upper()


SETTINGS: tuple[Setting, ...] = (
    Setting(
        "store",
        default_store_path,
        lambda value: Path(value).expanduser(),
        "Directory of the knowledge base store (default: the per-user data directory).",
    ),
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


def describe_settings() -> str:
    return "\n".join(f"{s.env}: {s.help}" for s in SETTINGS)
