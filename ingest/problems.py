"""Validation problems as data, collected and reported all at once."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import Enum

from graph.errors import MetakgError


class Level(Enum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, slots=True, order=True)
class Problem:
    """One thing wrong with an input: where, which field, what was expected, how to fix it.

    ``code`` is a short stable name (``unknown-gene``, ``bad-curie`` ...) that tests and tools
    can match on; ``message`` is the sentence shown to people.
    """

    file: str
    line: int
    field: str
    code: str
    message: str
    level: Level = Level.ERROR

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        field = f" [{self.field}]" if self.field else ""
        return f"{where}:{field} {self.level.value}: {self.message} ({self.code})"

    def as_dict(self) -> dict[str, object]:
        return {
            "file": self.file,
            "line": self.line,
            "field": self.field,
            "code": self.code,
            "message": self.message,
            "level": self.level.value,
        }


class ValidationFailed(MetakgError):
    """Input did not validate; carries every problem found, not just the first."""

    status = 400
    title = "Invalid input"

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems = tuple(sorted(problems, key=lambda p: (p.file, p.line, p.field, p.code)))
        errors = [p for p in self.problems if p.level is Level.ERROR]
        super().__init__(
            f"{len(errors)} problem(s) found:\n" + "\n".join(str(p) for p in self.problems)
        )


class Problems:
    """A collector: ingestors and validators add to it; the pipeline decides when to stop."""

    def __init__(self) -> None:
        self._items: list[Problem] = []
        self._errors = 0

    def add(
        self,
        file: str,
        line: int,
        field: str,
        code: str,
        message: str,
        level: Level = Level.ERROR,
    ) -> None:
        self._items.append(Problem(file, line, field, code, message, level))
        self._errors += level is Level.ERROR

    def extend(self, problems: Iterable[Problem]) -> None:
        added = list(problems)
        self._items.extend(added)
        self._errors += sum(p.level is Level.ERROR for p in added)

    @property
    def error_count(self) -> int:
        """How many errors so far (cheap: kept as problems are added)."""
        return self._errors

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self._items if p.level is Level.ERROR]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self._items if p.level is Level.WARNING]

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def raise_if_errors(self) -> None:
        if self.errors:
            raise ValidationFailed(self._items)
