"""The simulator's versioned parameter file: every number with its unit, reason and source."""

from __future__ import annotations

import math
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType
from typing import Any

from graph.errors import MetakgError

PARAMETERS_FILE = Path(__file__).with_name("parameters.toml")


class ParameterError(MetakgError):
    """The parameter file is malformed, or a parameter asked for does not exist."""

    status = 500
    title = "Invalid simulator parameters"


# --- parameters ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Parameter:
    """One parameter: its dotted name, value, unit, why it has this value, and its source."""

    name: str
    value: float | str | tuple[str, ...]
    unit: str
    reason: str
    source: str = ""

    def to_dict(self) -> dict[str, Any]:
        value = list(self.value) if isinstance(self.value, tuple) else self.value
        return {
            "name": self.name,
            "value": value,
            "unit": self.unit,
            "reason": self.reason,
            "source": self.source,
        }


@dataclass(frozen=True, eq=False)
class Parameters:
    """The versioned parameter set. Immutable; :meth:`with_values` makes a changed copy."""

    version: str
    description: str
    items: Mapping[str, Parameter]

    @property
    def fingerprint(self) -> tuple[Any, ...]:
        return (self.version, tuple((n, p.value) for n, p in sorted(self.items.items())))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Parameters) and self.fingerprint == other.fingerprint

    def __hash__(self) -> int:
        return hash(self.fingerprint)

    def __contains__(self, name: str) -> bool:
        return name in self.items

    def __getitem__(self, name: str) -> Parameter:
        try:
            return self.items[name]
        except KeyError:
            raise ParameterError(f"the simulator has no parameter '{name}'") from None

    def number(self, name: str) -> float:
        value = self[name].value
        if not isinstance(value, float):
            raise ParameterError(f"parameter '{name}' is not a number")
        return value

    def text(self, name: str) -> str:
        value = self[name].value
        if not isinstance(value, str):
            raise ParameterError(f"parameter '{name}' is not a name")
        return value

    def names(self, name: str) -> tuple[str, ...]:
        value = self[name].value
        if not isinstance(value, tuple):
            raise ParameterError(f"parameter '{name}' is not a list of names")
        return value

    def keyed(self, group: str, key: str, leaf: str) -> Parameter:
        """``group.key.leaf``, else ``group.default.leaf`` (the fallback every group has)."""
        name = f"{group}.{key}.{leaf}"
        return self.items.get(name) or self[f"{group}.default.{leaf}"]

    def keys(self, group: str, leaf: str | None = None) -> list[str]:
        """The keys of a group (``barriers`` -> continuous_capillary, ...), without default."""
        prefix = group + "."
        found = []
        for name in self.items:
            if not name.startswith(prefix):
                continue
            parts = name[len(prefix) :].split(".")
            if len(parts) == 2 and (leaf is None or parts[1] == leaf) and parts[0] != "default":
                found.append(parts[0])
        return sorted(set(found))

    def numeric(self) -> dict[str, float]:
        """Every numeric parameter by name: what a sensitivity analysis perturbs."""
        return {n: p.value for n, p in sorted(self.items.items()) if isinstance(p.value, float)}

    def with_values(self, values: Mapping[str, float | str | Iterable[str]]) -> Parameters:
        """A copy with some values replaced (same names, same kinds of value)."""
        items = dict(self.items)
        for name, value in values.items():
            old = self[name]
            new = _coerce(name, value)
            if type(new) is not type(old.value):
                raise ParameterError(
                    f"parameter '{name}' holds a {type(old.value).__name__}, "
                    f"not a {type(new).__name__}"
                )
            items[name] = Parameter(name, new, old.unit, old.reason, old.source)
        return Parameters(self.version, self.description, MappingProxyType(items))

    def to_list(self) -> list[dict[str, Any]]:
        return [p.to_dict() for _, p in sorted(self.items.items())]


def _coerce(name: str, value: object) -> float | str | tuple[str, ...]:
    if isinstance(value, bool):
        raise ParameterError(f"parameter '{name}': a boolean is not a valid value")
    if isinstance(value, int | float):
        number = float(value)
        if not math.isfinite(number):
            raise ParameterError(f"parameter '{name}': {value} is not a finite number")
        return number
    if isinstance(value, str):
        return value
    if isinstance(value, list | tuple) and all(isinstance(v, str) for v in value):
        return tuple(value)
    raise ParameterError(
        f"parameter '{name}': expected a number, a name or a list of names, got {value!r}"
    )


def load_parameters(path: Path | str | None = None) -> Parameters:
    """Read a parameter file (default: the package's ``parameters.toml``).

    Every parameter is a table with ``value``, ``unit`` and ``reason`` (and optionally
    ``source``); ``[model]`` holds ``version`` and ``description``.
    """
    if path is None:
        return _default_parameters()
    return _read_parameters(Path(path))


@lru_cache(maxsize=1)
def _default_parameters() -> Parameters:
    return _read_parameters(PARAMETERS_FILE)


def _read_parameters(path: Path) -> Parameters:
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise ParameterError(f"{path}: cannot read the parameter file: {error}") from None
    header = document.pop("model", None)
    if not isinstance(header, dict) or not isinstance(header.get("version"), str):
        raise ParameterError(f"{path}: [model] must give a version string")
    items: dict[str, Parameter] = {}
    problems: list[str] = []

    def walk(table: dict[str, Any], prefix: str) -> None:
        if "value" in table:
            name = prefix
            extra = set(table) - {"value", "unit", "reason", "source"}
            if extra:
                problems.append(f"{name}: unknown fields {sorted(extra)}")
            for required in ("unit", "reason"):
                if not isinstance(table.get(required), str) or not table[required].strip():
                    problems.append(f"{name}: '{required}' must be a non-empty string")
            try:
                value = _coerce(name, table["value"])
            except ParameterError as error:
                problems.append(str(error))
                return
            items[name] = Parameter(
                name,
                value,
                str(table.get("unit", "")),
                str(table.get("reason", "")),
                str(table.get("source", "")),
            )
            return
        for key, sub in table.items():
            if not isinstance(sub, dict):
                problems.append(f"{prefix + '.' if prefix else ''}{key}: expected a table")
                continue
            walk(sub, f"{prefix}.{key}" if prefix else key)

    walk(document, "")
    if problems:
        raise ParameterError(f"{path}: " + "; ".join(problems))
    return Parameters(
        header["version"], str(header.get("description", "")), MappingProxyType(items)
    )
