"""Benchmark: whole-graph export of the curated graph in every format, against a baseline
writer from networkx or rdflib in the same run.

Baselines (what a user would otherwise write by hand):

* RDF formats: rdflib serialising the same triples (already parsed into an rdflib Graph) in
  the same format;
* GraphML and GEXF: networkx's own ``write_graphml`` / ``write_gexf`` on the stored graph
  with its list attributes joined into strings (the writers refuse lists);
* Cytoscape.js JSON and CX2: networkx's ``cytoscape_data`` plus ``json.dumps``;
* DOT, KGX, Neo4j and HTML: networkx's ``write_graphml`` as a common reference writer.

Each cell is the median of --repeat runs. Usage:
    python bench/exports.py [--store PATH] [--repeat N]
"""

from __future__ import annotations

import argparse
import io
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

# The repository's packages come first: bench/ingest.py must not shadow the `ingest` package.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import networkx as nx  # noqa: E402
import rdflib

from graph.exports import ExportFormat, available_formats
from graph.rdf import canonical_ntriples
from graph.store import KnowledgeStore, write_store
from server.exporting import dataset_info, export_bytes

RDFLIB_FORMAT = {
    ExportFormat.TURTLE: "turtle",
    ExportFormat.NTRIPLES: "nt",
    ExportFormat.NQUADS: "nquads",
    ExportFormat.RDFXML: "xml",
    ExportFormat.JSONLD: "json-ld",
}


def _median_seconds(action: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def _flat_copy(graph: nx.MultiDiGraph) -> nx.MultiDiGraph:
    def flat(data: dict) -> dict:
        return {k: "|".join(map(str, v)) if isinstance(v, list) else v for k, v in data.items()}

    copy = nx.MultiDiGraph()
    copy.add_nodes_from((n, flat(d)) for n, d in graph.nodes(data=True))
    copy.add_edges_from((u, v, k, flat(d)) for u, v, k, d in graph.edges(keys=True, data=True))
    return copy


Baselines = dict[ExportFormat, tuple[str, Callable[[], object]]]


def baselines(graph: nx.MultiDiGraph, rdf: rdflib.Graph) -> Baselines:
    flat = _flat_copy(graph)
    dataset = rdflib.Dataset()
    dataset.default_graph.__iadd__(rdf)

    def graphml() -> bytes:
        out = io.BytesIO()
        nx.write_graphml(flat, out)
        return out.getvalue()

    def gexf() -> bytes:
        out = io.BytesIO()
        nx.write_gexf(flat, out)
        return out.getvalue()

    def cyjs() -> bytes:
        return json.dumps(nx.cytoscape_data(graph)).encode()

    chosen: dict[ExportFormat, tuple[str, Callable]] = {
        fmt: (f"rdflib serialize({name})", lambda name=name: rdf.serialize(format=name))
        for fmt, name in RDFLIB_FORMAT.items()
    }
    chosen[ExportFormat.NQUADS] = (
        "rdflib serialize(nquads)", lambda: dataset.serialize(format="nquads")
    )
    chosen[ExportFormat.GRAPHML] = ("networkx write_graphml", graphml)
    chosen[ExportFormat.GEXF] = ("networkx write_gexf", gexf)
    chosen[ExportFormat.CYJS] = ("networkx cytoscape_data", cyjs)
    chosen[ExportFormat.CX2] = ("networkx cytoscape_data", cyjs)
    for fmt in (ExportFormat.DOT, ExportFormat.KGX_TSV, ExportFormat.KGX_JSONL,
                ExportFormat.NEO4J, ExportFormat.HTML):
        chosen[fmt] = ("networkx write_graphml", graphml)
    return chosen


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", type=Path, help="a built store (default: build one)")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = args.store
        if path is None:
            from ingest.pipeline import assemble, plan_sources

            kb = assemble(plan_sources())
            path = Path(tmp) / "store"
            write_store(path, kb.nodes, kb.edges, kb.hierarchy, sources=[], version="bench")
        knowledge = KnowledgeStore(path)
        graph = knowledge.graph
        rdf = rdflib.Graph()
        rdf.parse(data=canonical_ntriples(knowledge.rdf), format="nt")
        info = dataset_info(knowledge.manifest, "whole graph", "bench")
        print(f"Whole-graph export of the curated graph: {graph.number_of_nodes()} nodes, "
              f"{graph.number_of_edges()} edges, {len(rdf)} triples; median of {args.repeat}")
        header = (f"{'format':<10} {'ours ms':>9} {'size KB':>9}   {'baseline':<28} "
                  f"{'ms':>8} {'ours/base':>9}")
        print(header)
        print("-" * len(header))
        table = baselines(graph, rdf)
        ratios = []
        for fmt in available_formats():
            ours = _median_seconds(lambda fmt=fmt: export_bytes(graph, fmt, info=info), args.repeat)
            size = len(export_bytes(graph, fmt, info=info)) / 1024
            name, action = table[fmt]
            base = _median_seconds(action, args.repeat)
            ratios.append(ours / base)
            print(f"{fmt.key:<10} {ours * 1000:>9.1f} {size:>9.0f}   {name:<28} "
                  f"{base * 1000:>8.1f} {ours / base:>8.2f}x")
        geo = statistics.geometric_mean(ratios)
        print(f"geometric mean of ours/baseline: {geo:.2f}x (below 1 is faster than the baseline)")


if __name__ == "__main__":
    main()
