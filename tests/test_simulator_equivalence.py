"""The simulator's columnar build gives exactly what today's object-by-object build gave.

``bench/baseline_simulator.py`` and ``bench/baseline_context.py`` keep the model and
cancer-type code as it was before the rewrite (the benchmark's named baseline). On the
curated graph and on small synthetic graphs (``bench/synthetic.py``), both ways must give
equal models (every field), equal arrays for every cancer type (exactly: the rewrite changes
no summation order) and equal answers: simulations, knockout scans, the null model, the
sensitivity analysis and the model explanation.
"""

from __future__ import annotations

import dataclasses
import sys
from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType
from typing import Any

import networkx as nx
import numpy as np
import pytest

from queries.simulator import (
    Model,
    explain_model,
    null_model,
    rank_targets,
    sensitivity,
    simulate,
)
from queries.simulator.effects import Choices
from queries.simulator.genes import GeneEdgeMap, RegulationSeq
from queries.simulator.model import build_model

sys.path.append(str(Path(__file__).resolve().parents[1] / "bench"))

import baseline_context  # noqa: E402
import baseline_simulator  # noqa: E402
from synthetic import synthetic_graph  # noqa: E402

#: Small synthetic graphs: associations, genes, cancer types, synthetic organs, publications
#: (few, so that regulation edges and gene assertions share references), seed.
SYNTHETIC = {
    "synthetic-4k": (4_000, 150, 30, 4, 400, 3),
    "synthetic-3k": (3_000, 80, 25, 3, 150, 11),
}


def _unusual(graph: nx.MultiDiGraph) -> nx.MultiDiGraph:
    """The curated graph plus edges that the graph's own sources do not make: attributes
    left out (their defaults apply), an empty step, qualifiers naming no node, a structural
    edge with a gene predicate, a self-regulation, a regulation resting on a retracted
    paper, a reference that is not a node and a repeated subclass edge."""
    g = graph.copy()
    by_category: dict[str, list[str]] = {}
    for node, data in sorted(g.nodes(data=True)):
        by_category.setdefault(data["category"], []).append(node)
    gene, other = by_category["gene"][:2]
    organ = by_category["organ"][0]
    step = next(n for n in by_category["cascade_step"] if "order" in g.nodes[n])
    cancer = by_category["cancer_type"][0]
    paper = by_category["publication"][0]
    assoc = {"kind": "association"}
    odd = [
        (gene, step, "odd:structure", {"kind": "structure", "predicate": "acts_at_step"}),
        (gene, organ, "odd:bare", {**assoc, "predicate": "mediates_metastasis_to"}),
        (
            gene,
            organ,
            "odd:empty-step",
            {**assoc, "predicate": "mediates_metastasis_to", "step": "", "references": [paper]},
        ),
        (gene, cancer, "odd:organ", {**assoc, "predicate": "contributes_to", "organ": "X:0"}),
        (gene, gene, "odd:self", {**assoc, "predicate": "regulates", "direction": "suppresses"}),
        (
            other,
            gene,
            "odd:retracted",
            {
                **assoc,
                "predicate": "regulates",
                "direction": "suppresses",
                "rests_only_on_retracted": True,
                "references": [paper, "PMID:0"],
                "cancer_type": cancer,
            },
        ),
        (
            gene,
            step,
            "odd:frequency",
            {
                **assoc,
                "predicate": "acts_at_step",
                "frequency": 0.3,
                "organ": organ,
                "cancer_type": "X:1",
                "evidence_types": ["xenograft", "mouse_model"],
                "confidence": "medium",
            },
        ),
        (
            organ,
            by_category["barrier_type"][0],
            "odd:barrier",
            {"kind": "structure", "predicate": "has_barrier"},
        ),
    ]
    for u, v, k, d in odd:
        g.add_edge(u, v, key=k, **d)
    child, parent = next(
        (u, v) for u, v, d in g.edges(data=True) if d["predicate"] == "subclass_of"
    )
    g.add_edge(child, parent, key="odd:subclass", kind="structure", predicate="subclass_of")
    return g


@pytest.fixture(
    scope="module",
    params=[
        "curated",
        "curated-unusual",
        # seconds each (a synthetic graph, both builds): for the full run, not the fast loop
        *(pytest.param(name, marks=pytest.mark.slow) for name in SYNTHETIC),
    ],
)
def both(request: pytest.FixtureRequest, graph: nx.MultiDiGraph) -> tuple[Model, Model]:
    """(today's model, the product's model) of one graph."""
    if request.param == "curated":
        g = graph
    elif request.param == "curated-unusual":
        g = _unusual(graph)
    else:
        associations, genes, cancers, organs, publications, seed = SYNTHETIC[request.param]
        g = synthetic_graph(
            graph,
            associations=associations,
            genes=genes,
            cancer_types=cancers,
            organs=organs,
            publications=publications,
            pathways=50,
            seed=seed,
        )
    return baseline_simulator.build_model(g), build_model(g, cache=False)


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return a.dtype == b.dtype and a.shape == b.shape and np.array_equal(a, b)
    return bool(a == b)


def _differences(old: Any, new: Any, skip: tuple[str, ...]) -> list[str]:
    found = []
    for f in dataclasses.fields(old):
        if f.name in skip:
            continue
        a, b = getattr(old, f.name), getattr(new, f.name)
        if isinstance(a, Mapping) and f.name != "parameters":
            same = set(a) == set(b) and all(_same(a[k], b[k]) for k in a)
        elif f.name == "regulations":
            same = tuple(a) == tuple(b)
        else:
            same = _same(a, b)
        if not same:
            found.append(f.name)
    return found


def test_the_models_are_equal(both: tuple[Model, Model]) -> None:
    old, new = both
    assert isinstance(new.gene_edges, GeneEdgeMap) and isinstance(new.regulations, RegulationSeq)
    assert _differences(old, new, ("_contexts", "index")) == []
    assert list(new.gene_edges) == list(old.gene_edges)  # the same order, too
    assert new.index._tiers == old.index._tiers and new.index._category == old.index._category
    assert new.parameters is old.parameters


def test_every_cancer_type_has_equal_arrays(both: tuple[Model, Model]) -> None:
    old, new = both
    for cancer_id in sorted(old.cancers):
        before = baseline_context.build_context(old, cancer_id)
        after = new.context(cancer_id)
        assert isinstance(after.choices, Choices)
        assert _differences(before, after, ("cache",)) == [], cancer_id
        assert after.effects.dtype == np.float64


def test_a_model_of_plain_objects_gives_equal_arrays(both: tuple[Model, Model]) -> None:
    """What a null model's or a re-parameterised model's contexts go through."""
    old, new = both
    plain = dataclasses.replace(
        new,
        gene_edges=MappingProxyType({g: new.gene_edges[g] for g in new.gene_edges}),
        regulations=tuple(new.regulations),
        _contexts={},
    )
    for cancer_id in sorted(old.cancers)[:12]:
        before = baseline_context.build_context(old, cancer_id)
        assert _differences(before, plain.context(cancer_id), ("cache",)) == [], cancer_id


def _profile(model: Model) -> dict[str, float]:
    """Genes with the most assertions, a regulator and a gene that is down."""
    counts = sorted(model.gene_edges, key=lambda g: (-len(model.gene_edges[g]), g))
    regulators = sorted({r.regulator for r in model.regulations})
    chosen = counts[:5] + regulators[:2]
    levels = {model.genes[g].id: 1.0 for g in chosen}
    levels[model.genes[counts[5]].id] = -1.0
    return levels


def test_every_cancer_type_has_equal_answers(both: tuple[Model, Model]) -> None:
    old, new = both
    profile = _profile(old)
    names = list(profile)
    for cancer_id in sorted(old.cancers):
        baseline_context.use(old, cancer_id)  # today's arrays for ``old``
        asked = {
            "cancer": cancer_id,
            "genes": profile,
            "knockouts": names[:1],
            "overexpress": names[-2:-1],
        }
        before = simulate(old, **asked, top_paths=5).to_dict()  # type: ignore[arg-type]
        assert simulate(new, **asked, top_paths=5).to_dict() == before, cancer_id  # type: ignore[arg-type]
        scan = {"cancer": cancer_id, "genes": names, "scope": "graph"}
        assert (
            rank_targets(new, **scan).to_dict() == rank_targets(old, **scan).to_dict()  # type: ignore[arg-type]
        ), cancer_id


def test_analyses_and_explanation_are_equal(both: tuple[Model, Model]) -> None:
    old, new = both
    cancer_id = sorted(old.cancers)[0]
    genes = list(_profile(old))
    for model in (old, new):
        model._contexts.clear()
    baseline_context.use(old, cancer_id)
    ask = {"cancer": cancer_id, "genes": genes}
    assert (
        null_model(new, **ask, permutations=25, seed=3).to_dict()  # type: ignore[arg-type]
        == null_model(old, **ask, permutations=25, seed=3).to_dict()  # type: ignore[arg-type]
    )
    assert sensitivity(new, **ask).to_dict() == sensitivity(old, **ask).to_dict()  # type: ignore[arg-type]
    old._contexts.clear()
    for cancer in old.cancers:
        baseline_context.use(old, cancer)
    assert explain_model(new) == explain_model(old)


def test_the_graphs_exercise_routing_and_sign_ties(both: tuple[Model, Model]) -> None:
    """Regulation routes some assertions, and in the synthetic graphs some cells have
    candidates of opposite signs tied at the top (the assertion id decides): the cases the
    arrays handle apart from the rest."""
    _, new = both
    table = new.gene_edges.table  # type: ignore[attr-defined]
    assert table.routed.any()
    if not any(g.label.startswith("SYN") for g in new.genes):
        return  # the curated graph has no such tie
    ties = 0
    for cancer_id in sorted(new.cancers):
        choices = new.context(cancer_id).choices
        assert isinstance(choices, Choices)
        for g, o, s in choices:
            values = [choices.value[r] for r in choices.candidates(g, o, s)]
            top = [v for v in values if abs(v) == abs(values[0])]
            ties += min(top) < 0 < max(top)
        if ties:
            break
    assert ties > 0
