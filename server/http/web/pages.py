"""Home, search, browse, entity and reference pages."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote

from flask import Response, redirect, request, url_for

from graph.curie import compress
from graph.vocab import Category, Predicate
from queries import lookup
from queries.explore import citing_assertions, entity_items, gene_items, reference_items, search
from server import version
from server.http.web import bp
from server.http.web.common import (
    BROWSE,
    COLOURS,
    FRIENDLY,
    MAX_QUERY_TEXT,
    PREDICATE_LABELS,
    display_name,
    entity_url,
    error_page,
    graph,
    kind_name,
    page,
    state,
)
from server.http.web.jsonld import entity_jsonld

SEARCH_LIMIT = 50
SUGGEST_LIMIT = 10


def home() -> Response:
    """The home page (served at ``/`` to browsers by the app's root route)."""
    sizes: dict[str, int] = {}
    for _, data in graph().nodes(data=True):
        sizes[data["category"]] = sizes.get(data["category"], 0) + 1
    collections = [
        {
            "slug": slug,
            "title": title,
            "count": sum(sizes.get(c.key, 0) for c in categories),
            "colour": COLOURS[categories[0].key],
        }
        for slug, (title, categories) in BROWSE.items()
    ]
    steps = entity_items(graph(), Category.CASCADE_STEP)
    return page("home.html", collections=collections, steps=steps, version=version())


@bp.get("/search")
def search_page() -> Response:
    text = request.args.get("q", "").strip()
    if len(text) > MAX_QUERY_TEXT:
        return error_page(
            400, "Search text too long", f"give at most {MAX_QUERY_TEXT} characters", q=""
        )
    if not text:
        return page("search.html", q="", hits=[], resolved=None)
    found = state().index.resolve(text)
    if found.node_id is not None:
        return redirect(entity_url(found.node_id), code=303)
    numbered = re.fullmatch(r"(?i)(?:ref(?:erence)?\.?\s*)?([0-9]{1,4})", text)
    if numbered and not found.ambiguous:
        node = _reference_node(int(numbered.group(1)))
        if node is not None:
            return redirect(entity_url(node), code=303)
    hits = search(graph(), text, limit=SEARCH_LIMIT, include_references=True)
    for hit in hits:
        hit["url"] = entity_url(hit["id"])
        hit["kind"] = kind_name(hit["category"])
        hit["colour"] = COLOURS[hit["category"]]
    candidates = [lookup.brief(graph(), c) for c in found.candidates]
    return page("search.html", q=text, hits=hits, candidates=candidates)


@bp.get("/browse/<slug>")
def browse(slug: str) -> Response:
    if slug not in BROWSE:
        return error_page(
            404,
            "No such list",
            f"there is no list '{slug[:60]}'; the lists are: " + ", ".join(BROWSE),
        )
    title, categories = BROWSE[slug]
    g = graph()
    if slug == "genes":
        items = [
            {**i, "name": i["symbol"], "detail": g.nodes[i["id"]].get("fullName", "")}
            for i in gene_items(g, {})
        ]
    elif slug == "references":
        items = [
            {
                **i,
                "name": f"{i['number']}." if i["number"] is not None else i["id"],
                "detail": f"{i.get('citation', '')} {i['title']}",
            }
            for i in reference_items(g)
        ]
    else:
        items = [
            {**i, "name": i["label"], "detail": i.get("description", "")}
            for i in entity_items(g, categories[0])
        ]
    for item in items:
        item["url"] = entity_url(item["id"])
    return page(
        "browse.html", title=title, slug=slug, items=items, colour=COLOURS[categories[0].key]
    )


@bp.get("/entity/<path:node_id>")
def entity(node_id: str) -> Response:
    g = graph()
    if node_id not in g:
        return _not_found(node_id)
    data = g.nodes[node_id]
    if data["category"] == "publication":
        return _reference_page(node_id)
    described = lookup.describe(g, node_id)
    groups = [
        {"kind": kind, "title": lookup.KIND_TITLES[kind], "rows": [_row(a) for a in items]}
        for kind, items in described["assertions"].items()
    ]
    predicates = sorted(
        {a["predicate"] for items in described["assertions"].values() for a in items}
    )
    return page(
        "entity.html",
        entity=described,
        name=display_name(node_id),
        kind=kind_name(data["category"]),
        colour=COLOURS[data["category"]],
        groups=groups,
        hierarchy=described.get("hierarchy"),
        xref_links=[_xref_link(x) for x in [node_id, *data.get("xrefs", ())]],
        graph_predicates=[(p, PREDICATE_LABELS[p]) for p in predicates],
        all_predicates=[(p.key, p.value.label) for p in Predicate],
        legend=[(kind_name(k), c) for k, c in COLOURS.items() if k != "publication"],
        export_formats=EXPORT_FORMATS,
        jsonld=entity_jsonld(described, request.url_root.rstrip("/") + entity_url(node_id)),
    )


def _reference_page(node_id: str) -> Response:
    g = graph()
    ref = lookup.reference(g, node_id)
    data = g.nodes[node_id]
    for key in ("authors", "journal", "year"):
        if key in data:
            ref[key] = data[key]
    items = [_row(a, focus=None) for a in citing_assertions(g, node_id)]
    return page(
        "reference.html",
        ref=ref,
        name=display_name(node_id),
        items=items,
        xref_links=[_xref_link(x) for x in [node_id, *data.get("xrefs", ())]],
    )


def _row(item: dict[str, Any], focus: str | None = "auto") -> dict[str, Any]:
    """An assertion as a table row: the other entity (or both ends on reference pages)."""
    row = dict(item)
    row["predicate_label"] = PREDICATE_LABELS.get(item["predicate"], item["predicate"])
    for end in ("subject", "object"):
        row[end] = {**item[end], "url": entity_url(item[end]["id"])}
    if focus is not None:
        row["other"] = row["object"] if item["role"] == "subject" else row["subject"]
        row["incoming"] = item["role"] == "object"
    row["context"] = [
        {**item[f], "url": entity_url(item[f]["id"]), "field": f.replace("_", " ")}
        for f in ("cancer_type", "organ", "step")
        if f in item
    ]
    row["references"] = [
        {
            **r,
            "url": entity_url(r["id"]),
            "short": str(r["number"]) if r.get("number") is not None else r["id"],
        }
        for r in item["references"]
    ]
    return row


def _xref_link(curie: str) -> dict[str, str | None]:
    """An identifier with a link to its home page when it has a well-known one."""
    prefix, _, local = curie.partition(":")
    homes = {
        "NCBIGene": "https://www.ncbi.nlm.nih.gov/gene/",
        "HGNC": "https://www.genenames.org/data/gene-symbol-report/#!/hgnc_id/HGNC:",
        "UBERON": "http://purl.obolibrary.org/obo/UBERON_",
        "DOID": "http://purl.obolibrary.org/obo/DOID_",
        "PMID": "https://pubmed.ncbi.nlm.nih.gov/",
        "DOI": "https://doi.org/",
        "doi": "https://doi.org/",
        "miRBase": "https://www.mirbase.org/mature/",
    }
    home = homes.get(prefix)
    return {"curie": curie, "url": home + quote(local, safe="/.:-_") if home else None}


def _not_found(node_id: str) -> Response:
    hint = state().index.suggest(node_id[:MAX_QUERY_TEXT]) if len(node_id) <= 80 else []
    return error_page(
        404,
        "Not found",
        f"the graph has no entity with the identifier '{node_id[:80]}'",
        suggestions=[{"name": h, "url": url_for("web.search_page", q=h)} for h in hint],
    )


def _reference_node(number: int) -> str | None:
    for node, data in graph().nodes(data=True):
        if data["category"] == "publication" and data.get("referenceNumber") == number:
            return node
    return None


def _friendly(kind: str) -> Any:
    categories = FRIENDLY[kind]

    def view(name: str) -> Response:
        if len(name) > MAX_QUERY_TEXT:
            return error_page(400, "Name too long", f"give at most {MAX_QUERY_TEXT} characters")
        found = state().index.resolve(name, categories)
        if found.node_id is not None:
            return redirect(entity_url(found.node_id), code=302)
        if found.ambiguous:
            return redirect(url_for("web.search_page", q=name), code=302)
        noun = kind.replace("-", " ")
        return error_page(
            404,
            "Not found",
            f"no {noun} is called '{name[:80]}'",
            suggestions=[
                {"name": h, "url": url_for("web.search_page", q=h)}
                for h in state().index.suggest(name, categories)
            ],
        )

    view.__name__ = f"friendly_{kind.replace('-', '_')}"
    return view


for _kind in FRIENDLY:
    bp.add_url_rule(f"/{_kind}/<path:name>", view_func=_friendly(_kind), methods=["GET"])


@bp.get("/reference/<number>")
def reference_by_number(number: str) -> Response:
    if not re.fullmatch(r"[0-9]{1,6}", number):
        return error_page(400, "Bad reference number", f"'{number[:40]}' is not a whole number")
    node = _reference_node(int(number))
    if node is None:
        return error_page(404, "Not found", f"the review has no reference {int(number)}")
    return redirect(entity_url(node), code=302)


@bp.get("/iri")
def by_iri() -> Response:
    """An IRI from a SPARQL result -> its entity page when it is one of the graph's."""
    iri = request.args.get("u", "")
    try:
        curie = compress(iri)
    except Exception:  # not an IRI under a known prefix
        curie = None
    if curie is None or curie not in graph():
        return error_page(404, "Not an entity", f"'{iri[:120]}' is not an entity of the graph")
    return redirect(entity_url(curie), code=302)


EXPORT_FORMATS = [
    ("turtle", "Turtle"),
    ("ntriples", "N-Triples"),
    ("nquads", "N-Quads"),
    ("rdfxml", "RDF/XML"),
    ("jsonld", "JSON-LD"),
    ("graphml", "GraphML"),
    ("gexf", "GEXF"),
    ("cyjs", "Cytoscape.js JSON"),
    ("cx2", "CX2 (NDEx)"),
    ("dot", "Graphviz DOT"),
    ("kgx-tsv", "KGX TSV"),
    ("kgx-jsonl", "KGX JSON Lines"),
    ("neo4j", "Neo4j import CSV"),
    ("html", "Standalone HTML"),
]
