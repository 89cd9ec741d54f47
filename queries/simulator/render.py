"""The plain-text report of a simulation."""

from __future__ import annotations

from typing import Any

from queries.simulator.results import SimulationResult

# --- text ----------------------------------------------------------------------------------


def render_text(
    result: SimulationResult, *, paths: int = 1, hops: bool = True, organs: int | None = None
) -> str:
    """A plain-text report: the organ table, then the top ``paths`` path(s) of each organ (of
    the first ``organs`` organs by rank, or all), hop by hop with the evidence."""
    lines = [f"Cancer type: {result.cancer.label} ({result.cancer.id})"]
    if result.lineage:
        lines.append("  inherits from: " + ", ".join(e.label for e in result.lineage))
    beds = ", ".join(f.edge.object.label for f in result.first_capillary_beds if f.edge)
    lines.append(
        f"  venous drainage: {result.venous_drainage or 'unknown'}; first capillary bed: "
        f"{beds or 'none (arterial)'}"
    )
    if result.genes:
        lines.append("")
        lines.append("Input genes")
        for report in result.genes:
            lines.append(f"  {report.input} [{report.role}]: {report.status}: {report.message}")
    lines.append("")
    header = (
        f"{'rank':>4}  {'organ':<18} {'risk':>7} {'baseline':>9} {'change':>8}  "
        f"{'latency':<12} routes in the risk"
    )
    for spread, title in (
        ("distant", "Distant organs (blood-borne spread)"),
        ("regional", "Regional lymph nodes (lymphatic spread, ranked apart)"),
    ):
        group = [o for o in result.organs if o.spread == spread]
        if not group:
            continue
        lines += [title, header]
        for item in group:
            latency = item.latency.latency_class.label if item.latency.latency_class else "unknown"
            lines.append(
                f"{item.rank:>4}  {item.organ.label:<18} {item.risk:>7.4f} "
                f"{item.baseline_risk:>9.4f} {item.change:>+8.4f}  {latency:<12} "
                + ", ".join(item.routes_included)
            )
        if spread == "distant":
            lines.append(
                f"  any distant organ: {result.distant_risk:.4f} (baseline "
                f"{result.baseline_distant_risk:.4f}; lymph nodes not included)"
            )
        lines.append("")
    lines.append(
        "  risk = chance that at least one listed route succeeds; the primary-side steps are"
    )
    lines.append("  counted once for all routes, so risk <= sum of the route probabilities.")
    if hops:
        for item in result.organs[:organs]:
            for path in item.paths[:paths]:
                lines.append("")
                via = f" via {path.relay.label}" if path.relay else ""
                lines.append(
                    f"{item.organ.label}: {path.route} route{via}, p = {path.probability:.4f} "
                    f"(baseline {path.baseline_probability:.4f}); the organ's risk "
                    f"{item.risk:.4f} combines {' and '.join(item.routes_included)}"
                )
                lines.append(f"  start: primary tumour ({path.start.label})")
                for hop in path.hops:
                    lines.append(
                        f"  -> {hop.label}: p = {hop.probability:.3f} "
                        f"(baseline {hop.baseline_probability:.3f}) [{hop.evidence}]"
                    )
                    for fact in hop.facts:
                        if fact.edge is None:
                            continue
                        refs = ", ".join(_ref(r) for r in fact.edge.references)
                        kind = fact.kind.replace("_", " ")
                        tail = ""
                        if fact.kind == "barrier_replaced_by_site":
                            kind = "barrier"
                            tail = "; not counted: the recorded site stands in for it"
                        lines.append(
                            f"       {kind}: {fact.edge.subject.label} "
                            f"{fact.edge.predicate} {fact.edge.object.label} "
                            f"({fact.value:+.2f}; {fact.edge.confidence}; refs {refs}{tail})"
                        )
                    for fact in hop.facts:
                        if fact.edge is None and fact.kind == "barrier_prior":
                            lines.append(
                                f"       barrier: not stated in the graph; prior {fact.value:+.2f}"
                                " (barriers.unknown_prior)"
                            )
                        elif fact.edge is None and fact.kind == "barrier_replaced_by_site":
                            lines.append(
                                "       barrier: not stated in the graph; no prior: the "
                                "recorded site stands in for it"
                            )
                    for effect in hop.effects:
                        refs = ", ".join(_ref(r) for r in effect.assertion.references)
                        lines.append(
                            f"       {effect.gene.label} ({effect.state}) {effect.direction} "
                            f"{effect.shift:+.2f} log-odds; {effect.assertion.predicate} "
                            f"{effect.assertion.object.label}; {effect.assertion.confidence}; "
                            f"refs {refs}"
                        )
                        for reg in effect.regulated_by:
                            refs = ", ".join(_ref(r) for r in reg.assertion.references)
                            lines.append(
                                f"         level {reg.change:+.2f} from {reg.regulator.label} "
                                f"({reg.assertion.direction}; refs {refs})"
                            )
    return "\n".join(lines)


def _ref(reference: Any) -> str:
    return str(reference.number) if reference.number is not None else reference.id
