"""Reading GMT files: lines, gene set rows, member names and the references in a description.

Shared by the ingestor (ingest/gmt.py, where the format and its evidence rules are described)
and by ``metakg simulate --gmt``, which reads a file's sets as a profile without loading
anything. Everything streams: one line at a time.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from ingest.gene_info import open_binary
from ingest.problems import Problems

_SLUG_RUN = re.compile(r"[^a-z0-9]+")
WEIGHTED = re.compile(r"^(?P<name>[^,]+),\s*[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?$")
#: Reference forms taken from a description, each giving one reference string.
_DESCRIPTION_REFS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"\bPMID\s*:?\s*(\d+)\b", re.IGNORECASE), "PMID:{}"),
    (re.compile(r"pubmed(?:\.ncbi\.nlm\.nih\.gov)?/(\d+)\b", re.IGNORECASE), "PMID:{}"),
    (re.compile(r"\bPMCID\s*:?\s*(PMC\d+)\b", re.IGNORECASE), "PMCID:{}"),
    (re.compile(r"/pmc/articles/(PMC\d+)\b", re.IGNORECASE), "PMCID:{}"),
    (re.compile(r"\bdoi\s*:\s*(10\.\d{4,9}/[^\s;,]+)", re.IGNORECASE), "doi:{}"),
    (re.compile(r"doi\.org/(10\.\d{4,9}/[^\s;,]+)", re.IGNORECASE), "doi:{}"),
)


class GeneSetChoiceError(ValueError):
    """A wanted set is not in the file, or the file holds several and none was named."""


def slug(name: str) -> str:
    """The local part of a gene set's node id: ``HALLMARK_HYPOXIA`` -> ``hallmark_hypoxia``."""
    return _SLUG_RUN.sub("_", name.casefold()).strip("_")


def references_in(description: str) -> tuple[str, ...]:
    """The publication references written in a description, in order, each once.

    >>> references_in("Lung metastasis genes (PMID: 17420468; https://doi.org/10.1038/nature05760).")
    ('PMID:17420468', 'doi:10.1038/nature05760')
    """
    found: list[tuple[int, str]] = []
    for pattern, form in _DESCRIPTION_REFS:
        for match in pattern.finditer(description):
            value = match.group(1).rstrip(".)]")
            found.append((match.start(), form.format(value)))
    refs = [ref for _, ref in sorted(found)]
    return tuple(dict.fromkeys(normalise_reference(ref) for ref in refs))


def member_name(cell: str) -> str:
    """A member cell as a name the pipeline resolves: a bare NCBI Gene id becomes a CURIE
    and an Enrichr weight is dropped (``TP53,1.0`` -> ``TP53``)."""
    text = cell.strip()
    weighted = WEIGHTED.match(text)
    if weighted:
        text = weighted.group("name").strip()
    return f"NCBIGene:{int(text)}" if text.isascii() and text.isdigit() else text


def normalise_reference(ref: str) -> str:
    prefix, _, local = ref.partition(":")
    key = prefix.casefold()
    if key == "doi":
        return "doi:" + local.casefold()
    return {"pmid": "PMID", "pmcid": "PMCID"}.get(key, prefix) + ":" + local.upper()


@dataclass(frozen=True, slots=True)
class GeneSetLine:
    """One gene set line: its name, description and member names (as :func:`member_name`
    gives them), and the line number."""

    line: int
    name: str
    description: str
    members: tuple[str, ...]


def split_line(number: int, text: str) -> GeneSetLine | str:
    """A GMT line as a :class:`GeneSetLine`, or the reason it is not one."""
    cells = text.split("\t")
    while cells and not cells[-1].strip():
        cells.pop()
    name = cells[0].strip() if cells else ""
    if len(cells) < 3 or not name:
        what = "no set name" if not name else f"gene set {name!r} has no genes"
        return f"{what}; a GMT line is: name<TAB>description<TAB>gene<TAB>gene... (tab-separated)"
    members = tuple(m for m in (member_name(cell) for cell in cells[2:]) if m)
    return GeneSetLine(number, name, cells[1].strip(), members)


def read_gene_sets(path: Path, problems: Problems) -> Iterator[GeneSetLine]:
    """Every gene set of a GMT file, one at a time (``#`` lines are skipped; a line that is
    not a gene set is a ``bad-row`` problem). No evidence is needed: this is how a file is
    read as a simulator profile (``metakg simulate --gmt``)."""
    for number, text in lines(path, problems):
        if not text.strip() or text.startswith("#"):
            continue
        found = split_line(number, text)
        if isinstance(found, str):
            problems.add(str(path), number, "genes", "bad-row", found)
        else:
            yield found


def pick_gene_sets(
    path: Path, wanted: Sequence[str], problems: Problems
) -> tuple[list[GeneSetLine], list[str]]:
    """The sets named ``wanted`` (by name, ignoring case and punctuation as :func:`slug`
    does), or the file's only set when ``wanted`` is empty; and the names of all its sets.
    Raises :class:`GeneSetChoiceError` when a wanted set is missing or the choice is open.
    Bad lines go to ``problems``; only the chosen sets are kept in memory."""
    keys = {slug(name): name for name in wanted}
    chosen: dict[str, GeneSetLine] = {}
    names: list[str] = []
    first: GeneSetLine | None = None
    for gene_set in read_gene_sets(path, problems):
        names.append(gene_set.name)
        first = first or gene_set
        if slug(gene_set.name) in keys:
            chosen.setdefault(slug(gene_set.name), gene_set)
    listed = ", ".join(names[:20]) + (f" ... ({len(names)} sets)" if len(names) > 20 else "")
    if first is None:
        raise GeneSetChoiceError(f"{path}: no gene set in the file")
    if not keys:
        if len(names) > 1:
            raise GeneSetChoiceError(
                f"{path}: {len(names)} gene sets; choose with --gene-set NAME: {listed}"
            )
        return [first], names
    missing = [name for key, name in keys.items() if key not in chosen]
    if missing:
        raise GeneSetChoiceError(
            f"{path}: no gene set named {', '.join(repr(m) for m in missing)}; the file has: "
            + listed
        )
    return [chosen[key] for key in keys], names


def lines(path: Path, problems: Problems) -> Iterator[tuple[int, str]]:
    """``(line number, text)`` of a plain or gzip-compressed UTF-8 file, one at a time."""
    number = 0
    try:
        with open_binary(path) as handle:
            for number, raw in enumerate(handle, start=1):
                if number == 1:
                    raw = raw.removeprefix(b"\xef\xbb\xbf")
                try:
                    yield number, raw.decode("utf-8").rstrip("\r\n")
                except UnicodeDecodeError as exc:
                    problems.add(
                        str(path),
                        number,
                        "",
                        "bad-encoding",
                        f"byte 0x{raw[exc.start]:02x} at column {exc.start + 1} is not valid "
                        "UTF-8; save the file as UTF-8",
                    )
    except (OSError, EOFError, zlib.error) as exc:
        problems.add(
            str(path),
            number + 1,
            "",
            "unreadable-file",
            f"the file could not be read past line {number}: {exc}",
        )
