"""CURIE <-> IRI conversion: one ``curies.Converter`` for the whole project.

Built from the Biolink Model prefix map shipped in ``biolink-model`` (offline), with three
fixes (a duplicated ICD-11 URI prefix, a ``mirbase`` entry missing its slash, and no
``infores``) and our own two prefixes.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources

import curies

from graph.vocab import BIOLINK, METAKG, MKG

#: Our own prefixes; documented in README.md.
OWN_PREFIXES = {"metakg": METAKG, "mkg": MKG}

#: Prefixes the project writes besides Biolink's (or where it corrects Biolink's map).
EXTRA_PREFIXES = {
    "infores": "https://w3id.org/information-resource-registry/",
    "mirbase": "http://identifiers.org/mirbase/",
    "biolink": BIOLINK,
}


@cache
def converter() -> curies.Converter:
    text = resources.files("biolink_model") / "prefixmaps" / "biolink-model-prefix-map.json"
    prefix_map: dict[str, str] = json.loads(text.read_text(encoding="utf-8"))
    prefix_map.pop("icd11.foundation", None)  # shares its URI prefix with icd11
    prefix_map.update(EXTRA_PREFIXES)
    prefix_map.update(OWN_PREFIXES)
    return curies.Converter.from_prefix_map(prefix_map)


@cache
def _uri_prefixes() -> dict[str, str]:
    """Canonical prefix -> URI prefix (``curies`` rebuilds this map on every ``expand``)."""
    return dict(converter().prefix_map)


def expand(curie: str) -> str:
    """The IRI of ``curie``; an unknown prefix is an error naming the prefix."""
    prefix, sep, local = curie.partition(":")
    base = _uri_prefixes().get(prefix) if sep else None
    if base is not None:
        return base + local
    iri = converter().expand(curie)  # prefix synonyms
    if iri is None:
        prefix = curie.split(":", 1)[0]
        raise ValueError(f"unknown CURIE prefix '{prefix}' in '{curie}'")
    return iri


def compress(iri: str) -> str:
    """The CURIE of ``iri``, or the IRI itself when no prefix covers it."""
    return converter().compress(iri) or iri


def is_known_prefix(curie: str) -> bool:
    return ":" in curie and converter().expand(curie) is not None
