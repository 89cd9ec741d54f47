"""The closed vocabulary of metakg: categories, predicates and value sets.

Everything the graph can say is named here. Biolink Model terms are used where Biolink has
one; our own terms (cascade steps, the review's gene classes, metastasis-specific predicates)
live in the ``mkg:`` namespace. A name that is not listed is an error, never a new IRI.

Base IRIs (documented in README.md):

* ``https://w3id.org/metakg/vocab/`` (prefix ``mkg``): our classes and properties;
* ``https://w3id.org/metakg/id/`` (prefix ``metakg``): our own entities (cascade steps, gene
  classes, pathways, references, associations, entities without a verified external id).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum

BIOLINK = "https://w3id.org/biolink/vocab/"
MKG = "https://w3id.org/metakg/vocab/"
METAKG = "https://w3id.org/metakg/id/"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
DCTERMS = "http://purl.org/dc/terms/"
XSD = "http://www.w3.org/2001/XMLSchema#"
BIBO = "http://purl.org/ontology/bibo/"
FABIO = "http://purl.org/spar/fabio/"

#: Our own vocabulary terms. ``mkg_term`` refuses anything else.
MKG_TERMS = frozenset(
    {
        # classes
        "CascadeStep",
        "GeneClass",
        "BarrierType",
        "LatencyClass",
        # predicates
        "acts_at_step",
        "mediates_metastasis_to",
        "metastasizes_to",
        "first_capillary_bed",
        "has_latency_class",
        "has_barrier",
        # properties of nodes
        "symbol",
        "fullName",
        "order",
        "scheme",
        "capillaryBedRole",
        "spreadRoute",
        "venousDrainage",
        "referenceNumber",
        "authors",
        "journal",
        "volume",
        "pages",
        "year",
        "retracted",
        "retractionNote",
        "identifierSource",
        "publisher",
        "url",
        "seen",
        # properties of associations
        "confidence",
        "direction",
        "evidenceType",
        "organism",
        "note",
        "frequency",
        "cancerTypeContext",
        "organContext",
        "stepContext",
        "restsOnlyOnRetracted",
        "sourceFile",
        "sourceLine",
        "kind",
    }
)


def mkg_term(name: str) -> str:
    """Return the IRI of one of our vocabulary terms; an unknown name is an error."""
    if name not in MKG_TERMS:
        raise KeyError(f"'{name}' is not in the metakg vocabulary (graph/vocab.py MKG_TERMS)")
    return MKG + name


class Category(Enum):
    """Node categories. Each knows its RDF types and its Biolink category for exports."""

    GENE = ("gene", "biolink:Gene", (BIOLINK + "Gene",))
    MICRORNA = ("microrna", "biolink:MicroRNA", (BIOLINK + "MicroRNA",))
    GENE_CLASS = ("gene_class", "biolink:NamedThing", (MKG + "GeneClass", SKOS + "Concept"))
    CASCADE_STEP = (
        "cascade_step",
        "biolink:BiologicalProcess",
        (MKG + "CascadeStep", BIOLINK + "BiologicalProcess"),
    )
    ORGAN = ("organ", "biolink:GrossAnatomicalStructure", (BIOLINK + "GrossAnatomicalStructure",))
    CANCER_TYPE = ("cancer_type", "biolink:Disease", (BIOLINK + "Disease",))
    PATHWAY = ("pathway", "biolink:Pathway", (BIOLINK + "Pathway",))
    PUBLICATION = (
        "publication",
        "biolink:JournalArticle",
        (BIOLINK + "JournalArticle", FABIO + "JournalArticle"),
    )
    BARRIER_TYPE = ("barrier_type", "biolink:NamedThing", (MKG + "BarrierType", SKOS + "Concept"))
    LATENCY_CLASS = (
        "latency_class",
        "biolink:NamedThing",
        (MKG + "LatencyClass", SKOS + "Concept"),
    )

    def __init__(self, key: str, biolink: str, rdf_types: tuple[str, ...]) -> None:
        self.key = key
        self.biolink = biolink
        self.rdf_types = rdf_types

    @classmethod
    def from_key(cls, key: str) -> Category:
        for member in cls:
            if member.key == key:
                return member
        raise KeyError(_unknown("category", key, [m.key for m in cls]))

    @property
    def is_gene_like(self) -> bool:
        return self in (Category.GENE, Category.MICRORNA)


GENE_LIKE = (Category.GENE, Category.MICRORNA)


@dataclass(frozen=True)
class PredicateSpec:
    key: str
    iri: str
    biolink: str  # the Biolink predicate used when exporting to Biolink-only tools
    domain: tuple[Category, ...]
    range: tuple[Category, ...]
    kind: str  # how `metakg show` groups assertions
    label: str


class Predicate(Enum):
    """Association predicates, with domain and range checked at validation time."""

    HAS_CLASS = PredicateSpec(
        "has_class",
        BIOLINK + "member_of",
        "biolink:member_of",
        GENE_LIKE,
        (Category.GENE_CLASS,),
        "class",
        "has metastasis gene class",
    )
    ACTS_AT_STEP = PredicateSpec(
        "acts_at_step",
        MKG + "acts_at_step",
        "biolink:actively_involved_in",
        GENE_LIKE,
        (Category.CASCADE_STEP,),
        "step",
        "acts at cascade step",
    )
    MEDIATES_METASTASIS_TO = PredicateSpec(
        "mediates_metastasis_to",
        MKG + "mediates_metastasis_to",
        "biolink:related_to",
        GENE_LIKE,
        (Category.ORGAN,),
        "organ",
        "mediates metastasis to",
    )
    CONTRIBUTES_TO = PredicateSpec(
        "contributes_to",
        BIOLINK + "contributes_to",
        "biolink:contributes_to",
        GENE_LIKE,
        (Category.CANCER_TYPE,),
        "cancer_type",
        "contributes to metastasis of",
    )
    PARTICIPATES_IN = PredicateSpec(
        "participates_in",
        BIOLINK + "participates_in",
        "biolink:participates_in",
        GENE_LIKE,
        (Category.PATHWAY,),
        "pathway",
        "participates in",
    )
    REGULATES = PredicateSpec(
        "regulates",
        BIOLINK + "regulates",
        "biolink:regulates",
        GENE_LIKE,
        GENE_LIKE,
        "regulation",
        "regulates",
    )
    INTERACTS_WITH = PredicateSpec(
        "interacts_with",
        BIOLINK + "physically_interacts_with",
        "biolink:physically_interacts_with",
        GENE_LIKE,
        GENE_LIKE,
        "regulation",
        "physically interacts with",
    )
    METASTASIZES_TO = PredicateSpec(
        "metastasizes_to",
        MKG + "metastasizes_to",
        "biolink:disease_has_location",
        (Category.CANCER_TYPE,),
        (Category.ORGAN,),
        "site",
        "metastasizes to",
    )
    FIRST_CAPILLARY_BED = PredicateSpec(
        "first_capillary_bed",
        MKG + "first_capillary_bed",
        "biolink:related_to",
        (Category.CANCER_TYPE,),
        (Category.ORGAN,),
        "circulation",
        "first capillary bed met by cells leaving the primary",
    )
    HAS_LATENCY_CLASS = PredicateSpec(
        "has_latency_class",
        MKG + "has_latency_class",
        "biolink:has_attribute",
        (Category.CANCER_TYPE,),
        (Category.LATENCY_CLASS,),
        "latency",
        "has latency class",
    )
    HAS_BARRIER = PredicateSpec(
        "has_barrier",
        MKG + "has_barrier",
        "biolink:has_attribute",
        (Category.ORGAN,),
        (Category.BARRIER_TYPE,),
        "barrier",
        "has vascular barrier",
    )

    @property
    def key(self) -> str:
        return self.value.key

    @property
    def iri(self) -> str:
        return self.value.iri

    @classmethod
    def from_key(cls, key: str) -> Predicate:
        for member in cls:
            if member.value.key == key:
                return member
        raise KeyError(_unknown("predicate", key, [m.value.key for m in cls]))


#: Structural (ontology) edges carry no evidence: they are not associations.
SUBCLASS_OF = RDFS + "subClassOf"


class _KeyedEnum(Enum):
    @classmethod
    def from_key(cls, key: str):  # type: ignore[no-untyped-def]
        for member in cls:
            if member.value == key:
                return member
        words = re.sub(r"(?<!^)(?=[A-Z])", " ", cls.__name__).lower()
        raise KeyError(_unknown(words, key, [m.value for m in cls]))


class Confidence(_KeyedEnum):
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"


class Direction(_KeyedEnum):
    """What the subject does to the object (or to metastasis via the object)."""

    PROMOTES = "promotes"
    SUPPRESSES = "suppresses"
    ASSOCIATED = "associated"  # a marker or correlation, no direction claimed


class EvidenceType(_KeyedEnum):
    IN_VIVO_SELECTION = "in_vivo_selection"
    XENOGRAFT = "xenograft"
    MOUSE_MODEL = "mouse_model"
    CLINICAL_COHORT = "clinical_cohort"
    EXPRESSION_SIGNATURE = "expression_signature"
    KNOCKDOWN_OR_OVEREXPRESSION = "knockdown_or_overexpression"
    IN_VITRO = "in_vitro"
    GENOMIC_ANALYSIS = "genomic_analysis"
    ANATOMY = "anatomy"
    REVIEW_SYNTHESIS = "review_synthesis"


class Organism(_KeyedEnum):
    HUMAN = "human"
    MOUSE = "mouse"
    HUMAN_CELLS_IN_MOUSE = "human_cells_in_mouse"

    @property
    def taxa(self) -> tuple[str, ...]:
        return {
            "human": ("NCBITaxon:9606",),
            "mouse": ("NCBITaxon:10090",),
            "human_cells_in_mouse": ("NCBITaxon:9606", "NCBITaxon:10090"),
        }[self.value]


class KnowledgeLevel(_KeyedEnum):
    """Biolink 4 ``KnowledgeLevelEnum``."""

    KNOWLEDGE_ASSERTION = "knowledge_assertion"
    LOGICAL_ENTAILMENT = "logical_entailment"
    PREDICTION = "prediction"
    STATISTICAL_ASSOCIATION = "statistical_association"
    TEXT_CO_OCCURRENCE = "text_co_occurrence"
    OBSERVATION = "observation"
    NOT_PROVIDED = "not_provided"


class AgentType(_KeyedEnum):
    """Biolink 4 ``AgentTypeEnum``."""

    MANUAL_AGENT = "manual_agent"
    AUTOMATED_AGENT = "automated_agent"
    DATA_ANALYSIS_PIPELINE = "data_analysis_pipeline"
    COMPUTATIONAL_MODEL = "computational_model"
    TEXT_MINING_AGENT = "text_mining_agent"
    IMAGE_PROCESSING_AGENT = "image_processing_agent"
    MANUAL_VALIDATION_OF_AUTOMATED_AGENT = "manual_validation_of_automated_agent"
    NOT_PROVIDED = "not_provided"


class GeneClassScheme(_KeyedEnum):
    """The review's own gene classes are kept apart from roles the graph adds."""

    REVIEW = "review"
    GRAPH_ROLE = "graph_role"
    #: A gene set read from a GMT file (ingest/gmt.py): membership, not a functional role.
    GENE_SET = "gene_set"


def _unknown(what: str, key: str, valid: list[str]) -> str:
    return f"unknown {what} '{key}'; expected one of: {', '.join(valid)}"
