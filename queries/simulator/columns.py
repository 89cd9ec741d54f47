"""The graph's gene assertions as columns, read in one pass over the networkx projection.

A large graph holds millions of assertions; the model needs a few numbers from each (who,
what, where, how strong) and the full record of only the few that a result cites. So the
builder reads every edge once (:func:`read_graph`), keeps the gene assertions
(``acts_at_step``, ``mediates_metastasis_to``, ``contributes_to``, ``regulates``) as arrays
of small integer codes (:class:`EdgeColumns`; names, qualifiers, evidence and reference lists
are interned once), and makes an :class:`EdgeRef` only when one is asked for, the same
:class:`EdgeRef` that the record's attributes give. The other predicates the model reads
(organ barriers, sites, capillary beds, latency and gene classes: a few per organ, cancer type
and gene) and the ``subclass_of`` hierarchy are kept as edges, as before.

Values are read with the same defaults as the attribute dicts' ``get`` (``direction``
promotes, ``confidence`` low, no evidence types or references, ``note`` empty). The model
keeps strings (edge keys, notes, node ids) shared with the graph, never its attribute dicts.
"""

from __future__ import annotations

import gc
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from itertools import compress
from operator import itemgetter
from typing import Any

import networkx as nx
import numpy as np

from graph.property_graph import SUBCLASS_PREDICATE
from queries.simulator.model import EdgeRef, Entity, Reference

#: Gene assertions kept as columns (code = position).
GENE_PREDICATES = ("acts_at_step", "mediates_metastasis_to", "contributes_to", "regulates")
REGULATES = 3
#: Assertions kept as edges ``(subject, object, key, attributes)``.
EDGE_PREDICATES = (
    "has_barrier",
    "metastasizes_to",
    "first_capillary_bed",
    "has_latency_class",
    "has_class",
)
_FIELDS = (  # read with the defaults of the attribute dicts' ``get`` (see read_graph)
    "kind",
    "direction",
    "confidence",
    "evidence_types",
    "references",
    "cancer_type",
    "organ",
    "step",
    "frequency",
    "rests_only_on_retracted",
    "note",
)
#: Attributes the projection writes on every association, with the defaults that apply when
#: one is missing; ``cancer_type``, ``organ``, ``step`` and ``frequency`` default to None.
_REQUIRED = (
    "kind",
    "direction",
    "confidence",
    "evidence_types",
    "references",
    "rests_only_on_retracted",
    "note",
)
_REQUIRED_DEFAULTS = ("association", "promotes", "low", (), (), False, "")
_CHUNK = 1 << 17  # rows collected before they are turned into columns


class Interner(dict):  # type: ignore[type-arg]
    """Value -> small integer code, in the order values are first seen; ``values`` decodes."""

    def __init__(self) -> None:
        super().__init__()
        self.values: list[Any] = []

    def __missing__(self, key: Any) -> int:
        code = len(self.values)
        self[key] = code
        self.values.append(key)
        return code

    def codes(self, items: Iterable[Any], count: int) -> np.ndarray:
        return np.fromiter(map(self.__getitem__, items), dtype=np.int32, count=count)


@contextmanager
def no_collection() -> Iterator[None]:
    """The cyclic garbage collector paused: building allocates millions of small objects
    (none of them cyclic), and each full collection would traverse the whole graph."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


@dataclass(eq=False)
class EdgeColumns:
    """The gene assertions of a graph: one row per assertion, in the graph's edge order.

    ``subject`` is the gene's position in the model, ``object``, ``cancer``, ``organ`` and
    ``step`` are codes of :attr:`nodes` (node ids, qualifiers; None for a missing qualifier),
    ``direction``, ``confidence``, ``evidence`` and ``references`` codes of their interners.
    """

    genes: tuple[Entity, ...] = ()
    keys: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    frequency: dict[int, Any] = field(default_factory=dict)
    nodes: Interner = field(default_factory=Interner)
    directions: Interner = field(default_factory=Interner)
    confidences: Interner = field(default_factory=Interner)
    evidence: Interner = field(default_factory=Interner)
    references: Interner = field(default_factory=Interner)
    entities: dict[str, Entity] = field(default_factory=dict)
    publications: dict[str, Reference] = field(default_factory=dict)
    arrays: dict[str, np.ndarray] = field(default_factory=dict)
    _parts: list[dict[str, np.ndarray]] = field(default_factory=list, repr=False)
    _refs: dict[int, EdgeRef] = field(default_factory=dict, repr=False)

    def __len__(self) -> int:
        return len(self.keys)

    def add_columns(self, cols: list[list[Any]]) -> None:
        """Append rows given as columns: gene, predicate code, object, key, then
        :data:`_FIELDS` (``kind`` first); rows of another kind than association are left out."""
        n = len(cols[0])
        if not n:
            return
        kind = cols[4]
        if kind.count("association") != n:
            keep = np.array([k == "association" for k in kind], dtype=bool)
            cols = [list(compress(c, keep)) for c in cols]
            n = len(cols[0])
        base = len(self.keys)
        direction, confidence, evidence, references = cols[5:9]
        cancer, organ, step, frequency, retracted, note = cols[9:15]
        self._parts.append(
            {
                "subject": np.array(cols[0], dtype=np.int32),
                "predicate": np.array(cols[1], dtype=np.int8),
                "object": self.nodes.codes(cols[2], n),
                "direction": self.directions.codes(direction, n),
                "confidence": self.confidences.codes(confidence, n),
                "evidence": self.evidence.codes(map(tuple, evidence), n),
                "references": self.references.codes(map(tuple, references), n),
                "cancer": self.nodes.codes(cancer, n),
                "organ": self.nodes.codes(organ, n),
                "step": self.nodes.codes(step, n),
                "retracted": np.fromiter(map(bool, retracted), dtype=bool, count=n),
            }
        )
        self.keys.extend(cols[3])
        self.notes.extend(note)
        self.frequency.update((base + i, f) for i, f in enumerate(frequency) if f is not None)

    def finish(self, graph: nx.MultiDiGraph, entity: Any, reference: Any) -> None:
        """Concatenate the parts; keep the entities and publications the rows name."""
        names = ("subject", "predicate", "object", "direction", "confidence", "evidence")
        names += ("references", "cancer", "organ", "step", "retracted")
        empty = {"predicate": np.int8, "retracted": bool}
        self.arrays = {
            k: np.concatenate([p[k] for p in self._parts])
            if self._parts
            else np.zeros(0, dtype=empty.get(k, np.int32))
            for k in names
        }
        self._parts = []
        objects = np.unique(self.arrays["object"]).tolist()
        self.entities = {self.nodes.values[c]: entity(self.nodes.values[c]) for c in objects}
        cited = {r for refs in self.references.values for r in refs}
        self.publications = {r: reference(r) for r in sorted(cited)}

    def edge_ref(self, i: int) -> EdgeRef:
        """The assertion of row ``i`` (made once, then kept)."""
        found = self._refs.get(i)
        if found is None:
            a = self.arrays
            nodes = self.nodes.values
            found = EdgeRef(
                id=self.keys[i],
                subject=self.genes[int(a["subject"][i])],
                predicate=GENE_PREDICATES[int(a["predicate"][i])],
                object=self.entities[nodes[int(a["object"][i])]],
                direction=self.directions.values[int(a["direction"][i])],
                confidence=self.confidences.values[int(a["confidence"][i])],
                evidence_types=self.evidence.values[int(a["evidence"][i])],
                references=tuple(
                    self.publications[r] for r in self.references.values[int(a["references"][i])]
                ),
                cancer_type=nodes[int(a["cancer"][i])],
                organ=nodes[int(a["organ"][i])],
                step=nodes[int(a["step"][i])],
                frequency=self.frequency.get(i),
                rests_only_on_retracted=bool(a["retracted"][i]),
                note=self.notes[i],
            )
            self._refs[i] = found
        return found


@dataclass
class GraphRead:
    """What one pass over the graph gives the builder."""

    columns: EdgeColumns
    edges: dict[str, list[tuple[str, str, str, Mapping[str, Any]]]]
    subclass: list[tuple[str, str]]
    edge_count: int  # every edge of the graph (``graph.number_of_edges()``)


def read_graph(graph: nx.MultiDiGraph, gene_pos: Mapping[str, int]) -> GraphRead:
    """Every association edge of the predicates the model reads, in the graph's edge order
    (the order of ``graph.edges(keys=True, data=True)``), and every ``subclass_of`` edge."""
    columns = EdgeColumns()
    edges: dict[str, list[tuple[str, str, str, Mapping[str, Any]]]] = {
        p: [] for p in EDGE_PREDICATES
    }
    subclass: list[tuple[str, str]] = []
    gene_code = {p: i for i, p in enumerate(GENE_PREDICATES)}
    gene_get, code_get = gene_pos.get, gene_code.get
    required = itemgetter(*_REQUIRED)
    # One list per column, appended to directly (cheaper than a tuple per row, transposed).
    cols: list[list[Any]] = [[] for _ in range(4 + len(_FIELDS))]
    (a_gene, a_code, a_object, a_key, a_kind, a_direction, a_confidence, a_evidence) = (
        c.append for c in cols[:8]
    )
    (a_references, a_cancer, a_organ, a_step, a_frequency, a_retracted, a_note) = (
        c.append for c in cols[8:]
    )
    count = 0
    for u, neighbours in graph.adjacency():
        g = gene_get(u, -1)
        count += sum(map(len, neighbours.values()))
        for v, keyed in neighbours.items():
            for k, d in keyed.items():
                predicate = d.get("predicate")
                code = code_get(predicate)
                if code is not None:
                    if g >= 0:
                        try:  # one call for the attributes the projection always writes
                            kind, direction, confidence, evidence, refs, retracted, note = required(
                                d
                            )
                        except KeyError:
                            kind, direction, confidence, evidence, refs, retracted, note = map(
                                d.get, _REQUIRED, _REQUIRED_DEFAULTS
                            )
                        get = d.get
                        a_gene(g)
                        a_code(code)
                        a_object(v)
                        a_key(k)
                        a_kind(kind)
                        a_direction(direction)
                        a_confidence(confidence)
                        a_evidence(evidence)
                        a_references(refs)
                        a_cancer(get("cancer_type"))
                        a_organ(get("organ"))
                        a_step(get("step"))
                        a_frequency(get("frequency"))
                        a_retracted(retracted)
                        a_note(note)
                elif predicate in edges:
                    if d.get("kind", "association") == "association":
                        edges[predicate].append((u, v, k, d))
                elif predicate == SUBCLASS_PREDICATE:
                    subclass.append((u, v))
        if len(cols[0]) >= _CHUNK:
            columns.add_columns(cols)
            for c in cols:
                c.clear()
    columns.add_columns(cols)
    return GraphRead(columns, edges, subclass, count)
