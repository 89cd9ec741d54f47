"""Readers for the Docker deployment files, for tests/test_deploy_files.py.

Each implements only the part of Docker's or Compose's rules that the repository's files use,
and says so: Compose variable interpolation, the short port syntax, `.dockerignore` patterns,
and a scan for secrets written as literals.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import dockerfile
import yaml

ROOT = Path(__file__).resolve().parents[1]
COMPOSE = ROOT / "docker-compose.yml"
DOCKERFILE = ROOT / "Dockerfile"
DOCKERIGNORE = ROOT / ".dockerignore"
ENV_EXAMPLE = ROOT / ".env.example"
DEPLOY_DOC = ROOT / "docs" / "deploy.md"
WAIT_FOR = ROOT / "deploy" / "wait_for.py"
DEPLOY_FILES = (COMPOSE, DOCKERFILE, DOCKERIGNORE, ENV_EXAMPLE, DEPLOY_DOC, WAIT_FOR)


def compose() -> dict:
    return yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))


def service(name: str) -> dict:
    return compose()["services"][name]


def dockerfile_commands() -> tuple[dockerfile.Command, ...]:
    """The Dockerfile parsed by BuildKit's own parser (the `dockerfile` package)."""
    return dockerfile.parse_file(str(DOCKERFILE))


def commands(name: str) -> list[dockerfile.Command]:
    """The Dockerfile's instructions named ``name`` (``RUN``, ``ENV`` ...), in order."""
    return [c for c in dockerfile_commands() if c.cmd == name]


def dockerfile_env() -> dict[str, str]:
    """What the Dockerfile's ``ENV`` instructions set."""
    env: dict[str, str] = {}
    for command in commands("ENV"):
        values = command.value
        env.update({values[i]: values[i + 1].strip("\"'") for i in range(0, len(values), 2)})
    return env


# --- Compose interpolation ---------------------------------------------------------------------


class MissingVariable(ValueError):
    pass


_VARIABLE = re.compile(
    r"\$(?:\$|\{(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<op>:?[-?])(?P<arg>[^}]*))?\}"
    r"|(?P<bare>[A-Za-z_][A-Za-z0-9_]*))"
)


def interpolate(value: str, environ: Mapping[str, str]) -> str:
    """``value`` with Compose's ``$$``, ``$VAR``, ``${VAR}``, ``${VAR:-default}``,
    ``${VAR-default}``, ``${VAR:?message}`` and ``${VAR?message}`` resolved from ``environ``."""

    def replace(match: re.Match[str]) -> str:
        if match.group(0) == "$$":
            return "$"
        name = match.group("name") or match.group("bare")
        op, arg = match.group("op"), match.group("arg") or ""
        current = environ.get(name)
        missing = current is None or (current == "" and op is not None and op.startswith(":"))
        if op in (":?", "?") and missing:
            raise MissingVariable(f"{name}: {arg}")
        if op in (":-", "-") and missing:
            return arg
        return current or ""

    return _VARIABLE.sub(replace, value)


def environment(service: Mapping, environ: Mapping[str, str]) -> dict[str, str]:
    """A service's ``environment`` (mapping or list form), interpolated."""
    raw = service.get("environment") or {}
    if isinstance(raw, list):
        raw = dict(item.split("=", 1) for item in raw)
    return {key: interpolate(str(value), environ) for key, value in raw.items()}


# --- ports ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Port:
    host_ip: str
    published: int | None
    target: int


def ports(service: Mapping) -> list[Port]:
    """Short syntax ``[[HOST_IP:]PUBLISHED:]TARGET[/PROTOCOL]``, single ports only."""
    found = []
    for entry in service.get("ports") or []:
        parts = str(entry).split("/", 1)[0].split(":")
        host_ip = parts[0] if len(parts) == 3 else ""
        published = int(parts[-2]) if len(parts) >= 2 else None
        found.append(Port(host_ip, published, int(parts[-1])))
    return found


# --- .dockerignore -----------------------------------------------------------------------------


def ignore_patterns() -> list[str]:
    lines = DOCKERIGNORE.read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


def _regex(pattern: str) -> re.Pattern[str]:
    out, i = [], 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif pattern.startswith("**", i):
            out.append(".*")
            i += 2
        elif pattern[i] == "*":
            out.append("[^/]*")
            i += 1
        elif pattern[i] == "?":
            out.append("[^/]")
            i += 1
        else:
            out.append(re.escape(pattern[i]))
            i += 1
    return re.compile("".join(out) + r"\Z")


def ignored(relative: str, patterns: Iterable[str]) -> bool:
    """Whether Docker leaves ``relative`` (a path under the context, with ``/``) out of the
    build context: the last matching pattern decides, ``!`` re-includes, a pattern that
    matches a directory matches everything under it, ``*``/``?`` stay within one path
    element and ``**`` spans any number of them."""
    parts = relative.strip("/").split("/")
    prefixes = ["/".join(parts[: i + 1]) for i in range(len(parts))]
    verdict = False
    for pattern in patterns:
        negate = pattern.startswith("!")
        regex = _regex(pattern.lstrip("!").strip("/"))
        if any(regex.match(prefix) for prefix in prefixes):
            verdict = not negate
    return verdict


# --- secrets ----------------------------------------------------------------------------------

_SECRET_KEY = re.compile(
    r"(?P<key>[A-Za-z0-9_]*(?:PASSWORD|PASSWD|SECRET|TOKEN|API_?KEY|PRIVATE_?KEY|CREDENTIALS?"
    r"|_AUTH)[A-Za-z0-9_]*)[ \t]*[:=][ \t]*(?P<value>\"[^\"]*\"|'[^']*'|[^\s#`]*)",
    re.IGNORECASE,
)
_SECRET_SHAPES = (
    re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----"),
    re.compile(r"\bAKIA[0-9A-Z]{16}\b"),  # an AWS access key id
    re.compile(r"\bgh[pousr]_[A-Za-z0-9]{36,}\b"),  # a GitHub token
)


def _is_literal(key: str, value: str) -> bool:
    value = value.strip().strip("\"'")
    if key.upper().endswith("AUTH") and "/" in value:
        value = value.split("/", 1)[1]  # NEO4J_AUTH is user/password
    return bool(value) and not value.startswith(("${", "<", "$"))


def secret_literals(text: str) -> list[str]:
    """Lines of ``text`` that give a secret-named variable a literal value (not empty, not
    ``${...}`` interpolation, not a ``<placeholder>``), or hold a key or token by its shape."""
    found = []
    for number, line in enumerate(text.splitlines(), 1):
        for match in _SECRET_KEY.finditer(line):
            if _is_literal(match.group("key"), match.group("value")):
                found.append(f"line {number}: {line.strip()}")
        found.extend(f"line {number}: {line.strip()}" for s in _SECRET_SHAPES if s.search(line))
    return found
