"""Resolving a request: the cancer type, its subtype and the gene profile."""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

import numpy as np

from graph.names import NameIndex, fold
from graph.vocab import GENE_LIKE, Category
from queries.simulator.model import CancerContext, Model
from queries.simulator.regulation import Contribution, _outgoing, propagate
from queries.simulator.results import (
    _SHOWN,
    MAX_CELLS,
    MAX_TOP_PATHS,
    MODES,
    GeneReport,
    SimulationInputError,
)

# --- input ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Profile:
    """A resolved input: the gene levels that apply and the report of every name."""

    levels: Mapping[int, float]  # effective levels, after regulation (non-zero only)
    states: Mapping[int, str]
    reports: tuple[GeneReport, ...]
    own: Mapping[int, float] = field(default_factory=dict)  # the profile's own levels
    fixed: Mapping[int, float] = field(default_factory=dict)  # knockouts and overexpressions
    regulated: Mapping[int, tuple[Contribution, ...]] = field(default_factory=dict)


def _shown(value: str) -> str:
    clean = "".join(c if c.isprintable() else repr(c)[1:-1] for c in value)
    return clean if len(clean) <= _SHOWN else f"{clean[:_SHOWN]}... ({len(value)} characters)"


def resolve_cancer(
    model: Model, cancer: str, subtype: str | None, index: NameIndex, problems: list[str]
) -> str | None:
    """The cancer type (node id) named by ``cancer`` and, optionally, one of its subtypes."""
    if not isinstance(cancer, str) or not cancer.strip():
        problems.append("cancer: give the name, alias or CURIE of a cancer type")
        return None
    found = _resolve_entity(cancer, "cancer", Category.CANCER_TYPE, index, problems)
    if found is None or subtype is None or not str(subtype).strip():
        return found
    subtype = str(subtype).strip()
    candidates = model.descendants(found)
    direct = index.resolve(subtype, [Category.CANCER_TYPE]).node_id
    if direct is not None and (direct in candidates or direct == found):
        return direct
    pattern = re.compile(rf"(?<![\w]){re.escape(fold(subtype))}(?![\w])")
    matches = []
    for candidate in candidates:
        names = model.cancers[candidate].names
        if any(pattern.search(fold(n.replace("_", " "))) for n in names):
            matches.append(candidate)
    if len(matches) == 1:
        return matches[0]
    label = model.cancers[found].entity.label
    listed = ", ".join(f"'{model.cancers[c].entity.label}' ({c})" for c in candidates)
    if matches:
        problems.append(
            f"subtype: '{_shown(subtype)}' matches several subtypes of {label}: "
            + ", ".join(matches)
        )
    elif candidates:
        problems.append(
            f"subtype: {label} has no subtype named '{_shown(subtype)}'; its subtypes are: "
            + listed
        )
    else:
        problems.append(f"subtype: {label} has no subtypes in the graph")
    return None


def _article(word: str) -> str:
    return f"{'an' if word[:1] in 'aeiou' else 'a'} {word}"


def _resolve_entity(
    name: str, what: str, category: Category, index: NameIndex, problems: list[str]
) -> str | None:
    resolution = index.resolve(name.strip(), [category])
    if resolution.node_id is not None:
        return resolution.node_id
    wanted = category.key.replace("_", " ")
    if resolution.ambiguous:
        problems.append(
            f"{what}: '{_shown(name)}' is ambiguous; it names {', '.join(resolution.candidates)}"
        )
        return None
    other = index.resolve(name.strip())
    if other.node_id is not None:
        kind = index.category(other.node_id).key.replace("_", " ")
        problems.append(
            f"{what}: '{_shown(name)}' is {_article(kind)} ({other.node_id}), not a {wanted}"
        )
        return None
    close = index.suggest(name, [category]) if len(name) <= 100 else []
    hint = f"; did you mean: {', '.join(close)}?" if close else ""
    problems.append(f"{what}: no {wanted} is named '{_shown(name)}'{hint}")
    return None


def _entries(
    value: Iterable[str] | Mapping[str, float] | str | None, default: float, what: str
) -> tuple[list[tuple[str, float]], list[str]]:
    if value is None:
        return [], []
    if isinstance(value, str):
        value = [v for v in re.split(r"[,\s]+", value) if v]
    problems: list[str] = []
    if isinstance(value, Mapping):
        entries = []
        for name, level in value.items():
            try:
                number = float(level)
            except (TypeError, ValueError):
                problems.append(f"{what}: the level of '{_shown(str(name))}' is not a number")
                continue
            if not math.isfinite(number):
                problems.append(f"{what}: the level of '{_shown(str(name))}' is not finite")
                continue
            entries.append((str(name), number))
        return entries, problems
    return [(str(name), default) for name in value], problems


def resolve_profile(
    model: Model,
    ctx: CancerContext,
    *,
    genes: Iterable[str] | Mapping[str, float] | str | None = (),
    knockouts: Iterable[str] | str | None = (),
    overexpress: Iterable[str] | str | None = (),
    index: NameIndex | None = None,
    problems: list[str] | None = None,
) -> Profile:
    """Resolve gene names (symbols, aliases, CURIEs) into levels. Later roles override earlier
    ones for the same gene: profile < overexpression < knockout."""
    p = model.parameters
    index = index or model.index
    problems = problems if problems is not None else []
    lowest = p.number("states.lowest_level")
    highest = p.number("states.overexpression_level")
    roles = [
        ("profile", *_entries(genes, p.number("states.present_level"), "genes")),
        (
            "overexpression",
            *_entries(overexpress, p.number("states.overexpression_level"), "overexpress"),
        ),
        ("knockout", *_entries(knockouts, 0.0, "knockouts")),
    ]
    resolved: list[tuple[str, str, float, str | None, GeneReport | None]] = []
    for role, entries, role_problems in roles:
        problems.extend(role_problems)
        for name, level in entries:
            gene_id, report = _resolve_gene(model, name, role, index)
            resolved.append((role, name, level, gene_id, report))
    final: dict[int, tuple[str, float, int]] = {}  # gene -> (role, level, entry number)
    precedence = {"profile": 0, "overexpression": 1, "knockout": 2}
    own: dict[int, float] = {}  # the profile's own levels
    for number, (role, _name, level, gene_id, report) in enumerate(resolved):
        if report is None and gene_id is not None:
            g = model.gene_pos[gene_id]
            if g in final and precedence[final[g][0]] >= precedence[role]:
                continue  # the first name of a gene in a role counts; later roles override
            if role == "profile":  # no down-regulation below the lowest level, nor above forced
                level = max(lowest, min(highest, level))
                own[g] = level
            elif role == "overexpression":  # forced expression, or a higher profile level
                level = max(level, own.get(g, 0.0))
            else:  # knockout: the gene's own activity is removed; a loss stays a loss
                level = min(own.get(g, 0.0), 0.0)
            final[g] = (role, level, number)
    reports: list[GeneReport] = []
    seen: dict[tuple[str, int], str] = {}
    for number, (role, name, _level, gene_id, report) in enumerate(resolved):
        if report is not None:
            reports.append(report)
            continue
        assert gene_id is not None
        g = model.gene_pos[gene_id]
        gene = model.genes[g]
        chosen_role, chosen_level, chosen_number = final[g]
        steps, organs = _where(model, ctx, g)
        acts = bool(steps)
        if chosen_number != number:
            if (role, g) in seen or chosen_role == role:
                message = f"same gene as '{seen.get((role, g), name)}' ({gene.label}); counted once"
            else:
                message = f"{gene.label} is also given as {chosen_role}, which takes precedence"
            reports.append(
                GeneReport(
                    name,
                    role,
                    "recognised" if acts else "no_cascade_role",
                    gene,
                    None,
                    message,
                    steps=steps,
                    organs=organs,
                )
            )
            seen.setdefault((role, g), name)
            continue
        seen.setdefault((role, g), name)
        state = _state(role, chosen_level)
        if role == "knockout" and own.get(g, 0.0) <= 0.0:
            acts = acts or bool(steps)
            message = (
                f"{gene.label} ({gene.id}): knockout; the profile does not express it, so "
                "only a level its regulators would give it is removed"
            )
        elif role == "knockout":
            message = (
                f"{gene.label} ({gene.id}): knockout; its own activity is removed "
                f"(level {own.get(g, 0.0):+g} -> {chosen_level:+g})"
            )
        else:
            message = f"{gene.label} ({gene.id}): {state}, level {chosen_level:+g}"
        if acts:
            if fold(name) != fold(gene.label) and not message.startswith("'"):
                message = f"'{name}' resolved to {message}"
            reports.append(
                GeneReport(
                    name,
                    role,
                    "recognised",
                    gene,
                    chosen_level,
                    message,
                    steps=steps,
                    organs=organs,
                )
            )
        else:
            reports.append(
                GeneReport(
                    name, role, "no_cascade_role", gene, chosen_level, _why_inactive(model, ctx, g)
                )
            )
    fixed = {g: lv for g, (role, lv, _) in final.items() if role != "profile"}
    effective, regulated = propagate(model, ctx, own, fixed)
    levels = {g: effective[g] for g in sorted(effective)}
    states = {g: _state(role, lv) for g, (role, lv, _) in final.items()}
    for g in regulated:
        if g not in states and g in levels:
            states[g] = "regulated"
    return Profile(
        levels,
        states,
        tuple(reports),
        MappingProxyType(own),
        MappingProxyType(fixed),
        MappingProxyType(regulated),
    )


def _state(role: str, level: float) -> str:
    if role == "profile":
        return "down" if level < 0 else "profile"
    return role


def _resolve_gene(
    model: Model, name: str, role: str, index: NameIndex
) -> tuple[str | None, GeneReport | None]:
    clean = name.strip()
    if not clean:
        return None, GeneReport(name, role, "unknown", None, None, "empty name")
    resolution = index.resolve(clean, GENE_LIKE)
    if resolution.node_id is not None and resolution.node_id in model.gene_pos:
        return resolution.node_id, None
    if resolution.ambiguous:
        return None, GeneReport(
            name,
            role,
            "ambiguous",
            None,
            None,
            f"'{_shown(clean)}' names several genes; give one of these CURIEs",
            candidates=resolution.candidates,
        )
    other = index.resolve(clean)
    if other.node_id is not None:
        kind = index.category(other.node_id).key.replace("_", " ")
        return None, GeneReport(
            name,
            role,
            "not_a_gene",
            None,
            None,
            f"'{_shown(clean)}' is {_article(kind)} ({other.node_id}), not a gene",
            candidates=(other.node_id,),
        )
    close = tuple(index.suggest(clean, GENE_LIKE)) if len(clean) <= 100 else ()
    hint = f"; did you mean: {', '.join(close)}?" if close else ""
    return None, GeneReport(
        name,
        role,
        "unknown",
        None,
        None,
        f"no gene or microRNA of the graph is named '{_shown(clean)}'{hint}",
        candidates=close,
    )


def _where(model: Model, ctx: CancerContext, g: int) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Steps and organs a gene moves, itself or through the genes it regulates."""
    reached, frontier = {g}, {g}
    outgoing = _outgoing(ctx)
    for _ in range(max(0, int(model.parameters.number("regulation.max_depth")))):
        frontier = {t for x in frontier for t in outgoing.get(x, ())} - reached
        reached |= frontier
    cells = np.nonzero(np.abs(ctx.effects[sorted(reached)]).sum(axis=0))
    steps = tuple(model.steps[s].key for s in sorted(set(cells[1].tolist())))
    organs = tuple(model.organs[o].id for o in sorted(set(cells[0].tolist())))
    return steps, organs


def _why_inactive(model: Model, ctx: CancerContext, g: int) -> str:
    gene = model.genes[g]
    edges = model.gene_edges.get(g, ())
    if not edges:
        return (
            f"{gene.label} is in the graph but has no acts_at_step, mediates_metastasis_to or "
            "contributes_to assertion, so it acts at no cascade step"
        )
    reasons = set()
    for e in edges:
        if e.factors["direction"] == 0.0:
            reasons.add("'associated' assertions (a marker or correlation, no direction)")
        elif e.factors["class"] == 0.0:
            classes = ", ".join(c.label for c, _, _ in model.gene_classes.get(g, ()))
            reasons.add(f"a gene class with weight 0 ({classes})")
        elif e.factors["retracted"] == 0.0:
            reasons.add("assertions resting only on a retracted paper")
        elif e.factors["step"] == 0.0:
            reasons.add("assertions at a step the model does not map")
        elif e.kind == "cancer_fallback":
            reasons.add("contributes_to assertions superseded by its step assertions")
        else:
            reasons.add(f"assertions whose context does not apply to {ctx.cancer.label}")
    return (
        f"{gene.label} has {len(edges)} cascade assertion(s), none of which moves a step for "
        f"{ctx.cancer.label}: " + "; ".join(sorted(reasons))
    )


def _check_options(
    mode: str, cells: int, seed: int | None, top_paths: int, problems: list[str]
) -> None:
    if mode not in MODES:
        problems.append(f"mode: '{_shown(str(mode))}' is not a mode; expected one of: paths, cells")
    if isinstance(cells, bool) or not isinstance(cells, int) or not 1 <= cells <= MAX_CELLS:
        problems.append(f"cells: expected a whole number from 1 to {MAX_CELLS}, got {cells!r}")
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int) or seed < 0):
        problems.append(f"seed: expected a non-negative whole number, got {seed!r}")
    if (
        isinstance(top_paths, bool)
        or not isinstance(top_paths, int)
        or not 1 <= top_paths <= MAX_TOP_PATHS
    ):
        problems.append(
            f"top_paths: expected a whole number from 1 to {MAX_TOP_PATHS}, got {top_paths!r}"
        )


def resolve_tumour(
    model: Model,
    *,
    cancer: str,
    subtype: str | None,
    genes: Iterable[str] | Mapping[str, float] | str | None,
    knockouts: Iterable[str] | str | None,
    overexpress: Iterable[str] | str | None,
    index: NameIndex,
    problems: list[str],
) -> tuple[CancerContext, Profile]:
    """The cancer context and the gene profile of one request; raises
    :class:`SimulationInputError` with every problem found so far (``problems`` may already
    hold the caller's own) when anything is wrong."""
    cancer_id = resolve_cancer(model, cancer, subtype, index, problems)
    if cancer_id is None:
        raise SimulationInputError(problems)
    ctx = model.context(cancer_id)
    profile = resolve_profile(
        model,
        ctx,
        genes=genes,
        knockouts=knockouts,
        overexpress=overexpress,
        index=index,
        problems=problems,
    )
    if problems:
        raise SimulationInputError(problems)
    return ctx, profile
