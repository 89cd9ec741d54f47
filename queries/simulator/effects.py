"""One cancer type's gene effect tensor and regulation, from the model's arrays.

For every (gene, organ, step) cell the effect is the value of the strongest applicable
assertion (largest absolute weight x cancer-context factor; ties go to the smallest assertion
id): an assertion about the cancer type or its ancestors counts fully, one about no cancer
type, a subtype or another cancer type by its context factor; ``contributes_to`` assertions
count only for a gene with no direct assertion that applies; routed assertions count through
their targets; an organ fallback gives way to the gene's organ-specific assertions there.

Computed with numpy over all rows at once. An assertion that acts on every organ is reduced
per (gene, step), not copied to every organ. Only cells where the strongest candidates
disagree in sign need the id tie-break, which is done for those cells alone. The
:class:`Choice` behind a cell, the assertions that moved nothing and the regulation
entries are made when asked for (:class:`Choices`, :class:`Excluded`,
:class:`RegulationMap`), from the same arrays.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import numpy as np

from queries.simulator.genes import (
    ALL_ORGANS,
    CANCER_FALLBACK,
    ORGAN_FALLBACK,
    GeneTable,
    RegulationSeq,
)
from queries.simulator.model import Choice, EdgeRef, Regulation

CONTEXTS = ("lineage", "unspecified", "subtype", "other_cancer")
LINEAGE, UNSPECIFIED, SUBTYPE, OTHER = range(4)


def context_classes(
    values: Sequence[Any], index: Mapping[Any, int], lineage: Sequence[str], below: Sequence[str]
) -> np.ndarray:
    """Per code of ``values`` (cancer type ids, None): its context for this cancer type."""
    found = np.full(len(values), OTHER, dtype=np.int8)
    for ids, context in ((below, SUBTYPE), (lineage, LINEAGE), ((None,), UNSPECIFIED)):
        for cancer in ids:
            code = index.get(cancer)
            if code is not None:
                found[code] = context
    return found


class Choices(Mapping[tuple[int, int, int], Choice]):
    """Cell (gene, organ, step) -> the :class:`Choice` behind its effect (non-zero cells)."""

    def __init__(
        self,
        table: GeneTable,
        effects: np.ndarray,
        value: np.ndarray,
        included: np.ndarray,
        context: np.ndarray,
        factors: np.ndarray,
    ) -> None:
        self.table, self.effects, self.value = table, effects, value
        self.included, self.context, self.factors = included, context, factors
        self._made: dict[tuple[int, int, int], Choice] = {}

    def candidates(self, g: int, o: int, s: int) -> list[int]:
        """The rows that apply to a cell, strongest first (ties: smallest assertion id)."""
        t = self.table
        rows = t.rows(g)
        hit = self.included[rows] & (t.step[rows] == s)
        hit &= (t.organ[rows] == o) | (t.organ[rows] == ALL_ORGANS)
        keys = t.keys
        return sorted(rows[hit].tolist(), key=lambda r: (-abs(float(self.value[r])), keys[r]))

    def top_everywhere(self, g: int, s: int) -> int:
        """The strongest row of gene ``g`` at step ``s`` among those on every organ (ties:
        smallest assertion id)."""
        t = self.table
        rows = t.rows(g)
        rows = rows[self.included[rows] & (t.step[rows] == s) & (t.organ[rows] == ALL_ORGANS)]
        keys = t.keys
        return min(rows.tolist(), key=lambda r: (-abs(float(self.value[r])), keys[r]))

    def __getitem__(self, cell: tuple[int, int, int]) -> Choice:
        found = self._made.get(cell)
        if found is not None:
            return found
        g, o, s = cell
        if not self.effects[g, o, s]:
            raise KeyError(cell)
        rows = self.candidates(g, o, s)
        chosen = self.table.edge(rows[0])
        supporting = [self.table.edge(r).edge for r in rows[1:]]
        c = int(self.context[rows[0]])
        found = Choice(
            chosen,
            CONTEXTS[c],
            float(self.factors[c]),
            float(self.value[rows[0]]),
            tuple(dict.fromkeys(e for e in supporting if e != chosen.edge)),
        )
        self._made[cell] = found
        return found

    def __contains__(self, cell: object) -> bool:
        try:
            g, o, s = cell  # type: ignore[misc]
            return bool(self.effects[g, o, s])
        except (TypeError, ValueError, IndexError):
            return False

    def __iter__(self) -> Iterator[tuple[int, int, int]]:
        return map(tuple, np.argwhere(self.effects).tolist())  # type: ignore[arg-type]

    def __len__(self) -> int:
        return int(np.count_nonzero(self.effects))


class Excluded(Mapping[int, tuple[EdgeRef, ...]]):
    """Gene -> its assertions that applied but moved nothing (a zero weight)."""

    def __init__(self, table: GeneTable, unused: np.ndarray) -> None:
        self.table, self.unused = table, unused
        self._genes = frozenset(np.unique(table.gene[unused]).tolist())

    def __getitem__(self, g: int) -> tuple[EdgeRef, ...]:
        if g not in self._genes:
            raise KeyError(g)
        rows = self.table.rows(g)
        made = {id(self.table.edge(r)) for r in rows[self.unused[rows]].tolist()}
        return tuple(dict.fromkeys(e.edge for e in self.table.edges_of(g) if id(e) in made))

    def __iter__(self) -> Iterator[int]:
        return iter(sorted(self._genes))

    def __len__(self) -> int:
        return len(self._genes)


def gene_effects(
    table: GeneTable,
    n_organs: int,
    n_steps: int,
    context: np.ndarray,
    factors: np.ndarray,
) -> tuple[np.ndarray, Choices, Excluded]:
    """The effect tensor (genes, organs, steps), its choices and the excluded assertions;
    ``context`` is the context class of each row, ``factors`` the factor of each class."""
    n_genes = table.n_genes
    value = table.weight * factors[context]
    kind, gene, organ = table.kind, table.gene, table.organ
    direct = np.zeros(n_genes, dtype=bool)
    direct[gene[(kind != CANCER_FALLBACK) & (context <= UNSPECIFIED)]] = True
    skip = ((kind == CANCER_FALLBACK) & direct[gene]) | table.routed
    unused = ~skip & (value == 0.0)
    included = ~skip & (value != 0.0)
    specific = table.organ_specific(n_organs)
    single = included & (organ >= 0)
    single &= ~((kind == ORGAN_FALLBACK) & specific[gene, np.maximum(organ, 0)])
    every = included & (organ == ALL_ORGANS)
    included = single | every

    # The strongest candidate per cell: rows on every organ per (gene, step) ("a", then
    # copied to every organ), rows on one organ per cell that has any ("b").
    strength = np.abs(value)
    a_cell = gene[every].astype(np.int64) * n_steps + table.step[every]
    b_rows = (gene[single].astype(np.int64) * n_organs + organ[single]) * n_steps
    b_rows += table.step[single]
    b_cells, b_cell = np.unique(b_rows, return_inverse=True)
    a_best, b_best = np.zeros(n_genes * n_steps), np.zeros(len(b_cells))
    np.maximum.at(a_best, a_cell, strength[every])
    np.maximum.at(b_best, b_cell, strength[single])
    a_pos, a_neg = np.zeros(a_best.shape, bool), np.zeros(a_best.shape, bool)
    b_pos, b_neg = np.zeros(b_best.shape, bool), np.zeros(b_best.shape, bool)
    for cell, rows, best, pos, neg in (
        (a_cell, every, a_best, a_pos, a_neg),
        (b_cell, single, b_best, b_pos, b_neg),
    ):
        top = strength[rows] == best[cell]
        pos[cell[top & (value[rows] > 0)]] = True
        neg[cell[top & (value[rows] < 0)]] = True
    # Where the strongest candidates agree in sign, the effect is that signed strength.
    a_value = np.where(a_pos, a_best, -a_best)
    a_value[~(a_pos ^ a_neg)] = 0.0  # none, or opposite signs tied (below)
    effects = np.empty((n_genes, n_organs, n_steps))
    effects[:] = a_value.reshape(n_genes, 1, n_steps)
    b_gs = b_cells // (n_organs * n_steps) * n_steps + b_cells % n_steps
    a_at_b = a_best[b_gs]
    best = np.maximum(a_at_b, b_best)
    from_a = (a_at_b == best) & (best > 0)
    from_b = b_best == best
    pos = (from_a & a_pos[b_gs]) | (from_b & b_pos)
    neg = (from_a & a_neg[b_gs]) | (from_b & b_neg)
    b_value = np.where(pos, best, -best)
    b_value[pos & neg] = 0.0
    flat = effects.reshape(-1)
    choices = Choices(table, effects, value, included, context, factors)
    # Opposite signs tied at the top: the smallest assertion id wins. Where only rows on
    # every organ are at the top, the winner is the same for every organ of the (gene, step).
    winners: dict[tuple[int, int], int] = {}
    for gs in np.flatnonzero(a_pos & a_neg).tolist():
        g, s = divmod(gs, n_steps)
        winners[(g, s)] = choices.top_everywhere(g, s)
        effects[g, :, s] = value[winners[(g, s)]]
    flat[b_cells] = b_value  # the cells with rows on their own organ, again on top
    tied = pos & neg
    for cell, alone in zip(b_cells[tied].tolist(), (~from_b[tied]).tolist(), strict=True):
        g, rest = divmod(cell, n_organs * n_steps)
        o, s = divmod(rest, n_steps)
        row = winners[(g, s)] if alone else choices.candidates(g, o, s)[0]
        flat[cell] = value[row]
    return effects, choices, Excluded(table, unused)


class RegulationMap(Mapping[int, tuple[tuple[int, float, Regulation], ...]]):
    """Target gene -> (regulator, level change per unit, regulation) for one cancer type:
    the regulation edges whose weight x context factor is not zero, in the model's order."""

    def __init__(self, regulations: RegulationSeq, factors: np.ndarray, context: np.ndarray):
        self.regulations = regulations
        self.weight = regulations.weight * factors[context[regulations.cancer]]
        kept = np.flatnonzero(self.weight != 0.0)
        self.kept = kept
        order = kept[np.argsort(regulations.target[kept], kind="stable")]
        targets = regulations.target[order]
        self._order = order
        self._start: dict[int, tuple[int, int]] = {}
        bounds = np.flatnonzero(np.diff(targets)) + 1
        starts = np.concatenate(([0], bounds)).tolist() if len(targets) else []
        ends = np.concatenate((bounds, [len(targets)])).tolist() if len(targets) else []
        for begin, end in zip(starts, ends, strict=True):
            self._start[int(targets[begin])] = (begin, end)
        _, first = np.unique(regulations.target[kept], return_index=True)
        self._keys = regulations.target[kept][np.sort(first)].tolist()

    def __getitem__(self, target: int) -> tuple[tuple[int, float, Regulation], ...]:
        begin, end = self._start[target]
        regs = self.regulations
        return tuple(
            (int(regs.regulator[j]), float(self.weight[j]), regs[j])
            for j in self._order[begin:end].tolist()
        )

    def __contains__(self, target: object) -> bool:
        return target in self._start

    def __iter__(self) -> Iterator[int]:
        return iter(self._keys)

    def __len__(self) -> int:
        return len(self._keys)

    def outgoing(self) -> dict[int, tuple[int, ...]]:
        """Regulator -> the targets it regulates here, sorted."""
        pairs = np.unique(
            np.stack((self.regulations.regulator[self.kept], self.regulations.target[self.kept])),
            axis=1,
        )
        found: dict[int, list[int]] = {}
        for r, t in pairs.T.tolist():
            found.setdefault(r, []).append(t)
        return {r: tuple(t) for r, t in found.items()}
