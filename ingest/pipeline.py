"""From source files to one validated knowledge base, in memory, before anything is written.

:func:`plan_sources` picks an ingestor for every source; :func:`assemble` runs them, merges
their records, enriches genes and diseases from dictionary sources, resolves every name an
assertion uses, and raises :class:`~ingest.problems.ValidationFailed` with every problem at
once. Nothing here touches a store.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from graph.model import EdgeRecord, NodeRecord, SourceLocation, SubclassRecord
from graph.names import NameIndex, Resolution
from graph.vocab import GENE_LIKE, Category
from ingest import documented_sources, gene_table, registry
from ingest.curated import default_data_dir
from ingest.problems import Level, Problem, Problems, ValidationFailed
from ingest.registry import IngestorSpec
from ingest.tabular import FORBIDDEN_CHARACTERS, forbidden_character


@dataclass(frozen=True)
class Source:
    path: Path
    ingestor: IngestorSpec
    display: str

    @property
    def role(self) -> str:
        return self.ingestor.role

    def digest(self) -> str:
        """SHA-256 over the file, or over a directory's tables in name order."""
        sha = hashlib.sha256()
        files = (
            sorted(p for p in self.path.rglob("*") if p.is_file())
            if self.path.is_dir()
            else [self.path]
        )
        for file in files:
            sha.update(
                file.relative_to(self.path).as_posix().encode() if self.path.is_dir() else b""
            )
            sha.update(file.read_bytes())
        return sha.hexdigest()


@dataclass(frozen=True)
class KnowledgeBase:
    nodes: tuple[NodeRecord, ...]
    edges: tuple[EdgeRecord, ...]
    hierarchy: tuple[SubclassRecord, ...]
    sources: tuple[Source, ...]
    warnings: tuple[Problem, ...] = ()


def plan_sources(extra: Sequence[Path | str] = (), *, curated: bool = True) -> list[Source]:
    """The curated sources (unless ``curated`` is False) followed by ``extra``, each with the
    ingestor that reads it. A missing or unrecognised path is a problem, reported with the rest.
    """
    problems = Problems()
    sources: list[Source] = []
    if curated:
        data = default_data_dir()
        sources.append(Source(data, registry.get("curated_directory"), "ingest/data"))
    for item in extra:
        path = Path(item)
        if not path.exists():
            problems.add(str(path), 0, "", "missing-source", f"'{path}' does not exist")
            continue
        spec = registry.detect(path)
        if spec is None:
            problems.add(
                str(path),
                0,
                "",
                "unknown-source",
                "no ingestor recognises this file; expected a directory laid out like "
                "ingest/data, an assertions table (.tsv/.csv with subject, predicate, object "
                "columns), NCBI gene_info, a Disease Ontology report, a numbered reference "
                "list (.txt), KGX nodes/edges (.tsv or .jsonl), RDF (.nt, .nq, .ttl, .rdf, "
                ".jsonld), gene sets (.gmt) or an OBO ontology (.obo). Registered ingestors: "
                f"{', '.join(registry.names())}",
            )
            continue
        sources.append(Source(path, spec, str(item)))
    problems.raise_if_errors()
    return sources


def assemble(sources: Sequence[Source]) -> KnowledgeBase:
    """Read every source and return the validated knowledge base, or raise ValidationFailed.

    The result depends only on the sources and their order, never on hash seeds or set
    iteration: nodes and edges are sorted by id, and when two sources give the same
    subClassOf pair (a curated ``parent`` that the Disease Ontology also states), the one
    kept is the first in the merge order of :func:`merge_hierarchy`.
    """
    problems = Problems()
    merger = _Merger(problems)
    for source in sources:
        merger.read(source)
    merger.enrich_genes()
    merger.resolve_edges()
    result = _relabel_problems(problems, sources)
    if any(p.level is Level.ERROR for p in result):
        raise ValidationFailed(result)
    return KnowledgeBase(
        nodes=tuple(sorted(merger.nodes.values(), key=lambda n: n.id)),
        edges=tuple(sorted(merger.resolved, key=lambda e: e.id)),
        hierarchy=merge_hierarchy(merger.hierarchy),
        sources=tuple(sources),
        warnings=tuple(p for p in result if p.level is Level.WARNING),
    )


def merge_hierarchy(records: Iterable[SubclassRecord]) -> tuple[SubclassRecord, ...]:
    """One subClassOf record per (child, parent) pair, sorted by child then parent.

    Merge order: ``records`` come in reading order, that is the sources in the order they were
    planned (the curated directory first, then each ``--source`` in command-line order), each
    file top to bottom, and after all of them the ancestors pulled from dictionary sources
    (the Disease Ontology). The first record of a pair wins, so a curated ``parent`` keeps its
    own file and line as provenance even when the ontology states the same pair.
    """
    kept: dict[tuple[str, str], SubclassRecord] = {}
    for record in records:
        kept.setdefault((record.child, record.parent), record)
    return tuple(kept[key] for key in sorted(kept))


#: The text fields of each record type: none may hold a character XML 1.0 cannot carry.
_TEXT_FIELDS: dict[type, tuple[str, ...]] = {
    NodeRecord: (
        "id", "label", "symbol", "synonyms", "xrefs", "description", "taxon", "properties",
        "weak_synonyms",
    ),
    EdgeRecord: ("subject", "object", "references", "note", "cancer_type", "organ", "step"),
    SubclassRecord: ("child", "parent"),
}


class _Merger:
    def __init__(self, problems: Problems) -> None:
        self.problems = problems
        self.nodes: dict[str, NodeRecord] = {}
        self.dictionary: dict[str, NodeRecord] = {}
        self.dictionary_parents: dict[str, set[str]] = defaultdict(set)
        self.edges: list[EdgeRecord] = []
        self.hierarchy: list[SubclassRecord] = []
        self.resolved: list[EdgeRecord] = []
        self._display: dict[str, str] = {}
        self._gene_table = False
        #: Ids and xrefs of the genes known so far (built on the first gene-table lookup).
        self._gene_ids: dict[str, str] | None = None
        #: ``id()`` of the edges whose unresolved names are skipped with a warning.
        self._lenient: set[int] = set()

    # -- reading -------------------------------------------------------------------------
    def read(self, source: Source) -> None:
        prefix = str(source.path)
        for record in source.ingestor.func(source.path, self.problems):
            record = replace(record, source=_display(record.source, prefix, source.display))
            if self._unrepresentable(record):
                continue
            if isinstance(record, NodeRecord):
                self._add_node(record, source.role)
            elif isinstance(record, EdgeRecord):
                self.edges.append(record)
                if source.ingestor.skip_unresolved:
                    self._lenient.add(id(record))
            elif source.role == "dictionary":
                self.dictionary_parents[record.child].add(record.parent)
            else:
                self.hierarchy.append(record)

    def _unrepresentable(self, record: NodeRecord | EdgeRecord | SubclassRecord) -> bool:
        """Report and drop a record whose text holds a character XML 1.0 cannot carry (a NUL,
        an escape ...), whichever ingestor read it: tables refuse them cell by cell with the
        column; this catches the other formats (KGX, GMT, OBO, RDF, gene_info)."""
        for name in _TEXT_FIELDS[type(record)]:
            value = getattr(record, name)
            for text in value if isinstance(value, tuple) else (value,):
                if isinstance(text, tuple):
                    text = text[1]  # a (name, value) property
                if isinstance(text, str) and FORBIDDEN_CHARACTERS.search(text):
                    forbidden_character(
                        record.source.file,
                        record.source.line,
                        name,
                        text,
                        self.problems,
                        what="value",
                    )
                    return True
        return False

    def _add_node(self, node: NodeRecord, role: str) -> None:
        if role == "dictionary":
            self.dictionary[node.id] = node
            return
        first = self.nodes.get(node.id)
        if first is not None:
            self.problems.add(
                node.source.file,
                node.source.line,
                "id",
                "duplicate-node",
                f"{node.id} ({node.label}) is already defined at {first.source}; "
                "define each entity once",
            )
            return
        self.nodes[node.id] = node

    # -- dictionaries ----------------------------------------------------------------------
    def enrich_genes(self) -> None:
        genes = [n for n in self.dictionary.values() if n.category in GENE_LIKE]
        if not genes:
            return
        by_hgnc = {x: n for n in genes for x in n.xrefs if x.startswith("HGNC:")}
        by_symbol: dict[str, list[NodeRecord]] = defaultdict(list)
        for n in genes:
            by_symbol[n.symbol or n.label].append(n)
        for node in list(self.nodes.values()):
            if node.category not in GENE_LIKE:
                continue
            hgnc = next((x for x in (node.id, *node.xrefs) if x.startswith("HGNC:")), None)
            match = self.dictionary.get(node.id) if node.id.startswith("NCBIGene:") else None
            if match is None and hgnc:
                match = by_hgnc.get(hgnc)
            if match is None and node.id.startswith("metakg:"):
                same = by_symbol.get(node.symbol or "", [])
                match = same[0] if len(same) == 1 else None
            if match is None:
                continue
            match_hgnc = next((x for x in match.xrefs if x.startswith("HGNC:")), None)
            if hgnc and match_hgnc and hgnc != match_hgnc:
                self.problems.add(
                    node.source.file,
                    node.source.line,
                    "hgnc",
                    "identifier-conflict",
                    f"{node.symbol} has {hgnc} here but {match.id} carries {match_hgnc} in "
                    f"{match.source}; correct the identifier that is wrong",
                )
                continue
            new_id = node.id if not node.id.startswith("metakg:") else match.id
            xrefs = {*node.xrefs, *(x for x in (hgnc, match_hgnc) if x)} - {new_id}
            weak = [s for s in (match.symbol, *match.weak_synonyms) if s and s != node.symbol]
            enriched = replace(
                node,
                id=new_id,
                xrefs=tuple(sorted(xrefs)),
                weak_synonyms=tuple(dict.fromkeys((*node.weak_synonyms, *weak))),
            )
            del self.nodes[node.id]
            self.nodes[new_id] = enriched

    def _pull_disease(self, node_id: str) -> None:
        """Add a Disease Ontology term and its ancestors, with their subClassOf edges."""
        stack = [node_id]
        seen: set[str] = set()
        while stack:
            term = stack.pop()
            if term in seen:
                continue
            seen.add(term)
            if term not in self.nodes and term in self.dictionary:
                self.nodes[term] = self.dictionary[term]
            for parent in sorted(self.dictionary_parents.get(term, ())):
                if parent not in self.nodes and parent not in self.dictionary:
                    continue  # a parent the dictionary does not define: no edge to a bare id
                source = self.dictionary[term].source if term in self.dictionary else None
                self.hierarchy.append(
                    SubclassRecord(term, parent, source or SourceLocation(""), origin="dictionary")
                )
                stack.append(parent)

    # -- resolution ----------------------------------------------------------------------
    def resolve_edges(self) -> None:
        for node in list(self.nodes.values()):
            if node.category is Category.CANCER_TYPE and node.id in self.dictionary:
                self._check_disease_label(node)
                self._pull_disease(node.id)
        index = NameIndex(self.nodes.values())
        fallback = NameIndex(self.dictionary.values())
        # Without a gene_info source, the shipped human gene table resolves unknown genes.
        self._gene_table = not any(n.category in GENE_LIKE for n in self.dictionary.values())
        publications = {
            x.casefold(): n.id
            for n in self.nodes.values()
            if n.category is Category.PUBLICATION
            for x in n.xrefs
        }
        seen_ids: dict[str, EdgeRecord] = {}
        for edge in self.edges:
            resolved = self._resolve(edge, index, fallback, publications)
            if resolved is None:
                continue
            first = seen_ids.get(resolved.id)
            if first is not None:
                if id(edge) in self._lenient:
                    self.problems.add(
                        edge.source.file,
                        edge.source.line,
                        "subject",
                        "duplicate-member",
                        f"'{edge.subject}' is the same gene as a member listed before "
                        f"({first.source}); it is kept once",
                        Level.WARNING,
                    )
                    continue
                self.problems.add(
                    edge.source.file,
                    edge.source.line,
                    "subject",
                    "duplicate-key",
                    f"the same assertion is already made at {first.source}; keep one row",
                )
                continue
            seen_ids[resolved.id] = resolved
            self.resolved.append(resolved)

    def _check_disease_label(self, node: NodeRecord) -> None:
        term = self.dictionary[node.id]
        if term.label.casefold() != node.label.casefold() and term.label.casefold() not in {
            s.casefold() for s in node.synonyms
        }:
            self.problems.add(
                node.source.file,
                node.source.line,
                "label",
                "label-mismatch",
                f"{node.id} is '{term.label}' in {term.source} but '{node.label}' here; "
                "check the identifier",
                Level.WARNING,
            )

    def _resolve(
        self,
        edge: EdgeRecord,
        index: NameIndex,
        fallback: NameIndex,
        publications: dict[str, str],
    ) -> EdgeRecord | None:
        spec = edge.predicate.value
        before = self.problems.error_count
        wanted: list[tuple[str, str | None, tuple[Category, ...]]] = [
            ("subject", edge.subject, spec.domain),
            ("object", edge.object, spec.range),
            ("cancer_type", edge.cancer_type, (Category.CANCER_TYPE,)),
            ("organ", edge.organ, (Category.ORGAN,)),
            ("step", edge.step, (Category.CASCADE_STEP,)),
        ]
        ids: dict[str, str | None] = {}
        lenient = id(edge) in self._lenient
        for field, name, categories in wanted:
            if name and lenient:
                ids[field] = self._lookup_or_skip(edge, field, name, categories, index, fallback)
                if ids[field] is None:
                    return None
                continue
            ids[field] = (
                self._lookup(edge, field, name, categories, index, fallback) if name else None
            )
        references = tuple(
            ref_id
            for ref_id in (self._reference(edge, ref, publications) for ref in edge.references)
            if ref_id
        )
        if self.problems.error_count > before:
            return None
        retracted = bool(references) and all(
            bool(self.nodes[r].prop("retracted", False)) for r in references
        )
        return replace(
            edge,
            subject=ids["subject"] or edge.subject,
            object=ids["object"] or edge.object,
            cancer_type=ids["cancer_type"],
            organ=ids["organ"],
            step=ids["step"],
            references=tuple(dict.fromkeys(references)),
            rests_only_on_retracted=retracted,
        )

    def _lookup_or_skip(
        self,
        edge: EdgeRecord,
        field: str,
        name: str,
        categories: tuple[Category, ...],
        index: NameIndex,
        fallback: NameIndex,
    ) -> str | None:
        """:meth:`_lookup` for an edge that may be skipped: a name that resolves to nothing
        (or to several things) is one warning, and the edge is left out."""
        scratch = Problems()
        kept, self.problems = self.problems, scratch
        try:
            found = self._lookup(edge, field, name, categories, index, fallback, hint=False)
        finally:
            self.problems = kept
        for problem in scratch:
            self.problems.add(
                problem.file,
                problem.line,
                problem.field,
                problem.code,
                f"{problem.message.split('; ')[0]}; this member is skipped",
                Level.WARNING,
            )
        return found

    def _lookup(
        self,
        edge: EdgeRecord,
        field: str,
        name: str,
        categories: tuple[Category, ...],
        index: NameIndex,
        fallback: NameIndex,
        *,
        hint: bool = True,
    ) -> str | None:
        """The node ``name`` resolves to, or None with a problem saying why (and, when ``hint``,
        the closest known names: costly on large tables)."""
        found = index.resolve(name, categories)
        if found.node_id is None and not found.candidates:
            extra = fallback.resolve(name, categories)
            if extra.node_id is not None:
                self.nodes[extra.node_id] = self.dictionary[extra.node_id]
                if categories == (Category.CANCER_TYPE,):
                    self._pull_disease(extra.node_id)
                index.add(self.dictionary[extra.node_id])
                return extra.node_id
            found = extra if extra.candidates else found
        if found.node_id is None and not found.candidates and self._gene_table:
            found = self._from_gene_table(name, categories, index)
        if found.node_id is not None:
            return found.node_id
        what = _category_words(categories)
        where = (edge.source.file, edge.source.line, field)
        if found.ambiguous:
            self.problems.add(
                *where,
                "ambiguous-name",
                f"'{name}' could be any of {', '.join(found.candidates)}; use one of these "
                "identifiers instead",
            )
            return None
        other = index.resolve(name)
        if other.node_id is not None:
            actual = index.category(other.node_id).key.replace("_", " ")
            self.problems.add(
                *where,
                "wrong-category",
                f"'{name}' is {_a(actual)} ({other.node_id}), but the {field} of "
                f"{edge.predicate.key} must be {_a(what)}",
            )
            return None
        hints = index.suggest(name, categories) if hint else []
        code = (
            "unknown-gene"
            if set(categories) <= set(GENE_LIKE)
            else (
                f"unknown-{categories[0].key.replace('_', '-')}"
                if len(categories) == 1
                else "unknown-entity"
            )
        )
        known = sorted(
            n.id.rsplit("/", 1)[1] if n.id.startswith("metakg:") else n.label
            for n in self.nodes.values()
            if n.category in categories
        ) if hint else []
        if code == "unknown-gene":
            fix = "add it to genes.tsv, or pass NCBI's gene_info with --source to resolve it"
        elif 0 < len(known) <= 30:
            fix = f"expected one of: {', '.join(known)}"
        else:
            fix = "use an id, label or alias from the curated tables"
        self.problems.add(
            *where,
            code,
            f"'{name}' is not a known {what}"
            + (f" (did you mean {', '.join(hints)}?)" if hints else "")
            + f"; {fix}",
        )
        return None

    def _from_gene_table(
        self, name: str, categories: tuple[Category, ...], index: NameIndex
    ) -> Resolution:
        other = index.resolve(name)
        if other.node_id is not None or other.candidates:
            return Resolution(name, None, ())  # another kind of entity: reported as such
        if self._gene_ids is None:
            self._gene_ids = gene_table.gene_ids(self.nodes.values())
        found, new = gene_table.resolve(name, categories, self.nodes, known_ids=self._gene_ids)
        if new is not None:
            self.nodes[new.id] = new
            self._gene_ids.update(gene_table.gene_ids([new]))
            index.add(new)
        return found

    def _reference(self, edge: EdgeRecord, ref: str, publications: dict[str, str]) -> str | None:
        where = (edge.source.file, edge.source.line, "references")
        if documented_sources.is_reference(ref):
            return documented_sources.resolve(ref, self.nodes, self.problems, where)
        if ref.isdigit():
            node_id = f"metakg:ref/{int(ref)}"
            if node_id not in self.nodes:
                numbers = [
                    int(n.prop("referenceNumber", 0) or 0)
                    for n in self.nodes.values()
                    if n.category is Category.PUBLICATION
                ]
                top = max(numbers, default=0)
                self.problems.add(
                    *where,
                    "unknown-reference",
                    f"reference {ref} is not in the review's reference list (1-{top}); "
                    "cite an existing number or a publication CURIE such as PMID:17420468",
                )
                return None
            return node_id
        curie = _normalise_publication(ref)
        known = publications.get(curie.casefold())
        if known:
            return known
        if curie not in self.nodes:
            self.nodes[curie] = NodeRecord(
                id=curie, category=Category.PUBLICATION, label=curie, source=edge.source
            )
        return curie


def _normalise_publication(ref: str) -> str:
    prefix, _, local = ref.partition(":")
    prefix = {"pmid": "PMID", "pmcid": "PMCID", "pmc": "PMCID", "doi": "doi"}[prefix.casefold()]
    if prefix == "doi":
        local = local.casefold()
    return f"{prefix}:{local}"


def _a(noun: str) -> str:
    return ("an " if noun[:1] in "aeiou" else "a ") + noun


def _category_words(categories: Iterable[Category]) -> str:
    keys = [c.key.replace("_", " ") for c in categories]
    if set(keys) == {"gene", "microrna"}:
        return "gene or miRNA"
    return " or ".join(keys)


def _display(location: SourceLocation, prefix: str, display: str) -> SourceLocation:
    if location.file.startswith(prefix) and prefix != display:
        return replace(location, file=display + location.file[len(prefix) :])
    return location


def _relabel_problems(problems: Problems, sources: Sequence[Source]) -> list[Problem]:
    out = []
    for problem in problems:
        file = problem.file
        for source in sources:
            prefix = str(source.path)
            if file.startswith(prefix) and prefix != source.display:
                file = source.display + file[len(prefix) :]
                break
        out.append(replace(problem, file=file))
    return out
