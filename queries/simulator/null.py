"""Null model: is an organ's risk more than an artefact of how the graph is wired?

:func:`null_model` reruns the deterministic ranking many times with the graph's gene-organ
links shuffled and reports, per organ, where the observed risk falls in that null
distribution: an empirical p-value with the +1 correction, ``(1 + #{null >= observed}) /
(1 + permutations)``, the observed risk, the null mean and standard deviation.

What is permuted. A *gene-organ link* is a (gene, organ) pair with at least one
organ-specific gene assertion in the model: ``mediates_metastasis_to`` (the organ is the
object), and also ``acts_at_step`` and ``contributes_to`` assertions that carry an organ
context (``organ`` qualifier), e.g. "ANGPTL4 acts at arrest and extravasation, in the lung".
Both kinds are permuted, together: a pair's assertions move as one unit to the pair's new
organ, keeping their step, direction, confidence, evidence, cancer context and weight.
Permuting only ``mediates_metastasis_to`` would leave the organ-qualified step assertions,
which carry much of the organ-specific evidence (most lung hops of the review's lung genes),
in place, and the null would still contain the signal it is meant to remove.

Degree preservation. The links form a simple bipartite graph (genes x organs). Each
permutation starts from the graph's own links and applies ``SWAPS_PER_LINK`` x (number of
links) double-edge swap attempts: two links (g1, o1), (g2, o2) are drawn at random and
become (g1, o2), (g2, o1), unless that would repeat an existing link or the two share a gene
or an organ. So every gene keeps its number of organs and every organ its number of genes
(checked by the tests), and no pair is duplicated. Through chains of swaps a gene with two
links can also end with its two bundles of assertions exchanged between its organs. Twenty
attempts per link mix well on the curated graph: the chance that the lung profile's links all
stay put is 0.23 after 10 attempts per link, 0.21 after 30 and 0.20 after 100.

What is not permuted: the cancer type's facts (sites, first capillary bed, latency class),
organ barriers, gene classes and organ-agnostic assertions (acts_at_step without an organ,
which act on every organ alike). The baseline of each organ is therefore the same in every
permutation; the null distribution is that of the profile's organ-specific evidence placed
at random organs. A profile without organ-specific assertions gives p = 1 everywhere.

Reproducible: one ``numpy.random.Generator`` seeded by ``seed`` draws every swap; without a
seed one is drawn and reported.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

import numpy as np

from graph.names import NameIndex
from queries.simulator.columns import GENE_PREDICATES
from queries.simulator.genes import GeneEdgeMap
from queries.simulator.model import Entity, GeneEdge, Model
from queries.simulator.paths import (
    GeneReport,
    baseline,
    evaluate,
    profile_shift,
    resolve_tumour,
    to_jsonable,
)

#: Double-edge swap attempts per link in each permutation.
SWAPS_PER_LINK = 20
#: Most permutations one call may ask for.
MAX_PERMUTATIONS = 10_000
#: The assertions whose organ (object or organ context) is permuted.
PERMUTED_PREDICATES = ("mediates_metastasis_to", "acts_at_step", "contributes_to")
PREDICATE_CODES = {p: i for i, p in enumerate(GENE_PREDICATES)}
#: A null risk within this of the observed one counts as reaching it (float noise).
TOLERANCE = 1e-12
#: Null designs: "organs" (default) moves the profile's links to uniformly drawn organs;
#: "degree" is the degree-preserving double-edge swap of every link of the graph.
DESIGNS = ("organs", "degree")


@dataclass(frozen=True)
class OrganNull:
    """One organ: the observed risk against its null distribution."""

    organ: Entity
    rank: int  # observed rank
    observed_risk: float
    baseline_risk: float  # no profile (the same in every permutation)
    null_mean: float
    null_sd: float
    exceed: int  # permutations whose risk reached the observed one
    p_value: float  # (1 + exceed) / (1 + permutations)


@dataclass(frozen=True)
class NullReport:
    """The answer of :func:`null_model`; ``to_dict()`` is JSON-ready."""

    cancer: Entity
    permutations: int
    seed: int
    permuted: tuple[str, ...]  # predicates whose organ is permuted
    design: str  # organs | degree
    links: int  # gene-organ links of the model (the bipartite graph that is shuffled)
    profile_links: int  # of which links of the profile's genes
    swaps_per_link: int
    acceptance: float  # share of swap attempts that were made
    moved: float  # mean share of the profile's links that ended at another organ
    organs: tuple[OrganNull, ...]  # by observed rank
    distant: OrganNull  # "any distant organ" (rank 0, organ id "any_distant_organ")
    genes: tuple[GeneReport, ...]
    parameters_version: str
    notes: tuple[str, ...]

    def organ(self, name: str) -> OrganNull:
        """The organ by id or label (case-insensitive)."""
        for item in self.organs:
            if item.organ.id == name or item.organ.label.casefold() == name.casefold():
                return item
        raise KeyError(name)

    def to_dict(self) -> dict[str, Any]:
        return to_jsonable(self)


# --- the bipartite graph of gene-organ links -----------------------------------------------


def gene_organ_links(model: Model) -> np.ndarray:
    """The model's gene-organ links, ``(n, 2)`` integers (gene position, organ position),
    unique and sorted: every pair with an organ-specific gene assertion."""
    if isinstance(model.gene_edges, GeneEdgeMap):  # a built model: from its arrays
        t = model.gene_edges.table
        codes = [PREDICATE_CODES[p] for p in PERMUTED_PREDICATES]
        moves = (t.organ >= 0) & np.isin(t.predicate, codes)
        found = np.stack((t.gene[moves], t.organ[moves]), axis=1).astype(np.intp)
        return np.unique(found, axis=0) if len(found) else np.zeros((0, 2), dtype=np.intp)
    pairs = {
        (g, e.organs[0])  # type: ignore[index]
        for g, edges in model.gene_edges.items()
        for e in edges
        if _moves(e)
    }
    if not pairs:
        return np.zeros((0, 2), dtype=np.intp)
    return np.array(sorted(pairs), dtype=np.intp)


def permute_links(
    links: np.ndarray, rng: np.random.Generator, *, swaps_per_link: int = SWAPS_PER_LINK
) -> tuple[np.ndarray, int]:
    """Degree-preserving shuffle of a bipartite link array by double-edge swaps.

    Returns the permuted links (row i keeps its gene, possibly with another organ: the
    assertions of the original pair ``links[i]`` move to ``permuted[i]``) and the number of
    swaps made out of ``swaps_per_link * len(links)`` attempts.
    """
    n = len(links)
    if n < 2:
        return links.copy(), 0
    genes = links[:, 0].tolist()
    organs = links[:, 1].tolist()
    present = set(zip(genes, organs, strict=True))
    made = 0
    for a, b in rng.integers(0, n, size=(swaps_per_link * n, 2)).tolist():
        ga, gb, oa, ob = genes[a], genes[b], organs[a], organs[b]
        if ga == gb or oa == ob or (ga, ob) in present or (gb, oa) in present:
            continue
        present.difference_update(((ga, oa), (gb, ob)))
        present.update(((ga, ob), (gb, oa)))
        organs[a], organs[b] = ob, oa
        made += 1
    permuted = links.copy()
    permuted[:, 1] = organs
    return permuted, made


def permute_organs(
    links: np.ndarray, rows: list[int], n_organs: int, rng: np.random.Generator
) -> np.ndarray:
    """The default design: each of the profile's gene-organ links (``rows``) moves to an organ
    drawn uniformly from the organs that gene is not already linked to in this draw; every
    gene keeps its number of organs and each link its bundle of assertions.

    Unlike the degree-preserving swaps (:func:`permute_links`), the organs' degrees are not
    kept: in the curated graph most links point at the lung (the review's organ-tropism
    experiments are mostly lung models), so a swap null keeps lung links at the lung and
    cannot tell a lung-specific gene set from any other set of the graph. The question asked
    here is whether this evidence points at this organ more than evidence placed at random
    organs would.
    """
    permuted = links.copy()
    taken: dict[int, set[int]] = {}
    for i in rows:
        taken.setdefault(int(links[i, 0]), set())
    for i in rows:
        g = int(links[i, 0])
        free = [o for o in range(n_organs) if o not in taken[g]]
        organ = free[int(rng.integers(0, len(free)))]
        taken[g].add(organ)
        permuted[i, 1] = organ
    return permuted


def _moves(e: GeneEdge) -> bool:
    return e.organs is not None and e.edge.predicate in PERMUTED_PREDICATES


def _rows_of(model: Model, links: np.ndarray, genes: Iterable[int]) -> list[int]:
    """The rows of ``links`` that belong to ``genes``."""
    wanted = set(genes)
    return [i for i, g in enumerate(links[:, 0].tolist()) if g in wanted]


def permuted_model(
    model: Model,
    links: np.ndarray,
    permuted: np.ndarray,
    *,
    genes: Iterable[int] | None = None,
) -> Model:
    """``model`` with every organ-specific gene assertion of link ``links[i]`` moved to the
    organ of ``permuted[i]`` (nothing else changes; no cached cancer contexts).

    With ``genes`` (gene positions), a partial model that keeps only those genes'
    assertions: enough, and much faster, for the risks of a profile made of those genes.
    """
    new_organ = {
        (int(g), int(o)): int(p)
        for (g, o), p in zip(links.tolist(), permuted[:, 1].tolist(), strict=True)
    }
    chosen = model.gene_edges.keys() if genes is None else sorted(set(genes))
    edges: dict[int, tuple[GeneEdge, ...]] = {}
    for g in chosen:
        found = model.gene_edges.get(g)
        if found is None:
            continue
        edges[g] = tuple(
            dataclasses.replace(e, organs=(new_organ[(g, e.organs[0])],))  # type: ignore[index]
            if _moves(e)
            else e
            for e in found
        )
    return dataclasses.replace(model, gene_edges=MappingProxyType(edges), _contexts={})


def _check(permutations: object, seed: object, problems: list[str]) -> None:
    if (
        isinstance(permutations, bool)
        or not isinstance(permutations, int)
        or not 1 <= permutations <= MAX_PERMUTATIONS
    ):
        problems.append(
            f"permutations: expected a whole number from 1 to {MAX_PERMUTATIONS}, "
            f"got {permutations!r}"
        )
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int) or seed < 0):
        problems.append(f"seed: expected a non-negative whole number, got {seed!r}")


def _summary(
    entity: Entity, rank: int, observed: float, base: float, null: np.ndarray
) -> OrganNull:
    exceed = int(np.count_nonzero(null >= observed - TOLERANCE))
    return OrganNull(
        organ=entity,
        rank=rank,
        observed_risk=float(observed),
        baseline_risk=float(base),
        null_mean=float(null.mean()),
        null_sd=float(null.std(ddof=1)) if len(null) > 1 else 0.0,
        exceed=exceed,
        p_value=(1 + exceed) / (1 + len(null)),
    )


def null_model(
    model: Model,
    *,
    cancer: str,
    subtype: str | None = None,
    genes: Iterable[str] | Mapping[str, float] | str | None = (),
    knockouts: Iterable[str] | str | None = (),
    overexpress: Iterable[str] | str | None = (),
    permutations: int = 100,
    seed: int | None = None,
    index: NameIndex | None = None,
    design: str = "organs",
) -> NullReport:
    """Empirical p-value of each organ's risk against ``permutations`` degree-preserving
    shuffles of the gene-organ links (see the module docstring for what is permuted).

    Inputs are resolved as :func:`simulate` resolves them; raises
    :class:`SimulationInputError` for a bad cancer type, subtype, permutation count (1 to
    10,000) or seed.
    """
    problems: list[str] = []
    index = index or model.index
    _check(permutations, seed, problems)
    if design not in DESIGNS:
        problems.append(f"design: expected one of {', '.join(DESIGNS)}, got {design!r}")
    ctx, profile = resolve_tumour(
        model,
        cancer=cancer,
        subtype=subtype,
        genes=genes,
        knockouts=knockouts,
        overexpress=overexpress,
        index=index,
        problems=problems,
    )
    observed = evaluate(model, ctx, profile_shift(ctx, profile.levels))
    base = baseline(model, ctx)

    links = gene_organ_links(model)
    profile_genes = sorted(profile.levels)
    profile_rows = _rows_of(model, links, profile_genes)

    used_seed = seed if seed is not None else int(np.random.SeedSequence().entropy % 2**63)
    rng = np.random.default_rng(used_seed)
    n_organs = len(model.organs)
    null = np.empty((permutations, n_organs))
    null_distant = np.empty(permutations)
    made = 0
    moved = 0.0
    for i in range(permutations):
        if not profile_rows:  # nothing of the profile can move: every null risk is observed
            null[i], null_distant[i] = observed.risk, observed.distant
            continue
        if design == "organs":
            permuted, swaps = permute_organs(links, profile_rows, n_organs, rng), 0
        else:
            permuted, swaps = permute_links(links, rng)
        made += swaps
        moved += float(np.count_nonzero(permuted[profile_rows, 1] != links[profile_rows, 1])) / len(
            profile_rows
        )
        # a partial model: only the profile's genes, whose effects alone enter the risks
        shuffled = permuted_model(model, links, permuted, genes=profile_genes)
        shuffled_ctx = shuffled.context(ctx.cancer.id)
        result = evaluate(shuffled, shuffled_ctx, profile_shift(shuffled_ctx, profile.levels))
        null[i] = result.risk
        null_distant[i] = result.distant

    labels = [o.label for o in model.organs]
    order = sorted(
        range(n_organs),
        key=lambda o: (
            bool(model.lymphatic_mask[o]),  # distant organs first, regional lymph nodes after
            -float(observed.risk[o]),
            labels[o].casefold(),
        ),
    )
    organs = tuple(
        _summary(model.organs[o].entity, rank, observed.risk[o], base.risk[o], null[:, o])
        for rank, o in enumerate(order, start=1)
    )
    distant = _summary(
        Entity("any_distant_organ", "Any distant organ"),
        0,
        float(observed.distant),
        float(base.distant),
        null_distant,
    )
    shuffled_any = profile_rows and len(links) >= 2 and design == "degree"
    attempts = SWAPS_PER_LINK * len(links) * permutations if shuffled_any else 0
    how = (
        "moved to organs drawn uniformly at random (each gene keeps its number of organs)"
        if design == "organs"
        else "shuffled by degree-preserving double-edge swaps"
    )
    notes = [
        "Gene-organ links (mediates_metastasis_to, and acts_at_step / contributes_to "
        f"assertions with an organ context at an organ-side step) were {how}; each link's "
        "assertions moved together. Cancer type facts, barriers and organ-agnostic "
        "assertions were kept.",
        f"p-values are (1 + exceed) / (1 + {permutations}): the smallest possible is "
        f"{1 / (1 + permutations):.4g}.",
    ]
    if not profile_rows:
        notes.append(
            "No gene of the profile has an organ-specific assertion, so no permutation can "
            "change its risks (none was run) and every p-value is 1."
        )
    return NullReport(
        cancer=ctx.cancer,
        permutations=permutations,
        seed=used_seed,
        permuted=PERMUTED_PREDICATES,
        design=design,
        links=len(links),
        profile_links=len(profile_rows),
        swaps_per_link=SWAPS_PER_LINK,
        acceptance=made / attempts if attempts else 0.0,
        moved=moved / permutations if profile_rows else 0.0,
        organs=organs,
        distant=distant,
        genes=profile.reports,
        parameters_version=model.parameters.version,
        notes=tuple(notes),
    )
