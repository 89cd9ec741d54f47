"""Gene assertions to weighted rows: where each acts, how strongly, and what regulation routes.

The same rules as one :class:`GeneEdge` at a time, applied to the columns of every assertion
at once (numpy): an assertion acts at the ordered step its step (or the role default) maps to,
on its organ (or every organ, and always every organ at a primary-side step); its weight is
``unit shift x direction x step factor x class x confidence x combined evidence x retracted
factor``, multiplied in that order, as :func:`math.prod` over the factors does. Regulation
weights are ``direction x confidence x combined evidence x damping (x retracted factor)``.
An assertion of a regulator is routed through its targets (:func:`routed`) when targets it
regulates act at the same step with the predicted sign and its references are all among
those regulation edges' references.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType

import numpy as np

from queries.simulator.columns import REGULATES, EdgeColumns
from queries.simulator.genes import (
    ALL_ORGANS,
    CANCER_FALLBACK,
    KINDS,
    ORGAN_FALLBACK,
    SPECIFIC,
    GeneEdgeMap,
    GeneTable,
    RegulationSeq,
    explode,
    flatten,
)
from queries.simulator.model import GeneEdge, Regulation
from queries.simulator.parameters import Parameters
from queries.simulator.weights import DIRECTION_SIGN, combined_evidence


@dataclass(frozen=True)
class StepMaps:
    """How a recorded step maps onto an ordered step: with an organ (``target``), without
    (``target_any``), the role defaults and the first organ-side step."""

    target: Mapping[str, tuple[int, float, tuple[str, ...]]]
    target_any: Mapping[str, tuple[int, float, tuple[str, ...]]]
    organ_default: int
    cancer_default: int
    barrier_step: int
    n_steps: int


class RowKeys(Sequence[str]):
    """The assertion ids of a table's rows, looked up in the columns (not copied)."""

    def __init__(self, keys: Sequence[str], rows: np.ndarray) -> None:
        self._keys, self._rows = keys, rows

    def __getitem__(self, r: int) -> str:  # type: ignore[override]
        return self._keys[self._rows[r]]

    def __len__(self) -> int:
        return len(self._rows)


def _by_code(values: Sequence[object], table: Mapping[object, int], missing: int) -> np.ndarray:
    return np.array([table.get(v, missing) for v in values], dtype=np.int64)  # type: ignore[call-overload]


def gene_rows(
    columns: EdgeColumns,
    p: Parameters,
    maps: StepMaps,
    organ_pos: Mapping[str, int],
    class_weight: np.ndarray,
    class_names: Sequence[str],
) -> tuple[GeneEdgeMap, RegulationSeq]:
    """``Model.gene_edges`` and ``Model.regulations`` from the graph's gene assertions."""
    a = columns.arrays
    nodes = columns.nodes.values
    n_genes = len(columns.genes)
    none = columns.nodes.get(None, -1)
    pred = a["predicate"]

    # Per code of the columns' interners: organ position, step maps, parameter values.
    organ_of = _by_code(nodes, organ_pos, -1)
    gene_of = _by_code(nodes, {g.id: i for i, g in enumerate(columns.genes)}, -1)
    truthy = np.array([bool(v) for v in nodes], dtype=bool)
    variants: list[tuple[str, ...]] = [
        ("roles.organ_default_step",),
        ("roles.cancer_default_step",),
    ]
    mapped = []
    for table in (maps.target, maps.target_any):
        step = np.full(len(nodes), -1, dtype=np.int64)
        factor = np.zeros(len(nodes))
        names = np.zeros(len(nodes), dtype=np.int64)
        for node_id, (s, f, n) in table.items():
            code = columns.nodes.get(node_id)
            if code is not None:
                step[code], factor[code], names[code] = s, f, len(variants)
                variants.append(n)
        mapped.append((step, factor, names))
    direction = np.array([DIRECTION_SIGN.get(d, 0.0) for d in columns.directions.values])
    confidence = [p.keyed("confidence", c, "weight") for c in columns.confidences.values]
    conf_value = np.array([float(c.value) for c in confidence])  # type: ignore[arg-type]
    evidence = [
        combined_evidence(p, [p.keyed("evidence_types", t, "weight") for t in types])
        for types in columns.evidence.values
    ]
    evidence_value = np.array([w for w, _ in evidence])
    retracted_factor = p.number("context.retracted_factor")
    retracted = a["retracted"]

    # Where each assertion acts (GeneEdge.kind, step, organs, cancer).
    acts, mediates = pred == 0, pred == 1
    organ_code = np.where(mediates, a["object"], a["organ"])
    cancer_code = np.where(pred == 2, a["object"], a["cancer"])
    recorded = np.where(acts, a["object"], a["step"])
    kind = np.where(acts, SPECIFIC, CANCER_FALLBACK)
    kind[mediates] = np.where(truthy[a["step"][mediates]], SPECIFIC, ORGAN_FALLBACK)
    has_organ = organ_code != none
    opos = organ_of[organ_code]
    keep = (pred != REGULATES) & ~(has_organ & (opos < 0))
    unrecorded = recorded == none
    step_t, factor_t, names_t = mapped[0]
    step_a, factor_a, names_a = mapped[1]
    step = np.where(has_organ, step_t[recorded], step_a[recorded])
    factor = np.where(has_organ, factor_t[recorded], factor_a[recorded])
    factor = np.where(acts, factor, np.abs(factor))
    variant = np.where(has_organ, names_t[recorded], names_a[recorded])
    keep &= unrecorded | (step >= 0)
    step = np.where(unrecorded, np.where(has_organ, maps.organ_default, maps.cancer_default), step)
    factor = np.where(unrecorded, 1.0, factor)
    variant = np.where(unrecorded, np.where(has_organ, 0, 1), variant)
    organs = np.where(has_organ & (unrecorded | (step >= maps.barrier_step)), opos, ALL_ORGANS)

    rows = np.flatnonzero(keep)
    gene = a["subject"][rows]
    dir_value = direction[a["direction"][rows]]
    weight = p.number("effects.unit_shift") * dir_value
    weight *= factor[rows]
    weight *= class_weight[gene]
    weight *= conf_value[a["confidence"][rows]]
    weight *= evidence_value[a["evidence"][rows]]
    weight *= np.where(retracted[rows], retracted_factor, 1.0)
    sign = np.sign(dir_value * factor[rows])

    regulations = _regulations(columns, p, gene_of, direction, confidence, evidence)
    routed_via = routed(columns, rows, gene, step[rows], sign, regulations)
    routed_mask = np.zeros(len(rows), dtype=bool)
    routed_mask[list(routed_via)] = True
    table_arrays = {
        "gene": gene,
        "kind": kind[rows].astype(np.int8),
        "step": step[rows].astype(np.int16),
        "organ": organs[rows].astype(np.int32),
        "cancer": cancer_code[rows],
        "weight": weight,
        "routed": routed_mask,
        "predicate": pred[rows],
        "confidence": a["confidence"][rows],
        "references": a["references"][rows],
        "evidence": a["evidence"][rows],
    }
    unit = p.number("effects.unit_shift")
    keys = columns.keys
    step_factor, variant = factor[rows], variant[rows].astype(np.int16)
    kinds, steps, places, cancers = (table_arrays[k] for k in ("kind", "step", "organ", "cancer"))

    def make(g: int, gene_rows: np.ndarray) -> tuple[tuple[GeneEdge, ...], dict[int, GeneEdge]]:
        found = {}
        for r in sorted(gene_rows.tolist(), key=lambda r: keys[rows[r]]):
            i = int(rows[r])
            conf, (ev_weight, ev_names) = confidence[a["confidence"][i]], evidence[a["evidence"][i]]
            factors = {
                "unit_shift": unit,
                "direction": float(dir_value[r]),
                "step": float(step_factor[r]),
                "class": float(class_weight[g]),
                "confidence": float(conf.value),  # type: ignore[arg-type]
                "evidence_type": ev_weight,
                "retracted": retracted_factor if retracted[i] else 1.0,
            }
            names = ("effects.unit_shift", *variants[variant[r]], class_names[g], conf.name)
            names += ev_names + (("context.retracted_factor",) if retracted[i] else ())
            found[r] = GeneEdge(
                columns.edge_ref(i),
                KINDS[kinds[r]],
                int(steps[r]),
                (int(places[r]),) if places[r] >= 0 else None,
                nodes[cancers[r]],
                float(weight[r]),
                MappingProxyType(factors),
                names,
                routed_via.get(r, ()),
            )
        return tuple(found.values()), found

    table = GeneTable(
        n_genes=n_genes,
        arrays=table_arrays,
        keys=RowKeys(keys, rows),
        cancer_values=nodes,
        confidence_values=columns.confidences.values,
        reference_values=columns.references.values,
        evidence_values=columns.evidence.values,
        make=make,
    )
    # Genes in the order the per-predicate passes of the graph first met them.
    first = np.full(n_genes, np.iinfo(np.int64).max)
    np.minimum.at(first, gene, pred[rows].astype(np.int64) * len(pred) + rows)
    met = np.flatnonzero(first < np.iinfo(np.int64).max)
    return GeneEdgeMap(table, met[np.argsort(first[met])].tolist()), regulations


def _regulations(
    columns: EdgeColumns,
    p: Parameters,
    gene_of: np.ndarray,
    direction: np.ndarray,
    confidence: list,  # type: ignore[type-arg]
    evidence: list,  # type: ignore[type-arg]
) -> RegulationSeq:
    """The signed ``regulates`` edges between two different genes of the model."""
    a = columns.arrays
    target_all = gene_of[a["object"]]
    sign_all = direction[a["direction"]]
    rows = np.flatnonzero(
        (a["predicate"] == REGULATES)
        & (target_all >= 0)
        & (target_all != a["subject"])
        & (sign_all != 0.0)
    )
    regulator, target = a["subject"][rows], target_all[rows]
    # Sorted by (regulator, target, assertion id).
    order = np.lexsort((target, regulator))
    rows, regulator, target = rows[order], regulator[order], target[order]
    pair = regulator.astype(np.int64) * len(columns.genes) + target
    same = np.flatnonzero(pair[1:] == pair[:-1])
    if len(same):
        starts = np.flatnonzero(np.diff(np.concatenate(([-2], same))) > 1)
        for begin in same[starts].tolist():
            end = begin + 1
            while end < len(pair) and pair[end] == pair[begin]:
                end += 1
            rows[begin:end] = sorted(rows[begin:end].tolist(), key=columns.keys.__getitem__)
    conf = np.array([float(c.value) for c in confidence])  # type: ignore[arg-type]
    ev = np.array([w for w, _ in evidence])
    weight = direction[a["direction"][rows]] * conf[a["confidence"][rows]]
    weight *= ev[a["evidence"][rows]]
    weight *= p.number("regulation.damping")
    retracted = a["retracted"][rows]
    weight = np.where(retracted, weight * p.number("context.retracted_factor"), weight)

    def make(j: int) -> Regulation:
        i = int(rows[j])
        names = ("regulation.damping", confidence[a["confidence"][i]].name)
        names += evidence[a["evidence"][i]][1]
        if retracted[j]:
            names += ("context.retracted_factor",)
        edge = columns.edge_ref(i)
        return Regulation(
            int(regulator[j]), int(target[j]), edge, edge.cancer_type, float(weight[j]), names
        )

    arrays = {
        "regulator": regulator,
        "target": target,
        "weight": weight,
        "cancer": a["cancer"][rows],
        "rows": rows,
    }
    return RegulationSeq(arrays, columns.nodes.values, make)


def _member(values: np.ndarray, sorted_set: np.ndarray) -> np.ndarray:
    """``np.isin(values, sorted_set)`` for a sorted array of integers."""
    if not len(sorted_set):
        return np.zeros(len(values), dtype=bool)
    at = np.minimum(np.searchsorted(sorted_set, values), len(sorted_set) - 1)
    return sorted_set[at] == values


def _all_found(owner: np.ndarray, found: np.ndarray, n: int) -> np.ndarray:
    """Per owner 0..n-1: every one of its members found (an owner with none: True)."""
    return np.bincount(owner, weights=~found, minlength=n) == 0


def routed(
    columns: EdgeColumns,
    rows: np.ndarray,
    gene: np.ndarray,
    step: np.ndarray,
    sign: np.ndarray,
    regulations: RegulationSeq,
) -> dict[int, tuple[int, ...]]:
    """Table row -> the targets through which regulation explains it (routed rows only).

    A row of gene g at step s with effect sign e is routed when g regulates targets t that
    have a row at step s with sign ``e x (the regulation's sign)``, and each of the row's
    references (it has at least one) is a reference of one of those regulation edges. First
    the rows whose references are all cited by some regulation edge of the gene (necessary),
    then the rule itself for those, one (row, regulation edge) pair at a time.
    """
    if not len(regulations) or not len(rows):
        return {}
    a = columns.arrays
    flat = flatten(columns.references.values)
    n_pubs = max(flat[2], 1)
    reg = regulations.arrays["rows"]
    regulator, target = regulations.regulator.astype(np.int64), regulations.target
    owner, member = explode(a["references"][reg].astype(np.int64), flat)
    cited = np.sort(regulator[owner] * n_pubs + member)
    codes = a["references"][rows].astype(np.int64)
    sizes = flat[0][1:] - flat[0][:-1]
    has_regs = np.zeros(len(columns.genes), dtype=bool)
    has_regs[regulator] = True
    maybe = np.flatnonzero((sign != 0) & has_regs[gene] & (sizes[codes] > 0))
    # the first reference alone rules most rows out
    firsts = gene[maybe].astype(np.int64) * n_pubs + flat[1][flat[0][codes[maybe]]]
    maybe = maybe[_member(firsts, cited)]
    owner, member = explode(codes[maybe], flat)
    wanted = gene[maybe][owner].astype(np.int64) * n_pubs + member
    maybe = maybe[_all_found(owner, _member(wanted, cited), len(maybe))]
    if not len(maybe):
        return {}
    # The rule: (row, regulation edge of its gene) pairs whose target acts there as predicted.
    n_steps = int(step.max()) + 1
    acting = np.flatnonzero(sign != 0)
    present = np.sort(
        (gene[acting].astype(np.int64) * n_steps + step[acting]) * 3 + sign[acting] + 1
    )
    first = np.searchsorted(regulator, gene[maybe], side="left")
    count = np.searchsorted(regulator, gene[maybe], side="right") - first
    pair_row = np.repeat(np.arange(len(maybe)), count)
    pair_reg = np.repeat(first, count) + (
        np.arange(len(pair_row)) - np.repeat(np.cumsum(count) - count, count)
    )
    predicted = np.array([DIRECTION_SIGN.get(d, 0.0) for d in columns.directions.values])
    predicted = predicted[a["direction"][reg[pair_reg]]].astype(np.int64)
    own_sign = sign[maybe][pair_row].astype(np.int64)
    cell = (target[pair_reg].astype(np.int64) * n_steps + step[maybe][pair_row]) * 3
    ok = _member(cell + predicted * own_sign + 1, present)
    pair_row, pair_reg = pair_row[ok], pair_reg[ok]
    # Every reference of the row is a reference of one of its qualifying regulation edges.
    owner, member = explode(a["references"][reg[pair_reg]].astype(np.int64), flat)
    covered = np.sort(pair_row[owner] * n_pubs + member)
    owner, member = explode(codes[maybe], flat)
    done = _all_found(owner, _member(owner * n_pubs + member, covered), len(maybe))
    done &= np.bincount(pair_row, minlength=len(maybe)) > 0
    found = {}
    bounds = np.searchsorted(pair_row, np.arange(len(maybe) + 1))  # pair_row is sorted
    for i in np.flatnonzero(done).tolist():
        targets = target[pair_reg[bounds[i] : bounds[i + 1]]]
        found[int(maybe[i])] = tuple(sorted(set(targets.tolist())))
    return found
