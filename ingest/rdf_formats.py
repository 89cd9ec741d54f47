"""RDF file formats by extension, and the parser errors worth explaining.

Shared by the RDF ingestor (``ingest/rdf_files.py``) and the bulk loader (``ingest/bulk.py``).
pyoxigraph parses every format; it never fetches a remote JSON-LD ``@context`` (it has no
document loader), and :func:`parse_problem` turns that refusal into an error that names the
URL and says what to do.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox

from ingest.problems import Problems

#: File extensions and their formats.
RDF_FORMATS = {
    ".nt": ox.RdfFormat.N_TRIPLES,
    ".nq": ox.RdfFormat.N_QUADS,
    ".ttl": ox.RdfFormat.TURTLE,
    ".trig": ox.RdfFormat.TRIG,
    ".rdf": ox.RdfFormat.RDF_XML,
    ".owl": ox.RdfFormat.RDF_XML,
    ".jsonld": ox.RdfFormat.JSON_LD,
}
LINE_FORMATS = frozenset({ox.RdfFormat.N_TRIPLES, ox.RdfFormat.N_QUADS})

_REMOTE_CONTEXT = re.compile(r'"@(?:context|import)"\s*:\s*\[?\s*"([^"]+)"')


def rdf_format(path: Path) -> ox.RdfFormat | None:
    return RDF_FORMATS.get(path.suffix.lower())


def parse_problem(
    path: Path, exc: SyntaxError, problems: Problems, *, line_offset: int = 0
) -> None:
    """Report a parser error, naming the remote ``@context`` when that is the cause.

    ``line_offset`` is the number of lines before the text the parser was given (a chunk).
    """
    if "LoadDocumentCallback" in str(exc):
        url, line = remote_context(path)
        problems.add(
            str(path),
            line,
            "@context",
            "remote-context",
            f"the JSON-LD document needs the remote @context {url}; metakg never fetches "
            "remote contexts. Put the context object itself in the document (or convert the "
            "file to Turtle or N-Triples)",
        )
        return
    problems.add(
        str(path),
        line_offset + int(getattr(exc, "lineno", 0) or 0),
        "",
        "bad-rdf",
        f"not valid {path.suffix.lstrip('.')}: {exc.args[0] if exc.args else exc}",
    )


def remote_context(path: Path) -> tuple[str, int]:
    """The first remote context URL of a JSON-LD file and its line (scanned as text: the
    value may be on a line of its own, in an array)."""
    text = path.read_text(encoding="utf-8", errors="replace")
    match = _REMOTE_CONTEXT.search(text)
    if match:
        return match.group(1), text.count("\n", 0, match.start()) + 1
    return "(a remote context)", 0


def content_lines(path: Path) -> Iterator[int]:
    """The numbers of the lines holding a triple (N-Triples and N-Quads: one per line).

    A line ends with LF, CRLF or a lone CR, as the N-Triples grammar's EOL allows."""
    number = 0
    with path.open("rb") as handle:
        for raw in handle:  # a CRLF is never split: each chunk ends after an LF
            pieces = raw.replace(b"\r\n", b"\n").replace(b"\r", b"\n").split(b"\n")
            if pieces[-1] == b"":
                pieces.pop()  # what follows the last line end
            for piece in pieces:
                number += 1
                text = piece.strip()
                if text and not text.startswith(b"#"):
                    yield number
