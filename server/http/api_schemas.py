"""The REST API's request and response schemas (marshmallow, through APIFlask).

Parameter schemas validate the query string (an unknown or repeated parameter is a 400);
response schemas shape the answers and document them in the OpenAPI document.
"""

from __future__ import annotations

import re
from typing import Any

from apiflask import Schema, fields, validators
from flask import request
from marshmallow import ValidationError, validates_schema

from graph.vocab import Confidence, GeneClassScheme, Predicate
from queries import lookup
from server.http.api_collections import url_of

MAX_NAME = 200  # longest name or text accepted in a parameter
PAGE_DEFAULT, PAGE_MAX = 50, 200
SEARCH_DEFAULT, SEARCH_MAX = 20, 100
HOPS_DEFAULT, HOPS_MAX = 3, 5


#: ASCII white space, spelled out: ``\s`` means different sets of characters to Python, to
#: ECMAScript and to Hypothesis, and the schema must mean one thing.
_WHITE = r"\t\n\v\f\r "
#: A pattern: not only (ASCII) white space.
NOT_BLANK = rf"[^{_WHITE}]"


class Pattern(validators.Regexp):
    """A regular expression as JSON Schema reads one (an unanchored search; ``$`` is the end
    of the text), documented as the field's ``pattern`` and enforced with those meanings,
    so that the server accepts exactly what the OpenAPI document says."""

    def __init__(self, pattern: str, *, error: str) -> None:
        super().__init__(pattern, error=error)
        python = pattern[:-1] + r"\Z" if pattern.endswith("$") else pattern
        self._search = re.compile(python).search

    def __call__(self, value: str) -> str:
        if self._search(value) is None:
            raise ValidationError(self._format_error(value))
        return value


class Params(Schema):
    """Query parameters. An unknown or repeated parameter is an error, so a typo such as
    ``organs=bone`` is reported instead of being silently ignored."""

    @validates_schema(skip_on_field_errors=False)  # report every problem at once
    def _only_known(self, data: Any, **kwargs: Any) -> None:
        allowed = {field.data_key or name for name, field in self.fields.items()}
        known = ", ".join(sorted(allowed)) or "none"
        errors = {}
        for key in request.args:
            if key not in allowed:
                errors[key] = [f"unknown parameter (this route takes: {known})"]
            elif len(request.args.getlist(key)) > 1:
                errors[key] = ["give this parameter once"]
        if errors:
            raise ValidationError(errors)


def _name_field(description: str, **kwargs: Any) -> fields.String:
    return fields.String(
        validate=validators.Length(min=1, max=MAX_NAME),
        metadata={"description": description},
        **kwargs,
    )


class PageParams(Params):
    limit = fields.Integer(
        load_default=PAGE_DEFAULT,
        validate=validators.Range(min=1, max=PAGE_MAX),
        metadata={"description": f"Items per page (default {PAGE_DEFAULT}, at most {PAGE_MAX})."},
    )
    offset = fields.Integer(
        load_default=0,
        validate=validators.Range(min=0),
        metadata={"description": "How many items to skip."},
    )
    q = _name_field("Text that the name must contain (case-insensitive).")


_FILTER_HELP = "a name, alias, short id or CURIE"


class GeneListParams(PageParams):
    gene_class = _name_field(
        f"Gene class ({_FILTER_HELP}), e.g. metastasis_suppressor.", data_key="class"
    )
    step = _name_field(f"Cascade step ({_FILTER_HELP}), e.g. colonization.")
    organ = _name_field(f"Organ the gene mediates metastasis to ({_FILTER_HELP}), e.g. bone.")
    cancer_type = _name_field(
        f"Cancer type the gene contributes to ({_FILTER_HELP}); its subtypes are included."
    )
    pathway = _name_field(f"Pathway ({_FILTER_HELP}), e.g. tgfb_smad.")
    confidence = fields.String(
        validate=validators.OneOf([c.value for c in Confidence]),
        metadata={
            "description": "Only genes whose assertions meeting the other filters include one of "
            "this confidence."
        },
    )
    q = _name_field("Text in the symbol, an alias or the full name (case-insensitive).")


class GeneClassListParams(PageParams):
    scheme = fields.String(
        validate=validators.OneOf([s.value for s in GeneClassScheme]),
        metadata={"description": "review (the review's classes) or graph_role (metakg's)."},
    )


class ReferenceListParams(PageParams):
    retracted = fields.Boolean(metadata={"description": "true: retracted papers only."})
    q = _name_field("Text in the title, citation, authors or an identifier.")


class SearchParams(Params):
    q = fields.String(
        required=True,
        validate=[
            validators.Length(min=1, max=MAX_NAME),
            Pattern(NOT_BLANK, error="must not be blank"),
        ],
        metadata={"description": "What to look for: a symbol, alias, name or identifier."},
    )
    limit = fields.Integer(
        load_default=SEARCH_DEFAULT,
        validate=validators.Range(min=1, max=SEARCH_MAX),
        metadata={"description": f"Most hits (default {SEARCH_DEFAULT}, at most {SEARCH_MAX})."},
    )
    include_references = fields.Boolean(
        load_default=False,
        metadata={"description": "Also search publications (ranked after every entity)."},
    )


#: One predicate key; ``predicates`` is a comma-separated list of them (spaces allowed
#: around the commas). The same pattern validates the request and documents it.
_PREDICATE = "(?:" + "|".join(sorted((p.key for p in Predicate), key=len, reverse=True)) + ")"
PREDICATES_PATTERN = rf"^ *{_PREDICATE} *(?:, *{_PREDICATE} *)*$"


class PathParams(Params):
    source = _name_field(
        "Start entity (any name, alias, short id or CURIE).", data_key="from", required=True
    )
    to = _name_field("End entity.", required=True)
    max_hops = fields.Integer(
        load_default=HOPS_DEFAULT,
        validate=validators.Range(min=1, max=HOPS_MAX),
        metadata={"description": f"Longest path (default {HOPS_DEFAULT}, at most {HOPS_MAX})."},
    )
    predicates = fields.String(
        validate=[
            validators.Length(min=1, max=MAX_NAME),
            Pattern(
                PREDICATES_PATTERN,
                error="'{input}' is not a comma-separated list of predicates; expected some "
                "of: " + ", ".join(p.key for p in Predicate),
            ),
        ],
        metadata={
            "description": "Comma-separated predicates the path may use (default: every "
            "association predicate), e.g. regulates,interacts_with for regulatory chains."
        },
    )


class ReferencePath(Schema):
    """The path of ``/references/<number>``: a whole number (the review's numbering)."""

    number = fields.String(
        required=True,
        validate=Pattern(
            r"^[0-9]{1,9}$",
            error="'{input}' is not a reference number; give a whole number such as 61",
        ),
        metadata={"description": "The reference's number in the review (1-119)."},
    )


class QueryRunParams(Schema):
    """``format`` only: the named query's own parameters are checked by the query itself."""

    format = fields.String(
        validate=validators.OneOf(["json", "csv", "tsv"]),
        metadata={"description": "json (default), csv or tsv; overrides the Accept header."},
    )


class LinkHeader(Schema):
    """The headers of a page of a list."""

    link = fields.String(
        data_key="Link",
        metadata={
            "description": 'RFC 8288 links to other pages: rel="first", "prev" (after the '
            'first page), "next" (only when a next page exists) and "last", each a URL with '
            "limit and offset."
        },
    )


class Brief(Schema):
    id = fields.String(metadata={"example": "NCBIGene:2069"})
    label = fields.String(metadata={"example": "EREG"})
    category = fields.String(metadata={"example": "gene"})


class Page(Schema):
    total = fields.Integer(metadata={"description": "Items matching, over all pages."})
    limit = fields.Integer()
    offset = fields.Integer()


class GeneItem(Brief):
    symbol = fields.String()
    classes = fields.List(fields.Nested(Brief), metadata={"description": "Its gene classes."})
    url = fields.Function(lambda i: url_of(i["id"], i["category"]))


class GenePage(Page):
    items = fields.List(fields.Nested(GeneItem))


EntityProperties = Schema.from_dict(
    {
        "symbol": fields.String(),
        "fullName": fields.String(),
        "synonyms": fields.List(fields.String()),
        "weak_synonyms": fields.List(
            fields.String(), metadata={"description": "Low-priority synonyms (e.g. NCBI's)."}
        ),
        "xrefs": fields.List(fields.String()),
        "description": fields.String(),
        "taxon": fields.String(),
        "order": fields.Integer(metadata={"description": "Position in the cascade or scale."}),
        "scheme": fields.String(metadata={"description": "review or graph_role."}),
        "capillaryBedRole": fields.String(),
        "venousDrainage": fields.String(),
        "spreadRoute": fields.String(),
        "publisher": fields.String(),
        "url": fields.String(),
        "seen": fields.String(),
        "identifierSource": fields.String(),
        "referenceNumber": fields.Integer(),
        "authors": fields.String(),
        "journal": fields.String(),
        "volume": fields.String(),
        "pages": fields.String(),
        "year": fields.Integer(),
        "retracted": fields.Boolean(),
        "retractionNote": fields.String(),
    },
    name="EntityProperties",
)


class EntityItem(Brief, EntityProperties):  # type: ignore[misc,valid-type]
    gene_count = fields.Integer(
        metadata={"description": "Genes and miRNAs with an assertion about it."}
    )
    parents = fields.List(fields.Nested(Brief), metadata={"description": "Broader terms."})
    url = fields.Function(lambda i: url_of(i["id"], i["category"]))


class EntityPage(Page):
    items = fields.List(fields.Nested(EntityItem))


class Citation(Schema):
    id = fields.String(metadata={"example": "metakg:ref/61"})
    number = fields.Integer(allow_none=True, metadata={"description": "Number in the review."})
    title = fields.String()
    citation = fields.String(metadata={"example": "Gupta, G. P. et al. Nature 446 (2007)"})
    retracted = fields.Boolean()
    retractionNote = fields.String()
    xrefs = fields.List(fields.String(), metadata={"example": ["doi:10.1038/nature05760"]})


class Assertion(Schema):
    id = fields.String(metadata={"description": "The association id."})
    predicate = fields.String(metadata={"example": "mediates_metastasis_to"})
    subject = fields.Nested(Brief)
    object = fields.Nested(Brief)
    role = fields.String(metadata={"description": "subject or object: the entity's place."})
    direction = fields.String(metadata={"description": "promotes, suppresses or associated."})
    confidence = fields.String(metadata={"description": "high, medium or low."})
    references = fields.List(fields.Nested(Citation))
    evidence_types = fields.List(fields.String())
    note = fields.String()
    rests_only_on_retracted = fields.Boolean()
    source = fields.String(metadata={"description": "Source file and line."})
    cancer_type = fields.Nested(Brief, metadata={"description": "Context: cancer type."})
    organ = fields.Nested(Brief, metadata={"description": "Context: organ."})
    step = fields.Nested(Brief, metadata={"description": "Context: cascade step."})
    organism = fields.String()
    frequency = fields.Float(metadata={"description": "Share of patients (metastasizes_to)."})


class Hierarchy(Schema):
    parents = fields.List(fields.Nested(Brief))
    children = fields.List(fields.Nested(Brief))


class Entity(Brief, EntityProperties):  # type: ignore[misc,valid-type]
    assertions = fields.Dict(
        keys=fields.String(),
        values=fields.List(fields.Nested(Assertion)),
        metadata={"description": "Assertions grouped by kind: " + ", ".join(lookup.KIND_TITLES)},
    )
    hierarchy = fields.Nested(Hierarchy)


class ReferenceItem(Schema):
    id = fields.String(metadata={"example": "metakg:ref/106"})
    number = fields.Integer(allow_none=True, metadata={"example": 106})
    citation = fields.String()
    title = fields.String()
    identifiers = fields.List(fields.String(), metadata={"example": ["doi:10.1038/nature04695"]})
    retracted = fields.Boolean()
    retractionNote = fields.String()
    authors = fields.String()
    journal = fields.String()
    year = fields.Integer()
    assertion_count = fields.Integer(metadata={"description": "Assertions that cite it."})
    url = fields.Function(lambda i: url_of(i["id"], "publication"))


class ReferencePage(Page):
    items = fields.List(fields.Nested(ReferenceItem))


class CitedBy(Assertion):
    class Meta:
        exclude = ("role",)


class ReferenceDetail(ReferenceItem):
    assertions = fields.List(fields.Nested(CitedBy), metadata={"description": "Every citer."})


class SearchHit(Brief):
    matched = fields.String(metadata={"description": "The name that matched."})
    match = fields.String(metadata={"description": "exact, prefix, substring or fuzzy."})
    score = fields.Float(metadata={"description": "1 is an exact id or symbol; higher first."})
    url = fields.Function(lambda i: url_of(i["id"], i["category"]))


class SearchResult(Schema):
    q = fields.String()
    count = fields.Integer()
    hits = fields.List(fields.Nested(SearchHit))


class Hop(Schema):
    # "from" is a keyword: the field is declared with a data key.
    source = fields.Nested(Brief, data_key="from", attribute="from")
    to = fields.Nested(Brief)
    predicate = fields.String()
    direction = fields.String(metadata={"description": "The assertion's direction."})
    reversed = fields.Boolean(
        metadata={"description": "true when the assertion points from 'to' to 'from'."}
    )
    confidence = fields.String()
    references = fields.List(fields.Integer(), metadata={"description": "Review numbers."})
    publications = fields.List(fields.String(), metadata={"description": "Every cited paper."})
    note = fields.String()
    assertion = fields.String(metadata={"description": "The association id."})


class PathResult(Schema):
    source = fields.Nested(Brief, data_key="from", attribute="from")
    to = fields.Nested(Brief)
    max_hops = fields.Integer()
    predicates = fields.List(fields.String(), allow_none=True)
    hops = fields.Integer(allow_none=True, metadata={"description": "Length of the paths."})
    examined = fields.Integer(metadata={"description": "Shortest paths found and ranked."})
    count = fields.Integer()
    paths = fields.List(fields.List(fields.Nested(Hop)))
    message = fields.String()


class Link(Schema):
    name = fields.String()
    description = fields.String()
    url = fields.String()
    count = fields.Integer()


class ApiIndex(Schema):
    name = fields.String()
    version = fields.String()
    collections = fields.List(fields.Nested(Link))
    links = fields.List(fields.Nested(Link))


class QueryParam(Schema):
    name = fields.String()
    description = fields.String()
    kind = fields.String(metadata={"description": "entity, entities, choice or integer."})
    categories = fields.List(fields.String())
    choices = fields.List(fields.String())
    required = fields.Boolean()
    default = fields.String(allow_none=True)


class QueryInfo(Schema):
    name = fields.String()
    title = fields.String()
    description = fields.String()
    params = fields.List(fields.Nested(QueryParam))
    columns = fields.List(fields.String())
    example = fields.Dict(keys=fields.String(), values=fields.String())
    url = fields.String()
    example_url = fields.String()


class QueryList(Schema):
    count = fields.Integer()
    queries = fields.List(fields.Nested(QueryInfo))


class QueryResult(Schema):
    query = fields.String()
    params = fields.Dict(
        keys=fields.String(), metadata={"description": "Resolved values (CURIEs, numbers)."}
    )
    columns = fields.List(fields.String())
    rows = fields.List(fields.Dict(keys=fields.String(), values=fields.String()))
    count = fields.Integer()


#: A comma-separated list of names, none of them blank (what an ``entities`` parameter of a
#: named query takes; ``MAX_LIST`` names at most). Unambiguous, so it checks in linear time.
MAX_LIST = 50
_MEMBER = rf"[{_WHITE}]*[^,{_WHITE}][^,]*"
NAMES_PATTERN = rf"^{_MEMBER}(?:,{_MEMBER}){{0,{MAX_LIST - 1}}}$"
MIN_INTEGER, MAX_INTEGER = 1, 1_000_000


def _query_param_field(query: Any, param: Any) -> fields.Field:
    """The documented, validated form of one named-query parameter (queries/catalog.py)."""
    required: dict[str, Any] = {}
    if param.required:
        required = {
            "required": True,
            "error_messages": {
                "required": f"missing parameter '{param.name}' for query '{query.name}'"
            },
        }
    described = param.description.rstrip(".") + "." + (
        f" Default: {param.default}." if param.default is not None else ""
    )
    if param.kind == "choice":
        return fields.String(
            validate=validators.OneOf(list(param.choices)),
            metadata={"description": described},
            **required,
        )
    if param.kind == "integer":
        return fields.Integer(
            strict=False,
            validate=validators.Range(min=MIN_INTEGER, max=MAX_INTEGER),
            metadata={"description": described},
            **required,
        )
    kinds = ", ".join(c.key for c in param.categories) or "any entity"
    if param.kind == "entities":
        return fields.String(
            validate=[
                validators.Length(min=1, max=MAX_LIST * (MAX_NAME + 1)),
                Pattern(NAMES_PATTERN, error=f"expected 1 to {MAX_LIST} comma-separated names"),
            ],
            metadata={
                "description": f"{described} Comma-separated names, aliases or CURIEs "
                f"({kinds}), at most {MAX_LIST}."
            },
            **required,
        )
    return fields.String(
        validate=[
            validators.Length(min=1, max=MAX_NAME),
            Pattern(NOT_BLANK, error="must not be blank"),
        ],
        metadata={"description": f"{described} A name, alias or CURIE ({kinds})."},
        **required,
    )


def query_params_schema(query: Any) -> type[Params]:
    """The query-string schema of one named query: its own parameters and ``format``."""
    declared: dict[str, Any] = {p.name: _query_param_field(query, p) for p in query.params}
    declared["format"] = QueryRunParams._declared_fields["format"]
    name = "".join(part.title() for part in query.name.split("_")) + "Params"
    return type(name, (Params,), declared)
