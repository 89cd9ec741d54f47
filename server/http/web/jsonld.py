"""schema.org JSON-LD of an entity page (embedded as a data block, never executed)."""

from __future__ import annotations

from typing import Any

from graph.curie import expand

SCHEMA_TYPES = {
    "gene": "Gene",
    "microrna": "Gene",
    "organ": "AnatomicalStructure",
    "cancer_type": "MedicalCondition",
    "publication": "ScholarlyArticle",
}


def _iri(curie: str) -> str | None:
    try:
        return expand(curie)
    except Exception:  # an identifier under a prefix the converter does not know
        return None


def entity_jsonld(entity: dict[str, Any], page_url: str) -> dict[str, Any]:
    out: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": SCHEMA_TYPES.get(entity["category"], "DefinedTerm"),
        "@id": _iri(entity["id"]) or page_url,
        "url": page_url,
        "identifier": entity["id"],
        "name": entity.get("symbol") or entity["label"],
    }
    names = [n for n in [entity.get("fullName"), *entity.get("synonyms", ())] if n]
    if names:
        out["alternateName"] = names
    if entity.get("description"):
        out["description"] = entity["description"]
    same = [i for i in (_iri(x) for x in entity.get("xrefs", ())) if i]
    if same:
        out["sameAs"] = same
    if entity.get("taxon") == "NCBITaxon:9606":
        out["taxonomicRange"] = {"@type": "Taxon", "name": "Homo sapiens"}
    return out
