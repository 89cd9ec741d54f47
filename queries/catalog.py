"""The catalogue of named queries: each one as SPARQL, as its Cypher twin and as a networkx
traversal, with the parameters it takes and the columns it returns.

The public API (binding, running, the registry, the docs) is in :mod:`queries.named`; this
module only holds the definitions. Rules every definition follows:

* The SPARQL text is fixed and self-contained (it declares its prefixes). A parameter appears
  only as the variable ``?name`` and is bound by a pyoxigraph substitution, never formatted in.
  That variable is in the ``SELECT`` projection (pyoxigraph refuses to substitute one that is
  not) and is used only in triple patterns and ``FILTER`` comparisons: pyoxigraph 0.5 does not
  substitute inside ``BOUND(?p)`` or a bare ``BIND(?p AS ?x)`` (checked by experiment, see
  tests/test_named_queries.py).
* An omitted optional entity parameter is substituted with the empty string literal ``""``,
  which the query reads as "no restriction" (``sameTerm(?p, "")``); in Cypher it is ``null``.
* The texts are shaped for pyoxigraph's planner, which runs before the substitutions are
  applied and so takes every parameter for an unbound variable. ``_start`` (or ``_typed``)
  puts the pattern holding a parameter first; required patterns come before OPTIONALs; a
  FILTER that reads a parameter no pattern binds, applied only at the end of its group, sits
  in the smallest group it concerns (a UNION branch); and some OPTIONAL groups made required
  by ``FILTER(BOUND(...))`` keep each group small (see ``_REFERENCE``). This changes the
  order of evaluation, never the rows.
* The networkx traversal produces exactly the rows of the SPARQL query; the tests check it.
  It receives one member at a time of an "entities" parameter, as the SPARQL does.
* Columns named in ``list_columns`` hold ``;``-joined sets (reference numbers, symbols) that
  :func:`queries.named.normalise_list` dedupes and sorts, numbers first and numerically.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import networkx as nx

from graph.cypher import (
    ROOT_LABEL,
    SUBCLASS_TYPE,
    category_label,
    cypher_name,
    relationship_type,
)
from graph.vocab import BIOLINK, DCTERMS, METAKG, MKG, RDF, RDFS, Category, Predicate
from queries.lookup import subtypes

Row = dict[str, str]
Traversal = Callable[[nx.MultiDiGraph, Mapping[str, object]], list[Row]]

GENE_LIKE = (Category.GENE, Category.MICRORNA)


@dataclass(frozen=True)
class Param:
    """One parameter of a named query.

    ``kind`` is ``"entity"`` (one name, alias or CURIE, resolved to a node of one of
    ``categories``; any category when empty), ``"entities"`` (a comma-separated list of them;
    the SPARQL runs once per member and the results are unioned), ``"choice"`` (one of
    ``choices``) or ``"integer"`` (a whole number from 1 to 1,000,000). ``choice_iris``, when
    given, is the IRI substituted for each choice (same order); otherwise a choice is
    substituted as a plain literal.
    """

    name: str
    description: str
    kind: str
    categories: tuple[Category, ...] = ()
    choices: tuple[str, ...] = ()
    required: bool = True
    default: str | None = None
    choice_iris: tuple[str, ...] = ()


@dataclass(frozen=True)
class NamedQuery:
    """A named, parameterised question with its SPARQL text, Cypher twin and networkx twin."""

    name: str
    title: str
    description: str
    params: tuple[Param, ...]
    columns: tuple[str, ...]
    sparql: str
    cypher: str
    example: dict[str, str]
    traverse: Traversal
    #: Columns holding ``;``-joined sets, normalised by :func:`queries.named.normalise_list`.
    list_columns: tuple[str, ...] = ()


# --- shared SPARQL fragments (fixed text) ------------------------------------------------

PREFIXES = f"""PREFIX rdf: <{RDF}>
PREFIX rdfs: <{RDFS}>
PREFIX dcterms: <{DCTERMS}>
PREFIX biolink: <{BIOLINK}>
PREFIX mkg: <{MKG}>
"""

# "OPTIONAL { ... } FILTER(BOUND(?x))", where only the OPTIONAL group binds ?x, gives the
# rows of the plain join with the group; the texts use it for pyoxigraph's planner. Its time
# grows faster than linearly with the patterns and OPTIONALs of one group, and a group nested
# in an OPTIONAL is planned apart and evaluated once per row of the outer group.

#: Binds ``?reference`` to each publication of ``?assertion``: its review reference number,
#: or the publication IRI when it has no number; aggregated into ``?references`` by
#: ``_REFERENCES``. An assertion without a publication gives no row (``BOUND``, see above).
_REFERENCE = """  OPTIONAL {
    ?assertion biolink:publications ?publication .
    OPTIONAL { ?publication mkg:referenceNumber ?publication_number }
  }
  FILTER(BOUND(?publication))
  BIND(COALESCE(STR(?publication_number), STR(?publication)) AS ?reference)"""
_REFERENCES = '(GROUP_CONCAT(DISTINCT ?reference; separator=";") AS ?references)'

#: Binds ``?predicate`` to the key of the predicate IRI ``?predicate_iri``, for queries that
#: report which predicate an assertion has (an IRI without a key gives no row: ``BOUND``, see
#: above). As a plain join, the planner would start from the table, the smallest pattern, and
#: scan every assertion of each predicate; as an OPTIONAL it is looked up once per assertion.
_PREDICATE_KEY = (
    "  OPTIONAL {\n    VALUES (?predicate ?predicate_iri) {\n"
    + "\n".join(f'      ("{p.key}" <{p.iri}>)' for p in Predicate)
    + "\n    }\n  }\n  FILTER(BOUND(?predicate))"
)

_SUPPRESSOR_CLASS = f"<{METAKG}class/metastasis_suppressor>"
_COLONIZATION = f"<{METAKG}step/colonization>"

# --- shared Cypher fragments (fixed text) -------------------------------------------------
# The Cypher twins read the projection of graph.cypher (the one `metakg neo4j push` and the
# neo4j export write). Labels and relationship types come from the vocabulary through it,
# in backticks; parameters are ``$name``. Only the portable subset of Cypher that both
# Neo4j 5 and FalkorDB run is used: no COLLECT {} or EXISTS {} subqueries (FalkorDB has
# neither; an OPTIONAL MATCH with count() or an UNWIND with collect() stands in for them).
# A missing value comes back as null, a list column as a list; queries.named.run_cypher
# turns both into the cells the SPARQL gives.


def _label(category: Category) -> str:
    return cypher_name(category_label(category))


def _type(predicate: Predicate) -> str:
    return cypher_name(relationship_type(predicate))


_ANY = cypher_name(ROOT_LABEL)
_SUBCLASS = cypher_name(SUBCLASS_TYPE)
_CANCER_TYPE = _label(Category.CANCER_TYPE)
_ORGAN = _label(Category.ORGAN)
_PUBLICATION = _label(Category.PUBLICATION)
_BARRIER_TYPE = _label(Category.BARRIER_TYPE)
_CASCADE_STEP = _label(Category.CASCADE_STEP)
_GENE = _label(Category.GENE)
_GENE_CLASS = _label(Category.GENE_CLASS)
_LATENCY_CLASS = _label(Category.LATENCY_CLASS)
_MICRORNA = _label(Category.MICRORNA)
_PATHWAY = _label(Category.PATHWAY)
_ACTS_AT_STEP = _type(Predicate.ACTS_AT_STEP)
_CONTRIBUTES_TO = _type(Predicate.CONTRIBUTES_TO)
_FIRST_CAPILLARY_BED = _type(Predicate.FIRST_CAPILLARY_BED)
_HAS_BARRIER = _type(Predicate.HAS_BARRIER)
_HAS_CLASS = _type(Predicate.HAS_CLASS)
_HAS_LATENCY_CLASS = _type(Predicate.HAS_LATENCY_CLASS)
_INTERACTS_WITH = _type(Predicate.INTERACTS_WITH)
_MEDIATES_METASTASIS_TO = _type(Predicate.MEDIATES_METASTASIS_TO)
_METASTASIZES_TO = _type(Predicate.METASTASIZES_TO)
_PARTICIPATES_IN = _type(Predicate.PARTICIPATES_IN)
_REGULATES = _type(Predicate.REGULATES)

#: Cypher: one row per publication of relationship ``r``, with its node where there is one.
_CYPHER_PUBLICATIONS = f"""UNWIND r.publications AS publication_id
OPTIONAL MATCH (publication:{_PUBLICATION} {{id: publication_id}})"""
#: Cypher: the aggregate of ``_CYPHER_PUBLICATIONS``: reference numbers, or publication ids.
_CYPHER_REFERENCES = (
    "collect(DISTINCT coalesce(toString(publication.referenceNumber), publication_id))"
    " AS references"
)


def _start(subject: str, predicate: str, obj: str, indent: str = "  ") -> str:
    """The triple pattern ``subject predicate obj``, which holds a parameter, evaluated first.

    pyoxigraph plans a query before it sees the substitutions, so to its planner a parameter
    is an unbound variable: left alone, it starts from some other pattern (typically every
    assertion with a given predicate, or every publication link) and compares the parameter
    last. A one-row ``VALUES`` is the smallest pattern the planner knows, so it comes first,
    and the only pattern joined to it, this one, comes next, evaluated with the parameter
    bound: one index lookup. The rows are the same; only the order of evaluation changes.
    """
    return (
        f"{indent}# first: the pattern with the parameter (a one-row VALUES is planned first)\n"
        f"{indent}VALUES ?start {{ {predicate} }}\n{indent}{subject} ?start {obj} .\n"
    )


def _typed(variable: str, *categories: Category) -> str:
    """``?variable`` (a parameter) has the RDF type of one of ``categories``, evaluated first.

    Like :func:`_start`, for a parameter whose first pattern is a UNION or a property path:
    the planner starts from the ``VALUES`` of types, looks the parameter's type up, then goes
    on from the parameter, which is bound by then. A parameter is always resolved to an
    entity of one of its categories, so this removes no rows.
    """
    types = " ".join(f"<{c.rdf_types[0]}>" for c in categories)
    category = f"?{variable}_category"
    return (
        f"  # first: the parameter's type (a small VALUES is planned first)\n"
        f"  VALUES {category} {{ {types} }}\n  ?{variable} a {category} .\n"
    )


def _columns(names: str) -> tuple[str, ...]:
    return tuple(names.split())


def _select(variables: str, where: str, *, aggregate: str = _REFERENCES) -> str:
    """A grouped SELECT: ``variables`` plus one aggregate, grouped by ``variables``."""
    return (
        f"{PREFIXES}SELECT {variables} {aggregate}\nWHERE {{\n{where}\n}}\nGROUP BY {variables}\n"
    )


# --- shared networkx helpers -------------------------------------------------------------


def text(value: object) -> str:
    """A cell as the SPARQL side renders it: lexical forms, ``""`` for missing values."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    return str(value)


def _associations(graph: nx.MultiDiGraph, predicate: str) -> Iterator[tuple[str, str, str, Any]]:
    for u, v, key, data in graph.edges(keys=True, data=True):
        if data.get("predicate") == predicate:
            yield u, v, key, data


def _reference_key(graph: nx.MultiDiGraph, publication: str) -> str:
    number = graph.nodes[publication].get("referenceNumber")
    return publication if number is None else str(number)


def _references(graph: nx.MultiDiGraph, data: Mapping[str, Any]) -> str:
    return ";".join(_reference_key(graph, p) for p in data["references"])


def _with_subtypes(graph: nx.MultiDiGraph, node_id: str) -> set[str]:
    return {node_id} | subtypes(graph, node_id)


def _node(graph: nx.MultiDiGraph, node_id: str, name: str) -> str:
    return text(graph.nodes[node_id].get(name))


def _is_gene(graph: nx.MultiDiGraph, node_id: str) -> bool:
    return graph.nodes[node_id]["category"] in {c.key for c in GENE_LIKE}


# --- 1. genes for a cancer type and an organ ---------------------------------------------


def _genes_for_cancer_organ(graph: nx.MultiDiGraph, values: Mapping[str, object]) -> list[Row]:
    cancer, organ = str(values["cancer"]), str(values["organ"])
    scope = _with_subtypes(graph, cancer)
    rows = []
    for gene, _, key, data in graph.in_edges(organ, keys=True, data=True):
        if data.get("predicate") != "mediates_metastasis_to":
            continue
        context = data.get("cancer_type")
        if context is not None:
            if context not in scope:
                continue
            basis = "cancer_type_context"
        else:
            contributes = any(
                d.get("predicate") == "contributes_to" and target in scope
                for _, target, d in graph.out_edges(gene, data=True)
            )
            if not contributes:
                continue
            basis = "contributes_to"
        rows.append(
            {
                "symbol": _node(graph, gene, "symbol"),
                "gene": gene,
                "direction": data["direction"],
                "confidence": data["confidence"],
                "step": text(data.get("step")),
                "cancer_type_context": text(context),
                "basis": basis,
                "references": _references(graph, data),
                "assertion": key,
            }
        )
    return rows


GENES_FOR_CANCER_ORGAN = NamedQuery(
    name="genes_for_cancer_organ",
    title="Genes that mediate a cancer type's metastasis to an organ",
    description=(
        "Which genes and miRNAs does the evidence tie to metastasis of this cancer type to "
        "this organ? For cancer biologists asking, for example, which genes let breast cancer "
        "colonise bone.\n\n"
        "A row is one `mediates_metastasis_to` assertion from a gene to the organ that passes "
        "one of two rules (column `basis`):\n\n"
        "- `cancer_type_context`: the assertion's cancer-type context is the given cancer type "
        "or one of its subtypes (`rdfs:subClassOf*`, so lung cancer covers lung "
        "adenocarcinoma);\n"
        "- `contributes_to`: the assertion has no cancer-type context, and the gene has a "
        "`contributes_to` assertion to the given cancer type or one of its subtypes.\n\n"
        "An assertion whose context is another cancer type (melanoma for a breast cancer "
        "question) is left out, and so is the parent type's context when a subtype is asked "
        "for. All directions are listed (`promotes`, `suppresses`, `associated`); "
        "`references` are the review's reference numbers (publication CURIEs for papers "
        "outside the review), numerically sorted."
    ),
    params=(
        Param(
            "cancer",
            "the cancer type (its subtypes are included)",
            "entity",
            (Category.CANCER_TYPE,),
        ),
        Param("organ", "the target organ of metastasis", "entity", (Category.ORGAN,)),
    ),
    columns=_columns(
        "symbol gene direction confidence step cancer_type_context basis references assertion"
    ),
    list_columns=("references",),
    sparql=_select(
        "?cancer ?organ ?symbol ?gene ?direction ?confidence ?step ?cancer_type_context"
        " ?basis ?assertion",
        _start("?assertion", "rdf:object", "?organ")
        + """  ?assertion rdf:predicate mkg:mediates_metastasis_to ;
             rdf:subject ?gene ;
             mkg:direction ?direction ;
             mkg:confidence ?confidence .
  ?gene biolink:symbol ?symbol .
  OPTIONAL { ?assertion mkg:stepContext ?step }
  OPTIONAL { ?assertion mkg:cancerTypeContext ?cancer_type_context }
  FILTER(
    (BOUND(?cancer_type_context)
      && EXISTS { ?cancer_type_context rdfs:subClassOf* ?cancer })
    || (!BOUND(?cancer_type_context)
      && EXISTS { ?gene biolink:contributes_to ?contributed .
                  ?contributed rdfs:subClassOf* ?cancer })
  )
  BIND(IF(BOUND(?cancer_type_context), "cancer_type_context", "contributes_to") AS ?basis)
"""
        + _REFERENCE,
    ),
    cypher=f"""MATCH (subtype)-[:{_SUBCLASS}*0..]->(:{_CANCER_TYPE} {{id: $cancer}})
WITH collect(DISTINCT subtype.id) AS scope
MATCH (gene)-[r:{_MEDIATES_METASTASIS_TO}]->(:{_ORGAN} {{id: $organ}})
WHERE gene.symbol IS NOT NULL
OPTIONAL MATCH (gene)-[:{_CONTRIBUTES_TO}]->(contributed)
WHERE contributed.id IN scope
WITH scope, gene, r, count(contributed) AS contributions
WHERE r.cancer_type IN scope OR (r.cancer_type IS NULL AND contributions > 0)
{_CYPHER_PUBLICATIONS}
RETURN gene.symbol AS symbol, gene.id AS gene, r.direction AS direction,
       r.confidence AS confidence, r.step AS step, r.cancer_type AS cancer_type_context,
       CASE WHEN r.cancer_type IS NULL THEN 'contributes_to' ELSE 'cancer_type_context' END
         AS basis,
       {_CYPHER_REFERENCES},
       r.id AS assertion
ORDER BY symbol, assertion
""",
    example={"cancer": "breast cancer", "organ": "bone"},
    traverse=_genes_for_cancer_organ,
)


# --- 2. genes at a cascade step ------------------------------------------------------------


def _genes_at_step(graph: nx.MultiDiGraph, values: Mapping[str, object]) -> list[Row]:
    step, organ = str(values["step"]), values.get("organ")
    candidates = [
        (u, key, "acts_at_step", data.get("organ"), data)
        for u, _, key, data in graph.in_edges(step, keys=True, data=True)
        if data.get("predicate") == "acts_at_step"
    ] + [
        (u, key, "mediates_metastasis_to", v, data)
        for u, v, key, data in _associations(graph, "mediates_metastasis_to")
        if data.get("step") == step
    ]
    rows = []
    for gene, key, predicate, where, data in candidates:
        if organ is not None and where != organ:
            continue
        rows.append(
            {
                "symbol": _node(graph, gene, "symbol"),
                "gene": gene,
                "predicate": predicate,
                "organ_context": text(where),
                "direction": data["direction"],
                "confidence": data["confidence"],
                "cancer_type_context": text(data.get("cancer_type")),
                "references": _references(graph, data),
                "assertion": key,
            }
        )
    return rows


GENES_AT_STEP = NamedQuery(
    name="genes_at_step",
    title="Genes acting at a step of the metastatic cascade, optionally in one organ",
    description=(
        "Which genes act at this step of the cascade (local invasion, intravasation, "
        "survival in the circulation, arrest and extravasation, latency, colonization, or a "
        "cross-cutting process such as the pre-metastatic niche), and where?\n\n"
        "A row is either an `acts_at_step` assertion from a gene to the step (`organ_context` "
        "is its organ context, empty when it has none) or a `mediates_metastasis_to` "
        "assertion whose step context is the step (`organ_context` is its target organ). "
        "With `organ`, only rows whose `organ_context` is that organ are kept (an assertion "
        "without an organ context is then left out). Cancer types are not filtered: "
        "`cancer_type_context` says which one the evidence comes from."
    ),
    params=(
        Param(
            "step", "the cascade step or cross-cutting process", "entity", (Category.CASCADE_STEP,)
        ),
        Param(
            "organ",
            "only assertions about this organ (default: any organ)",
            "entity",
            (Category.ORGAN,),
            required=False,
        ),
    ),
    columns=_columns(
        "symbol gene predicate organ_context direction confidence cancer_type_context "
        "references assertion"
    ),
    list_columns=("references",),
    sparql=_select(
        "?step ?organ ?symbol ?gene ?predicate ?organ_context ?direction ?confidence"
        " ?cancer_type_context ?assertion",
        _typed("step", Category.CASCADE_STEP)
        + """  {
"""
        + _start("?assertion", "rdf:object", "?step", indent="    ")
        + """    ?assertion rdf:predicate mkg:acts_at_step .
    OPTIONAL { ?assertion mkg:organContext ?organ_context }
    FILTER(sameTerm(?organ, "") || sameTerm(?organ_context, ?organ))
    BIND("acts_at_step" AS ?predicate)
  } UNION {
"""
        + _start("?assertion", "mkg:stepContext", "?step", indent="    ")
        + """    ?assertion rdf:predicate mkg:mediates_metastasis_to ;
               rdf:object ?organ_context .
    FILTER(sameTerm(?organ, "") || sameTerm(?organ_context, ?organ))
    BIND("mediates_metastasis_to" AS ?predicate)
  }
  ?assertion rdf:subject ?gene ;
             mkg:direction ?direction ;
             mkg:confidence ?confidence .
  ?gene biolink:symbol ?symbol .
  OPTIONAL { ?assertion mkg:cancerTypeContext ?cancer_type_context }
"""
        + _REFERENCE,
    ),
    cypher=f"""MATCH (step:{_CASCADE_STEP} {{id: $step}})
MATCH (gene)-[r:{_ACTS_AT_STEP}|{_MEDIATES_METASTASIS_TO}]->(target)
WHERE gene.symbol IS NOT NULL
  AND ((r.predicate = 'acts_at_step' AND target.id = step.id)
    OR (r.predicate = 'mediates_metastasis_to' AND r.step = step.id))
WITH gene, r,
     CASE r.predicate WHEN 'acts_at_step' THEN r.organ ELSE target.id END AS organ_context
WHERE $organ IS NULL OR organ_context = $organ
{_CYPHER_PUBLICATIONS}
RETURN gene.symbol AS symbol, gene.id AS gene, r.predicate AS predicate, organ_context,
       r.direction AS direction, r.confidence AS confidence,
       r.cancer_type AS cancer_type_context,
       {_CYPHER_REFERENCES},
       r.id AS assertion
ORDER BY symbol, assertion
""",
    example={"step": "colonization", "organ": "bone"},
    traverse=_genes_at_step,
)


# --- 3. suppressors of colonization in an organ -------------------------------------------

_COLONIZATION_ID = "metakg:step/colonization"
_SUPPRESSOR_ID = "metakg:class/metastasis_suppressor"


def _colonization_suppressors(graph: nx.MultiDiGraph, values: Mapping[str, object]) -> list[Row]:
    organ = str(values["organ"])
    suppressors = {u for u, v, _, _ in _associations(graph, "has_class") if v == _SUPPRESSOR_ID}
    rows = []
    for gene in sorted(suppressors):
        for _, target, key, data in graph.out_edges(gene, keys=True, data=True):
            predicate = data.get("predicate")
            if data.get("direction") != "suppresses":
                continue
            if predicate == "mediates_metastasis_to":
                if target != organ or data.get("step") not in (None, _COLONIZATION_ID):
                    continue
                step = data.get("step")
            elif predicate == "acts_at_step":
                if target != _COLONIZATION_ID or data.get("organ") != organ:
                    continue
                step = target
            else:
                continue
            rows.append(
                {
                    "symbol": _node(graph, gene, "symbol"),
                    "gene": gene,
                    "predicate": predicate,
                    "step": text(step),
                    "cancer_type_context": text(data.get("cancer_type")),
                    "confidence": data["confidence"],
                    "references": _references(graph, data),
                    "assertion": key,
                }
            )
    return rows


COLONIZATION_SUPPRESSORS = NamedQuery(
    name="colonization_suppressors",
    title="Metastasis suppressors that restrain colonization of an organ",
    description=(
        "Which metastasis suppressors hold back the colonization of this organ? For "
        "researchers looking for genes and miRNAs whose loss lets metastases grow there.\n\n"
        "The gene must belong to the review's gene class `metastasis_suppressor`. A row is "
        "one of its assertions with direction `suppresses` that is either a "
        "`mediates_metastasis_to` assertion to the organ whose step context is colonization "
        "or absent, or an `acts_at_step` assertion to colonization whose organ context is the "
        "organ. Suppression at other steps (for example arrest and extravasation) is left "
        "out. All cancer types count; `cancer_type_context` names the one the evidence is "
        "from."
    ),
    params=(Param("organ", "the organ being colonised", "entity", (Category.ORGAN,)),),
    columns=_columns(
        "symbol gene predicate step cancer_type_context confidence references assertion"
    ),
    list_columns=("references",),
    sparql=_select(
        "?organ ?symbol ?gene ?predicate ?step ?cancer_type_context ?confidence ?assertion",
        """  {
"""
        + _start("?assertion", "rdf:object", "?organ", indent="    ")
        + f"""    ?assertion mkg:direction "suppresses" ;
               rdf:predicate mkg:mediates_metastasis_to ;
               rdf:subject ?gene ;
               mkg:confidence ?confidence .
    ?gene biolink:member_of {_SUPPRESSOR_CLASS} ;
          biolink:symbol ?symbol .
    OPTIONAL {{ ?assertion mkg:stepContext ?step }}
    FILTER(!BOUND(?step) || ?step = {_COLONIZATION})
    BIND("mediates_metastasis_to" AS ?predicate)
  }} UNION {{
    VALUES ?step {{ {_COLONIZATION} }}
    ?assertion rdf:object ?step ;
               mkg:organContext ?organ ;
               mkg:direction "suppresses" ;
               rdf:predicate mkg:acts_at_step ;
               rdf:subject ?gene ;
               mkg:confidence ?confidence .
    ?gene biolink:member_of {_SUPPRESSOR_CLASS} ;
          biolink:symbol ?symbol .
    BIND("acts_at_step" AS ?predicate)
  }}
  OPTIONAL {{ ?assertion mkg:cancerTypeContext ?cancer_type_context }}
"""
        + _REFERENCE,
    ),
    cypher=f"""MATCH (organ:{_ORGAN} {{id: $organ}})
MATCH (gene)-[:{_HAS_CLASS}]->(:{_GENE_CLASS} {{id: '{_SUPPRESSOR_ID}'}})
WHERE gene.symbol IS NOT NULL
WITH DISTINCT organ, gene
MATCH (gene)-[r:{_MEDIATES_METASTASIS_TO}|{_ACTS_AT_STEP}]->(target)
WHERE r.direction = 'suppresses'
  AND ((r.predicate = 'mediates_metastasis_to' AND target.id = organ.id
        AND (r.step IS NULL OR r.step = '{_COLONIZATION_ID}'))
    OR (r.predicate = 'acts_at_step' AND target.id = '{_COLONIZATION_ID}'
        AND r.organ = organ.id))
{_CYPHER_PUBLICATIONS}
RETURN gene.symbol AS symbol, gene.id AS gene, r.predicate AS predicate,
       CASE r.predicate WHEN 'acts_at_step' THEN target.id ELSE r.step END AS step,
       r.cancer_type AS cancer_type_context, r.confidence AS confidence,
       {_CYPHER_REFERENCES},
       r.id AS assertion
ORDER BY symbol, assertion
""",
    example={"organ": "lung"},
    traverse=_colonization_suppressors,
)


# --- 4. the references behind an assertion -------------------------------------------------


def _assertion_references(graph: nx.MultiDiGraph, values: Mapping[str, object]) -> list[Row]:
    subject, predicate, obj = (
        str(values["subject"]),
        str(values["predicate"]),
        str(values["object"]),
    )
    rows = []
    if not graph.has_node(subject):
        return rows
    for _, target, key, data in graph.out_edges(subject, keys=True, data=True):
        if target != obj or data.get("predicate") != predicate:
            continue
        for publication in data["references"]:
            pub = graph.nodes[publication]
            rows.append(
                {
                    "assertion": key,
                    "cancer_type_context": text(data.get("cancer_type")),
                    "organ_context": text(data.get("organ")),
                    "step_context": text(data.get("step")),
                    "direction": data["direction"],
                    "confidence": data["confidence"],
                    "number": text(pub.get("referenceNumber")),
                    "publication": publication,
                    "title": pub["label"],
                    "citation": text(pub.get("description")),
                    "retracted": text(pub.get("retracted")),
                    "note": data["note"],
                }
            )
    return rows


ASSERTION_REFERENCES = NamedQuery(
    name="assertion_references",
    title="The references behind an assertion",
    description=(
        "Which papers support the statement 'subject predicate object', how confident is "
        "the graph, and is any of them retracted? For readers who want to check a claim at "
        "its source.\n\n"
        "A row is one publication of one assertion with exactly this subject, predicate and "
        "object; an assertion that holds in several contexts (cancer type, organ, step) "
        "gives one group of rows per context. `number` is the review's reference number "
        "(empty for a paper outside the review), `citation` the short citation, `retracted` "
        "`true` for a retracted paper. Subject and object can be any entity; no subtypes are "
        "added."
    ),
    params=(
        Param("subject", "the subject entity of the assertion", "entity"),
        Param(
            "predicate",
            "the predicate key",
            "choice",
            choices=tuple(p.key for p in Predicate),
            choice_iris=tuple(p.iri for p in Predicate),
        ),
        Param("object", "the object entity of the assertion", "entity"),
    ),
    columns=_columns(
        "assertion cancer_type_context organ_context step_context direction confidence "
        "number publication title citation retracted note"
    ),
    sparql=f"""{PREFIXES}SELECT ?subject ?predicate ?object ?assertion ?cancer_type_context
       ?organ_context ?step_context ?direction ?confidence ?number ?publication ?title
       ?citation ?retracted ?note
WHERE {{
  ?assertion rdf:subject ?subject ;
             rdf:predicate ?predicate ;
             rdf:object ?object ;
             mkg:direction ?direction ;
             mkg:confidence ?confidence ;
             biolink:publications ?publication .
  OPTIONAL {{
    ?assertion mkg:note ?note .
    OPTIONAL {{ ?assertion mkg:cancerTypeContext ?cancer_type_context }}
    OPTIONAL {{ ?assertion mkg:organContext ?organ_context }}
    OPTIONAL {{ ?assertion mkg:stepContext ?step_context }}
  }}
  OPTIONAL {{
    ?publication rdfs:label ?title .
    OPTIONAL {{ ?publication mkg:referenceNumber ?number }}
    OPTIONAL {{ ?publication dcterms:description ?citation }}
    OPTIONAL {{ ?publication mkg:retracted ?retracted }}
  }}
  FILTER(BOUND(?note) && BOUND(?title))
}}
""",
    cypher=f"""MATCH (subject:{_ANY} {{id: $subject}})-[r]->(object:{_ANY} {{id: $object}})
WHERE r.kind = 'association' AND r.predicate = $predicate
UNWIND r.publications AS publication_id
MATCH (publication:{_PUBLICATION} {{id: publication_id}})
RETURN r.id AS assertion, r.cancer_type AS cancer_type_context, r.organ AS organ_context,
       r.step AS step_context, r.direction AS direction, r.confidence AS confidence,
       publication.referenceNumber AS number, publication.id AS publication,
       publication.name AS title, publication.description AS citation,
       publication.retracted AS retracted, r.note AS note
ORDER BY assertion, publication
""",
    example={"subject": "LOX", "predicate": "mediates_metastasis_to", "object": "lung"},
    traverse=_assertion_references,
)


# --- 5. pathways linking a gene set to an organ ---------------------------------------------


def _pathways_linking_genes_to_organ(
    graph: nx.MultiDiGraph, values: Mapping[str, object]
) -> list[Row]:
    gene, organ = str(values["genes"]), str(values["organ"])
    organ_genes = {u for u, v, _, _ in _associations(graph, "mediates_metastasis_to") if v == organ}
    rows = []
    pathways = {
        v for _, v, d in graph.out_edges(gene, data=True) if d.get("predicate") == "participates_in"
    }
    for pathway in sorted(pathways):
        linked = {
            u
            for u, _, d in graph.in_edges(pathway, data=True)
            if d.get("predicate") == "participates_in" and u in organ_genes
        }
        if not linked:
            continue
        rows.append(
            {
                "symbol": _node(graph, gene, "symbol"),
                "gene": gene,
                "pathway_label": graph.nodes[pathway]["label"],
                "pathway": pathway,
                "organ_genes": ";".join(_node(graph, u, "symbol") for u in linked),
            }
        )
    return rows


PATHWAYS_LINKING_GENES_TO_ORGAN = NamedQuery(
    name="pathways_linking_genes_to_organ",
    title="Pathways that link a set of genes to metastasis in an organ",
    description=(
        "Through which pathways are my genes connected to metastasis in this organ? For "
        "bioinformaticians holding a gene list (a signature, a screen hit list) who want "
        "the review's mechanistic context.\n\n"
        "For each gene of the list, a row is one pathway the gene `participates_in` in which "
        "at least one gene (possibly the same one) has a `mediates_metastasis_to` assertion "
        "to the organ, whatever its direction or cancer type; `organ_genes` lists the "
        "symbols of those genes. The list is comma-separated; the SPARQL runs once per "
        "gene and the rows are unioned. A gene in no such pathway gives no row."
    ),
    params=(
        Param("genes", "comma-separated genes or miRNAs", "entities", GENE_LIKE),
        Param("organ", "the organ", "entity", (Category.ORGAN,)),
    ),
    columns=_columns("symbol gene pathway_label pathway organ_genes"),
    list_columns=("organ_genes",),
    sparql=_select(
        "?genes ?organ ?symbol ?gene ?pathway_label ?pathway",
        _start("?genes", "biolink:participates_in", "?pathway")
        + """  ?gene biolink:participates_in ?pathway .
  FILTER(?gene = ?genes)
  ?gene biolink:symbol ?symbol .
  ?pathway rdfs:label ?pathway_label .
  ?linked biolink:participates_in ?pathway ;
          mkg:mediates_metastasis_to ?organ ;
          biolink:symbol ?linked_symbol .""",
        aggregate='(GROUP_CONCAT(DISTINCT ?linked_symbol; separator=";") AS ?organ_genes)',
    ),
    cypher=f"""UNWIND $genes AS gene_id
MATCH (gene:{_ANY} {{id: gene_id}})-[:{_PARTICIPATES_IN}]->(pathway)
MATCH (pathway)<-[:{_PARTICIPATES_IN}]-(linked)
      -[:{_MEDIATES_METASTASIS_TO}]->(:{_ORGAN} {{id: $organ}})
WHERE gene.symbol IS NOT NULL AND linked.symbol IS NOT NULL
RETURN gene.symbol AS symbol, gene.id AS gene, pathway.name AS pathway_label,
       pathway.id AS pathway, collect(DISTINCT linked.symbol) AS organ_genes
ORDER BY symbol, pathway_label
""",
    example={"genes": "TGFB1,CXCR4,EREG", "organ": "bone"},
    traverse=_pathways_linking_genes_to_organ,
)


# --- simple "object -> subjects" queries -----------------------------------------------------


def _incoming(
    graph: nx.MultiDiGraph, target: str, predicate: str
) -> Iterator[tuple[str, str, Mapping[str, Any]]]:
    for u, _, key, data in graph.in_edges(target, keys=True, data=True):
        if data.get("predicate") == predicate:
            yield u, key, data


def _cancer_types_by_latency(graph: nx.MultiDiGraph, values: Mapping[str, object]) -> list[Row]:
    return [
        {
            "cancer_type_label": graph.nodes[cancer]["label"],
            "cancer_type": cancer,
            "confidence": data["confidence"],
            "references": _references(graph, data),
            "assertion": key,
        }
        for cancer, key, data in _incoming(graph, str(values["latency"]), "has_latency_class")
    ]


CANCER_TYPES_BY_LATENCY = NamedQuery(
    name="cancer_types_by_latency",
    title="Cancer types in a latency class",
    description=(
        "Which cancer types relapse after this kind of delay (very short, short, "
        "intermediate, long, variable)? For clinicians and biologists interested in "
        "dormancy.\n\n"
        "A row is one `has_latency_class` assertion to the class. Only the asserted type is "
        "listed: a latency class is not passed down to subtypes or up to parents (luminal "
        "breast cancer is long, breast cancer as a whole has no class)."
    ),
    params=(Param("latency", "the latency class", "entity", (Category.LATENCY_CLASS,)),),
    columns=_columns("cancer_type_label cancer_type confidence references assertion"),
    list_columns=("references",),
    sparql=_select(
        "?latency ?cancer_type_label ?cancer_type ?confidence ?assertion",
        _start("?assertion", "rdf:object", "?latency")
        + """  ?assertion rdf:predicate mkg:has_latency_class ;
             rdf:subject ?cancer_type ;
             mkg:confidence ?confidence .
  ?cancer_type rdfs:label ?cancer_type_label .
"""
        + _REFERENCE,
    ),
    cypher=f"""MATCH (cancer_type)-[r:{_HAS_LATENCY_CLASS}]->(:{_LATENCY_CLASS} {{id: $latency}})
{_CYPHER_PUBLICATIONS}
RETURN cancer_type.name AS cancer_type_label, cancer_type.id AS cancer_type,
       r.confidence AS confidence,
       {_CYPHER_REFERENCES},
       r.id AS assertion
ORDER BY cancer_type_label
""",
    example={"latency": "long"},
    traverse=_cancer_types_by_latency,
)


def _organs_by_barrier(graph: nx.MultiDiGraph, values: Mapping[str, object]) -> list[Row]:
    return [
        {
            "organ_label": graph.nodes[organ]["label"],
            "organ": organ,
            "capillary_bed_role": _node(graph, organ, "capillaryBedRole"),
            "confidence": data["confidence"],
            "references": _references(graph, data),
            "assertion": key,
        }
        for organ, key, data in _incoming(graph, str(values["barrier"]), "has_barrier")
    ]


ORGANS_BY_BARRIER = NamedQuery(
    name="organs_by_barrier",
    title="Organs whose vessels present a given barrier to tumour cells",
    description=(
        "Which organs must circulating tumour cells enter through this kind of vessel wall "
        "(continuous capillary, fenestrated sinusoid, blood-brain barrier ...)? For "
        "researchers comparing how hard organs are to infiltrate.\n\n"
        "A row is one `has_barrier` assertion from an organ to the barrier type, with the "
        "organ's role as a capillary bed."
    ),
    params=(Param("barrier", "the barrier type", "entity", (Category.BARRIER_TYPE,)),),
    columns=_columns("organ_label organ capillary_bed_role confidence references assertion"),
    list_columns=("references",),
    sparql=_select(
        "?barrier ?organ_label ?organ ?capillary_bed_role ?confidence ?assertion",
        _start("?assertion", "rdf:object", "?barrier")
        + """  ?assertion rdf:predicate mkg:has_barrier ;
             rdf:subject ?organ ;
             mkg:confidence ?confidence .
  ?organ rdfs:label ?organ_label .
  OPTIONAL { ?organ mkg:capillaryBedRole ?capillary_bed_role }
"""
        + _REFERENCE,
    ),
    cypher=f"""MATCH (organ)-[r:{_HAS_BARRIER}]->(:{_BARRIER_TYPE} {{id: $barrier}})
{_CYPHER_PUBLICATIONS}
RETURN organ.name AS organ_label, organ.id AS organ,
       organ.capillaryBedRole AS capillary_bed_role, r.confidence AS confidence,
       {_CYPHER_REFERENCES},
       r.id AS assertion
ORDER BY organ_label
""",
    example={"barrier": "blood_brain_barrier"},
    traverse=_organs_by_barrier,
)


# --- 8. evidence resting on retracted papers -------------------------------------------------


def _retracted_evidence(graph: nx.MultiDiGraph, values: Mapping[str, object]) -> list[Row]:
    only = values["evidence"] != "cites_retracted"
    rows = []
    for gene, target, key, data in graph.edges(keys=True, data=True):
        if data.get("kind") != "association" or not _is_gene(graph, gene):
            continue
        retracted = [p for p in data["references"] if graph.nodes[p].get("retracted") is True]
        if not retracted or (only and not data["rests_only_on_retracted"]):
            continue
        rows.append(
            {
                "symbol": _node(graph, gene, "symbol"),
                "gene": gene,
                "predicate": data["predicate"],
                "object_label": graph.nodes[target]["label"],
                "object": target,
                "retracted_references": ";".join(_reference_key(graph, p) for p in retracted),
                "rests_only_on_retracted": text(data["rests_only_on_retracted"]),
                "confidence": data["confidence"],
                "assertion": key,
            }
        )
    return rows


RETRACTED_EVIDENCE = NamedQuery(
    name="retracted_evidence",
    title="Gene assertions that cite a retracted paper",
    description=(
        "Which gene and miRNA assertions depend on a retracted paper (reference 106, Erler "
        "et al. 2006, was retracted in 2020)? For curators and for anyone weighing the LOX "
        "evidence.\n\n"
        "A row is one assertion about a gene or miRNA that cites at least one retracted "
        "publication. With `evidence=cites_retracted` (the default) every such assertion is "
        "listed, `rests_only_on_retracted` telling whether other papers support it too; with "
        "`evidence=only_retracted` only assertions with no unretracted support are kept. "
        "`retracted_references` lists the retracted papers it cites."
    ),
    params=(
        Param(
            "evidence",
            "cites_retracted: assertions citing a retracted paper; only_retracted: those "
            "resting only on retracted papers",
            "choice",
            choices=("cites_retracted", "only_retracted"),
            required=False,
            default="cites_retracted",
        ),
    ),
    columns=_columns(
        "symbol gene predicate object_label object retracted_references "
        "rests_only_on_retracted confidence assertion"
    ),
    list_columns=("retracted_references",),
    sparql=_select(
        "?evidence ?symbol ?gene ?predicate ?object_label ?object ?rests_only_on_retracted"
        " ?confidence ?assertion",
        """  ?publication mkg:retracted true .
  ?assertion biolink:publications ?publication ;
             mkg:restsOnlyOnRetracted ?rests_only_on_retracted ;
             rdf:subject ?gene ;
             rdf:predicate ?predicate_iri ;
             rdf:object ?object ;
             mkg:confidence ?confidence .
  FILTER(?evidence = "cites_retracted" || ?rests_only_on_retracted = true)
  ?gene a ?gene_type ;
        biolink:symbol ?symbol .
  FILTER(?gene_type IN (biolink:Gene, biolink:MicroRNA))
  ?object rdfs:label ?object_label .
"""
        + _PREDICATE_KEY
        + """
  OPTIONAL { ?publication mkg:referenceNumber ?publication_number }
  BIND(COALESCE(STR(?publication_number), STR(?publication)) AS ?retracted)""",
        aggregate=('(GROUP_CONCAT(DISTINCT ?retracted; separator=";") AS ?retracted_references)'),
    ),
    cypher=f"""MATCH (gene)-[r]->(object)
WHERE (gene:{_GENE} OR gene:{_MICRORNA})
  AND gene.symbol IS NOT NULL AND r.kind = 'association'
  AND ($evidence = 'cites_retracted' OR r.rests_only_on_retracted = true)
UNWIND r.publications AS publication_id
MATCH (publication:{_PUBLICATION} {{id: publication_id}})
WHERE publication.retracted = true
RETURN gene.symbol AS symbol, gene.id AS gene, r.predicate AS predicate,
       object.name AS object_label, object.id AS object,
       collect(DISTINCT coalesce(toString(publication.referenceNumber), publication.id))
         AS retracted_references,
       r.rests_only_on_retracted AS rests_only_on_retracted, r.confidence AS confidence,
       r.id AS assertion
ORDER BY symbol, predicate, assertion
""",
    example={"evidence": "only_retracted"},
    traverse=_retracted_evidence,
)


# --- 9. metastatic sites of a cancer type ----------------------------------------------------


def _sites(graph: nx.MultiDiGraph, cancer: str, predicate: str) -> Iterator[Row]:
    for cancer_type in sorted(_with_subtypes(graph, cancer)):
        for _, organ, key, data in graph.out_edges(cancer_type, keys=True, data=True):
            if data.get("predicate") != predicate:
                continue
            yield {
                "organ_label": graph.nodes[organ]["label"],
                "organ": organ,
                "cancer_type_label": graph.nodes[cancer_type]["label"],
                "cancer_type": cancer_type,
                "venous_drainage": _node(graph, cancer_type, "venousDrainage"),
                "frequency": text(data.get("frequency")),
                "confidence": data["confidence"],
                "references": _references(graph, data),
                "assertion": key,
            }


def _metastatic_sites(graph: nx.MultiDiGraph, values: Mapping[str, object]) -> list[Row]:
    return list(_sites(graph, str(values["cancer"]), "metastasizes_to"))


METASTATIC_SITES = NamedQuery(
    name="metastatic_sites",
    title="Where a cancer type metastasizes, with frequencies",
    description=(
        "To which organs does this cancer type spread, and how often? For clinicians and "
        "biologists comparing organ tropism.\n\n"
        "A row is one `metastasizes_to` assertion from the cancer type or one of its "
        "subtypes (`rdfs:subClassOf*`; `cancer_type` says which). `frequency` is the share of "
        "patients as the source gives it, empty when the source gives none."
    ),
    params=(
        Param(
            "cancer",
            "the cancer type (its subtypes are included)",
            "entity",
            (Category.CANCER_TYPE,),
        ),
    ),
    columns=_columns(
        "organ_label organ cancer_type_label cancer_type frequency confidence references assertion"
    ),
    list_columns=("references",),
    sparql=_select(
        "?cancer ?organ_label ?organ ?cancer_type_label ?cancer_type ?frequency ?confidence"
        " ?assertion",
        _typed("cancer", Category.CANCER_TYPE)
        + """  ?cancer_type rdfs:subClassOf* ?cancer .
  ?assertion rdf:subject ?cancer_type ;
             rdf:predicate mkg:metastasizes_to ;
             rdf:object ?organ ;
             mkg:confidence ?confidence .
  ?organ rdfs:label ?organ_label .
  ?cancer_type rdfs:label ?cancer_type_label .
  OPTIONAL { ?assertion mkg:frequency ?frequency }
"""
        + _REFERENCE,
    ),
    cypher=f"""MATCH (cancer_type)-[:{_SUBCLASS}*0..]->(:{_CANCER_TYPE} {{id: $cancer}})
WITH DISTINCT cancer_type
MATCH (cancer_type)-[r:{_METASTASIZES_TO}]->(organ)
{_CYPHER_PUBLICATIONS}
RETURN organ.name AS organ_label, organ.id AS organ, cancer_type.name AS cancer_type_label,
       cancer_type.id AS cancer_type, r.frequency AS frequency, r.confidence AS confidence,
       {_CYPHER_REFERENCES},
       r.id AS assertion
ORDER BY organ_label, cancer_type_label
""",
    example={"cancer": "pancreatic cancer"},
    traverse=_metastatic_sites,
)


# --- 10. regulators, targets and partners of a gene -----------------------------------------


def _gene_regulation(graph: nx.MultiDiGraph, values: Mapping[str, object]) -> list[Row]:
    gene, role = str(values["gene"]), str(values["role"])
    edges = [
        (v, key, data, "target") for _, v, key, data in graph.out_edges(gene, keys=True, data=True)
    ]
    edges += [
        (u, key, data, "regulator")
        for u, _, key, data in graph.in_edges(gene, keys=True, data=True)
    ]
    rows = []
    for partner, key, data, relation in edges:
        predicate = data.get("predicate")
        if predicate not in ("regulates", "interacts_with"):
            continue
        relation = relation if predicate == "regulates" else "partner"
        if role != "any" and relation != role:
            continue
        rows.append(
            {
                "relation": relation,
                "partner_symbol": _node(graph, partner, "symbol"),
                "partner": partner,
                "predicate": predicate,
                "direction": data["direction"],
                "confidence": data["confidence"],
                "cancer_type_context": text(data.get("cancer_type")),
                "references": _references(graph, data),
                "assertion": key,
            }
        )
    return rows


def _regulation_branch(arrow: str, relation: str) -> str:
    """One direction of ``gene_regulation``'s Cypher: ``"->"`` (the gene regulates the
    partner) or ``"<-"`` (the partner regulates the gene). Two branches joined by UNION,
    not one undirected pattern, so that a gene regulating itself gives both rows, as in the
    SPARQL."""
    left, right = ("-", "->") if arrow == "->" else ("<-", "-")
    types = f"{_REGULATES}|{_INTERACTS_WITH}"
    return f"""MATCH (gene:{_ANY} {{id: $gene}}){left}[r:{types}]{right}(partner)
WITH r, partner,
     CASE r.predicate WHEN 'regulates' THEN '{relation}' ELSE 'partner' END AS relation
WHERE partner.symbol IS NOT NULL AND ($role = 'any' OR relation = $role)
{_CYPHER_PUBLICATIONS}
RETURN relation, partner.symbol AS partner_symbol, partner.id AS partner,
       r.predicate AS predicate, r.direction AS direction, r.confidence AS confidence,
       r.cancer_type AS cancer_type_context,
       {_CYPHER_REFERENCES},
       r.id AS assertion
"""


GENE_REGULATION = NamedQuery(
    name="gene_regulation",
    title="Regulators, targets and interaction partners of a gene",
    description=(
        "What regulates this gene, what does it regulate, and what does it bind? For "
        "biologists tracing a mechanism (miR-200 and ZEB1, TGF-beta and its bone targets).\n\n"
        "A row is one `regulates` or `interacts_with` assertion with the gene at either end. "
        "`relation` is `regulator` when the partner regulates the gene, `target` when the "
        "gene regulates the partner, and `partner` for a physical interaction (either "
        "way); `direction` says whether the regulation activates (`promotes`) or represses "
        "(`suppresses`). `role` keeps only one kind of relation."
    ),
    params=(
        Param("gene", "the gene or miRNA", "entity", GENE_LIKE),
        Param(
            "role",
            "which relations to list",
            "choice",
            choices=("any", "regulator", "target", "partner"),
            required=False,
            default="any",
        ),
    ),
    columns=_columns(
        "relation partner_symbol partner predicate direction confidence "
        "cancer_type_context references assertion"
    ),
    list_columns=("references",),
    sparql=_select(
        "?gene ?role ?relation ?partner_symbol ?partner ?predicate ?direction ?confidence"
        " ?cancer_type_context ?assertion",
        """  {
"""
        + _start("?assertion", "rdf:subject", "?gene", indent="    ")
        + """    ?assertion rdf:predicate ?predicate_iri ;
               rdf:object ?partner ;
               mkg:direction ?direction ;
               mkg:confidence ?confidence .
    ?partner biolink:symbol ?partner_symbol .
    FILTER(?predicate_iri IN (biolink:regulates, biolink:physically_interacts_with))
    BIND(IF(?predicate_iri = biolink:regulates, "target", "partner") AS ?relation)
    FILTER(?role = "any" || ?relation = ?role)
  } UNION {
"""
        + _start("?assertion", "rdf:object", "?gene", indent="    ")
        + """    ?assertion rdf:predicate ?predicate_iri ;
               rdf:subject ?partner ;
               mkg:direction ?direction ;
               mkg:confidence ?confidence .
    ?partner biolink:symbol ?partner_symbol .
    FILTER(?predicate_iri IN (biolink:regulates, biolink:physically_interacts_with))
    BIND(IF(?predicate_iri = biolink:regulates, "regulator", "partner") AS ?relation)
    FILTER(?role = "any" || ?relation = ?role)
  }
  BIND(IF(?predicate_iri = biolink:regulates, "regulates", "interacts_with") AS ?predicate)
  OPTIONAL { ?assertion mkg:cancerTypeContext ?cancer_type_context }
"""
        + _REFERENCE,
    ),
    cypher=_regulation_branch("->", "target") + "UNION\n" + _regulation_branch("<-", "regulator"),
    example={"gene": "ZEB1"},
    traverse=_gene_regulation,
)


# --- 11. genes in a gene class, 12. genes in a pathway ---------------------------------------


def _gene_rows(graph: nx.MultiDiGraph, target: str, predicate: str) -> list[Row]:
    return [
        {
            "symbol": _node(graph, gene, "symbol"),
            "gene": gene,
            "scheme": _node(graph, target, "scheme"),
            "direction": data["direction"],
            "confidence": data["confidence"],
            "cancer_type_context": text(data.get("cancer_type")),
            "references": _references(graph, data),
            "assertion": key,
        }
        for gene, key, data in _incoming(graph, target, predicate)
    ]


def _genes_in_class(graph: nx.MultiDiGraph, values: Mapping[str, object]) -> list[Row]:
    return _gene_rows(graph, str(values["gene_class"]), "has_class")


def _genes_in_pathway(graph: nx.MultiDiGraph, values: Mapping[str, object]) -> list[Row]:
    return _gene_rows(graph, str(values["pathway"]), "participates_in")


GENES_IN_CLASS = NamedQuery(
    name="genes_in_class",
    title="Genes in a gene class (the review's classes or metakg's roles)",
    description=(
        "Which genes belong to this class? The review's own classes (`scheme` `review`: "
        "metastasis initiation, progression and virulence genes, metastasis suppressors) are "
        "kept apart from the roles metakg adds (`scheme` `graph_role`: niche mediator, "
        "transformation driver, marker ...), so a reader can tell the review's "
        "classification from ours.\n\n"
        "A row is one `has_class` assertion to the class; a gene classed in several cancer "
        "contexts appears once per context."
    ),
    params=(Param("gene_class", "the gene class", "entity", (Category.GENE_CLASS,)),),
    columns=_columns(
        "symbol gene scheme direction confidence cancer_type_context references assertion"
    ),
    list_columns=("references",),
    sparql=_select(
        "?gene_class ?symbol ?gene ?scheme ?direction ?confidence ?cancer_type_context ?assertion",
        _start("?assertion", "rdf:object", "?gene_class")
        + """  ?assertion rdf:predicate biolink:member_of ;
             rdf:subject ?gene ;
             mkg:direction ?direction ;
             mkg:confidence ?confidence .
  ?gene biolink:symbol ?symbol .
  OPTIONAL { ?gene_class mkg:scheme ?scheme }
  OPTIONAL { ?assertion mkg:cancerTypeContext ?cancer_type_context }
"""
        + _REFERENCE,
    ),
    cypher=f"""MATCH (gene)-[r:{_HAS_CLASS}]->(class:{_GENE_CLASS} {{id: $gene_class}})
WHERE gene.symbol IS NOT NULL
{_CYPHER_PUBLICATIONS}
RETURN gene.symbol AS symbol, gene.id AS gene, class.scheme AS scheme,
       r.direction AS direction, r.confidence AS confidence,
       r.cancer_type AS cancer_type_context,
       {_CYPHER_REFERENCES},
       r.id AS assertion
ORDER BY symbol, assertion
""",
    example={"gene_class": "metastasis_virulence"},
    traverse=_genes_in_class,
)


GENES_IN_PATHWAY = NamedQuery(
    name="genes_in_pathway",
    title="Genes that take part in a pathway",
    description=(
        "Which genes and miRNAs take part in this signalling pathway or programme, and with "
        "what evidence? For biologists exploring a mechanism named in the review.\n\n"
        "A row is one `participates_in` assertion to the pathway; `direction` tells whether "
        "the gene drives the pathway (`promotes`) or restrains it (`suppresses`)."
    ),
    params=(Param("pathway", "the pathway", "entity", (Category.PATHWAY,)),),
    columns=_columns("symbol gene direction confidence cancer_type_context references assertion"),
    list_columns=("references",),
    sparql=_select(
        "?pathway ?symbol ?gene ?direction ?confidence ?cancer_type_context ?assertion",
        _start("?assertion", "rdf:object", "?pathway")
        + """  ?assertion rdf:predicate biolink:participates_in ;
             rdf:subject ?gene ;
             mkg:direction ?direction ;
             mkg:confidence ?confidence .
  ?gene biolink:symbol ?symbol .
  OPTIONAL { ?assertion mkg:cancerTypeContext ?cancer_type_context }
"""
        + _REFERENCE,
    ),
    cypher=f"""MATCH (gene)-[r:{_PARTICIPATES_IN}]->(:{_PATHWAY} {{id: $pathway}})
WHERE gene.symbol IS NOT NULL
{_CYPHER_PUBLICATIONS}
RETURN gene.symbol AS symbol, gene.id AS gene, r.direction AS direction,
       r.confidence AS confidence, r.cancer_type AS cancer_type_context,
       {_CYPHER_REFERENCES},
       r.id AS assertion
ORDER BY symbol, assertion
""",
    example={"pathway": "tgfb_smad"},
    traverse=_genes_in_pathway,
)


# --- 13. assertions citing a review reference ------------------------------------------------


def _assertions_citing_reference(graph: nx.MultiDiGraph, values: Mapping[str, object]) -> list[Row]:
    number = values["number"]
    publications = {
        n
        for n, d in graph.nodes(data=True)
        if d["category"] == Category.PUBLICATION.key and d.get("referenceNumber") == number
    }
    rows = []
    for subject, obj, key, data in graph.edges(keys=True, data=True):
        if data.get("kind") != "association" or publications.isdisjoint(data["references"]):
            continue
        rows.append(
            {
                "subject_label": graph.nodes[subject]["label"],
                "subject": subject,
                "predicate": data["predicate"],
                "object_label": graph.nodes[obj]["label"],
                "object": obj,
                "confidence": data["confidence"],
                "rests_only_on_retracted": text(data["rests_only_on_retracted"]),
                "assertion": key,
            }
        )
    return rows


ASSERTIONS_CITING_REFERENCE = NamedQuery(
    name="assertions_citing_reference",
    title="Everything the graph says on the strength of one review reference",
    description=(
        "What does the graph assert on the basis of reference N of the review? For readers "
        "going through the review paper by paper, and for curators re-checking a source.\n\n"
        "A row is one assertion (of any kind) that cites the review's reference with this "
        "number, whatever else it cites. A number the review does not have gives no rows."
    ),
    params=(Param("number", "the review's reference number (1-119)", "integer"),),
    columns=_columns(
        "subject_label subject predicate object_label object confidence "
        "rests_only_on_retracted assertion"
    ),
    sparql=f"""{PREFIXES}SELECT ?number ?subject_label ?subject ?predicate ?object_label ?object
       ?confidence ?rests_only_on_retracted ?assertion
WHERE {{
"""
    + _start("?publication", "mkg:referenceNumber", "?number")
    + f"""  ?assertion biolink:publications ?publication ;
             rdf:subject ?subject ;
             rdf:predicate ?predicate_iri ;
             rdf:object ?object ;
             mkg:confidence ?confidence ;
             mkg:restsOnlyOnRetracted ?rests_only_on_retracted .
  ?subject rdfs:label ?subject_label .
  ?object rdfs:label ?object_label .
{_PREDICATE_KEY}
}}
""",
    cypher=f"""MATCH (publication:{_PUBLICATION} {{referenceNumber: $number}})
MATCH (subject)-[r]->(object)
WHERE r.kind = 'association' AND publication.id IN r.publications
RETURN subject.name AS subject_label, subject.id AS subject, r.predicate AS predicate,
       object.name AS object_label, object.id AS object, r.confidence AS confidence,
       r.rests_only_on_retracted AS rests_only_on_retracted, r.id AS assertion
ORDER BY subject_label, predicate, object_label
""",
    example={"number": "61"},
    traverse=_assertions_citing_reference,
)


# --- 14. first capillary bed, 15. cancer types reaching an organ ----------------------------


def _first_capillary_bed(graph: nx.MultiDiGraph, values: Mapping[str, object]) -> list[Row]:
    return list(_sites(graph, str(values["cancer"]), "first_capillary_bed"))


FIRST_CAPILLARY_BED = NamedQuery(
    name="first_capillary_bed",
    title="The first capillary bed that a cancer type's circulating cells meet",
    description=(
        "Which organ's capillaries filter this cancer's blood-borne cells first? Venous "
        "drainage explains part of organ tropism (the portal vein takes colorectal and "
        "pancreatic cells to the liver); where it does not, the soil matters. For "
        "students and researchers weighing anatomy against seed-and-soil.\n\n"
        "A row is one `first_capillary_bed` assertion from the cancer type or one of its "
        "subtypes (`rdfs:subClassOf*`), with the type's venous drainage."
    ),
    params=(
        Param(
            "cancer",
            "the cancer type (its subtypes are included)",
            "entity",
            (Category.CANCER_TYPE,),
        ),
    ),
    columns=_columns(
        "cancer_type_label cancer_type venous_drainage organ_label organ confidence "
        "references assertion"
    ),
    list_columns=("references",),
    sparql=_select(
        "?cancer ?cancer_type_label ?cancer_type ?venous_drainage ?organ_label ?organ"
        " ?confidence ?assertion",
        _typed("cancer", Category.CANCER_TYPE)
        + """  ?cancer_type rdfs:subClassOf* ?cancer .
  ?assertion rdf:subject ?cancer_type ;
             rdf:predicate mkg:first_capillary_bed ;
             rdf:object ?organ ;
             mkg:confidence ?confidence .
  ?organ rdfs:label ?organ_label .
  ?cancer_type rdfs:label ?cancer_type_label .
  OPTIONAL { ?cancer_type mkg:venousDrainage ?venous_drainage }
"""
        + _REFERENCE,
    ),
    cypher=f"""MATCH (cancer_type)-[:{_SUBCLASS}*0..]->(:{_CANCER_TYPE} {{id: $cancer}})
WITH DISTINCT cancer_type
MATCH (cancer_type)-[r:{_FIRST_CAPILLARY_BED}]->(organ)
{_CYPHER_PUBLICATIONS}
RETURN cancer_type.name AS cancer_type_label, cancer_type.id AS cancer_type,
       cancer_type.venousDrainage AS venous_drainage, organ.name AS organ_label,
       organ.id AS organ, r.confidence AS confidence,
       {_CYPHER_REFERENCES},
       r.id AS assertion
ORDER BY cancer_type_label
""",
    example={"cancer": "breast cancer"},
    traverse=_first_capillary_bed,
)


def _cancer_types_to_organ(graph: nx.MultiDiGraph, values: Mapping[str, object]) -> list[Row]:
    return [
        {
            "cancer_type_label": graph.nodes[cancer]["label"],
            "cancer_type": cancer,
            "frequency": text(data.get("frequency")),
            "confidence": data["confidence"],
            "references": _references(graph, data),
            "assertion": key,
        }
        for cancer, key, data in _incoming(graph, str(values["organ"]), "metastasizes_to")
    ]


CANCER_TYPES_TO_ORGAN = NamedQuery(
    name="cancer_types_to_organ",
    title="Cancer types that metastasize to an organ",
    description=(
        "Which cancer types spread to this organ, and how often? For clinicians facing a "
        "metastasis of unknown origin and for comparisons of organ tropism.\n\n"
        "A row is one `metastasizes_to` assertion to the organ. Only the asserting type is "
        "listed (a subtype's assertion is not copied to its parent). `frequency` is the "
        "share of patients as the source gives it, empty when it gives none."
    ),
    params=(Param("organ", "the organ", "entity", (Category.ORGAN,)),),
    columns=_columns("cancer_type_label cancer_type frequency confidence references assertion"),
    list_columns=("references",),
    sparql=_select(
        "?organ ?cancer_type_label ?cancer_type ?frequency ?confidence ?assertion",
        _start("?assertion", "rdf:object", "?organ")
        + """  ?assertion rdf:predicate mkg:metastasizes_to ;
             rdf:subject ?cancer_type ;
             mkg:confidence ?confidence .
  ?cancer_type rdfs:label ?cancer_type_label .
  OPTIONAL { ?assertion mkg:frequency ?frequency }
"""
        + _REFERENCE,
    ),
    cypher=f"""MATCH (cancer_type)-[r:{_METASTASIZES_TO}]->(:{_ORGAN} {{id: $organ}})
{_CYPHER_PUBLICATIONS}
RETURN cancer_type.name AS cancer_type_label, cancer_type.id AS cancer_type,
       r.frequency AS frequency, r.confidence AS confidence,
       {_CYPHER_REFERENCES},
       r.id AS assertion
ORDER BY cancer_type_label
""",
    example={"organ": "liver"},
    traverse=_cancer_types_to_organ,
)


#: Every named query, in the order the registry, the docs and the API list them.
QUERIES: tuple[NamedQuery, ...] = (
    GENES_FOR_CANCER_ORGAN,
    GENES_AT_STEP,
    COLONIZATION_SUPPRESSORS,
    ASSERTION_REFERENCES,
    PATHWAYS_LINKING_GENES_TO_ORGAN,
    CANCER_TYPES_BY_LATENCY,
    ORGANS_BY_BARRIER,
    RETRACTED_EVIDENCE,
    METASTATIC_SITES,
    CANCER_TYPES_TO_ORGAN,
    FIRST_CAPILLARY_BED,
    GENE_REGULATION,
    GENES_IN_CLASS,
    GENES_IN_PATHWAY,
    ASSERTIONS_CITING_REFERENCE,
)
