"""Gene sets as tumour profiles: a gene class of the graph stands for its member genes.

A gene set read from a GMT file (ingest/gmt.py) is a ``gene_class`` node whose members point
at it with ``has_class``; so is any class of the review or role of the graph. Naming one
(by label, short name or CURIE) in a simulation request adds its members to the profile at
the profile level, exactly as if they had been listed by hand. A gene the request already
names (under any of its names) keeps its own entry and level.

IO-free: everything comes from the :class:`~queries.simulator.model.Model`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from graph.vocab import GENE_LIKE, Category
from queries.simulator.model import Model
from queries.simulator.profile import _shown

#: How a request names genes: a tuple of names or a mapping name -> level.
Genes = tuple[str, ...] | Mapping[str, float]


@dataclass(frozen=True)
class GeneSet:
    """A resolved gene set: its node and the names its members enter the profile under."""

    input: str
    id: str
    label: str
    members: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "input": self.input,
            "id": self.id,
            "label": self.label,
            "members": list(self.members),
        }


def resolve_gene_sets(model: Model, names: Iterable[str], problems: list[str]) -> list[GeneSet]:
    """The gene sets ``names`` stand for; a name that is not one adds to ``problems``."""
    found: list[GeneSet] = []
    for name in names:
        clean = str(name).strip()
        resolution = model.index.resolve(clean, [Category.GENE_CLASS]) if clean else None
        if resolution is not None and resolution.node_id is not None:
            gene_set = _gene_set(model, clean, resolution.node_id)
            if not gene_set.members:
                problems.append(
                    f"gene_sets: '{_shown(clean)}' ({resolution.node_id}) has no member genes "
                    "in the graph"
                )
            found.append(gene_set)
            continue
        if resolution is not None and resolution.ambiguous:
            problems.append(
                f"gene_sets: '{_shown(clean)}' names several gene sets: "
                + ", ".join(resolution.candidates)
            )
            continue
        close = model.index.suggest(clean, [Category.GENE_CLASS]) if 0 < len(clean) <= 100 else []
        hint = f"; did you mean: {', '.join(close)}?" if close else ""
        problems.append(
            f"gene_sets: no gene set or gene class of the graph is named '{_shown(clean)}'"
            f"{hint} (a GMT file adds its sets with `metakg build --source FILE.gmt`)"
        )
    return found


def _gene_set(model: Model, name: str, set_id: str) -> GeneSet:
    members: list[tuple[str, str]] = []
    for g, classes in model.gene_classes.items():
        if any(entity.id == set_id for entity, _, _ in classes):
            gene = model.genes[g]
            same = model.index.resolve(gene.label, GENE_LIKE).node_id == gene.id
            members.append((gene.label.casefold(), gene.label if same else gene.id))
    label = next(
        (e.label for cs in model.gene_classes.values() for e, _, _ in cs if e.id == set_id),
        set_id,
    )
    return GeneSet(name, set_id, label, tuple(m for _, m in sorted(members)))


def with_gene_sets(model: Model, genes: Genes, sets: Iterable[GeneSet], level: float) -> Genes:
    """``genes`` with every member of ``sets`` added, unless a name in ``genes`` already
    stands for that gene. A mapping stays a mapping (members at ``level``)."""
    taken = {_gene_id(model, name) for name in genes} - {None}
    added: list[str] = []
    for gene_set in sets:
        for member in gene_set.members:
            gene_id = _gene_id(model, member)
            if gene_id in taken:
                continue
            taken.add(gene_id)
            added.append(member)
    if isinstance(genes, Mapping):
        return {**genes, **{member: level for member in added}}
    return (*genes, *added)


def _gene_id(model: Model, name: str) -> str | None:
    return model.index.resolve(str(name).strip(), GENE_LIKE).node_id
