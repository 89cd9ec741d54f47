"""The metastatic cascade simulator: explained organ risks, knockouts, latency, cells mode.

The model is built by traversing the knowledge graph (the networkx projection of a store) and
weighted by one versioned parameter file (``parameters.toml``); see docs/simulator.md for the
model in plain words. Everything here is IO-free: no printing, no settings.

Public API::

    from queries.simulator import build_model, simulate, rank_targets, explain_model

    model = build_model(store.graph)              # cached per graph and parameter set
    result = simulate(model, cancer="breast cancer", genes=["EREG", "COX2", "MMP1", "ANGPTL4"])
    result.organs[0].organ.label                  # 'Lung': organs come sorted by rank
    result.to_dict()                              # JSON-ready
    simulate(model, cancer="breast cancer", subtype="basal", genes={"EREG": 1, "MIR335": -1},
             knockouts=["PTGS2"], overexpress=["MIR126"], mode="cells", cells=10**6, seed=7)
    rank_targets(model, cancer="breast cancer", genes=[...], organ="lung")  # TargetRanking
    explain_model(model)                          # dict; ["text"] renders it

* :func:`build_model` ``(graph, parameters=None, *, cache=True) -> Model``
* :func:`simulate` ``(model, *, cancer, subtype=None, genes=(), knockouts=(), overexpress=(),
  mode="paths", cells=100_000, seed=None, index=None, top_paths=3) -> SimulationResult``
* :func:`rank_targets` ``(model, *, cancer, genes=(), organ=None, subtype=None, knockouts=(),
  overexpress=(), scope=None, index=None) -> TargetRanking``
* :func:`explain_model` ``(model) -> dict``
* :func:`sensitivity` ``(model, *, cancer, subtype=None, genes=(), knockouts=(),
  overexpress=(), perturbation=0.5, index=None) -> SensitivityReport``: each numeric
  parameter moved by -/+ ``perturbation`` of its value; rank correlation of the organ
  ranking with the unperturbed one, top-organ changes (``queries/simulator/sensitivity.py``).
* :func:`null_model` ``(model, *, cancer, subtype=None, genes=(), knockouts=(),
  overexpress=(), permutations=100, seed=None, index=None) -> NullReport``: empirical
  p-value per organ against degree-preserving shuffles of the gene-organ links
  (``queries/simulator/null.py``).
* :func:`load_parameters` ``(path=None) -> Parameters``; ``Parameters.numeric()`` lists every
  numeric parameter and ``Parameters.with_values({...})`` returns a changed copy (for a
  sensitivity analysis: ``build_model(graph, params.with_values({name: value * 1.5}))``).
* :func:`render_text` ``(result, *, paths=1, hops=True) -> str``: a plain-text report.
* Lower level, for benchmarks and scans: ``model.context(cancer_id)`` (the arrays of one
  cancer type), :func:`evaluate`, :func:`profile_shift`, :func:`baseline`.

Errors: :class:`SimulationInputError` (HTTP 400; ``problems`` lists each) for an unknown or
ambiguous cancer type or subtype, a bad mode, cell count, seed or level; unknown gene names are
not errors, they are reported in ``result.genes``. :class:`ParameterError` for a malformed
parameter file.
"""

from queries.simulator.arithmetic import Evaluation, baseline, evaluate, profile_shift
from queries.simulator.cells import CellsResult, Count, OrganCells, StepLoss, run_cells
from queries.simulator.explain import explain_model
from queries.simulator.model import (
    CancerContext,
    EdgeRef,
    Entity,
    Fact,
    Model,
    Reference,
    Step,
    build_model,
)
from queries.simulator.null import NullReport, OrganNull, null_model
from queries.simulator.parameters import (
    PARAMETERS_FILE,
    Parameter,
    ParameterError,
    Parameters,
    load_parameters,
)
from queries.simulator.paths import (
    MAX_CELLS,
    MODES,
    CascadePath,
    GeneEffect,
    GeneReport,
    Hop,
    Latency,
    OrganRisk,
    SimulationInputError,
    SimulationResult,
    TargetEffect,
    TargetRanking,
    rank_targets,
    render_text,
    simulate,
)
from queries.simulator.sensitivity import ParameterSensitivity, SensitivityReport, sensitivity

__all__ = [
    "MAX_CELLS",
    "MODES",
    "PARAMETERS_FILE",
    "CancerContext",
    "CellsResult",
    "Count",
    "EdgeRef",
    "Entity",
    "Evaluation",
    "Fact",
    "GeneEffect",
    "GeneReport",
    "Hop",
    "Latency",
    "Model",
    "NullReport",
    "OrganNull",
    "OrganCells",
    "OrganRisk",
    "Parameter",
    "ParameterSensitivity",
    "ParameterError",
    "Parameters",
    "CascadePath",
    "Reference",
    "SimulationInputError",
    "SensitivityReport",
    "SimulationResult",
    "Step",
    "StepLoss",
    "TargetEffect",
    "TargetRanking",
    "baseline",
    "build_model",
    "evaluate",
    "explain_model",
    "load_parameters",
    "null_model",
    "profile_shift",
    "rank_targets",
    "render_text",
    "run_cells",
    "sensitivity",
    "simulate",
]
