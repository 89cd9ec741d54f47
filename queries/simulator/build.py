"""Building the model: one pass over the graph, then steps, organs, cancer types and genes.

The biology is read from the graph as described in ``model.py``; the gene assertions, which
are nearly all of a large graph, are turned into weighted rows by ``gene_rows.py`` with numpy,
and into :class:`GeneEdge` objects only for the genes a result asks about.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

import networkx as nx
import numpy as np

from graph.vocab import Category, GeneClassScheme
from queries.simulator.builder import Builder
from queries.simulator.columns import GraphRead, no_collection, read_graph
from queries.simulator.gene_rows import StepMaps, gene_rows
from queries.simulator.model import CancerInfo, EdgeRef, Entity, Fact, Model, Organ, Step
from queries.simulator.parameters import ParameterError, Parameters

_GENE_CATEGORIES = ("gene", "microrna")


def build(graph: nx.MultiDiGraph, parameters: Parameters) -> tuple[Model, int]:
    """The model of ``graph`` under ``parameters`` (uncached; see :func:`build_model`), and
    the number of edges it read (the graph's edge count).

    The cyclic garbage collector is paused meanwhile (a few seconds on a graph of millions of
    edges): nothing built is cyclic, and each full collection would walk the whole graph."""
    with no_collection():
        return _build(graph, parameters)


def _steps(b: Builder) -> tuple[tuple[Step, ...], dict[str, int], StepMaps]:
    """The ordered steps, their roles and how a recorded step maps onto an ordered step."""
    graph, p = b.graph, b.p
    step_nodes = [
        (int(graph.nodes[n]["order"]), n)
        for n in b.nodes("cascade_step")
        if "order" in graph.nodes[n]
    ]
    steps = tuple(
        Step(n, n.rsplit("/", 1)[-1], graph.nodes[n]["label"], order)
        for order, n in sorted(step_nodes)
    )
    if not steps:
        raise ParameterError("the graph has no ordered cascade steps (cascade_step with order)")
    step_pos = {s.id: i for i, s in enumerate(steps)}

    def role(name: str, required: bool = True) -> int | None:
        node_id = b.resolve_key(p.text(name), Category.CASCADE_STEP, name)
        if node_id in step_pos:
            return step_pos[node_id]
        if required:
            raise ParameterError(
                f"parameter {name} = '{p.text(name)}' must name an ordered cascade step of "
                f"the graph: {', '.join(s.key for s in steps)}"
            )
        return None

    barrier_step = role("roles.barrier_step")
    site_step = role("roles.site_step")
    latency_step = role("roles.latency_step", required=False)
    organ_default = role("roles.organ_default_step")
    cancer_default = role("roles.cancer_default_step")
    if barrier_step is None or site_step is None or organ_default is None:
        raise ParameterError("the barrier, site and organ default steps must be ordered steps")
    if cancer_default is None:
        raise ParameterError("roles.cancer_default_step must name an ordered cascade step")

    # How a recorded step (ordered or cross-cutting) maps onto an ordered step.
    step_sign = b.keyed_nodes("steps", "evidence_sign", Category.CASCADE_STEP)
    step_target: dict[str, tuple[int, float, tuple[str, ...]]] = {}
    for node_id in b.nodes("cascade_step"):
        sign_param = step_sign.get(node_id) or p["steps.default.evidence_sign"]
        sign = float(sign_param.value)  # type: ignore[arg-type]
        if node_id in step_pos:
            step_target[node_id] = (step_pos[node_id], sign, (sign_param.name,))
    for key in p.keys("cross_cutting", "target_step"):
        node_id = b.resolve_key(key, Category.CASCADE_STEP, f"cross_cutting.{key}.target_step")
        if node_id is None:
            continue
        target_name = f"cross_cutting.{key}.target_step"
        target = b.resolve_key(p.text(target_name), Category.CASCADE_STEP, target_name)
        if target not in step_pos:
            raise ParameterError(f"parameter {target_name} must name an ordered cascade step")
        factor = p.keyed("cross_cutting", key, "factor")
        sign_param = step_sign.get(node_id) or p["steps.default.evidence_sign"]
        step_target[node_id] = (
            step_pos[target],
            float(sign_param.value) * float(factor.value),  # type: ignore[arg-type]
            (target_name, factor.name, sign_param.name),
        )
    # An assertion that names no organ at a cross-cutting process with a primary-side target
    # (angiogenesis in the primary tumour) acts there, on every route alike.
    step_target_any = dict(step_target)
    for key in p.keys("cross_cutting", "primary_target_step"):
        node_id = b.resolve_key(key, Category.CASCADE_STEP, f"cross_cutting.{key}.target_step")
        name = f"cross_cutting.{key}.primary_target_step"
        target = b.resolve_key(p.text(name), Category.CASCADE_STEP, name)
        if node_id is None or target not in step_pos:
            raise ParameterError(f"parameter {name} must name an ordered cascade step")
        _, factor_value, names = step_target[node_id]
        step_target_any[node_id] = (step_pos[target], factor_value, (name, *names[1:]))
    for node_id in b.nodes("cascade_step"):
        if node_id not in step_target:
            b.notes.append(
                f"cascade step {node_id} is neither ordered nor mapped in cross_cutting: "
                "assertions at it move nothing"
            )
    maps = StepMaps(
        step_target, step_target_any, organ_default, cancer_default, barrier_step, len(steps)
    )
    roles = {"barrier": barrier_step, "site": site_step}
    if latency_step is not None:
        roles["latency"] = latency_step
    return steps, roles, maps


def _organs(b: Builder, read: GraphRead) -> list[Organ]:
    """Organs (by label) with their barriers, the least permeable one's logit, the route."""
    graph, p = b.graph, b.p
    barrier_params = b.keyed_nodes("barriers", "logit", Category.BARRIER_TYPE)
    default_barrier = p["barriers.default.logit"]
    barriers_of: dict[str, list[Fact]] = {}
    for u, v, k, d in read.edges["has_barrier"]:
        param = barrier_params.get(v, default_barrier)
        barriers_of.setdefault(u, []).append(
            Fact("barrier", b.edge_ref(u, v, k, d), float(param.value), (param.name,))  # type: ignore[arg-type]
        )
    lymphatic_types = set()
    for key in p.names("routes.lymphatic_barriers"):
        found = b.resolve_key(key, Category.BARRIER_TYPE, "routes.lymphatic_barriers")
        if found:
            lymphatic_types.add(found)
    organ_ids = sorted(b.nodes("organ"), key=lambda n: (graph.nodes[n]["label"].casefold(), n))
    known: dict[str, tuple[float, str]] = {}
    for node_id in organ_ids:
        facts = barriers_of.get(node_id)
        if facts:
            hardest = min(facts, key=lambda f: (f.value, f.edge.id))  # type: ignore[union-attr]
            known[node_id] = (hardest.value, hardest.parameters[0])
    prior_rule = p.text("barriers.unknown_prior")
    if prior_rule not in ("mean", "most_restrictive"):
        raise ParameterError(
            f"parameter barriers.unknown_prior = '{prior_rule}': expected 'mean' or "
            "'most_restrictive'"
        )
    values = [v for v, _ in known.values()]
    if not values:
        prior = float(default_barrier.value)  # type: ignore[arg-type]
    elif prior_rule == "mean":
        prior = sum(values) / len(values)
    else:
        prior = min(values)
    organs = []
    for node_id in organ_ids:
        facts = tuple(sorted(barriers_of.get(node_id, ()), key=lambda f: f.edge.id))  # type: ignore[union-attr]
        route = (
            "lymphatic"
            if any(f.edge is not None and f.edge.object.id in lymphatic_types for f in facts)
            else "haematogenous"
        )
        if node_id in known:
            logit, param_name = known[node_id]
        else:
            logit, param_name = prior, "barriers.unknown_prior"
            b.notes.append(
                f"organ {node_id} has no has_barrier assertion: its barrier term is the prior "
                f"({prior_rule} of the organs whose barrier is known, {prior:+.2f})"
            )
        organs.append(
            Organ(
                node_id,
                graph.nodes[node_id]["label"],
                facts,
                logit,
                param_name,
                node_id in known,
                route,
            )
        )
    return organs


def _cancers(
    b: Builder, read: GraphRead, organ_pos: Mapping[str, int]
) -> tuple[dict[str, CancerInfo], dict[str, list[str]]]:
    """Each cancer type's own facts, and its direct subtypes."""
    graph = b.graph
    cancer_ids = b.nodes("cancer_type")
    parents: dict[str, list[str]] = {c: [] for c in cancer_ids}
    children: dict[str, list[str]] = {c: [] for c in cancer_ids}
    for u, v in read.subclass:
        if u in parents and v in parents:
            parents[u].append(v)
            children[v].append(u)
    own: dict[str, dict[str, list[Any]]] = {
        c: {"sites": [], "beds": [], "latency": []} for c in cancer_ids
    }
    for predicate, slot in (("metastasizes_to", "sites"), ("first_capillary_bed", "beds")):
        for u, v, k, d in read.edges[predicate]:
            if u in own and v in organ_pos:
                own[u][slot].append((organ_pos[v], b.edge_ref(u, v, k, d)))
    for u, v, k, d in read.edges["has_latency_class"]:
        if u in own:
            own[u]["latency"].append((b.entity(v), b.edge_ref(u, v, k, d)))
    cancers = {
        c: CancerInfo(
            entity=b.entity(c),
            names=(
                graph.nodes[c]["label"],
                *graph.nodes[c].get("synonyms", ()),
                c.rsplit("/", 1)[-1].replace("_", " "),
            ),
            venous_drainage=graph.nodes[c].get("venousDrainage"),
            parents=tuple(sorted(parents[c])),
            sites=tuple(sorted(own[c]["sites"], key=lambda x: (x[0], x[1].id))),
            first_beds=tuple(sorted(own[c]["beds"], key=lambda x: (x[0], x[1].id))),
            latency=tuple(sorted(own[c]["latency"], key=lambda x: x[1].id)),
        )
        for c in cancer_ids
    }
    return cancers, children


def _gene_classes(
    b: Builder, read: GraphRead, gene_pos: Mapping[str, int]
) -> tuple[dict[int, list[tuple[Entity, float, EdgeRef]]], np.ndarray, list[str]]:
    """Each gene's classes (strongest first), and per gene the weight and parameter name of
    its strongest class (the default class for a gene with none)."""
    p = b.p
    class_params = b.keyed_nodes("gene_classes", "weight", Category.GENE_CLASS)
    default_class = p["gene_classes.default.weight"]
    gene_classes: dict[int, list[tuple[Entity, float, EdgeRef]]] = {}
    for u, v, k, d in read.edges["has_class"]:
        if u in gene_pos:
            param = class_params.get(v, default_class)
            gene_classes.setdefault(gene_pos[u], []).append(
                (b.entity(v), float(param.value), b.edge_ref(u, v, k, d))  # type: ignore[arg-type]
            )
    weight = np.full(len(gene_pos), float(default_class.value))  # type: ignore[arg-type]
    names = [default_class.name] * len(gene_pos)
    for g, classes in gene_classes.items():
        classes.sort(key=lambda c: (-c[1], c[0].id))
        # A gene set (GMT; scheme gene_set) says a gene is in a list, not what it does: it is
        # kept among the gene's classes (a profile may name it) but sets no weight.
        functional = [c for c in classes if not _gene_set(b, c[0].id)]
        if not functional:
            continue
        best = functional[0]
        weight[g] = best[1]
        names[g] = class_params.get(best[0].id, default_class).name
    return gene_classes, weight, names


def _gene_set(b: Builder, class_id: str) -> bool:
    return b.graph.nodes[class_id].get("scheme") == GeneClassScheme.GENE_SET.value


def _build(graph: nx.MultiDiGraph, parameters: Parameters) -> tuple[Model, int]:
    b = Builder(graph, parameters)
    p = parameters
    genes = tuple(
        sorted(
            (b.entity(n) for c in _GENE_CATEGORIES for n in b.nodes(c)),
            key=lambda e: (e.label.casefold(), e.id),
        )
    )
    gene_pos = {g.id: i for i, g in enumerate(genes)}
    read = read_graph(graph, gene_pos)
    read.columns.genes = genes
    read.columns.finish(graph, b.entity, b.reference)

    steps, roles, maps = _steps(b)
    organs = _organs(b, read)
    organ_pos = {o.id: i for i, o in enumerate(organs)}
    cancers, children = _cancers(b, read, organ_pos)
    gene_classes, class_weight, class_names = _gene_classes(b, read, gene_pos)
    gene_edges, regulations = gene_rows(read.columns, p, maps, organ_pos, class_weight, class_names)
    edge_count = read.edge_count
    del read

    # Latency scale and distant organs.
    unordered = set()
    for key in p.names("latency.unordered"):
        node_id = b.resolve_key(key, Category.LATENCY_CLASS, "latency.unordered")
        if node_id:
            unordered.add(node_id)
    scale = tuple(
        b.entity(n)
        for n in sorted(
            (
                n
                for n in b.nodes("latency_class")
                if n not in unordered and "order" in graph.nodes[n]
            ),
            key=lambda n: (int(graph.nodes[n]["order"]), n),
        )
    )
    baseline_params = b.keyed_nodes("steps", "baseline_logit", Category.CASCADE_STEP)
    step_baselines = tuple(
        baseline_params.get(s.id, p["steps.default.baseline_logit"]) for s in steps
    )
    latency_params = b.keyed_nodes("latency_classes", "logit", Category.LATENCY_CLASS)
    lymphatic = np.array([o.route == "lymphatic" for o in organs], dtype=bool)
    distant = ~lymphatic

    model = Model(
        parameters=p,
        index=b.index,
        steps=steps,
        organs=tuple(organs),
        genes=genes,
        gene_pos=MappingProxyType(gene_pos),
        organ_pos=MappingProxyType(organ_pos),
        barrier_step=roles["barrier"],
        latency_step=roles.get("latency"),
        site_step=roles["site"],
        cancers=MappingProxyType(cancers),
        subclasses=MappingProxyType({c: tuple(sorted(v)) for c, v in children.items()}),
        gene_edges=gene_edges,
        gene_classes=MappingProxyType({g: tuple(c) for g, c in gene_classes.items()}),
        latency_scale=scale,
        unordered_latency=frozenset(unordered),
        distant_mask=distant,
        lymphatic_mask=lymphatic,
        regulations=regulations,  # type: ignore[arg-type]
        step_baselines=step_baselines,
        latency_params=MappingProxyType(latency_params),
        notes=tuple(b.notes),
    )
    return model, edge_count
