"""The model explained: its equations, steps, organs, cancer types and every parameter."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from queries.simulator.context import cancer_facts
from queries.simulator.genes import GeneEdgeMap

if TYPE_CHECKING:
    from queries.simulator.model import Model

# --- explaining the model ------------------------------------------------------------------

EQUATIONS = (
    "For a cancer type c, an organ o and an ordered cascade step s (graph order 1..6):",
    "  logit[o,s] = baseline(s) + facts(c,o,s)",
    "               + saturation * tanh(sum_g level_g * w[g,o,s] / saturation)",
    "  facts: barrier permeability of o at the barrier step (has_barrier; an organ with none",
    "    takes barriers.unknown_prior); the recorded site (metastasizes_to: confidence term",
    "    + frequency_weight * logit(frequency)) at the site step; the latency class at the",
    "    latency step.",
    "  w[g,o,s] = unit_shift * direction * step_sign * class_weight * confidence",
    "    * (1 - prod_types (1 - evidence_type)) * context_factor, from the strongest applicable",
    "    assertion of gene g for that cell; at a shared (primary-side) step it applies to every",
    "    organ alike, at an organ-side step to the organ it names (or every organ if none).",
    "  level_g: the profile's level (+1, or given; 0 if not listed), then regulation:",
    "    level_t = own_t + sum_r damping * sign * confidence * evidence * level_r, up to",
    "    max_depth hops; knockout: own activity removed (min(own, 0)); overexpression:",
    "    max(own, overexpression_level); both fixed against regulators.",
    "  arrival[o] = sigmoid(first_bed_logit) for the cancer type's first capillary bed,",
    "    sigmoid(lymphatic_entry_logit) for a lymph node, else sigmoid(arterial_logit).",
    "  primary[o] = prod of p[o,s] over the shared steps on o's route (lymph nodes: local",
    "    invasion only); reach[o] = arrival[o] * prod_{s >= barrier} p[o,s]",
    "  via'[r,o] = reach[r] * sigmoid(secondary_seeding_logit) * sigmoid(arterial_logit)",
    "    * prod_{s >= barrier} p[o,s], for each relay r (a first capillary bed of c), r != o",
    "  risk[o] = primary[o] * (1 - (1 - reach[o]) * prod_r (1 - via'[r,o]))",
    "  distant risk = primary * (1 - prod_{o distant} (1 - risk[o] / primary))",
    "Subtypes inherit their ancestors' sites, first capillary bed and latency class unless they",
    "have their own of that kind; assertions about an ancestor apply in full to its subtypes.",
)


def explain_model(model: Model) -> dict[str, Any]:
    """The model, its parameters and the source of each, as data; ``text`` renders it all."""
    p = model.parameters
    steps = []
    for i, step in enumerate(model.steps):
        role = []
        if i < model.barrier_step:
            role.append("primary side (shared by all routes)")
        else:
            role.append("organ side")
        if i == model.barrier_step:
            role.append("arrival and barrier")
        if i == model.latency_step:
            role.append("latency (escape from dormancy)")
        if i == model.site_step:
            role.append("recorded sites")
        steps.append(
            {
                **step.to_dict(),
                "baseline_logit": float(model.step_baselines[i].value),  # type: ignore[arg-type]
                "baseline_parameter": model.step_baselines[i].name,
                "roles": role,
            }
        )
    organs = [
        {
            **o.entity.to_dict(),
            "barrier_logit": o.barrier_logit,
            "barrier_parameter": o.barrier_parameter,
            "barriers": [f.to_dict() for f in o.barriers],
        }
        for o in model.organs
    ]
    cancers = []
    for cancer_id in sorted(model.cancers, key=lambda c: model.cancers[c].entity.label.casefold()):
        known = cancer_facts(model, cancer_id)  # the facts only, not the gene arrays
        cancers.append(
            {
                **known.cancer.to_dict(),
                "lineage": [model.cancers[c].entity.to_dict() for c in known.lineage[1:]],
                "venous_drainage": known.venous_drainage,
                "first_capillary_beds": [f.to_dict() for f in known.first_beds],
                "sites": [f.to_dict() for f in known.sites],
                "latency_class": known.latency_fact.to_dict() if known.latency_fact else None,
            }
        )
    edges = model.gene_edges
    # a built model's mapping lists only genes with assertions (and makes objects on lookup)
    active = len(edges) if isinstance(edges, GeneEdgeMap) else sum(1 for g in edges if edges[g])
    data: dict[str, Any] = {
        "version": p.version,
        "description": p.description,
        "equations": list(EQUATIONS),
        "steps": steps,
        "organs": organs,
        "cancer_types": cancers,
        "genes": {"total": len(model.genes), "with_cascade_assertions": active},
        "parameters": p.to_list(),
        "notes": list(model.notes),
    }
    data["text"] = _render_model(data)
    return data


def _render_model(data: Mapping[str, Any]) -> str:
    lines = [
        f"metakg cascade simulator, parameters version {data['version']}",
        data["description"],
        "",
        "Model",
        *("  " + line for line in data["equations"]),
        "",
        "Ordered cascade steps (from the graph)",
    ]
    for step in data["steps"]:
        lines.append(
            f"  {step['order']}. {step['label']} ({step['key']}): baseline log-odds "
            f"{step['baseline_logit']:+.2f}; {', '.join(step['roles'])}"
        )
    lines += ["", "Organs and barriers (has_barrier)"]
    for organ in data["organs"]:
        barriers = (
            ", ".join(b["edge"]["object"]["label"] for b in organ["barriers"]) or "none recorded"
        )
        lines.append(
            f"  {organ['label']}: {barriers}; barrier log-odds {organ['barrier_logit']:+.2f} "
            f"({organ['barrier_parameter']})"
        )
    lines += ["", "Cancer types (first capillary bed; sites; latency class)"]
    for cancer in data["cancer_types"]:
        beds = ", ".join(f["edge"]["object"]["label"] for f in cancer["first_capillary_beds"])
        sites = ", ".join(
            f"{f['edge']['object']['label']} {f['value']:+.2f}" for f in cancer["sites"]
        )
        latency = (
            cancer["latency_class"]["edge"]["object"]["label"]
            if cancer["latency_class"]
            else "unknown"
        )
        lines.append(
            f"  {cancer['label']} ({cancer['venous_drainage'] or 'drainage unknown'}): "
            f"first bed {beds or 'none (arterial)'}; sites {sites or 'none recorded'}; "
            f"latency {latency}"
        )
    lines += [
        "",
        f"Genes: {data['genes']['total']} "
        f"({data['genes']['with_cascade_assertions']} with cascade assertions)",
    ]
    lines += ["", "Parameters"]
    for param in data["parameters"]:
        value = param["value"]
        shown = ", ".join(value) if isinstance(value, list) else value
        lines.append(f"  {param['name']} = {shown} [{param['unit']}]")
        lines.append(f"      {param['reason']}")
        if param["source"]:
            lines.append(f"      source: {param['source']}")
    if data["notes"]:
        lines += ["", "Notes"] + [f"  {n}" for n in data["notes"]]
    return "\n".join(lines)
