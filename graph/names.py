"""Resolving what people type (a symbol, an alias, a label, a CURIE) to node ids.

Names are matched case-insensitively, in tiers: identifiers first, then symbols and labels,
then curated aliases, then low-priority synonyms (for example NCBI's). The first tier with a
match wins, so a curated alias (COX2 for PTGS2) beats another gene's NCBI synonym. Two
different nodes in the winning tier make the name ambiguous.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from graph.model import NodeRecord
from graph.vocab import Category

TIER_ID, TIER_NAME, TIER_ALIAS, TIER_WEAK = range(4)


@dataclass(frozen=True)
class Resolution:
    """The outcome of a lookup: one id, or none with the candidates that made it fail."""

    name: str
    node_id: str | None
    candidates: tuple[str, ...] = ()

    @property
    def ambiguous(self) -> bool:
        return self.node_id is None and len(self.candidates) > 1


def tiered_names(
    node_id: str,
    label: str,
    *,
    symbol: str | None = None,
    xrefs: Iterable[str] = (),
    synonyms: Iterable[str] = (),
    weak_synonyms: Iterable[str] = (),
) -> Iterable[tuple[int, str]]:
    """Every name an entity answers to, with its tier."""
    yield TIER_ID, node_id
    for xref in xrefs:
        yield TIER_ID, xref
    yield TIER_NAME, label
    if symbol:
        yield TIER_NAME, symbol
    if node_id.startswith("metakg:") and "/" in node_id:
        yield TIER_NAME, node_id.rsplit("/", 1)[1]
    for synonym in synonyms:
        yield TIER_ALIAS, synonym
    for synonym in weak_synonyms:
        yield TIER_WEAK, synonym


def names_of(node: NodeRecord) -> Iterable[tuple[int, str]]:
    return tiered_names(
        node.id,
        node.label,
        symbol=node.symbol,
        xrefs=node.xrefs,
        synonyms=node.synonyms,
        weak_synonyms=node.weak_synonyms,
    )


def fold(name: str) -> str:
    return " ".join(name.split()).casefold()


class NameIndex:
    """An index from folded names to node ids, per tier, filtered by category at lookup."""

    def __init__(self, nodes: Iterable[NodeRecord] = ()) -> None:
        self._tiers: list[dict[str, set[str]]] = [defaultdict(set) for _ in range(4)]
        self._category: dict[str, Category] = {}
        for node in nodes:
            self.add(node)

    def add(self, node: NodeRecord) -> None:
        self.add_names(node.id, node.category, names_of(node))

    def add_names(self, node_id: str, category: Category, names: Iterable[tuple[int, str]]) -> None:
        self._category[node_id] = category
        for tier, name in names:
            if name:
                self._tiers[tier][fold(name)].add(node_id)

    def __contains__(self, node_id: str) -> bool:
        return node_id in self._category

    def category(self, node_id: str) -> Category:
        return self._category[node_id]

    def resolve(self, name: str, categories: Iterable[Category] | None = None) -> Resolution:
        allowed = set(categories) if categories is not None else None
        key = fold(name)
        for tier in self._tiers:
            found = sorted(
                node_id
                for node_id in tier.get(key, ())
                if allowed is None or self._category[node_id] in allowed
            )
            if len(found) > 1:
                # A paper titled "Lung cancer" should not hide the disease of that name.
                entities = [i for i in found if self._category[i] is not Category.PUBLICATION]
                found = entities if len(entities) == 1 else found
            if len(found) == 1:
                return Resolution(name, found[0], tuple(found))
            if found:
                return Resolution(name, None, tuple(found))
        return Resolution(name, None, ())

    def suggest(
        self, name: str, categories: Iterable[Category] | None = None, limit: int = 3
    ) -> list[str]:
        """Close names of the right category, for 'did you mean' hints."""
        import difflib

        allowed = set(categories) if categories is not None else None
        pool = sorted(
            {
                key
                for tier in self._tiers[:3]
                for key, ids in tier.items()
                if allowed is None or any(self._category[i] in allowed for i in ids)
            }
        )
        return difflib.get_close_matches(fold(name), pool, n=limit, cutoff=0.75)
