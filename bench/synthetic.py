"""A synthetic metakg graph of about 2 million association edges, for the simulator benchmark.

The graph has the shape of the real networkx projection (``graph/property_graph.py``): a
``MultiDiGraph`` whose nodes carry ``category``, ``label`` (and ``symbol``, ``taxon``,
``venousDrainage``...) and whose association edges carry ``predicate``, ``kind``,
``confidence``, ``direction``, ``evidence_types``, ``references`` (publication node ids),
``knowledge_level``, ``agent_type``, ``organism``, ``origin``, ``note``, ``location``,
``rests_only_on_retracted`` and the context qualifiers ``cancer_type``, ``organ``, ``step``
and ``frequency``; edge keys are association ids. It starts from the curated graph (so its
cascade steps, barrier types, latency classes, gene classes and the review's genes, organs
and cancer types are real, and the parameter file's keys resolve) and adds, at random but
reproducibly from ``seed``:

* genes (90%) and microRNAs (10%), by default 20,000 in all; 30 organs (40 with the real
  ones); about 1,000 cancer types (30% of them subtypes, ``subclass_of``); 2,000 pathways;
  100,000 publications;
* per cancer type: a first capillary bed (liver for portal drainage, lung for systemic),
  3-10 recorded sites (``metastasizes_to``, with a frequency for 40% of them) and a latency
  class; per synthetic organ a barrier;
* per gene 1-2 classes and, drawn with a heavy-tailed activity per gene, gene assertions in
  the curated graph's proportions: ``acts_at_step`` (61% with an organ context),
  ``mediates_metastasis_to`` (70% with a step), ``contributes_to`` (45% with an organ, 47%
  with a step), and ``participates_in``, ``regulates``, ``interacts_with``; about half carry
  a cancer type; confidences, directions, evidence types and 1-4 references per assertion are
  drawn in the curated graph's proportions.

Nothing is written to disk and nothing is committed but this code: ``synthetic_graph()`` is
called by ``bench/simulate.py`` at run time. ``python bench/synthetic.py`` prints the counts.

Size: networkx keeps every edge as its own attribute dict in two adjacency maps, so 2
million edges take a few GB of memory and tens of seconds to generate (both printed by the
benchmark); list and string attribute values are shared between edges to keep that down.
"""

from __future__ import annotations

import argparse
import math
import time
from collections import Counter
from typing import Any

import networkx as nx
import numpy as np

ASSOCIATIONS = 2_000_000
GENES = 20_000
MIRNA_SHARE = 0.1
ORGANS = 30
CANCER_TYPES = 1_000
PATHWAYS = 2_000
PUBLICATIONS = 100_000

# Shares of gene-level assertions, from the curated graph (has_class is drawn per gene).
GENE_PREDICATES = {
    "acts_at_step": 123,
    "participates_in": 103,
    "contributes_to": 92,
    "mediates_metastasis_to": 70,
    "regulates": 40,
    "interacts_with": 19,
}
CONFIDENCE = (("high", 0.55), ("medium", 0.3), ("low", 0.15))
DIRECTION = (("promotes", 0.8), ("suppresses", 0.12), ("associated", 0.08))
EVIDENCE = (
    ("mouse_model",),
    ("knockdown_or_overexpression", "xenograft"),
    ("in_vitro", "knockdown_or_overexpression"),
    (),
    ("in_vivo_selection", "expression_signature"),
    ("clinical_cohort",),
    ("expression_signature",),
    ("genomic_analysis",),
    ("review_synthesis",),
    ("xenograft",),
)
EVIDENCE_P = (0.25, 0.12, 0.11, 0.09, 0.08, 0.1, 0.08, 0.07, 0.05, 0.05)
ORGANISM = ("mouse", "human_cells_in_mouse", "human")
LATENCY = ("very_short", "short", "intermediate", "long", "variable")


def _pick(rng: np.random.Generator, options: tuple[Any, ...], size: int) -> np.ndarray:
    values = [o[0] for o in options]
    weights = np.array([o[1] for o in options], float)
    return rng.choice(len(values), size=size, p=weights / weights.sum())


def synthetic_graph(
    curated: nx.MultiDiGraph,
    *,
    associations: int = ASSOCIATIONS,
    genes: int = GENES,
    organs: int = ORGANS,
    cancer_types: int = CANCER_TYPES,
    publications: int = PUBLICATIONS,
    pathways: int = PATHWAYS,
    seed: int = 7,
) -> nx.MultiDiGraph:
    """The curated graph plus synthetic entities and assertions, about ``associations``
    association edges in all (see the module docstring). Deterministic for a seed."""
    rng = np.random.default_rng(seed)
    graph = curated.copy()
    by_category: dict[str, list[str]] = {}
    for node, data in curated.nodes(data=True):
        by_category.setdefault(data["category"], []).append(node)
    for nodes in by_category.values():
        nodes.sort()
    steps = by_category["cascade_step"]
    barriers = by_category["barrier_type"]
    classes = by_category["gene_class"]
    latency = [f"metakg:latency/{k}" for k in LATENCY if f"metakg:latency/{k}" in curated]
    lung = next(n for n in by_category["organ"] if curated.nodes[n]["label"] == "Lung")
    liver = next(n for n in by_category["organ"] if curated.nodes[n]["label"] == "Liver")
    location = "bench/synthetic.py"

    # --- nodes -------------------------------------------------------------------------
    organ_ids = list(by_category["organ"])
    for i in range(organs):
        node = f"UBERON:99{i:05d}"
        graph.add_node(node, category="organ", label=f"Synthetic organ {i:03d}", location=location)
        organ_ids.append(node)
    cancer_ids = list(by_category["cancer_type"])
    synthetic_cancers = []
    for i in range(cancer_types - len(cancer_ids)):
        node = f"DOID:99{i:05d}"
        graph.add_node(
            node,
            category="cancer_type",
            label=f"Synthetic cancer {i:04d}",
            synonyms=[f"synthetic_cancer_{i:04d}"],
            venousDrainage="portal" if rng.random() < 0.25 else "systemic",
            location=location,
        )
        synthetic_cancers.append(node)
    cancer_ids += synthetic_cancers
    n_mirna = int(genes * MIRNA_SHARE)
    gene_ids = list(by_category.get("gene", ())) + list(by_category.get("microrna", ()))
    for i in range(genes):
        mirna = i < n_mirna
        node = f"NCBIGene:9{i:08d}"
        symbol = f"MIRSYN{i:05d}" if mirna else f"SYN{i:05d}"
        graph.add_node(
            node,
            category="microrna" if mirna else "gene",
            label=symbol,
            symbol=symbol,
            taxon="NCBITaxon:9606",
            location=location,
        )
        gene_ids.append(node)
    pathway_ids = list(by_category.get("pathway", ()))
    for i in range(pathways):
        node = f"metakg:pathway/synthetic_{i:05d}"
        graph.add_node(node, category="pathway", label=f"Synthetic pathway {i}", location=location)
        pathway_ids.append(node)
    publication_ids = []
    for i in range(publications):
        node = f"PMID:9{i:08d}"
        graph.add_node(node, category="publication", label=node, location=location)
        publication_ids.append(node)

    # --- shared attribute values (lists are shared between edges to save memory) --------
    reference_pool = [
        [publication_ids[j] for j in rng.choice(len(publication_ids), size=k, replace=False)]
        for k in rng.choice([1, 1, 1, 2, 2, 3, 4], size=5_000)
    ]
    evidence_pool = [list(e) for e in EVIDENCE]
    notes = [f"Synthetic assertion {i} for the simulator benchmark." for i in range(100)]
    confidence_names = [c[0] for c in CONFIDENCE]
    direction_names = [d[0] for d in DIRECTION]
    edges: list[tuple[str, str, str, dict[str, Any]]] = []
    counter = [0]

    def add(u: str, v: str, predicate: str, n: int, **extra: Any) -> None:
        counter[0] += 1
        attrs = {
            "kind": "association",
            "predicate": predicate,
            "references": reference_pool[n % len(reference_pool)],
            "confidence": extra.pop("confidence", "high"),
            "direction": extra.pop("direction", "promotes"),
            "evidence_types": extra.pop("evidence_types", evidence_pool[0]),
            "knowledge_level": "knowledge_assertion",
            "agent_type": "manual_agent",
            "rests_only_on_retracted": False,
            "note": notes[n % len(notes)],
            "location": location,
            "origin": "synthetic",
            "organism": ORGANISM[n % len(ORGANISM)],
        }
        attrs.update({k: v for k, v in extra.items() if v is not None})
        edges.append((u, v, f"metakg:assoc/syn{counter[0]:08x}", attrs))

    # --- cancer type and organ facts ----------------------------------------------------
    for i, node in enumerate(organ_ids[len(by_category["organ"]) :]):
        add(node, barriers[int(rng.integers(len(barriers)))], "has_barrier", i)
    parents = []
    for i, node in enumerate(synthetic_cancers):
        if i > 10 and rng.random() < 0.3:
            parent = synthetic_cancers[int(rng.integers(i))]
            parents.append((node, parent))
        portal = graph.nodes[node]["venousDrainage"] == "portal"
        add(node, liver if portal else lung, "first_capillary_bed", i, confidence="medium")
        sites = rng.choice(len(organ_ids), size=int(rng.integers(3, 11)), replace=False)
        for j, o in enumerate(sites.tolist()):
            frequency = round(float(rng.uniform(0.05, 0.9)), 2) if rng.random() < 0.4 else None
            add(
                node,
                organ_ids[o],
                "metastasizes_to",
                i + j,
                confidence=confidence_names[int(rng.integers(3))],
                frequency=frequency,
            )
        add(node, latency[int(rng.integers(len(latency)))], "has_latency_class", i)
    for child, parent in parents:
        graph.add_edge(
            child,
            parent,
            key=f"subclass:{child}>{parent}",
            kind="structure",
            predicate="subclass_of",
            location=location,
            origin="synthetic",
        )

    # --- gene assertions ------------------------------------------------------------------
    synthetic_genes = gene_ids[-genes:]
    for n, g in enumerate(synthetic_genes):
        for c in rng.choice(len(classes), size=int(rng.integers(1, 3)), replace=False):
            add(g, classes[c], "has_class", n, confidence=confidence_names[n % 3])
    budget = max(associations - association_count(curated) - len(edges), 0)
    total = sum(GENE_PREDICATES.values())
    activity = rng.lognormal(0.0, 1.0, size=genes)  # heavy-tailed evidence per gene
    activity /= activity.sum()
    organ_weight = np.ones(len(organ_ids))
    organ_weight[organ_ids.index(lung)] = 6.0
    organ_weight[organ_ids.index(liver)] = 4.0
    for o, node in enumerate(organ_ids):
        if curated.nodes.get(node, {}).get("label") in ("Bone", "Brain", "Bone marrow"):
            organ_weight[o] = 3.0
    organ_weight /= organ_weight.sum()
    for predicate, share in GENE_PREDICATES.items():
        count = round(budget * share / total)
        subj = rng.choice(genes, size=count, p=activity)
        conf = _pick(rng, CONFIDENCE, count)
        direc = _pick(rng, DIRECTION, count)
        evid = rng.choice(len(EVIDENCE), size=count, p=np.array(EVIDENCE_P) / sum(EVIDENCE_P))
        cancer = np.where(rng.random(count) < 0.5, rng.integers(len(cancer_ids), size=count), -1)
        organ_ctx = rng.choice(len(organ_ids), size=count, p=organ_weight)
        step_ctx = rng.integers(len(steps), size=count)
        coin = rng.random((count, 2))
        if predicate == "acts_at_step":
            targets = [steps[s] for s in step_ctx.tolist()]
            with_organ, with_step = coin[:, 0] < 0.61, np.zeros(count, bool)
        elif predicate == "mediates_metastasis_to":
            targets = [organ_ids[o] for o in organ_ctx.tolist()]
            step_ctx = rng.integers(len(steps), size=count)
            with_organ, with_step = np.zeros(count, bool), coin[:, 1] < 0.7
        elif predicate == "contributes_to":
            targets = [cancer_ids[c] for c in rng.integers(len(cancer_ids), size=count).tolist()]
            with_organ, with_step = coin[:, 0] < 0.45, coin[:, 1] < 0.47
            cancer = np.full(count, -1)
        elif predicate == "participates_in":
            targets = [pathway_ids[p] for p in rng.integers(len(pathway_ids), size=count)]
            with_organ, with_step = coin[:, 0] < 0.4, coin[:, 1] < 0.7
        else:  # regulates, interacts_with: gene to gene
            targets = [gene_ids[t] for t in rng.integers(len(gene_ids), size=count).tolist()]
            with_organ, with_step = coin[:, 0] < 0.3, coin[:, 1] < 0.9
        subjects = [synthetic_genes[s] for s in subj.tolist()]
        for k in range(count):
            add(
                subjects[k],
                targets[k],
                predicate,
                k,
                confidence=confidence_names[conf[k]],
                direction=direction_names[direc[k]],
                evidence_types=evidence_pool[evid[k]],
                cancer_type=cancer_ids[cancer[k]] if cancer[k] >= 0 else None,
                organ=organ_ids[organ_ctx[k]] if with_organ[k] else None,
                step=steps[step_ctx[k]] if with_step[k] else None,
            )
    graph.add_edges_from(edges)
    return graph


def association_count(graph: nx.MultiDiGraph) -> int:
    return sum(1 for *_, d in graph.edges(data=True) if d.get("kind") == "association")


def curated_graph() -> nx.MultiDiGraph:
    """The curated sources as the networkx projection, in memory (no store needed)."""
    from graph.property_graph import NetworkxSink
    from graph.sinks import write_all
    from ingest.pipeline import assemble, plan_sources

    kb = assemble(plan_sources())
    sink = write_all(NetworkxSink(), kb.nodes, kb.edges, kb.hierarchy)
    return sink.graph  # type: ignore[attr-defined,no-any-return]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--associations", type=int, default=ASSOCIATIONS)
    parser.add_argument("--genes", type=int, default=GENES)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    start = time.perf_counter()
    graph = synthetic_graph(
        curated_graph(), associations=args.associations, genes=args.genes, seed=args.seed
    )
    took = time.perf_counter() - start
    kinds = Counter(d["category"] for _, d in graph.nodes(data=True))
    predicates = Counter(d.get("predicate") for *_, d in graph.edges(data=True))
    print(
        f"generated in {took:.1f} s: {graph.number_of_nodes():,} nodes, "
        f"{association_count(graph):,} association edges"
    )
    print("nodes:", dict(sorted(kinds.items())))
    print("edges:", dict(sorted(predicates.items(), key=lambda kv: -kv[1])))
    print(f"log10 edges: {math.log10(graph.number_of_edges()):.2f}")


if __name__ == "__main__":
    main()
