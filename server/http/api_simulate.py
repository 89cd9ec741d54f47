"""The simulator over HTTP: ``POST /api/v1/simulate`` and ``GET /api/v1/simulate/model``.

The request is JSON (schema :class:`SimulationInput`, documented in OpenAPI with examples);
the answer is ``SimulationResult.to_dict()`` of queries/simulator, plus the analysis sections
asked for (``target_ranking``, ``sensitivity``, ``null_model``). Errors are problem+json:
400 with every problem listed for bad input (an unknown cancer type, a bad mode, too many
cells ...), 415 for a body that is not JSON.

:func:`answer` turns one :class:`SimulationRequest` into that answer. The command line
(server/cli/simulate.py) calls the very same function, so ``metakg simulate`` and this route
give the same JSON for the same input; only the checking of JSON types is the schema's own.
"""

from __future__ import annotations

import dataclasses
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from apiflask import APIBlueprint, Schema, fields, validators
from flask import Response, current_app, request
from marshmallow import ValidationError

from queries.simulator import (
    MAX_CELLS,
    MODES,
    Model,
    SimulationInputError,
    SimulationResult,
    TargetRanking,
    build_model,
    explain_model,
    rank_targets,
    simulate,
)
from queries.simulator.gene_sets import GeneSet, resolve_gene_sets, with_gene_sets
from server.errors import BadRequest, NotAcceptable, UnsupportedMediaType, problem
from server.http.api_collections import PREFIX, service_state
from server.http.api_examples import error_responses
from server.http.api_schemas import NOT_BLANK, Params, Pattern

# --- limits and defaults, shared with the command line ---------------------------------------

DEFAULT_CELLS = 100_000
DEFAULT_TOP_PATHS = 3
MAX_TOP_PATHS = 20
DEFAULT_PERTURBATION = 0.5
MAX_NULL = 1000  # null-model permutations over HTTP (about 1 ms each on the curated graph)
MAX_GENES = 10_000  # names over genes, knockouts and overexpress together
MAX_NAME = 200
MAX_GENE_SETS = 50

GeneNames = tuple[str, ...] | Mapping[str, float]


@dataclass(frozen=True)
class SimulationRequest:
    """One simulation as asked by the command line or the HTTP route.

    ``genes`` is a tuple of names (each at the profile level) or a mapping name -> level.
    ``perturbation`` is None unless given (then ``sensitivity`` must be asked for);
    ``null`` is the number of permutations of the null model, None for no null model.
    """

    cancer: str
    subtype: str | None = None
    genes: GeneNames = ()
    knockouts: tuple[str, ...] = ()
    overexpress: tuple[str, ...] = ()
    mode: str = "paths"
    cells: int = DEFAULT_CELLS
    seed: int | None = None
    top_paths: int = DEFAULT_TOP_PATHS
    rank_targets: bool = False
    organ: str | None = None
    sensitivity: bool = False
    perturbation: float | None = None
    null: int | None = None
    gene_sets: tuple[str, ...] = ()

    def profile(self, genes: GeneNames | None = None) -> dict[str, Any]:
        """The keyword arguments that name the tumour: cancer type, subtype and genes
        (``genes`` replaces the request's own, e.g. once gene sets are expanded)."""
        genes = self.genes if genes is None else genes
        return {
            "cancer": self.cancer,
            "subtype": self.subtype,
            "genes": dict(genes) if isinstance(genes, Mapping) else list(genes),
            "knockouts": list(self.knockouts),
            "overexpress": list(self.overexpress),
        }


@dataclass(frozen=True)
class Answer:
    """A simulation and the analyses asked for; ``to_dict()`` is the JSON answer."""

    request: SimulationRequest
    result: SimulationResult
    targets: TargetRanking | None = None
    sensitivity: Any = None  # queries.simulator.sensitivity.SensitivityReport
    null_model: Any = None  # queries.simulator.null.NullReport
    gene_sets: tuple[GeneSet, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        out = self.result.to_dict()
        if self.gene_sets:
            out["gene_sets"] = [gene_set.to_dict() for gene_set in self.gene_sets]
        if self.targets is not None:
            out["target_ranking"] = self.targets.to_dict()
        if self.sensitivity is not None:
            out["sensitivity"] = self.sensitivity.to_dict()
        if self.null_model is not None:
            out["null_model"] = self.null_model.to_dict()
        return out


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def check(req: SimulationRequest, *, max_null: int = MAX_NULL) -> list[str]:
    """Problems found before anything runs, beyond those the simulator checks itself (the
    cancer type, subtype, mode, cells, seed, top_paths and gene levels)."""
    problems = []
    names = len(req.genes) + len(req.knockouts) + len(req.overexpress)
    if names > MAX_GENES:
        problems.append(
            f"genes: {names} gene names given (genes, knockouts and overexpress together); "
            f"at most {MAX_GENES} are accepted"
        )
    if req.organ is not None and not req.rank_targets:
        problems.append(
            "organ: only used to rank targets; ask for rank_targets (--rank-targets) too"
        )
    if req.perturbation is not None:
        if not req.sensitivity:
            problems.append(
                "perturbation: only used by the sensitivity analysis; ask for sensitivity "
                "(--sensitivity) too"
            )
        if (
            isinstance(req.perturbation, bool)
            or not isinstance(req.perturbation, int | float)
            or not math.isfinite(req.perturbation)
            or not 0 <= req.perturbation < 1
        ):
            problems.append(
                "perturbation: expected a number from 0 up to (not including) 1 (a share of "
                "each parameter's "
                f"value, 0.5 for +/-50%), got {req.perturbation!r}"
            )
    if req.null is not None and (not _is_int(req.null) or not 1 <= req.null <= max_null):
        problems.append(
            f"null: expected a number of permutations from 1 to {max_null}, got {req.null!r}"
        )
    return problems


def answer(model: Model, req: SimulationRequest, *, max_null: int = MAX_NULL) -> Answer:
    """Run the simulation and the analyses asked for. Raises :class:`SimulationInputError`
    listing every problem of the request. ``max_null`` bounds the null model's permutations
    (the HTTP route's bound by default; the command line allows the simulator's own)."""
    problems = check(req, max_null=max_null)
    gene_sets = resolve_gene_sets(model, req.gene_sets, problems)
    present = model.parameters.number("states.present_level")
    tumour = req.profile(with_gene_sets(model, req.genes, gene_sets, present))
    mode = req.mode if not problems or req.mode != "cells" else "paths"  # check, do not run
    try:
        result = simulate(
            model,
            **tumour,
            mode=mode,
            cells=req.cells,
            seed=req.seed,
            top_paths=req.top_paths,
        )
    except SimulationInputError as exc:
        raise SimulationInputError([*problems, *exc.problems]) from None
    if problems:
        raise SimulationInputError(problems)
    targets = sens = null = None
    if req.rank_targets:
        targets = rank_targets(model, **tumour, organ=req.organ)
    if req.sensitivity:
        from queries.simulator.sensitivity import sensitivity

        perturbation = DEFAULT_PERTURBATION if req.perturbation is None else req.perturbation
        sens = sensitivity(model, **tumour, perturbation=perturbation)
    if req.null is not None:
        from queries.simulator.null import null_model

        null = null_model(model, **tumour, permutations=req.null, seed=req.seed)
    return Answer(req, result, targets, sens, null, tuple(gene_sets))


# --- the HTTP route -----------------------------------------------------------------------------

bp = APIBlueprint("simulate", __name__, url_prefix=PREFIX, tag="Simulator")
JSON = "application/json"


class GeneProfileField(fields.Field):
    """A list of gene names, or an object mapping each name to its level."""

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> Any:
        if isinstance(value, list):
            bad = [i for i, name in enumerate(value) if not isinstance(name, str)]
            if bad:
                raise ValidationError(f"item {bad[0]} is not a string; give gene names")
            _check_names(value)
            return tuple(value)
        if isinstance(value, dict):
            _check_names(list(value))
            for name, level in value.items():
                if isinstance(level, bool) or not isinstance(level, int | float):
                    raise ValidationError(
                        f"the level of '{name[:60]}' is not a number (give e.g. 1, -1 or 0.5)"
                    )
                if not math.isfinite(level):  # JSON has no NaN or Infinity; Python reads them
                    raise ValidationError(f"the level of '{name[:60]}' is not finite")
            return {name: float(level) for name, level in value.items()}
        raise ValidationError(
            "expected a list of gene names or an object mapping gene names to levels"
        )


def _check_names(names: list[str]) -> None:
    if len(names) > MAX_GENES:
        raise ValidationError(f"{len(names)} names; at most {MAX_GENES} are accepted")
    long = [n for n in names if len(n) > MAX_NAME]
    if long:
        raise ValidationError(f"a name is longer than {MAX_NAME} characters: '{long[0][:60]}...'")


class StrictBoolean(fields.Boolean):
    """JSON true or false only (marshmallow would also take 0, 1, "yes" ...), as the
    OpenAPI document says."""

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> bool:
        if not isinstance(value, bool):
            raise self.make_error("invalid", input=value)
        return value


class StrictInteger(fields.Integer):
    """A JSON whole number only (1.0 counts, as in JSON Schema): not true/false, not a
    string, not 1.5."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(strict=True, **kwargs)

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> Any:
        if isinstance(value, bool):
            raise self.make_error("invalid", input=value)
        if isinstance(value, float) and value.is_integer():
            value = int(value)  # JSON Schema: 100.0 is an integer
        return super()._deserialize(value, attr, data, **kwargs)


class StrictNumber(fields.Float):
    """A JSON number only: not true/false, not a string."""

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> Any:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.make_error("invalid", input=value)
        return super()._deserialize(value, attr, data, **kwargs)


#: The simulator's own words for a count out of range (queries/simulator/profile.py).
_WHOLE = "expected a whole number from {min} to {max}, got {input}"


def _names_field(description: str) -> fields.List:
    return fields.List(
        fields.String(validate=validators.Length(max=MAX_NAME)),
        load_default=(),
        validate=validators.Length(max=MAX_GENES),
        metadata={"description": description},
    )


class SimulationInput(Schema):
    """The body of ``POST /api/v1/simulate``. Types are checked here; values (names, mode,
    bounds) by the simulator, with the same messages as ``metakg simulate``."""

    cancer = fields.String(
        required=True,
        validate=[
            validators.Length(min=1, max=MAX_NAME),
            Pattern(NOT_BLANK, error="give the name, alias or CURIE of a cancer type"),
        ],
        metadata={
            "description": "Cancer type: a label, alias or CURIE (e.g. `breast cancer`, "
            "`DOID:1612`).",
            "example": "breast cancer",
        },
    )
    subtype = fields.String(
        load_default=None,
        allow_none=True,
        validate=validators.Length(min=1, max=MAX_NAME),
        metadata={
            "description": "A subtype of the cancer type: a word of its name (`basal`, "
            "`luminal`) or in full."
        },
    )
    genes = GeneProfileField(
        load_default=(),
        metadata={
            "description": "The tumour's genes: a list of names (symbols, aliases such as COX2, "
            "CURIEs), each at level +1, or an object mapping names to levels (negative: "
            "down-regulated; clipped to [-1.5, +1.5]). Unknown names are reported in `genes` "
            f"of the answer, never dropped. At most {MAX_GENES} names.",
            "oneOf": [
                {"type": "array", "items": {"type": "string", "maxLength": MAX_NAME}},
                {"type": "object", "additionalProperties": {"type": "number"}},
            ],
            "example": ["EREG", "COX2", "MMP1", "ANGPTL4"],
        },
    )
    gene_sets = fields.List(
        fields.String(validate=validators.Length(min=1, max=MAX_NAME)),
        load_default=(),
        validate=validators.Length(max=MAX_GENE_SETS),
        metadata={
            "description": "Gene sets whose members join the profile at level +1, as if "
            "listed in `genes`: a set loaded from a GMT file (`metakg build --source "
            "FILE.gmt`) or any gene class, by label, short name or CURIE (e.g. "
            "`metakg:geneset/hallmark_hypoxia`). A gene `genes` already names keeps its own "
            "level. The answer's `gene_sets` lists each set's members. At most "
            f"{MAX_GENE_SETS} sets.",
            "example": ["metastasis_progression"],
        },
    )
    knockouts = _names_field("Genes knocked out (level -1.5); override the profile.")
    overexpress = _names_field("Genes overexpressed (level +1.5).")
    mode = fields.String(
        load_default="paths",
        validate=validators.OneOf(
            list(MODES), error="'{input}' is not a mode; expected one of: {choices}"
        ),
        metadata={
            "description": "`paths`: deterministic risks with explained paths; `cells`: also "
            "N disseminated cells traverse the cascade at random."
        },
    )
    cells = StrictInteger(
        load_default=DEFAULT_CELLS,
        validate=validators.Range(min=1, max=MAX_CELLS, error=_WHOLE),
        metadata={
            "description": f"Cells in cells mode (default {DEFAULT_CELLS}, at most {MAX_CELLS}).",
        },
    )
    seed = StrictInteger(
        load_default=None,
        allow_none=True,
        validate=validators.Range(
            min=0, error="expected a non-negative whole number, got {input}"
        ),
        metadata={
            "description": "Seed of cells mode and of the null model's permutations; the same "
            "seed gives the same answer. Without one, cells mode reports the seed it used.",
        },
    )
    top_paths = StrictInteger(
        load_default=DEFAULT_TOP_PATHS,
        validate=validators.Range(min=1, max=MAX_TOP_PATHS, error=_WHOLE),
        metadata={
            "description": f"Paths per organ (default {DEFAULT_TOP_PATHS}, at most "
            f"{MAX_TOP_PATHS}).",
        },
    )
    rank_targets = StrictBoolean(
        load_default=False,
        metadata={
            "description": "Also rank the profile's genes (or, without a profile, every gene "
            "of the graph) by how much their knockout lowers the risk of `organ`, or of any "
            "distant organ: the answer's `target_ranking`."
        },
    )
    organ = fields.String(
        load_default=None,
        allow_none=True,
        validate=validators.Length(min=1, max=MAX_NAME),
        metadata={
            "description": "The organ whose risk `rank_targets` lowers (default: any "
            "distant organ)."
        },
    )
    sensitivity = StrictBoolean(
        load_default=False,
        metadata={
            "description": "Also perturb every numeric parameter by +/-`perturbation` and "
            "report how stable the organ ranking is: the answer's `sensitivity`."
        },
    )
    perturbation = StrictNumber(
        load_default=None,
        allow_none=True,
        validate=validators.Range(
            min=0,
            max=1,
            max_inclusive=False,
            error="expected a number from 0 up to (not including) 1 (a share of each "
            "parameter's value, 0.5 for +/-50%), got {input}",
        ),
        metadata={
            "description": f"Relative change of each parameter in the sensitivity analysis "
            f"(default {DEFAULT_PERTURBATION}: +/-50%), from 0 up to (not including) 1.",
            "exclusiveMaximum": 1,  # OpenAPI 3.1 (JSON Schema 2020-12): below 1
        },
    )
    null = StrictInteger(
        load_default=None,
        allow_none=True,
        validate=validators.Range(
            min=1, max=MAX_NULL, error="expected a number of permutations from 1 to {max}, got "
            "{input}"
        ),
        metadata={
            "description": "Also rerun with the gene-organ assertions permuted (degree-"
            "preserving) this many times and give an empirical p-value per organ: the "
            f"answer's `null_model`. At most {MAX_NULL}.",
        },
    )


def _raw(description: str) -> fields.Raw:
    return fields.Raw(metadata={"description": description})


class SimulationOutput(Schema):
    """The answer (documentation only: the route sends the simulator's document as it is)."""

    cancer = _raw("The resolved cancer type (id, label).")
    lineage = _raw("Its ancestors, nearest first.")
    venous_drainage = _raw("systemic, portal, ... (from the graph).")
    first_capillary_beds = _raw("First capillary beds, each with its assertion.")
    sites = _raw("Recorded metastatic sites, each with its assertion and frequency.")
    latency_class = _raw("The cancer type's latency class fact, or null.")
    mode = _raw("paths or cells.")
    parameters_version = _raw("Version of the parameter file used.")
    genes = _raw(
        "One report per input name: input, role, status (recognised, no_cascade_role, "
        "unknown, ambiguous, not_a_gene), gene, level, message, candidates, steps, organs."
    )
    organs = _raw(
        "Organs by rank: organ, rank, risk, baseline_risk, change, baseline_rank, "
        "direct_risk, latency, paths (each hop with its facts, gene effects and citations)."
    )
    distant_risk = _raw("Risk of any distant organ.")
    baseline_distant_risk = _raw("The same without the profile.")
    distant_organs = _raw("The organs counted as distant.")
    cells = _raw("Cells mode: counts per organ and stage with Wilson intervals; else null.")
    seed = _raw("The seed used in cells mode, else null.")
    notes = _raw("Caveats.")
    assertions = _raw("Every assertion cited, in full, by id.")
    target_ranking = _raw("With rank_targets: genes ranked by the effect of their knockout.")
    sensitivity = _raw("With sensitivity: rank stability under parameter perturbation.")
    null_model = _raw("With null: empirical p-value per organ against permuted graphs.")
    gene_sets = _raw("With gene_sets: each set's input, id, label and the member names added.")


EXAMPLE_INPUTS = {
    "lung": {
        "summary": "Breast cancer with the lung metastasis mediators (ref 61)",
        "value": {"cancer": "breast cancer", "genes": ["EREG", "COX2", "MMP1", "ANGPTL4"]},
    },
    "knockout": {
        "summary": "The same, PTGS2 knocked out, targets ranked for the lung",
        "value": {
            "cancer": "breast cancer",
            "genes": ["EREG", "PTGS2", "MMP1", "ANGPTL4"],
            "knockouts": ["PTGS2"],
            "rank_targets": True,
            "organ": "lung",
        },
    },
    "levels": {
        "summary": "Basal-like breast cancer, levels given, 10^6 cells with a seed",
        "value": {
            "cancer": "breast cancer",
            "subtype": "basal",
            "genes": {"EREG": 1.0, "MIR335": -1.0},
            "overexpress": ["MIR126"],
            "mode": "cells",
            "cells": 1000000,
            "seed": 7,
        },
    },
}

EXAMPLE_OUTPUT = {
    "cancer": {"id": "DOID:1612", "label": "Breast cancer"},
    "lineage": [],
    "venous_drainage": "systemic",
    "mode": "paths",
    "parameters_version": "1.0.0",
    "genes": [
        {
            "input": "COX2",
            "role": "profile",
            "status": "recognised",
            "gene": {"id": "NCBIGene:5743", "label": "PTGS2"},
            "level": 1.0,
            "message": "'COX2' resolved to PTGS2 (NCBIGene:5743): profile, level +1",
            "candidates": [],
            "steps": ["intravasation", "arrest_extravasation", "latency"],
            "organs": ["UBERON:0002048", "..."],
        }
    ],
    "organs": [
        {
            "organ": {"id": "UBERON:0002048", "label": "Lung"},
            "rank": 1,
            "risk": 0.1757,
            "baseline_risk": 0.0333,
            "change": 0.1424,
            "baseline_rank": 3,
            "direct_risk": 0.1757,
            "latency": {"latency_class": None, "note": "no latency class recorded", "...": "..."},
            "paths": [{"route": "direct", "probability": 0.1757, "hops": ["..."]}],
        }
    ],
    "distant_risk": 0.4208,
    "baseline_distant_risk": 0.1667,
    "cells": None,
    "seed": None,
    "notes": ["Risks are knowledge-driven scores on a probability scale, ..."],
    "assertions": {"metakg:assoc/0e3e14ef6e76cfdd": {"predicate": "acts_at_step", "...": "..."}},
}


def _model() -> Model:
    return build_model(service_state().graph)


@bp.before_request
def _negotiate() -> None:
    """415 for a POST whose body is not JSON; 406 when the client accepts no JSON."""
    if request.method == "POST" and not request.is_json:
        given = request.mimetype or "no Content-Type"
        raise UnsupportedMediaType(
            f"send the simulation request as JSON (Content-Type: application/json); got {given}"
        )
    if request.method == "POST" and not isinstance(request.get_json(silent=True), dict):
        raise BadRequest(_body_problem(request.get_data(cache=True)))
    if request.method == "OPTIONS" or "Accept" not in request.headers:
        return
    if request.accept_mimetypes.best_match([JSON]) is None:
        raise NotAcceptable(
            f"this route answers with {JSON}; the Accept header "
            f"'{request.headers['Accept'][:80]}' does not allow it"
        )


def _body_problem(body: bytes) -> str:
    example = 'send a JSON object such as {"cancer": "breast cancer", "genes": ["EREG"]}'
    if not body.strip():
        return f"the request body is empty; {example}"
    try:
        json.loads(body)
    except UnicodeDecodeError:
        return f"the request body is not UTF-8 text; {example}"
    except json.JSONDecodeError as exc:
        where = f"line {exc.lineno} column {exc.colno}"
        return f"the request body is not valid JSON ({exc.msg}, {where}); {example}"
    return f"the request body is JSON but not an object; {example}"


@bp.errorhandler(SimulationInputError)
def _invalid(error: SimulationInputError) -> Response:
    """422: the body fits the schema (types and bounds are checked there, 400), but the
    simulator cannot use it: an unknown cancer type, subtype or organ, options that do not go
    together, too many names in all."""
    detail = "; ".join(error.problems) or str(error)
    return problem(422, error.title, detail, problems=list(error.problems))


def request_from(data: Mapping[str, Any], **given: Any) -> SimulationRequest:
    """A :class:`SimulationRequest` from loaded fields (the JSON body, or the command line's
    options); ``given`` overrides fields that the caller has already converted."""
    names = [f.name for f in dataclasses.fields(SimulationRequest)]
    values = {name: data[name] for name in names if name in data}
    values.update(given)
    values["knockouts"] = tuple(values.get("knockouts", ()))
    values["overexpress"] = tuple(values.get("overexpress", ()))
    values["gene_sets"] = tuple(values.get("gene_sets", ()))
    return SimulationRequest(**values)


@bp.post("/simulate")
@bp.input(SimulationInput, location="json", examples=EXAMPLE_INPUTS)
@bp.output(SimulationOutput, example=EXAMPLE_OUTPUT)
@bp.doc(
    summary="Simulate the metastatic cascade",
    description="For a cancer type and a gene profile (with knockouts and overexpressions): "
    "per organ a risk in [0, 1], its rank, the change against the cancer type's baseline, an "
    "expected latency class and the top paths through the cascade, each hop naming the "
    "genes acting there with the direction and size of their effect and the assertions "
    "(references, confidence) behind it; a report of every input name (recognised, unknown, "
    "no cascade role). `mode=cells` adds stochastic cell counts per organ and stage. "
    "`rank_targets`, `sensitivity` and `null` add analyses. The same input gives the same "
    "answer as `metakg simulate --format json`. A knowledge-driven model, not a clinical "
    "predictor: see docs/simulator.md.",
    responses=error_responses(
        e400=("Invalid parameter", "cells: Must be greater than or equal to 1 and less than or "
              "equal to 10000000."),
        e415=("Unsupported media type", "send the simulation request as JSON ..."),
        e422=(
            "Invalid simulation input",
            "cancer: no cancer type is called 'breast cancr'; did you mean breast cancer?",
        ),
    ),
)
def simulate_view(json_data: dict[str, Any]) -> Response:
    document = answer(_model(), request_from(json_data)).to_dict()
    # Sent as it is (the output schema documents it): nothing the simulator adds is dropped.
    return current_app.json.response(document)


class ModelOutput(Schema):
    """The model (documentation only: the route sends ``explain_model`` as it is)."""

    version = _raw("Version of the parameter file.")
    description = _raw("What the parameter file is.")
    equations = _raw("The model's equations, line by line.")
    steps = _raw("Cascade steps in order, with baseline log-odds and roles.")
    organs = _raw("Organs with their barrier term and the barrier assertions.")
    cancer_types = _raw("Every cancer type's facts: drainage, first beds, sites, latency.")
    genes = _raw("Genes in the model, and how many have cascade assertions.")
    parameters = _raw("Every parameter: name, value, unit, reason, references.")
    notes = _raw("Notes from building the model.")
    text = _raw("A plain-text rendering of all of it.")


MODEL_EXAMPLE = {
    "version": "1.0.0",
    "equations": ["logit[o,s] = baseline(s) + facts(c,o,s) + ..."],
    "steps": [
        {
            "id": "metakg:step/intravasation",
            "key": "intravasation",
            "label": "Intravasation",
            "order": 2,
            "baseline_logit": 1.0,
            "baseline_parameter": "steps.intravasation.baseline_logit",
            "roles": ["primary side (shared by all routes)"],
        }
    ],
    "parameters": [
        {
            "name": "effects.unit_shift",
            "value": 1.0,
            "unit": "log-odds",
            "reason": "One gene with the strongest evidence moves a step by ...",
        }
    ],
    "text": "metakg cascade simulator, parameters version 1.0.0 ...",
}


@bp.get("/simulate/model")
@bp.input(Params, location="query")
@bp.output(ModelOutput, example=MODEL_EXAMPLE)
@bp.doc(
    summary="The simulator's model and parameters",
    description="The cascade steps with their baselines and roles, organs with barriers, "
    "every cancer type's facts, every parameter (name, value, unit, reason, source), the "
    "equations and `text`, a rendering of all of it: `metakg simulate --explain-model`.",
    responses=error_responses(e400=("Bad request", "x: unknown parameter")),
)
def model_view(query_data: dict[str, Any]) -> Response:
    return current_app.json.response(explain_model(_model()))
