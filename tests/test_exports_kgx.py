"""KGX exports: every row is valid for the biolink-model pydantic class of its category, edges
point at nodes, TSV and JSON Lines carry the same rows, and the counts are the graph's."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from pathlib import Path
from typing import Any

import networkx as nx
import pydantic
import pytest
from biolink_model.datamodel import pydanticmodel_v2 as biolink

from graph.curie import expand
from graph.exports import DatasetInfo, DirectoryOutput, ZipOutput, create_exporter, export_graph
from graph.exports.kgx import (
    ASSOCIATION_CLASSES,
    EDGE_EXTRA_COLUMNS,
    MULTIVALUED,
    NODE_EXTRA_COLUMNS,
)
from graph.model import NodeRecord, SourceLocation
from graph.sinks import write_all
from graph.vocab import SUBCLASS_OF, Category, Predicate

Row = dict[str, Any]


@pytest.fixture(scope="module")
def exported(graph: nx.MultiDiGraph, tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("kgx")
    output = DirectoryOutput(directory)
    export_graph(graph, "kgx-tsv", output, info=DatasetInfo())
    export_graph(graph, "kgx-jsonl", output, info=DatasetInfo())
    assert output.names == [
        "metakg_nodes.tsv",
        "metakg_edges.tsv",
        "metakg_nodes.jsonl",
        "metakg_edges.jsonl",
    ]
    return directory


def read_tsv(path: Path) -> list[Row]:
    """Rows with empty cells left out and multivalued cells split on '|' (the KGX reading)."""
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
        return [
            {k: v.split("|") if k in MULTIVALUED else v for k, v in row.items() if v != ""}
            for row in reader
        ]


def read_jsonl(path: Path) -> list[Row]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


@pytest.fixture(scope="module")
def rows(exported: Path) -> dict[str, list[Row]]:
    return {
        "tsv nodes": read_tsv(exported / "metakg_nodes.tsv"),
        "tsv edges": read_tsv(exported / "metakg_edges.tsv"),
        "jsonl nodes": read_jsonl(exported / "metakg_nodes.jsonl"),
        "jsonl edges": read_jsonl(exported / "metakg_edges.jsonl"),
    }


def biolink_class(row: Row) -> type[pydantic.BaseModel]:
    (category,) = row["category"]
    assert category.startswith("biolink:")
    return getattr(biolink, category.removeprefix("biolink:"))


def validate(row: Row, extra_columns: tuple[str, ...]) -> pydantic.BaseModel:
    """Validate the Biolink columns with the row's class; the rest must be documented extras."""
    cls = biolink_class(row)
    fields = set(cls.model_fields)
    assert set(row) - fields <= set(extra_columns), set(row) - fields - set(extra_columns)
    return cls.model_validate({k: v for k, v in row.items() if k in fields})


@pytest.mark.parametrize("kind", ["tsv", "jsonl"])
def test_every_node_row_is_valid_for_its_biolink_class(
    kind: str, rows: dict[str, list[Row]]
) -> None:
    validated = [validate(row, NODE_EXTRA_COLUMNS) for row in rows[f"{kind} nodes"]]
    found = {type(model).__name__ for model in validated}
    assert {
        "Gene",
        "MicroRNA",
        "Disease",
        "GrossAnatomicalStructure",
        "Pathway",
        "BiologicalProcess",
        "Publication",
        "NamedThing",
    } == found
    gene = next(m for m in validated if getattr(m, "symbol", None) == "TGFB1")
    assert gene.id == "NCBIGene:7040" and gene.in_taxon == ["NCBITaxon:9606"]
    assert gene.xref == ["HGNC:11766"] and gene.provided_by == ["infores:metakg"]


@pytest.mark.parametrize("kind", ["tsv", "jsonl"])
def test_every_edge_row_is_valid_for_its_association_class(
    kind: str, rows: dict[str, list[Row]]
) -> None:
    validated = [validate(row, EDGE_EXTRA_COLUMNS) for row in rows[f"{kind} edges"]]
    classes = {type(model).__name__ for model in validated}
    assert {c.removeprefix("biolink:") for c in ASSOCIATION_CLASSES.values()} == classes
    for model in validated:
        assert model.knowledge_level == "knowledge_assertion"
        assert model.primary_knowledge_source == "infores:metakg"


def test_an_association_class_rejects_a_predicate_it_does_not_accept() -> None:
    """The validation above can fail: GeneToDiseaseAssociation refuses related_to."""
    row = {
        "id": "metakg:assoc/x",
        "subject": "NCBIGene:7040",
        "object": "DOID:1612",
        "category": ["biolink:GeneToDiseaseAssociation"],
        "predicate": "biolink:related_to",
        "knowledge_level": "knowledge_assertion",
        "agent_type": "manual_agent",
    }
    with pytest.raises(pydantic.ValidationError):
        validate(row, ())
    with pytest.raises(pydantic.ValidationError):
        validate({**row, "predicate": "biolink:contributes_to", "knowledge_level": "assertion"}, ())


def test_edges_point_at_nodes_and_counts_are_the_graphs(
    rows: dict[str, list[Row]], graph: nx.MultiDiGraph
) -> None:
    nodes, edges = rows["jsonl nodes"], rows["jsonl edges"]
    ids = [row["id"] for row in nodes]
    assert ids == sorted(ids) and len(set(ids)) == len(ids) == graph.number_of_nodes()
    edge_ids = [row["id"] for row in edges]
    assert edge_ids == sorted(edge_ids) and len(set(edge_ids)) == len(edge_ids)
    assert len(edges) == graph.number_of_edges()
    known = set(ids)
    for row in edges:
        assert row["subject"] in known and row["object"] in known, row["id"]
        assert set(row.get("publications", ())) <= known, row["id"]
    associations = [r for r in edges if r["id"].startswith("metakg:assoc/")]
    subclass = [r for r in edges if r["predicate"] == "biolink:subclass_of"]
    assert len(associations) + len(subclass) == len(edges)
    assert {(r["subject"], r["object"]) for r in subclass} == {
        (u, v) for u, v, d in graph.edges(data=True) if d["kind"] == "structure"
    }
    assert {r["original_predicate"] for r in subclass} == {"rdfs:subClassOf"}
    assert expand("rdfs:subClassOf") == SUBCLASS_OF


def test_predicates_are_biolinks_and_the_original_is_metakgs(
    rows: dict[str, list[Row]], graph: nx.MultiDiGraph
) -> None:
    by_id = {row["id"]: row for row in rows["jsonl edges"]}
    for u, v, key, data in graph.edges(keys=True, data=True):
        if data["kind"] != "association":
            continue
        predicate = Predicate.from_key(data["predicate"])
        row = by_id[key]
        assert (row["subject"], row["object"]) == (u, v)
        assert row["predicate"] == predicate.value.biolink
        assert expand(row["original_predicate"]) == predicate.iri
        assert row["category"] == [ASSOCIATION_CLASSES[predicate]]
        assert row["publications"] == data["references"]
        assert row["confidence"] == data["confidence"]
        assert row["rests_only_on_retracted"] is data["rests_only_on_retracted"]


def tsv_text(value: Any) -> Any:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return [tsv_text(v) for v in value]
    return str(value)


def test_tsv_and_jsonl_carry_the_same_rows(rows: dict[str, list[Row]]) -> None:
    for what in ("nodes", "edges"):
        from_jsonl = [{k: tsv_text(v) for k, v in row.items()} for row in rows[f"jsonl {what}"]]
        assert rows[f"tsv {what}"] == from_jsonl
    jsonl_edge = rows["jsonl edges"][0]
    assert isinstance(jsonl_edge["publications"], list)
    assert isinstance(jsonl_edge["source_line"], int)


def test_publications_are_biolink_publications(rows: dict[str, list[Row]]) -> None:
    ref = next(r for r in rows["jsonl nodes"] if r["id"] == "metakg:ref/10")
    assert ref["category"] == ["biolink:Publication"]
    assert ref["authors"] == ["Edlund, M.", "Sung, S. Y.", "Chung, L. W."]
    assert ref["journal"] == "J. Cell. Biochem." and ref["year"] == 2004
    # the class the RDF uses would need published_in (an ISSN or NLM id), which we lack
    with pytest.raises(pydantic.ValidationError):
        biolink.JournalArticle.model_validate(
            {k: v for k, v in ref.items() if k in biolink.JournalArticle.model_fields}
            | {"category": ["biolink:JournalArticle"]}
        )


def node(node_id: str, **fields: Any) -> NodeRecord:
    return NodeRecord(node_id, Category.GENE, "X", SourceLocation("test.tsv", 1), **fields)


def test_tsv_cells_stay_on_one_line_and_the_delimiter_is_refused() -> None:
    stream = io.BytesIO()
    output = ZipOutput(stream)
    sink = create_exporter("kgx-tsv", output, info=DatasetInfo())
    write_all(sink, [node("NCBIGene:1", description="two\tcells\nand lines", symbol="X")], [])
    output.close()
    with zipfile.ZipFile(stream) as archive:
        assert archive.namelist() == ["metakg_nodes.tsv", "metakg_edges.tsv"]
        nodes = archive.read("metakg_nodes.tsv").decode().splitlines()
        edges = archive.read("metakg_edges.tsv").decode().splitlines()
    assert len(nodes) == 2 and len(edges) == 1  # headers and one node, no edges
    assert "two cells and lines" in nodes[1].split("\t")

    sink = create_exporter("kgx-tsv", ZipOutput(io.BytesIO()), info=DatasetInfo())
    with pytest.raises(ValueError, match="list delimiter"):
        write_all(sink, [node("NCBIGene:1", synonyms=("a|b",))], [])
