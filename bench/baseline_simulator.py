"""Today's simulator model build, kept as the named baseline of bench/simulate.py.

A frozen copy of the graph-to-model code of ``queries/simulator/model.py`` as it was at
commit c472f00 (before the columnar rewrite): one pass over the networkx graph per predicate,
one :class:`EdgeRef` and :class:`GeneEdge` object per assertion, built eagerly. It builds
the product's own dataclasses, so its models can be compared field by field with the
product's (``tests/test_simulator_equivalence.py``) and simulated with the product's code.
Its cancer-type arrays are in ``bench/baseline_context.py``.

Not product code: nothing imports it but the benchmark and the equivalence test. Do not
change it except to keep it running against the product's dataclasses.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterable, Mapping
from types import MappingProxyType
from typing import Any

import networkx as nx
import numpy as np

from graph.property_graph import SUBCLASS_PREDICATE
from graph.vocab import Category
from queries.lookup import name_index
from queries.simulator.model import (
    CancerInfo,
    EdgeRef,
    Entity,
    Fact,
    GeneEdge,
    Model,
    Organ,
    Reference,
    Regulation,
    Step,
)
from queries.simulator.parameters import Parameter, ParameterError, Parameters, load_parameters

_GENE_CATEGORIES = ("gene", "microrna")
_GENE_PREDICATES = ("acts_at_step", "mediates_metastasis_to", "contributes_to")
_DIRECTION_SIGN = {"promotes": 1.0, "suppresses": -1.0, "associated": 0.0}


def build_model(graph: nx.MultiDiGraph, parameters: Parameters | None = None) -> Model:
    """The model of ``graph`` as today's code builds it (never cached)."""
    return _build(graph, parameters or load_parameters())


class _Builder:
    """Traverses the graph once and assembles a :class:`Model`."""

    def __init__(self, graph: nx.MultiDiGraph, parameters: Parameters) -> None:
        self.graph = graph
        self.p = parameters
        self.index = name_index(graph)
        self.notes: list[str] = []
        self._edge_refs: dict[str, EdgeRef] = {}
        self._entities: dict[str, Entity] = {}

    # entities and edges

    def entity(self, node_id: str) -> Entity:
        found = self._entities.get(node_id)
        if found is None:
            data = self.graph.nodes[node_id]
            found = Entity(node_id, str(data.get("symbol") or data["label"]))
            self._entities[node_id] = found
        return found

    def edge_ref(self, u: str, v: str, key: str, data: Mapping[str, Any]) -> EdgeRef:
        found = self._edge_refs.get(key)
        if found is None:
            found = EdgeRef(
                id=key,
                subject=self.entity(u),
                predicate=data["predicate"],
                object=self.entity(v),
                direction=data.get("direction", "promotes"),
                confidence=data.get("confidence", "low"),
                evidence_types=tuple(data.get("evidence_types", ())),
                references=tuple(self.reference(r) for r in data.get("references", ())),
                cancer_type=data.get("cancer_type"),
                organ=data.get("organ"),
                step=data.get("step"),
                frequency=data.get("frequency"),
                rests_only_on_retracted=bool(data.get("rests_only_on_retracted", False)),
                note=data.get("note", ""),
            )
            self._edge_refs[key] = found
        return found

    def reference(self, node_id: str) -> Reference:
        data = self.graph.nodes[node_id] if node_id in self.graph else {}
        number = data.get("referenceNumber")
        return Reference(
            id=node_id,
            number=int(number) if number is not None else None,
            citation=str(data.get("description", node_id)),
            title=str(data.get("label", "")),
            retracted=bool(data.get("retracted", False)),
        )

    def resolve_key(self, key: str, category: Category, parameter: str) -> str | None:
        """The node a parameter's key names (a short name, label, alias or CURIE)."""
        resolution = self.index.resolve(key, [category])
        if resolution.node_id is None:
            self.notes.append(
                f"parameter {parameter}: '{key}' names no {category.key.replace('_', ' ')} "
                "of the graph; it is not used"
            )
        return resolution.node_id

    def keyed_nodes(self, group: str, leaf: str, category: Category) -> dict[str, Parameter]:
        """Node id -> parameter for every key of ``group`` that names a node."""
        found: dict[str, Parameter] = {}
        for key in self.p.keys(group, leaf):
            node_id = self.resolve_key(key, category, f"{group}.{key}.{leaf}")
            if node_id is not None:
                found[node_id] = self.p[f"{group}.{key}.{leaf}"]
        return found

    def nodes(self, category: str) -> list[str]:
        return sorted(n for n, d in self.graph.nodes(data=True) if d["category"] == category)

    def associations(self, predicate: str) -> Iterable[tuple[str, str, str, dict[str, Any]]]:
        for u, v, k, d in self.graph.edges(keys=True, data=True):
            if d.get("predicate") == predicate and d.get("kind", "association") == "association":
                yield u, v, k, d


def _build(graph: nx.MultiDiGraph, parameters: Parameters) -> Model:
    b = _Builder(graph, parameters)
    p = parameters

    # Ordered cascade steps, and the role each plays.
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
    assert barrier_step is not None and site_step is not None
    assert organ_default is not None and cancer_default is not None

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

    # Organs and their barriers.
    barrier_params = b.keyed_nodes("barriers", "logit", Category.BARRIER_TYPE)
    default_barrier = p["barriers.default.logit"]
    barriers_of: dict[str, list[Fact]] = {}
    for u, v, k, d in b.associations("has_barrier"):
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
    organ_pos = {o.id: i for i, o in enumerate(organs)}

    # Cancer types: own facts and hierarchy.
    cancer_ids = b.nodes("cancer_type")
    parents: dict[str, list[str]] = {c: [] for c in cancer_ids}
    children: dict[str, list[str]] = {c: [] for c in cancer_ids}
    for u, v, d in graph.edges(data=True):
        if d.get("predicate") == SUBCLASS_PREDICATE and u in parents and v in parents:
            parents[u].append(v)
            children[v].append(u)
    own: dict[str, dict[str, list[Any]]] = {
        c: {"sites": [], "beds": [], "latency": []} for c in cancer_ids
    }
    for predicate, slot in (("metastasizes_to", "sites"), ("first_capillary_bed", "beds")):
        for u, v, k, d in b.associations(predicate):
            if u in own and v in organ_pos:
                own[u][slot].append((organ_pos[v], b.edge_ref(u, v, k, d)))
    for u, v, k, d in b.associations("has_latency_class"):
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

    # Genes, their classes and their weighted assertions.
    genes = tuple(
        sorted(
            (b.entity(n) for c in _GENE_CATEGORIES for n in b.nodes(c)),
            key=lambda e: (e.label.casefold(), e.id),
        )
    )
    gene_pos = {g.id: i for i, g in enumerate(genes)}
    class_params = b.keyed_nodes("gene_classes", "weight", Category.GENE_CLASS)
    default_class = p["gene_classes.default.weight"]
    gene_classes: dict[int, list[tuple[Entity, float, EdgeRef]]] = {}
    for u, v, k, d in b.associations("has_class"):
        if u in gene_pos:
            param = class_params.get(v, default_class)
            gene_classes.setdefault(gene_pos[u], []).append(
                (b.entity(v), float(param.value), b.edge_ref(u, v, k, d))  # type: ignore[arg-type]
            )
    class_weight: dict[int, tuple[float, str]] = {}
    for g, classes in gene_classes.items():
        classes.sort(key=lambda c: (-c[1], c[0].id))
        best = classes[0]
        class_weight[g] = (best[1], class_params.get(best[0].id, default_class).name)

    unit = p.number("effects.unit_shift")
    gene_edges: dict[int, list[GeneEdge]] = {}
    for predicate in _GENE_PREDICATES:
        for u, v, k, d in b.associations(predicate):
            if u not in gene_pos:
                continue
            g = gene_pos[u]
            edge = b.edge_ref(u, v, k, d)
            made = _gene_edge(
                edge,
                predicate,
                v,
                organ_pos,
                step_target,
                step_target_any,
                organ_default,
                cancer_default,
                barrier_step,
            )
            if made is None:
                continue
            step, step_factor, organs_hit, cancer, kind, step_params = made
            cw, cw_name = class_weight.get(g, (float(default_class.value), default_class.name))  # type: ignore[arg-type]
            conf = p.keyed("confidence", edge.confidence, "weight")
            evidence = [p.keyed("evidence_types", t, "weight") for t in edge.evidence_types]
            evidence_weight, evidence_names = combined_evidence(p, evidence)
            retracted = (
                p.number("context.retracted_factor") if edge.rests_only_on_retracted else 1.0
            )
            direction = _DIRECTION_SIGN.get(edge.direction, 0.0)
            factors = {
                "unit_shift": unit,
                "direction": direction,
                "step": step_factor,
                "class": cw,
                "confidence": float(conf.value),  # type: ignore[arg-type]
                "evidence_type": evidence_weight,
                "retracted": retracted,
            }
            weight = math.prod(factors.values())
            names = ("effects.unit_shift", *step_params, cw_name, conf.name, *evidence_names)
            if edge.rests_only_on_retracted:
                names += ("context.retracted_factor",)
            gene_edges.setdefault(g, []).append(
                GeneEdge(
                    edge, kind, step, organs_hit, cancer, weight, MappingProxyType(factors), names
                )
            )

    regulations = _regulations(b, gene_pos)
    by_regulator: dict[int, list[Regulation]] = {}
    for r in regulations:
        by_regulator.setdefault(r.regulator, []).append(r)
    gene_edges = {
        g: _routed(es, gene_edges, by_regulator.get(g, [])) for g, es in gene_edges.items()
    }

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

    return Model(
        parameters=p,
        index=b.index,
        steps=steps,
        organs=tuple(organs),
        genes=genes,
        gene_pos=MappingProxyType(gene_pos),
        organ_pos=MappingProxyType(organ_pos),
        barrier_step=barrier_step,
        latency_step=latency_step,
        site_step=site_step,
        cancers=MappingProxyType(cancers),
        subclasses=MappingProxyType({c: tuple(sorted(v)) for c, v in children.items()}),
        gene_edges=MappingProxyType(
            {g: tuple(sorted(es, key=lambda e: e.edge.id)) for g, es in gene_edges.items()}
        ),
        gene_classes=MappingProxyType({g: tuple(c) for g, c in gene_classes.items()}),
        latency_scale=scale,
        unordered_latency=frozenset(unordered),
        distant_mask=distant,
        lymphatic_mask=lymphatic,
        regulations=regulations,
        step_baselines=step_baselines,
        latency_params=MappingProxyType(latency_params),
        notes=tuple(b.notes),
    )


def _regulations(b: _Builder, gene_pos: Mapping[str, int]) -> tuple[Regulation, ...]:
    """The signed ``regulates`` edges between genes of the model, weighted like gene
    assertions (confidence, combined evidence) and damped per hop."""
    p = b.p
    found = []
    for u, v, k, d in b.associations("regulates"):
        if u not in gene_pos or v not in gene_pos or u == v:
            continue
        edge = b.edge_ref(u, v, k, d)
        if _DIRECTION_SIGN.get(edge.direction, 0.0) == 0.0:
            continue
        weight, names = regulation_weight(p, edge)
        found.append(Regulation(gene_pos[u], gene_pos[v], edge, edge.cancer_type, weight, names))
    return tuple(sorted(found, key=lambda r: (r.regulator, r.target, r.edge.id)))


def regulation_weight(p: Parameters, edge: EdgeRef) -> tuple[float, tuple[str, ...]]:
    """Signed level change per unit of the regulator's level: direction x confidence x
    combined evidence x damping (x the retracted factor when it rests on a retracted paper)."""
    conf = p.keyed("confidence", edge.confidence, "weight")
    evidence = [p.keyed("evidence_types", t, "weight") for t in edge.evidence_types]
    evidence_weight, evidence_names = combined_evidence(p, evidence)
    weight = (
        _DIRECTION_SIGN.get(edge.direction, 0.0)
        * float(conf.value)  # type: ignore[arg-type]
        * evidence_weight
        * p.number("regulation.damping")
    )
    names = ("regulation.damping", conf.name, *evidence_names)
    if edge.rests_only_on_retracted:
        weight *= p.number("context.retracted_factor")
        names += ("context.retracted_factor",)
    return weight, names


def _sign(direction: str) -> float:
    return _DIRECTION_SIGN.get(direction, 0.0)


def _effect_sign(e: GeneEdge) -> float:
    """The sign of an assertion's effect (direction x step sign), whatever the weights."""
    value = e.factors["direction"] * e.factors["step"]
    return 0.0 if value == 0.0 else math.copysign(1.0, value)


def _routed(
    edges: list[GeneEdge],
    gene_edges: Mapping[int, list[GeneEdge]],
    regulations_of: list[Regulation],
) -> list[GeneEdge]:
    """Mark the assertions of a regulator (``regulations_of``: its regulation edges) that its
    regulation of other genes explains.

    An assertion of the regulator at a step is routed through its targets when ``g`` regulates
    targets that act at the same step with the sign that
    the regulation predicts (a repressor of a promoter suppresses), and every reference of
    the assertion is also a reference of those regulation edges: the same papers that
    report the phenotype show the route. The model then counts the route (the targets'
    levels change) instead of the assertion, so the phenotype is not counted twice and
    disappears when the targets are knocked out.
    """
    if not regulations_of:
        return edges
    out = []
    for e in edges:
        targets, refs = [], set()
        for r in regulations_of:
            predicted = _sign(r.edge.direction)
            for e2 in gene_edges.get(r.target, ()):
                if e2.step != e.step or _effect_sign(e2) == 0.0 or _effect_sign(e) == 0.0:
                    continue
                if predicted * _effect_sign(e2) != _effect_sign(e):
                    continue
                targets.append(r.target)
                refs.update(x.id for x in r.edge.references)
                break
        own = {x.id for x in e.edge.references}
        if targets and own and own <= refs:
            out.append(dataclasses.replace(e, routed_via=tuple(sorted(set(targets)))))
        else:
            out.append(e)
    return out


def combined_evidence(p: Parameters, evidence: list[Parameter]) -> tuple[float, tuple[str, ...]]:
    """Independent kinds of evidence combine like independent chances of having shown the
    effect: ``1 - prod(1 - w)`` over the assertion's evidence types (each clipped to [0, 1])."""
    if not evidence:
        none = p["evidence_types.none.weight"]
        return min(max(float(none.value), 0.0), 1.0), (none.name,)  # type: ignore[arg-type]
    miss = 1.0
    for item in evidence:
        miss *= 1.0 - min(max(float(item.value), 0.0), 1.0)  # type: ignore[arg-type]
    return 1.0 - miss, tuple(dict.fromkeys(e.name for e in evidence))


def _gene_edge(
    edge: EdgeRef,
    predicate: str,
    target: str,
    organ_pos: Mapping[str, int],
    step_target: Mapping[str, tuple[int, float, tuple[str, ...]]],
    step_target_any: Mapping[str, tuple[int, float, tuple[str, ...]]],
    organ_default: int,
    cancer_default: int,
    barrier_step: int,
) -> tuple[int, float, tuple[int, ...] | None, str | None, str, tuple[str, ...]] | None:
    """Where one gene assertion acts: (step, step factor, organs, cancer context, kind,
    parameter names), or None when it cannot act at any ordered step."""
    organ = edge.organ
    cancer = edge.cancer_type
    if predicate == "acts_at_step":
        recorded, kind = target, "specific"
    elif predicate == "mediates_metastasis_to":
        organ = target
        recorded, kind = edge.step, "specific" if edge.step else "organ_fallback"
    else:  # contributes_to: the object is the cancer type
        cancer = target
        recorded, kind = edge.step, "cancer_fallback"
    organs_hit: tuple[int, ...] | None = None
    if organ is not None:
        if organ not in organ_pos:
            return None
        organs_hit = (organ_pos[organ],)
    if recorded is None:
        step = organ_default if organ is not None else cancer_default
        name = "roles.organ_default_step" if organ is not None else "roles.cancer_default_step"
        return step, 1.0, organs_hit, cancer, kind, (name,)
    mapped = (step_target if organ is not None else step_target_any).get(recorded)
    if mapped is None:
        return None
    step, factor, names = mapped
    if predicate != "acts_at_step":
        # the direction of mediates_metastasis_to and contributes_to is about metastasis
        # (promotes = more metastasis), not about the step, so no step sign applies
        factor = abs(factor)
    if step < barrier_step:
        # a primary-side step happens before any organ is reached: it moves every route
        # alike, whatever organ the experiment scored
        organs_hit = None
    return step, factor, organs_hit, cancer, kind, names
