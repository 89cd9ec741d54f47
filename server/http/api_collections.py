"""The REST API's collections (one per entity category) and the API URL of any entity.

Shared by the routes (server/http/api.py) and the response schemas (server/http/api_schemas.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import current_app

from graph.vocab import GENE_LIKE, Category

PREFIX = "/api/v1"


@dataclass(frozen=True)
class Collection:
    slug: str  # the URL segment
    noun: str  # one member, in prose
    categories: tuple[Category, ...]
    description: str


COLLECTIONS: tuple[Collection, ...] = (
    Collection("genes", "gene", GENE_LIKE, "Genes and microRNAs with their evidence."),
    Collection("organs", "organ", (Category.ORGAN,), "Organs that metastases colonise."),
    Collection(
        "cancer-types",
        "cancer type",
        (Category.CANCER_TYPE,),
        "Cancer types (Disease Ontology where verified) with their sites and latency.",
    ),
    Collection("pathways", "pathway", (Category.PATHWAY,), "Signalling pathways and programmes."),
    Collection(
        "cascade-steps",
        "cascade step",
        (Category.CASCADE_STEP,),
        "The steps of the metastatic cascade in order, then the cross-cutting processes.",
    ),
    Collection(
        "gene-classes",
        "gene class",
        (Category.GENE_CLASS,),
        "The review's gene classes (scheme review) and roles metakg adds (scheme graph_role).",
    ),
    Collection(
        "barrier-types",
        "barrier type",
        (Category.BARRIER_TYPE,),
        "Kinds of vascular wall that circulating tumour cells must cross.",
    ),
    Collection(
        "latency-classes",
        "latency class",
        (Category.LATENCY_CLASS,),
        "How long cancer types typically take to relapse at distant sites.",
    ),
    Collection(
        "references",
        "reference",
        (Category.PUBLICATION,),
        "The review's 119 numbered references (and other cited papers), retractions marked.",
    ),
)
BY_CATEGORY = {c: col for col in COLLECTIONS for c in col.categories}


def service_state() -> Any:
    """The running app's ServiceState (see server/http/app.py)."""
    return current_app.extensions["metakg"]


def url_of(node_id: str, category: str) -> str | None:
    """The API URL of an entity, or None for a publication without a review number."""
    collection = BY_CATEGORY.get(Category.from_key(category))
    if collection is None:
        return None
    if collection.slug == "references":
        number = service_state().graph.nodes[node_id].get("referenceNumber")
        return None if number is None else f"{PREFIX}/references/{number}"
    return f"{PREFIX}/{collection.slug}/{node_id}"
