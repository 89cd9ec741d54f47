"""Where an export's files go, and what the export describes.

An exporter asks its :class:`Output` for a file by name and writes bytes to it. The same
exporter thus writes one file to a stream (``-o graph.ttl``, an HTTP response), several files
into a directory (``metakg export --all DIR``) or a zip archive of them.
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Protocol


@dataclass(frozen=True)
class DatasetInfo:
    """What an export describes: shown in file headers, graph attributes and descriptions."""

    title: str = "metakg: metastasis knowledge graph"
    version: str = "0"
    created: str = ""
    #: How the graph was selected, e.g. ``"whole graph"`` or ``"around PTGS2, 1 hop"``.
    selection: str = "whole graph"
    source: str = (
        "Nguyen, Bos & Massagué, Metastasis: from dissemination to organ-specific "
        "colonization. Nat Rev Cancer 9:274-284 (2009), doi:10.1038/nrc2622, and its references"
    )
    licence: str = "CC-BY-4.0"
    homepage: str = "https://w3id.org/metakg"
    extra: tuple[tuple[str, Any], ...] = field(default=())


class Output(Protocol):
    def open(self, name: str) -> Any:
        """A context manager giving a binary file named ``name`` to write."""
        ...


class DirectoryOutput:
    """Files written into a directory (created if needed)."""

    def __init__(self, directory: Path | str) -> None:
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self.names: list[str] = []

    @contextmanager
    def open(self, name: str) -> Iterator[IO[bytes]]:
        self.names.append(name)
        with (self.directory / name).open("wb") as handle:
            yield handle


class ZipOutput:
    """Files written as members of a zip archive on a binary stream."""

    def __init__(self, stream: IO[bytes]) -> None:
        self.archive = zipfile.ZipFile(stream, "w", compression=zipfile.ZIP_DEFLATED)
        self.names: list[str] = []

    @contextmanager
    def open(self, name: str) -> Iterator[IO[bytes]]:
        self.names.append(name)
        with self.archive.open(name, "w") as handle:
            yield handle

    def close(self) -> None:
        self.archive.close()


class StreamOutput:
    """One file written straight to a binary stream; asking for a second file is an error."""

    def __init__(self, stream: IO[bytes]) -> None:
        self.stream = stream
        self.names: list[str] = []

    @contextmanager
    def open(self, name: str) -> Iterator[IO[bytes]]:
        if self.names:
            raise ValueError(
                f"this output takes one file and already has {self.names[0]!r}; "
                "write a multi-file format to a directory or a zip archive"
            )
        self.names.append(name)
        yield self.stream
