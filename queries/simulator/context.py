"""One cancer type's arrays: baseline log-odds, arrival, routes and the gene effect tensor.

The facts of the cancer type (sites, first capillary beds, latency class, inherited along its
lineage) set the baseline; the gene effects and regulation come from the model's arrays
(``effects.py``).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

import numpy as np

from queries.simulator.effects import RegulationMap, context_classes, gene_effects
from queries.simulator.genes import gene_table, regulation_table
from queries.simulator.model import CancerContext, EdgeRef, Entity, Fact, Model
from queries.simulator.parameters import ParameterError


def _logit(share: float, clip: float) -> float:
    share = min(max(share, clip), 1.0 - clip)
    return math.log(share / (1.0 - share))


def _sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


def _inherited(model: Model, lineage: tuple[str, ...], slot: str) -> tuple[tuple[Any, ...], str]:
    """A cancer type's facts of one kind, all from one owner: its own, else the nearest
    ancestor's. Used for the first capillary bed (one anatomical fact of the primary site's
    venous drainage: a subtype that states its own states the whole pattern, and mixing
    would give two 'first' beds) and the latency class (one class per type)."""
    for cancer_id in lineage:
        found = getattr(model.cancers[cancer_id], slot)
        if found:
            return found, cancer_id
    return (), lineage[0]


def _inherited_sites(
    model: Model, lineage: tuple[str, ...], rule: str
) -> list[tuple[int, EdgeRef, str]]:
    """The recorded sites of a cancer type, organ by organ. Organs the type does not record
    keep the records of its ancestors: a subtype refines its parent's pattern, it does not
    erase it. For an organ that several members of the lineage record, 'strongest' keeps
    every record (the caller takes the strongest, as for several records of one type: the
    parent's record holds for each of its tumours, the subtype's included) and 'nearest'
    keeps only the nearest member's (the subtype's own record replaces its parent's)."""
    if rule not in ("strongest", "nearest"):
        raise ParameterError(
            f"parameter sites.inheritance = '{rule}': expected 'strongest' or 'nearest'"
        )
    owner_of: dict[int, str] = {}
    found: list[tuple[int, EdgeRef, str]] = []
    for cancer_id in lineage:
        for o, edge in model.cancers[cancer_id].sites:
            if owner_of.setdefault(o, cancer_id) == cancer_id or rule == "strongest":
                found.append((o, edge, cancer_id))
    return found


@dataclass(frozen=True)
class CancerFacts:
    """A cancer type's own and inherited facts: what sets its baseline and arrival."""

    cancer: Entity
    lineage: tuple[str, ...]  # the cancer type, then its ancestors, nearest first
    venous_drainage: str | None
    best_site: Mapping[int, Fact]  # organ -> the strongest recorded site
    sites: tuple[Fact, ...]  # by organ
    barrier_rule: str
    latency_class: Entity | None
    latency_fact: Fact | None
    first_beds: tuple[Fact, ...]  # blood-borne organs only
    bed_organs: tuple[int, ...]  # the organ of each first bed


def cancer_facts(model: Model, cancer_id: str) -> CancerFacts:
    """The facts of one cancer type, without its arrays (``explain_model`` needs no more)."""
    p = model.parameters
    lineage = model.lineage(cancer_id)
    info = model.cancers[cancer_id]

    def source(owner: str) -> Entity | None:
        return None if owner == cancer_id else model.cancers[owner].entity

    weight = p.number("sites.frequency_weight")
    clip = p.number("sites.frequency_clip")
    best_site: dict[int, Fact] = {}
    for o, edge, owner in _inherited_sites(model, lineage, p.text("sites.inheritance")):
        conf = p.keyed("sites", edge.confidence, "logit")
        value = float(conf.value)  # type: ignore[arg-type]
        names: tuple[str, ...] = (conf.name,)
        if edge.frequency is not None:
            value += weight * _logit(float(edge.frequency), clip)
            names += ("sites.frequency_weight", "sites.frequency_clip")
        fact = Fact("site", edge, value, names, source(owner))
        if o not in best_site or value > best_site[o].value:
            best_site[o] = fact
    rule = p.text("sites.barrier_rule")
    if rule not in ("replace", "add"):
        raise ParameterError(
            f"parameter sites.barrier_rule = '{rule}': expected 'replace' (a recorded site "
            "stands in for the organ's barrier) or 'add' (the barrier applies on top)"
        )
    latency_edges, latency_owner = _inherited(model, lineage, "latency")
    latency_class = latency_fact = None
    if latency_edges:
        latency_class, edge = latency_edges[0]
        param = model.latency_params.get(latency_class.id, p["latency_classes.default.logit"])
        latency_fact = Fact(
            "latency_class",
            edge,
            float(param.value),
            (param.name,),
            source(latency_owner),  # type: ignore[arg-type]
        )
    bed_edges, bed_owner = _inherited(model, lineage, "first_beds")
    bed_edges = tuple((o, e) for o, e in bed_edges if not model.lymphatic_mask[o])
    first_logit = p.number("circulation.first_bed_logit")
    first_beds = tuple(
        Fact(
            "first_capillary_bed",
            edge,
            first_logit,
            ("circulation.first_bed_logit",),
            source(bed_owner),
        )
        for _, edge in bed_edges
    )
    return CancerFacts(
        cancer=info.entity,
        lineage=lineage,
        venous_drainage=info.venous_drainage
        or next(
            (model.cancers[c].venous_drainage for c in lineage if model.cancers[c].venous_drainage),
            None,
        ),
        best_site=best_site,
        sites=tuple(best_site[o] for o in sorted(best_site)),
        barrier_rule=rule,
        latency_class=latency_class,
        latency_fact=latency_fact,
        first_beds=first_beds,
        bed_organs=tuple(o for o, _ in bed_edges),
    )


def build_context(model: Model, cancer_id: str) -> CancerContext:
    p = model.parameters
    known = cancer_facts(model, cancer_id)
    lineage = known.lineage
    n_organs, n_steps = len(model.organs), len(model.steps)

    # Baseline log-odds: step baselines, then sites, barrier and latency class.
    base = np.zeros((n_organs, n_steps))
    facts: dict[tuple[int, int], list[Fact]] = {}
    for s, param in enumerate(model.step_baselines):
        base[:, s] = float(param.value)  # type: ignore[arg-type]
    best_site = known.best_site
    for o, fact in best_site.items():
        base[o, model.site_step] += fact.value
        facts.setdefault((o, model.site_step), []).append(fact)
    # A recorded site is an outcome observed in patients: it already includes crossing the
    # organ's vessel wall, so with the 'replace' rule its barrier is not counted again (the
    # barrier facts stay listed, with the value 0 they add). Gene effects at the barrier step
    # act as before; organs with no site record keep their barrier (or the prior).
    for o, organ in enumerate(model.organs):
        replaced = known.barrier_rule == "replace" and o in best_site
        if not replaced:
            base[o, model.barrier_step] += organ.barrier_logit
        shown = facts.setdefault((o, model.barrier_step), [])
        if replaced:
            shown.extend(
                dataclasses.replace(
                    f,
                    kind="barrier_replaced_by_site",
                    value=0.0,
                    parameters=(*f.parameters, "sites.barrier_rule"),
                )
                for f in organ.barriers
            )
            if not organ.barrier_known:
                shown.append(
                    Fact(
                        "barrier_replaced_by_site",
                        None,
                        0.0,
                        ("barriers.unknown_prior", "sites.barrier_rule"),
                    )
                )
            continue
        shown.extend(organ.barriers)
        if not organ.barrier_known:
            shown.append(
                Fact("barrier_prior", None, organ.barrier_logit, ("barriers.unknown_prior",))
            )
    latency_fact = known.latency_fact
    if latency_fact is not None and model.latency_step is not None:
        base[:, model.latency_step] += latency_fact.value
        for o in range(n_organs):
            facts.setdefault((o, model.latency_step), []).append(latency_fact)

    # Arrival: the first capillary bed traps most cells; other organs are reached arterially.
    first_logit = p.number("circulation.first_bed_logit")
    arterial_logit = p.number("circulation.arterial_logit")
    arrival_logit = np.full(n_organs, arterial_logit)
    arrival_facts: dict[int, list[Fact]] = {
        o: [Fact("arterial", None, arterial_logit, ("circulation.arterial_logit",))]
        for o in range(n_organs)
    }
    lymph_logit = p.number("routes.lymphatic_entry_logit")
    for o in np.flatnonzero(model.lymphatic_mask).tolist():
        arrival_logit[o] = lymph_logit
        arrival_facts[o] = [
            Fact("lymphatic_entry", None, lymph_logit, ("routes.lymphatic_entry_logit",))
        ]
    for o, fact in zip(known.bed_organs, known.first_beds, strict=True):
        arrival_logit[o] = first_logit
        arrival_facts[o] = [fact]
    relays = tuple(sorted(set(known.bed_organs)))

    # Gene effects: per (gene, organ, step), the strongest applicable assertion.
    factors = np.array(
        [
            1.0,
            p.number("context.unspecified_factor"),
            p.number("context.descendant_factor"),
            p.number("context.other_cancer_factor"),
        ]
    )
    below = model.descendants(cancer_id)
    table = gene_table(model)
    context = context_classes(table.cancer_values, table.cancer_index, lineage, below)
    effects, choices, excluded = gene_effects(
        table, n_organs, n_steps, context[table.cancer], factors
    )

    # Which primary-side steps each organ's route passes: all of them for blood-borne
    # organs; for organs reached through lymph only those named in routes.lymphatic_steps.
    route_steps = np.ones((n_organs, model.barrier_step), dtype=bool)
    lymph_steps = set()
    for key in p.names("routes.lymphatic_steps"):
        lymph_steps.update(i for i, st in enumerate(model.steps) if st.key == key)
    for o in np.flatnonzero(model.lymphatic_mask).tolist():
        route_steps[o] = [s in lymph_steps for s in range(model.barrier_step)]

    # Regulation edges that apply to this cancer type (the context factor as for genes).
    regulations = regulation_table(model)
    regulation = RegulationMap(
        regulations,
        factors,
        context_classes(regulations.cancer_values, regulations.cancer_index, lineage, below),
    )

    seeding = _sigmoid(p.number("circulation.secondary_seeding_logit"))
    return CancerContext(
        cancer=known.cancer,
        lineage=tuple(model.cancers[c].entity for c in lineage),
        venous_drainage=known.venous_drainage,
        sites=known.sites,
        first_beds=known.first_beds,
        latency_class=known.latency_class,
        latency_fact=latency_fact,
        base=base,
        arrival=1.0 / (1.0 + np.exp(-arrival_logit)),
        arterial=_sigmoid(arterial_logit),
        seeding=seeding,
        relays=relays,
        facts=MappingProxyType({k: tuple(v) for k, v in facts.items()}),
        arrival_facts=MappingProxyType({k: tuple(v) for k, v in arrival_facts.items()}),
        effects=effects,
        choices=choices,
        excluded=excluded,
        route_steps=route_steps,
        regulation=regulation,
    )
