"""Named queries: SPARQL and networkx give the same rows, parameters never reach query text,
errors say what was wrong, and docs/queries.md is generated from the registry."""

from __future__ import annotations

import json
import pickle
import re
from pathlib import Path

import networkx as nx
import pyoxigraph as ox
import pytest

from graph.backend import Knowledge
from graph.names import NameIndex, tiered_names
from graph.vocab import Category
from queries.lookup import name_index
from queries.named import (
    BoundQuery,
    NamedQuery,
    QueryParameterError,
    UnknownQuery,
    bind,
    get,
    normalise_list,
    registry,
    render_markdown,
    run_graph,
    run_sparql,
)

DOCS = Path(__file__).resolve().parents[1] / "docs" / "queries.md"
QUERY_NAMES = list(registry())
INJECTIONS = [
    'x" } ; DROP ALL ; #',
    "<http://a> . }",
    "A" * 10_000,
    "肺がん 🫁 Ünïcødé",
    "?organ",
    "$organ",
    "bone\n} DELETE WHERE { ?s ?p ?o }",
    "'; MATCH (n) DETACH DELETE n; //",
]


@pytest.fixture(scope="module")
def index(graph: nx.MultiDiGraph) -> NameIndex:
    return name_index(graph)


def _both(bound: BoundQuery, knowledge: Knowledge) -> tuple[list[dict[str, str]], ...]:
    return run_sparql(bound, knowledge.rdf), run_graph(bound, knowledge.graph)


def _symbols(rows: list[dict[str, str]], column: str = "symbol") -> set[str]:
    return {row[column] for row in rows}


def _run(knowledge: Knowledge, index: NameIndex, name: str, **raw: str) -> list[dict[str, str]]:
    sparql, graph = _both(bind(get(name), raw, index=index), knowledge)
    assert sparql == graph
    return sparql


# --- the registry --------------------------------------------------------------------------


def test_registry_is_stable_and_complete() -> None:
    queries = registry()
    assert len(queries) >= 12
    assert list(queries) == list(registry())
    for name, query in queries.items():
        assert name == query.name and re.fullmatch(r"[a-z][a-z0-9_]*", name)
        assert query.title and "\n" not in query.title
        assert len(query.description) > 100
        assert query.columns and len(set(query.columns)) == len(query.columns)
        assert set(query.list_columns) <= set(query.columns)
        params = {p.name for p in query.params}
        assert set(query.example) <= params
        assert {p.name for p in query.params if p.required} <= set(query.example)
        for param in query.params:
            assert param.kind in {"entity", "entities", "choice", "integer"}
            assert param.name not in query.columns  # a substituted variable is no column
            if param.kind == "choice":
                assert param.choices
                assert not param.choice_iris or len(param.choice_iris) == len(param.choices)
                assert param.default is None or param.default in param.choices


def test_unknown_query_lists_the_names() -> None:
    with pytest.raises(UnknownQuery) as caught:
        get("genes_for_cancer")
    message = str(caught.value)
    assert message.startswith("no named query 'genes_for_cancer'; the named queries are: ")
    assert all(name in message for name in QUERY_NAMES)
    assert caught.value.status == 404


# --- parity: SPARQL and networkx agree -----------------------------------------------------


@pytest.mark.parametrize("name", QUERY_NAMES)
def test_example_parity(name: str, knowledge: Knowledge, index: NameIndex) -> None:
    bound = bind(get(name), get(name).example, index=index)
    sparql, graph = _both(bound, knowledge)
    assert sparql, f"{name}: the example returns no rows"
    assert sparql == graph
    assert all(list(row) == list(bound.query.columns) for row in sparql)
    assert all(isinstance(cell, str) for row in sparql for cell in row.values())
    json.dumps(sparql)  # JSON-friendly
    assert sparql == sorted(sparql, key=lambda r: tuple(r.values()))
    assert len({tuple(r.values()) for r in sparql}) == len(sparql)


def sweep(
    query: NamedQuery, graph: nx.MultiDiGraph, list_chunk: int = 0
) -> list[dict[str, str]]:
    """Raw parameter sets: the example with one parameter varied over every value it takes,
    plus the example without each optional parameter; with ``list_chunk``, a list parameter
    also takes all its values in lists of that size."""
    sets = []
    for param in query.params:
        if param.kind in ("entity", "entities") and param.categories:
            keys = {c.key for c in param.categories}
            options = sorted(n for n, d in graph.nodes(data=True) if d["category"] in keys)
            if param.kind == "entities" and list_chunk:
                options += [
                    ",".join(options[i : i + list_chunk])
                    for i in range(0, len(options), list_chunk)
                ]
        elif param.kind == "choice":
            options = list(param.choices)
        elif param.kind == "integer":
            options = [str(n) for n in range(1, 125)]
        else:
            continue
        sets += [{**query.example, param.name: option} for option in options]
        if not param.required:
            sets.append({k: v for k, v in query.example.items() if k != param.name})
    return sets


@pytest.mark.parametrize("name", QUERY_NAMES)
def test_parity_over_every_parameter_value(
    name: str, knowledge: Knowledge, index: NameIndex
) -> None:
    query = get(name)
    sets = sweep(query, knowledge.graph)
    nonempty = 0
    for raw in sets:
        sparql, graph = _both(bind(query, raw, index=index), knowledge)
        assert sparql == graph, raw
        nonempty += bool(sparql)
    assert nonempty or not sets


def test_parity_for_assertion_references_over_every_assertion(
    knowledge: Knowledge, index: NameIndex
) -> None:
    query = get("assertion_references")
    seen = set()
    for u, v, data in knowledge.graph.edges(data=True):
        if data["kind"] != "association" or (u, data["predicate"], v) in seen:
            continue
        seen.add((u, data["predicate"], v))
        raw = {"subject": u, "predicate": data["predicate"], "object": v}
        sparql, graph = _both(bind(query, raw, index=index), knowledge)
        assert sparql == graph and len(sparql) >= len(data["references"]), raw


def test_every_column_is_projected(knowledge: Knowledge, index: NameIndex) -> None:
    for query in registry().values():
        bound = bind(query, query.example, index=index)
        solutions = knowledge.rdf.query(query.sparql, substitutions=bound.substitutions[0])
        projected = {v.value for v in solutions.variables}
        assert set(query.columns) <= projected, query.name
        assert {p.name for p in query.params} <= projected, query.name


def test_sparql_is_self_contained() -> None:
    """Each text runs on an empty store with no prefixes given: it declares its own."""
    empty = ox.Store()
    for query in registry().values():
        substitutions = {ox.Variable(p.name): ox.Literal("") for p in query.params}
        assert list(empty.query(query.sparql, substitutions=substitutions)) == []


# --- pyoxigraph's substitution semantics, which the query texts rely on --------------------


def test_pyoxigraph_substitution_semantics() -> None:
    store = ox.Store()
    e = "http://example.org/"
    for s, o in (("a", "b"), ("b", "c")):
        store.add(ox.Quad(ox.NamedNode(e + s), ox.NamedNode(e + "p"), ox.NamedNode(e + o)))
    x = {ox.Variable("x"): ox.NamedNode(e + "b")}

    def rows(text: str) -> list[tuple[str, ...]]:
        solutions = store.query(text, substitutions=x)
        names = [v.value for v in solutions.variables]
        return sorted(tuple(str(s[n]) for n in names) for s in solutions)

    with pytest.raises(RuntimeError, match="SELECT projection"):
        store.query("SELECT ?y WHERE { ?x <http://example.org/p> ?y }", substitutions=x)
    assert rows("SELECT ?x ?y WHERE { ?x <http://example.org/p> ?y }") == [
        ("<http://example.org/b>", "<http://example.org/c>")
    ]
    # FILTER comparisons and EXISTS see the substituted value ...
    assert len(rows("SELECT ?x ?y WHERE { ?y <http://example.org/p> ?o FILTER(?o = ?x) }")) == 1
    assert len(rows("SELECT ?x ?y WHERE { ?y ?p ?o FILTER EXISTS { ?y ?p ?x } }")) == 1
    # ... but BOUND() and a bare BIND do not: the query texts never use them on parameters.
    assert len(rows("SELECT ?x ?y WHERE { ?y ?p ?o FILTER(!BOUND(?x) || ?o = ?x) }")) == 2
    assert rows("SELECT ?x ?w WHERE { ?y ?p ?o BIND(?x AS ?w) }")[0][1] == "None"


# --- parameters never reach the query text -------------------------------------------------


def _example_values(query: NamedQuery) -> list[str]:
    values = []
    for param in query.params:
        raw = query.example.get(param.name)
        if raw is None:
            continue
        values.append(raw)
        if param.kind == "entities":
            values += raw.split(",")
    return values


@pytest.mark.parametrize("name", QUERY_NAMES)
def test_texts_hold_no_example_values(name: str, index: NameIndex) -> None:
    query = get(name)
    bound = bind(query, query.example, index=index)
    given = [bound.values[name] for name in query.example]  # defaults may be fixed words
    resolved = [v for v in given if isinstance(v, str)]
    resolved += [m for v in given if isinstance(v, list) for m in v]
    for value in _example_values(query) + resolved:
        assert value not in query.sparql, (name, value)
        assert value not in query.cypher, (name, value)


@pytest.mark.parametrize("name", QUERY_NAMES)
def test_cypher_names_every_parameter(name: str, index: NameIndex) -> None:
    query = get(name)
    names = {p.name for p in query.params}
    assert set(re.findall(r"\$([A-Za-z_][A-Za-z0-9_]*)", query.cypher)) == names
    assert all(re.search(rf"\?{n}\b", query.sparql) for n in names)
    bound = bind(query, query.example, index=index)
    assert set(bound.cypher_params) == names
    assert {v.value for s in bound.substitutions for v in s} == names


@pytest.mark.parametrize("payload", INJECTIONS, ids=range(len(INJECTIONS)))
def test_injection_is_an_unknown_name(
    payload: str, knowledge: Knowledge, index: NameIndex
) -> None:
    query = get("genes_for_cancer_organ")
    before = (query.sparql, query.cypher)
    with pytest.raises(QueryParameterError) as caught:
        bind(query, {"cancer": "breast cancer", "organ": payload}, index=index)
    (problem,) = caught.value.problems
    assert problem.startswith("parameter 'organ' of query 'genes_for_cancer_organ': ")
    assert "no organ is named" in problem
    assert len(problem) < 400  # a 10,000-character value is not echoed in full
    assert caught.value.status == 400
    with pytest.raises(QueryParameterError):
        bind(
            get("pathways_linking_genes_to_organ"),
            {"genes": f"EREG,{payload}", "organ": "bone"},
            index=index,
        )
    with pytest.raises(QueryParameterError):
        bind(
            get("assertion_references"),
            {"subject": "LOX", "predicate": payload, "object": "lung"},
            index=index,
        )
    with pytest.raises(QueryParameterError):
        bind(get("assertions_citing_reference"), {"number": payload}, index=index)
    assert (query.sparql, query.cypher) == before


# --- error messages ------------------------------------------------------------------------


def _problems(name: str, raw: dict[str, str], index: NameIndex) -> tuple[str, ...]:
    with pytest.raises(QueryParameterError) as caught:
        bind(get(name), raw, index=index)
    return caught.value.problems


def test_missing_parameter(index: NameIndex) -> None:
    assert _problems("genes_for_cancer_organ", {"cancer": "breast cancer"}, index) == (
        "missing parameter 'organ' for query 'genes_for_cancer_organ': "
        "expected an organ (the target organ of metastasis)",
    )
    assert _problems("genes_for_cancer_organ", {"cancer": " ", "organ": "bone"}, index) == (
        "missing parameter 'cancer' for query 'genes_for_cancer_organ': "
        "expected a cancer type (the cancer type (its subtypes are included))",
    )


def test_extra_parameter(index: NameIndex) -> None:
    raw = {"cancer": "breast cancer", "organ": "bone", "colour": "red"}
    assert _problems("genes_for_cancer_organ", raw, index) == (
        "unknown parameter 'colour' for query 'genes_for_cancer_organ'; "
        "its parameters are: cancer, organ",
    )


def test_every_problem_is_reported_at_once(index: NameIndex) -> None:
    problems = _problems("genes_for_cancer_organ", {"organ": "lungs", "x": "1"}, index)
    assert len(problems) == 3
    assert problems[0].startswith("unknown parameter 'x'")
    assert problems[1].startswith("missing parameter 'cancer'")
    assert problems[2].startswith("parameter 'organ'")


def test_unknown_name_suggests_close_names(index: NameIndex) -> None:
    assert _problems("metastatic_sites", {"cancer": "pancreatic cancr"}, index) == (
        "parameter 'cancer' of query 'metastatic_sites': no cancer type is named "
        "'pancreatic cancr'; expected the name, alias or CURIE of a cancer type; "
        "did you mean: 'pancreatic cancer' (DOID:1793)?",
    )


def test_name_of_another_category(index: NameIndex) -> None:
    assert _problems("cancer_types_to_organ", {"organ": "breast cancer"}, index) == (
        "parameter 'organ' of query 'cancer_types_to_organ': 'breast cancer' is a cancer "
        "type (DOID:1612), not an organ",
    )


def test_ambiguous_name_lists_candidates() -> None:
    tiny = NameIndex()
    for node_id in ("metakg:pathway/one", "metakg:pathway/two"):
        tiny.add_names(node_id, Category.PATHWAY, tiered_names(node_id, node_id, synonyms=["X"]))
    with pytest.raises(QueryParameterError) as caught:
        bind(get("genes_in_pathway"), {"pathway": "x"}, index=tiny)
    assert str(caught.value) == (
        "parameter 'pathway' of query 'genes_in_pathway': 'x' is ambiguous; it names "
        "metakg:pathway/one, metakg:pathway/two; give one of these CURIEs instead"
    )


def test_bad_choice_and_integer(index: NameIndex) -> None:
    assert _problems("retracted_evidence", {"evidence": "all"}, index) == (
        "parameter 'evidence' of query 'retracted_evidence': unknown choice 'all'; "
        "expected one of: cites_retracted, only_retracted",
    )
    for bad in ("abc", "0", "-3", "1.5", "99999999", "١٢"):
        assert _problems("assertions_citing_reference", {"number": bad}, index) == (
            "parameter 'number' of query 'assertions_citing_reference': expected a whole "
            f"number from 1 to 1000000, got '{bad}'",
        )


def test_bad_lists(index: NameIndex) -> None:
    (problem,) = _problems(
        "pathways_linking_genes_to_organ", {"genes": "EREG,,MMP1", "organ": "lung"}, index
    )
    assert problem.endswith("empty name in the list 'EREG,,MMP1'")
    (problem,) = _problems(
        "pathways_linking_genes_to_organ",
        {"genes": ",".join(["EREG"] * 51), "organ": "lung"},
        index,
    )
    assert problem.endswith("51 names given, at most 50")


# --- binding -------------------------------------------------------------------------------


def test_bind_resolves_names_to_curies(index: NameIndex) -> None:
    bound = bind(
        get("genes_for_cancer_organ"),
        {"cancer": "Mammary carcinoma", "organ": "UBERON:0002481"},
        index=index,
    )
    assert bound.values == {"cancer": "DOID:1612", "organ": "UBERON:0002481"}
    assert bound.cypher_params == bound.values
    (substitution,) = bound.substitutions
    assert substitution == {
        ox.Variable("cancer"): ox.NamedNode("http://purl.obolibrary.org/obo/DOID_1612"),
        ox.Variable("organ"): ox.NamedNode("http://purl.obolibrary.org/obo/UBERON_0002481"),
    }


def test_list_runs_once_per_member(knowledge: Knowledge, index: NameIndex) -> None:
    query = get("pathways_linking_genes_to_organ")
    bound = bind(query, {"genes": "TGFB1, CXCR4,TGFB1,COX2", "organ": "bone"}, index=index)
    assert bound.values["genes"] == ["NCBIGene:7040", "NCBIGene:7852", "NCBIGene:5743"]
    assert bound.cypher_params["genes"] == bound.values["genes"]
    assert len(bound.substitutions) == 3
    union = _both(bound, knowledge)[0]
    single = [
        row
        for gene in ("TGFB1", "CXCR4", "COX2")
        for row in _run(knowledge, index, query.name, genes=gene, organ="bone")
    ]
    assert union == sorted(single, key=lambda r: tuple(r.values()))


def test_choices_integers_and_defaults(index: NameIndex) -> None:
    bound = bind(get("retracted_evidence"), {}, index=index)
    assert bound.values == {"evidence": "cites_retracted"}
    assert bound.substitutions == [{ox.Variable("evidence"): ox.Literal("cites_retracted")}]
    bound = bind(
        get("assertion_references"),
        {"subject": "LOX", "predicate": "has_class", "object": "metastasis_progression"},
        index=index,
    )
    assert bound.values["predicate"] == "has_class"
    assert bound.substitutions[0][ox.Variable("predicate")] == ox.NamedNode(
        "https://w3id.org/biolink/vocab/member_of"
    )
    bound = bind(get("assertions_citing_reference"), {"number": " 061 "}, index=index)
    assert bound.values == {"number": 61}
    bound = bind(get("genes_at_step"), {"step": "colonization"}, index=index)
    assert bound.values["organ"] is None and bound.cypher_params["organ"] is None
    assert bound.substitutions[0][ox.Variable("organ")] == ox.Literal("")


def test_bound_query_pickles(index: NameIndex, knowledge: Knowledge) -> None:
    """The server runs SPARQL in a worker process: the bound query must travel there."""
    bound = bind(
        get("pathways_linking_genes_to_organ"),
        get("pathways_linking_genes_to_organ").example,
        index=index,
    )
    copy = pickle.loads(pickle.dumps(bound))
    assert copy == bound
    assert run_sparql(copy, knowledge.rdf) == run_sparql(bound, knowledge.rdf)


def test_normalise_list() -> None:
    assert normalise_list("107;106;PMID:1;9;;106") == "9;106;107;PMID:1"
    assert normalise_list("http://www.ncbi.nlm.nih.gov/pubmed/22706174;11") == "11;PMID:22706174"
    assert normalise_list("") == ""


# --- facts the users ask about ---------------------------------------------------------------


def test_breast_cancer_bone_genes(knowledge: Knowledge, index: NameIndex) -> None:
    rows = _run(knowledge, index, "genes_for_cancer_organ", cancer="breast cancer", organ="bone")
    assert {"PTHLH", "IL11", "CCN2", "CSF2"} <= _symbols(rows)
    pthlh = next(r for r in rows if r["symbol"] == "PTHLH")
    assert pthlh["references"] == "6;31" and pthlh["basis"] == "cancer_type_context"
    assert "GP1BA" not in _symbols(rows)  # melanoma, lung
    # the contributes_to rule: no cancer-type context, gene contributes to breast cancer
    assert any(r["basis"] == "contributes_to" for r in rows)


def test_subtypes_are_covered(knowledge: Knowledge, index: NameIndex) -> None:
    luminal = _run(knowledge, index, "metastatic_sites", cancer="luminal breast cancer")
    breast = _run(knowledge, index, "metastatic_sites", cancer="breast cancer")
    assert {r["assertion"] for r in luminal} < {r["assertion"] for r in breast}
    assert "metakg:cancer/breast_luminal" in {r["cancer_type"] for r in breast}


def test_genes_at_step_with_and_without_organ(knowledge: Knowledge, index: NameIndex) -> None:
    everywhere = _run(knowledge, index, "genes_at_step", step="colonization")
    bone = _run(knowledge, index, "genes_at_step", step="colonization", organ="bone")
    assert bone and set(map(str, bone)) < set(map(str, everywhere))
    assert {r["organ_context"] for r in bone} == {"UBERON:0002481"}
    assert "" in {r["organ_context"] for r in everywhere}


def test_lung_colonization_suppressors(knowledge: Knowledge, index: NameIndex) -> None:
    rows = _run(knowledge, index, "colonization_suppressors", organ="lung")
    assert {"MIR335", "MIR126"} & _symbols(rows)
    assert all(r["step"] in ("", "metakg:step/colonization") for r in rows)


def test_pancreatic_cancer_sites(knowledge: Knowledge, index: NameIndex) -> None:
    rows = _run(knowledge, index, "metastatic_sites", cancer="pancreatic cancer")
    liver = next(r for r in rows if r["organ_label"] == "Liver")
    assert liver["frequency"] == "0.85"


def test_long_latency(knowledge: Knowledge, index: NameIndex) -> None:
    rows = _run(knowledge, index, "cancer_types_by_latency", latency="long")
    assert "Prostate cancer" in _symbols(rows, "cancer_type_label")


def test_blood_brain_barrier(knowledge: Knowledge, index: NameIndex) -> None:
    rows = _run(knowledge, index, "organs_by_barrier", barrier="blood_brain_barrier")
    assert _symbols(rows, "organ_label") == {"Brain"}


def test_retracted_evidence(knowledge: Knowledge, index: NameIndex) -> None:
    cites = _run(knowledge, index, "retracted_evidence")
    only = _run(knowledge, index, "retracted_evidence", evidence="only_retracted")
    assert "LOX" in _symbols(cites) and "LOX" in _symbols(only)
    assert set(map(str, only)) < set(map(str, cites))
    assert {r["rests_only_on_retracted"] for r in only} == {"true"}
    assert {r["retracted_references"] for r in cites} == {"106"}


def test_references_behind_an_assertion(knowledge: Knowledge, index: NameIndex) -> None:
    rows = _run(
        knowledge,
        index,
        "assertion_references",
        subject="LOX",
        predicate="mediates_metastasis_to",
        object="lung",
    )
    assert {(r["number"], r["retracted"]) for r in rows} == {("106", "true"), ("107", "false")}
    rows = _run(
        knowledge,
        index,
        "assertion_references",
        subject="uveal melanoma",
        predicate="has_latency_class",
        object="long",
    )
    assert ("", "PMID:22706174") in {(r["number"], r["publication"]) for r in rows}


def test_regulators_and_targets(knowledge: Knowledge, index: NameIndex) -> None:
    rows = _run(knowledge, index, "gene_regulation", gene="ZEB1")
    assert {"MIR200A", "MIR200B", "MIR200C"} <= _symbols(rows, "partner_symbol")
    assert ("target", "CDH1") in {(r["relation"], r["partner_symbol"]) for r in rows}
    regulators = _run(knowledge, index, "gene_regulation", gene="ZEB1", role="regulator")
    assert {r["relation"] for r in regulators} == {"regulator"}


def test_reference_numbers(knowledge: Knowledge, index: NameIndex) -> None:
    rows = _run(knowledge, index, "assertions_citing_reference", number="61")
    assert {"EREG", "PTGS2", "MMP1", "MMP2"} <= _symbols(rows, "subject_label")
    assert _run(knowledge, index, "assertions_citing_reference", number="500") == []


# --- docs ----------------------------------------------------------------------------------


def test_docs_are_generated_from_the_registry() -> None:
    assert DOCS.read_text(encoding="utf-8") == render_markdown(), (
        "docs/queries.md is stale: regenerate it with "
        "python -c 'from queries.named import render_markdown; "
        'print(render_markdown(), end="")\' > docs/queries.md'
    )


def test_docs_cover_every_query() -> None:
    text = render_markdown()
    for name, query in registry().items():
        assert f"## `{name}`" in text
        assert f"metakg query {name}" in text and f"GET /api/v1/queries/{name}" in text
        assert query.sparql.rstrip() in text and query.cypher.rstrip() in text
