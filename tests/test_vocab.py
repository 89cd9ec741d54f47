"""The closed vocabulary: Biolink terms exist in the shipped model; unknown names are errors."""

from __future__ import annotations

from importlib import resources

import pytest
import yaml

from graph.curie import compress, expand
from graph.vocab import (
    BIOLINK,
    Category,
    Confidence,
    EvidenceType,
    KnowledgeLevel,
    Predicate,
    mkg_term,
)


@pytest.fixture(scope="module")
def biolink() -> dict:
    text = (resources.files("biolink_model") / "schema" / "biolink_model.yaml").read_text()
    return yaml.safe_load(text)


def _fold(name: str) -> str:
    return name.replace(" ", "").replace("_", "").casefold()


def test_categories_are_biolink_classes(biolink: dict) -> None:
    classes = {_fold(name) for name in biolink["classes"]}
    for category in Category:
        local = category.biolink.removeprefix("biolink:")
        assert _fold(local) in classes, category
        for rdf_type in category.rdf_types:
            if rdf_type.startswith(BIOLINK):
                assert _fold(rdf_type.removeprefix(BIOLINK)) in classes


def test_predicates_are_biolink_slots_or_ours(biolink: dict) -> None:
    slots = {_fold(name) for name in biolink["slots"]}
    for predicate in Predicate:
        assert _fold(predicate.value.biolink.removeprefix("biolink:")) in slots, predicate
        if predicate.iri.startswith(BIOLINK):
            assert _fold(predicate.iri.removeprefix(BIOLINK)) in slots, predicate


def test_knowledge_levels_match_biolink_enum(biolink: dict) -> None:
    values = set(biolink["enums"]["KnowledgeLevelEnum"]["permissible_values"])
    assert {k.value for k in KnowledgeLevel} == values


def test_unknown_names_are_errors() -> None:
    with pytest.raises(KeyError, match="'colour' is not in the metakg vocabulary"):
        mkg_term("colour")
    with pytest.raises(KeyError, match="unknown predicate 'causes'; expected one of: has_class"):
        Predicate.from_key("causes")
    with pytest.raises(KeyError, match="unknown confidence 'certain'"):
        Confidence.from_key("certain")
    assert EvidenceType.from_key("xenograft") is EvidenceType.XENOGRAFT


@pytest.mark.parametrize(
    ("curie", "iri"),
    [
        ("NCBIGene:2069", "http://identifiers.org/ncbigene/2069"),
        ("UBERON:0002048", "http://purl.obolibrary.org/obo/UBERON_0002048"),
        ("DOID:1612", "http://purl.obolibrary.org/obo/DOID_1612"),
        ("PMID:17420468", "http://www.ncbi.nlm.nih.gov/pubmed/17420468"),
        ("metakg:step/colonization", "https://w3id.org/metakg/id/step/colonization"),
        ("mirbase:MI0000266", "http://identifiers.org/mirbase/MI0000266"),
    ],
)
def test_curie_round_trip(curie: str, iri: str) -> None:
    assert expand(curie) == iri
    assert compress(iri) == curie


def test_unknown_prefix_is_an_error() -> None:
    with pytest.raises(ValueError, match="unknown CURIE prefix 'NOPE'"):
        expand("NOPE:1")
