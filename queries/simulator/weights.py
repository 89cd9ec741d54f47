"""How strongly one assertion weighs: direction signs, combined evidence, regulation weights.

Shared by the builder (``gene_rows.py``, on arrays) and the re-parameterised models of the
sensitivity analysis (``sensitivity.py``, on objects), so both weigh evidence the same way.
"""

from __future__ import annotations

from queries.simulator.model import EdgeRef
from queries.simulator.parameters import Parameter, Parameters

DIRECTION_SIGN = {"promotes": 1.0, "suppresses": -1.0, "associated": 0.0}


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


def regulation_weight(p: Parameters, edge: EdgeRef) -> tuple[float, tuple[str, ...]]:
    """Signed level change per unit of the regulator's level: direction x confidence x
    combined evidence x damping (x the retracted factor when it rests on a retracted paper)."""
    conf = p.keyed("confidence", edge.confidence, "weight")
    evidence = [p.keyed("evidence_types", t, "weight") for t in edge.evidence_types]
    evidence_weight, evidence_names = combined_evidence(p, evidence)
    weight = (
        DIRECTION_SIGN.get(edge.direction, 0.0)
        * float(conf.value)  # type: ignore[arg-type]
        * evidence_weight
        * p.number("regulation.damping")
    )
    names = ("regulation.damping", conf.name, *evidence_names)
    if edge.rests_only_on_retracted:
        weight *= p.number("context.retracted_factor")
        names += ("context.retracted_factor",)
    return weight, names
