"""The model's gene assertions as arrays, with their objects made on demand.

:class:`GeneTable` holds one row per (weighted) gene assertion: the gene, the kind, the ordered
step it moves, the organ (or every organ), the cancer type it is about, its weight, whether
regulation routes it, and codes of its confidence, references and evidence types. The cancer
type arrays (``context.py``, ``effects.py``) and the analyses work on these arrays.

``Model.gene_edges`` stays a mapping gene -> tuple of :class:`GeneEdge` (sorted by assertion
id): :class:`GeneEdgeMap` makes a gene's objects when the gene is first looked up, so only the
genes a result cites are ever made. A model whose ``gene_edges`` is a plain mapping (a null
model's permuted copy, a re-parameterised model) gets its table from the objects
(:meth:`GeneTable.from_objects`); ``model.regulations`` likewise (:class:`RegulationSeq`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any, overload

import numpy as np

from queries.simulator.model import GeneEdge, Model, Regulation

KINDS = ("specific", "organ_fallback", "cancer_fallback")
SPECIFIC, ORGAN_FALLBACK, CANCER_FALLBACK = range(3)
ALL_ORGANS = -1  # the row acts on every organ
NO_ORGAN = -2  # the row acts on no organ (an empty organ tuple)
CONFIDENCE_RANK = {"high": 3, "medium": 2, "low": 1}


def _codes(values: list[Any], index: dict[Any, int], value: Any) -> int:
    code = index.get(value)
    if code is None:
        code = index[value] = len(values)
        values.append(value)
    return code


def flatten(values: Sequence[tuple[Any, ...]]) -> tuple[np.ndarray, np.ndarray, int]:
    """Tuples of ids as (offsets, member codes, number of distinct members)."""
    index: dict[Any, int] = {}
    members = [[index.setdefault(x, len(index)) for x in tup] for tup in values]
    sizes = np.array([len(m) for m in members], dtype=np.int64)
    offsets = np.concatenate(([0], np.cumsum(sizes)))
    return offsets, np.array([x for m in members for x in m], dtype=np.int64), len(index)


def explode(
    codes: np.ndarray, flat: tuple[np.ndarray, np.ndarray, int]
) -> tuple[np.ndarray, np.ndarray]:
    """For tuple codes ``codes``: (position in ``codes``, member code) of every member."""
    offsets, members, _ = flat
    counts = offsets[codes + 1] - offsets[codes]
    owner = np.repeat(np.arange(len(codes)), counts)
    within = np.arange(len(owner)) - np.repeat(np.cumsum(counts) - counts, counts)
    return owner, members[np.repeat(offsets[codes], counts) + within]


def strength(table: GeneTable, rows: np.ndarray) -> dict[int, tuple[int, int, int]]:
    """Per gene of ``rows``: the highest confidence (3 high, 2 medium, 1 low, 0 other), the
    number of distinct references and of distinct evidence types over those rows."""
    gene = table.gene[rows].astype(np.int64)
    if not len(gene):
        return {}
    rank = np.array([CONFIDENCE_RANK.get(c, 0) for c in table.confidence_values], dtype=np.int64)
    best = np.zeros(table.n_genes, dtype=np.int64)
    np.maximum.at(best, gene, rank[table.confidence[rows]])
    counts = []
    for codes, values in (
        (table.references, table.reference_values),
        (table.evidence, table.evidence_values),
    ):
        flat = flatten(values)
        owner, member = explode(codes[rows].astype(np.int64), flat)
        distinct = np.unique(gene[owner] * max(flat[2], 1) + member) // max(flat[2], 1)
        counts.append(np.bincount(distinct, minlength=table.n_genes))
    return {
        g: (int(best[g]), int(counts[0][g]), int(counts[1][g])) for g in np.unique(gene).tolist()
    }


class GeneTable:
    """Gene assertion rows (see the module docstring). ``cancer`` indexes
    :attr:`cancer_values` (a cancer type id, or None); ``references`` and ``evidence`` index
    :attr:`reference_values` and :attr:`evidence_values` (tuples of ids and of type names)."""

    def __init__(
        self,
        *,
        n_genes: int,
        arrays: Mapping[str, np.ndarray],
        keys: Sequence[str],
        cancer_values: Sequence[Any],
        confidence_values: Sequence[str],
        reference_values: Sequence[tuple[str, ...]],
        evidence_values: Sequence[tuple[str, ...]],
        make: Callable[[int, np.ndarray], tuple[tuple[GeneEdge, ...], dict[int, GeneEdge]]],
    ) -> None:
        self.n_genes = n_genes
        self.gene: np.ndarray = arrays["gene"]
        self.kind: np.ndarray = arrays["kind"]
        self.step: np.ndarray = arrays["step"]
        self.organ: np.ndarray = arrays["organ"]
        self.cancer: np.ndarray = arrays["cancer"]
        self.weight: np.ndarray = arrays["weight"]
        self.routed: np.ndarray = arrays["routed"]
        self.predicate: np.ndarray = arrays["predicate"]
        self.confidence: np.ndarray = arrays["confidence"]
        self.references: np.ndarray = arrays["references"]
        self.evidence: np.ndarray = arrays["evidence"]
        self.keys = keys
        self.cancer_values = cancer_values
        self.cancer_index = {v: i for i, v in enumerate(cancer_values)}
        self.confidence_values = confidence_values
        self.reference_values = reference_values
        self.evidence_values = evidence_values
        self._make = make
        self.order = np.argsort(self.gene, kind="stable")
        self.start = np.searchsorted(self.gene[self.order], np.arange(n_genes + 1))
        self._made: dict[int, tuple[tuple[GeneEdge, ...], dict[int, GeneEdge]]] = {}
        self._organ_specific: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.gene)

    def rows(self, g: int) -> np.ndarray:
        """The rows of gene ``g`` in the order of the graph's edges."""
        return self.order[self.start[g] : self.start[g + 1]]

    def edges_of(self, g: int) -> tuple[GeneEdge, ...]:
        """Gene ``g``'s assertions as objects (made on first use)."""
        return self._edges(g)[0]

    def edge(self, row: int) -> GeneEdge:
        """The :class:`GeneEdge` of one row."""
        return self._edges(int(self.gene[row]))[1][row]

    def _edges(self, g: int) -> tuple[tuple[GeneEdge, ...], dict[int, GeneEdge]]:
        found = self._made.get(g)
        if found is None:
            found = self._made[g] = self._make(g, self.rows(g))
        return found

    def organ_specific(self, n_organs: int) -> np.ndarray:
        """(genes, organs) True where the gene has a ``specific`` assertion about the organ,
        in any cancer context (an organ fallback is then not used there)."""
        if self._organ_specific is None:
            found = np.zeros((self.n_genes, n_organs), dtype=bool)
            hit = (self.kind == SPECIFIC) & (self.organ >= 0)
            found[self.gene[hit], self.organ[hit]] = True
            self._organ_specific = found
        return self._organ_specific

    @classmethod
    def from_objects(
        cls, gene_edges: Mapping[int, Sequence[GeneEdge]], n_genes: int, n_organs: int
    ) -> GeneTable:
        """The table of a mapping of :class:`GeneEdge` objects: a row per edge and organ (an
        organ fallback that names no organ acts on each organ, one row each)."""
        cols: dict[str, list[Any]] = {
            k: []
            for k in ("gene", "kind", "step", "organ", "cancer", "weight", "routed")
            + ("predicate", "confidence", "references", "evidence")
        }
        keys: list[str] = []
        objects: list[GeneEdge] = []
        values: dict[str, tuple[list[Any], dict[Any, int]]] = {
            k: ([], {}) for k in ("cancer", "confidence", "references", "evidence")
        }
        predicates = {"acts_at_step": 0, "mediates_metastasis_to": 1, "contributes_to": 2}
        for g, edges in gene_edges.items():
            for e in edges:
                kind = KINDS.index(e.kind)
                if e.organs is None:
                    organs = [ALL_ORGANS] if kind != ORGAN_FALLBACK else list(range(n_organs))
                else:
                    organs = list(e.organs) or [NO_ORGAN]
                codes = {
                    "cancer": e.cancer,
                    "confidence": e.edge.confidence,
                    "references": tuple(r.id for r in e.edge.references),
                    "evidence": e.edge.evidence_types,
                }
                row = {k: _codes(*values[k], v) for k, v in codes.items()}
                row.update(gene=g, kind=kind, step=e.step, weight=e.weight)
                row["routed"] = bool(e.routed_via)
                row["predicate"] = predicates.get(e.edge.predicate, -1)
                for o in organs:
                    for k, v in row.items():
                        cols[k].append(v)
                    cols["organ"].append(o)
                    keys.append(e.edge.id)
                    objects.append(e)
        dtypes = {"weight": float, "routed": bool}
        arrays = {k: np.array(v, dtype=dtypes.get(k, np.int32)) for k, v in cols.items()}
        by_gene = {g: tuple(edges) for g, edges in gene_edges.items()}

        def make(g: int, rows: np.ndarray) -> tuple[tuple[GeneEdge, ...], dict[int, GeneEdge]]:
            return by_gene.get(g, ()), {r: objects[r] for r in rows.tolist()}

        return cls(
            n_genes=n_genes,
            arrays=arrays,
            keys=keys,
            cancer_values=values["cancer"][0],
            confidence_values=values["confidence"][0],
            reference_values=values["references"][0],
            evidence_values=values["evidence"][0],
            make=make,
        )


class GeneEdgeMap(Mapping[int, tuple[GeneEdge, ...]]):
    """``Model.gene_edges`` of a built model: gene -> its :class:`GeneEdge` objects, sorted by
    assertion id, made when first looked up. ``table`` has the arrays."""

    def __init__(self, table: GeneTable, keys: Sequence[int]) -> None:
        self.table = table
        self._keys = list(keys)
        self._key_set = frozenset(self._keys)

    def __getitem__(self, g: int) -> tuple[GeneEdge, ...]:
        if g not in self._key_set:
            raise KeyError(g)
        return self.table.edges_of(g)

    def __contains__(self, g: object) -> bool:
        return g in self._key_set

    def __iter__(self) -> Iterator[int]:
        return iter(self._keys)

    def __len__(self) -> int:
        return len(self._keys)

    def __repr__(self) -> str:
        return f"GeneEdgeMap({len(self._keys)} genes, {len(self.table)} assertions)"


def gene_table(model: Model) -> GeneTable:
    """The arrays of ``model.gene_edges`` (kept with a built model; else made from objects)."""
    if isinstance(model.gene_edges, GeneEdgeMap):
        return model.gene_edges.table
    return GeneTable.from_objects(model.gene_edges, len(model.genes), len(model.organs))


class RegulationSeq(Sequence[Regulation]):
    """``Model.regulations`` of a built model: the arrays (``regulator``, ``target``,
    ``weight``, ``cancer`` codes of :attr:`cancer_values`), sorted by regulator, target and
    assertion id, with each :class:`Regulation` made when first used."""

    def __init__(
        self,
        arrays: Mapping[str, np.ndarray],
        cancer_values: Sequence[Any],
        make: Callable[[int], Regulation],
    ) -> None:
        self.arrays = dict(arrays)
        self.regulator: np.ndarray = arrays["regulator"]
        self.target: np.ndarray = arrays["target"]
        self.weight: np.ndarray = arrays["weight"]
        self.cancer: np.ndarray = arrays["cancer"]
        self.cancer_values = cancer_values
        self.cancer_index = {v: i for i, v in enumerate(cancer_values)}
        self._make = make
        self._made: dict[int, Regulation] = {}

    def __len__(self) -> int:
        return len(self.regulator)

    @overload
    def __getitem__(self, i: int) -> Regulation: ...

    @overload
    def __getitem__(self, i: slice) -> tuple[Regulation, ...]: ...

    def __getitem__(self, i: int | slice) -> Regulation | tuple[Regulation, ...]:
        if isinstance(i, slice):
            return tuple(self[j] for j in range(*i.indices(len(self))))
        if i < 0:
            i += len(self)
        if not 0 <= i < len(self):
            raise IndexError(i)
        found = self._made.get(i)
        if found is None:
            found = self._made[i] = self._make(i)
        return found

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Sequence):
            return len(self) == len(other) and all(a == b for a, b in zip(self, other, strict=True))
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"RegulationSeq({len(self)} regulations)"

    @classmethod
    def from_objects(cls, regulations: Sequence[Regulation]) -> RegulationSeq:
        found = tuple(regulations)
        values: list[Any] = []
        index: dict[Any, int] = {}
        arrays = {
            "regulator": np.array([r.regulator for r in found], dtype=np.int32),
            "target": np.array([r.target for r in found], dtype=np.int32),
            "weight": np.array([r.weight for r in found], dtype=float),
            "cancer": np.array([_codes(values, index, r.cancer) for r in found], dtype=np.int32),
        }
        return cls(arrays, values, found.__getitem__)


def regulation_table(model: Model) -> RegulationSeq:
    """The arrays of ``model.regulations`` (kept with a built model; else made from objects)."""
    if isinstance(model.regulations, RegulationSeq):
        return model.regulations
    return RegulationSeq.from_objects(model.regulations)
