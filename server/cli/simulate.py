"""``metakg simulate``: the cascade simulator on the command line.

The simulation and its analyses are computed by :func:`server.http.api_simulate.answer`, the same
function that answers ``POST /api/v1/simulate``, so ``--format json`` prints the same
document as the HTTP route for the same input. This module reads the options and the genes
file, renders the text report and writes the figure (server/figures.py).

The genes file (``--genes-file``) is a table of a tumour's genes, tab- or comma-separated
(comma for a ``.csv`` file; otherwise tab when the header row has a tab), UTF-8:

* a header row naming a ``gene`` column and, optionally, a ``level`` column (any order,
  any case; other columns are ignored);
* one gene per row: a symbol, alias or CURIE; ``level`` is a number (negative:
  down-regulated; clipped to [-1.5, +1.5]); an empty level is the profile level (+1);
* blank lines and lines starting with ``#`` are skipped; a name may be listed once.

Every problem is reported with the file and line; the command then exits with status 1.

A gene set gives the profile's genes too: ``--gene-set NAME`` names a set (or any gene class)
of the store, loaded from a GMT file with ``metakg build --source FILE.gmt``; with ``--gmt
FILE``, ``--gene-set`` picks sets of that file instead, nothing being loaded (a file with one
set needs no ``--gene-set``). Either way the members join ``--genes`` at the profile level,
as if listed by hand (docs/formats-gmt-obo.md).
"""

from __future__ import annotations

import csv
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click

from server.http.api_simulate import (
    DEFAULT_CELLS,
    DEFAULT_PERTURBATION,
    DEFAULT_TOP_PATHS,
    MAX_GENES,
    Answer,
    request_from,
)

TARGETS_SHOWN = 25


class GenesFileError(ValueError):
    """A genes file that cannot be read; the message names the file and line."""


@dataclass(frozen=True)
class GeneRow:
    name: str
    level: float | None
    line: int


def read_genes_file(path: Path) -> list[GeneRow]:
    """The rows of a genes file (see the module docstring); :class:`GenesFileError` with
    ``file:line: what is wrong`` for every problem found."""
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        raise GenesFileError(f"{path}: cannot read the genes file: {exc.strerror or exc}") from exc
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise GenesFileError(
            f"{path}:{line}: not UTF-8 text (byte 0x{raw[exc.start]:02x}); save the file as UTF-8"
        ) from exc
    numbered = [
        (number, line)
        for number, line in enumerate(text.splitlines(), start=1)
        if line.strip() and not line.lstrip().startswith("#")
    ]
    if not numbered:
        raise GenesFileError(
            f"{path}: no genes: the file is empty; give a header row 'gene<TAB>level' and one "
            "gene per row"
        )
    header_line, header_text = numbered[0]
    delimiter = (
        "," if Path(path).suffix.casefold() == ".csv" else "\t" if "\t" in header_text else ","
    )
    rows = list(csv.reader([line for _, line in numbered], delimiter=delimiter))
    header = [cell.strip().casefold() for cell in rows[0]]
    if "gene" not in header:
        shown = header_text if len(header_text) <= 60 else header_text[:57] + "..."
        raise GenesFileError(
            f"{path}:{header_line}: the header row must name a 'gene' column (and optionally "
            f"'level'), separated by {'tabs' if delimiter == chr(9) else 'commas'}; got "
            f"'{shown}'"
        )
    for column in ("gene", "level"):
        if header.count(column) > 1:
            raise GenesFileError(f"{path}:{header_line}: the column '{column}' is given twice")
    gene_at = header.index("gene")
    level_at = header.index("level") if "level" in header else None
    problems: list[str] = []
    out: list[GeneRow] = []
    seen: dict[str, int] = {}
    for (number, _), cells in zip(numbered[1:], rows[1:], strict=True):
        name = cells[gene_at].strip() if gene_at < len(cells) else ""
        if not name:
            problems.append(f"{path}:{number}: [gene] empty; give a gene symbol, alias or CURIE")
            continue
        level = None
        text_level = (
            cells[level_at].strip() if level_at is not None and level_at < len(cells) else ""
        )
        if text_level:
            try:
                level = float(text_level)
            except ValueError:
                problems.append(
                    f"{path}:{number}: [level] '{text_level[:40]}' (gene {name[:60]}) is not a "
                    "number; give e.g. 1, -1 or 0.5, or leave it empty"
                )
                continue
            if not math.isfinite(level):
                problems.append(f"{path}:{number}: [level] of gene {name[:60]} is not finite")
                continue
        key = name.casefold()
        if key in seen:
            problems.append(
                f"{path}:{number}: [gene] '{name[:60]}' is already listed on line {seen[key]}; "
                "list each gene once"
            )
            continue
        seen[key] = number
        out.append(GeneRow(name, level, number))
    if not out and not problems:
        problems.append(f"{path}: no genes: the file has a header row but no gene rows")
    if len(out) > MAX_GENES:
        problems.append(f"{path}: {len(out)} genes; at most {MAX_GENES} are accepted")
    if problems:
        more = f" (and {len(problems) - 20} more)" if len(problems) > 20 else ""
        raise GenesFileError("\n".join(problems[:20]) + more)
    return out


def gmt_members(path: Path, wanted: Sequence[str]) -> tuple[tuple[str, ...], list[str]]:
    """The member names of the sets ``wanted`` of a GMT file (its only set when none is
    named) and the names of the sets used; :class:`GenesFileError` otherwise."""
    from ingest.gmt_format import GeneSetChoiceError, pick_gene_sets
    from ingest.problems import Problems

    problems = Problems()
    choice: GeneSetChoiceError | None = None
    try:
        sets, _ = pick_gene_sets(Path(path), wanted, problems)
    except GeneSetChoiceError as exc:
        choice, sets = exc, []
    if problems.errors or choice is not None:
        found = [str(p) for p in problems.errors[:20]] + ([str(choice)] if choice else [])
        raise GenesFileError("\n".join(found))
    members = (m for gene_set in sets for m in gene_set.members)
    return tuple(dict.fromkeys(members)), [gene_set.name for gene_set in sets]


def _names(values: Sequence[str]) -> tuple[str, ...]:
    """Repeated options, each a comma-separated list."""
    return tuple(name.strip() for value in values for name in value.split(",") if name.strip())


def gene_profile(
    genes: Sequence[str], rows: Sequence[GeneRow], present_level: float, file: Path | None
) -> tuple[str, ...] | dict[str, float]:
    """``--genes`` and the genes file as the simulator's ``genes``: a tuple of names, or a
    mapping name -> level when the file gives any level (names without one get
    ``present_level``)."""
    if not any(r.level is not None for r in rows):
        return (*genes, *(r.name for r in rows))
    out: dict[str, float] = {}
    for name in genes:
        out.setdefault(name, present_level)
    given = {name.casefold() for name in genes}
    for row in rows:
        if row.name.casefold() in given:
            raise GenesFileError(
                f"{file}:{row.line}: [gene] '{row.name[:60]}' is also given with --genes; "
                "give each gene once"
            )
        out[row.name] = present_level if row.level is None else row.level
    return out


# --- the command --------------------------------------------------------------------------------

SIMULATION_OPTIONS = (
    "cancer",
    "subtype",
    "genes",
    "genes_file",
    "gene_sets",
    "gmt",
    "knockouts",
    "overexpress",
    "mode",
    "cells",
    "seed",
    "top_paths",
    "figure",
    "rank_targets",
    "organ",
    "sensitivity",
    "perturbation",
    "null",
)


@click.command()
@click.option("--cancer", help="Cancer type: label, alias or CURIE (e.g. 'breast cancer').")
@click.option("--subtype", help="A subtype: a word of its name (basal, luminal) or in full.")
@click.option(
    "--genes",
    "genes",
    multiple=True,
    metavar="A,B,...",
    help="The tumour's genes (symbols, aliases, CURIEs), comma-separated; repeatable.",
)
@click.option(
    "--genes-file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="A TSV/CSV of the tumour's genes: header 'gene' and optional 'level' (see "
    "docs/simulator.md).",
)
@click.option(
    "--gene-set",
    "gene_sets",
    multiple=True,
    metavar="NAME",
    help="A gene set (or gene class) of the store whose genes join the profile; with --gmt, "
    "a set of that file. Repeatable.",
)
@click.option(
    "--gmt",
    type=click.Path(dir_okay=False, path_type=Path),
    help="A GMT file of gene sets; --gene-set picks the sets whose genes join the profile.",
)
@click.option(
    "--knockout", "knockouts", multiple=True, metavar="GENE", help="Knock a gene out; repeatable."
)
@click.option(
    "--overexpress", multiple=True, metavar="GENE", help="Overexpress a gene; repeatable."
)
@click.option(
    "--mode",
    default="paths",
    show_default=True,
    metavar="paths|cells",
    help="paths: explained risks; cells: also N cells traverse the cascade at random.",
)
@click.option(
    "--cells", type=int, default=DEFAULT_CELLS, show_default=True, help="Cells in cells mode."
)
@click.option("--seed", type=int, help="Seed of cells mode and the null model (reproducible).")
@click.option(
    "--top-paths",
    type=int,
    default=DEFAULT_TOP_PATHS,
    show_default=True,
    help="Paths per organ in the JSON (the table shows the top one).",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json"]),
    default="table",
    show_default=True,
    help="Output format.",
)
@click.option(
    "--figure",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also draw the organ risks and top paths to this .svg or .png file.",
)
@click.option(
    "--rank-targets", is_flag=True, help="Rank genes by how much their knockout lowers the risk."
)
@click.option("--organ", help="With --rank-targets: the organ (default: any distant organ).")
@click.option(
    "--sensitivity", is_flag=True, help="Perturb every parameter; report ranking stability."
)
@click.option(
    "--perturbation",
    type=float,
    help=f"With --sensitivity: relative change of each parameter (default {DEFAULT_PERTURBATION}).",
)
@click.option(
    "--null",
    type=int,
    metavar="N",
    help="Null model: N degree-preserving permutations of the gene-organ links; an "
    "empirical p-value per organ.",
)
@click.option(
    "--explain-model", is_flag=True, help="Print the model, its parameters and their sources."
)
@click.option("--store", type=click.Path(path_type=Path), help="Store directory.")
@click.pass_context
def simulate(ctx: click.Context, **options: Any) -> None:
    """Simulate the metastatic cascade for a cancer type and a gene profile.

    Per organ: a risk score, its rank, the change against the cancer type's baseline, the
    expected latency class and the top path through the cascade, each hop with the genes
    acting there and the references behind them; and what became of every input gene.
    A knowledge-driven model, not a clinical predictor (docs/simulator.md).

    \b
    e.g. metakg simulate --cancer "breast cancer" --genes EREG,COX2,MMP1,ANGPTL4
         metakg simulate --cancer "breast cancer" --genes-file tumour.tsv --knockout PTGS2 \\
             --rank-targets --organ lung --figure risk.svg
         metakg simulate --cancer "breast cancer" --gmt signatures.gmt --gene-set LUNG_SIG
         metakg simulate --cancer "breast cancer" --subtype basal --genes EREG \\
             --mode cells --cells 1000000 --seed 7 --format json
         metakg simulate --explain-model
    """
    from graph.store import StoreError
    from queries.simulator import SimulationInputError, build_model, explain_model
    from queries.simulator.null import MAX_PERMUTATIONS
    from server.cli.commands import _fail, _knowledge
    from server.figures import FigureError, figure_format, write_figure
    from server.http.api_simulate import answer

    fmt = options["fmt"]
    if options["explain_model"]:
        given = [
            "--" + name.replace("_", "-")
            for name in SIMULATION_OPTIONS
            if ctx.get_parameter_source(name) is not click.core.ParameterSource.DEFAULT
        ]
        if given:
            _fail(f"--explain-model prints the model only; it takes no {', '.join(given)}", 2)
    elif not options["cancer"]:
        _fail(
            "give the cancer type with --cancer (e.g. --cancer 'breast cancer'), or use "
            "--explain-model",
            2,
        )
    if options["figure"] is not None:
        try:
            figure_format(options["figure"])
        except FigureError as exc:
            _fail(str(exc))
    rows: list[GeneRow] = []
    if options["genes_file"] is not None:
        try:
            rows = read_genes_file(options["genes_file"])
        except GenesFileError as exc:
            _fail(f"bad genes file:\n{exc}")
    named = _names(options["genes"])
    stored_sets = _names(options["gene_sets"])
    if options["gmt"] is not None:
        try:
            members, used = gmt_members(options["gmt"], stored_sets)
        except GenesFileError as exc:
            _fail(f"bad GMT file:\n{exc}")
        given = {name.casefold() for name in named}
        extra = tuple(m for m in members if m.casefold() not in given)
        named = (*named, *extra)
        click.echo(
            f"gene set(s) {', '.join(used)} from {options['gmt']}: {len(extra)} gene(s) added",
            err=True,
        )
        stored_sets = ()
    try:
        model = build_model(_knowledge(options["store"]).graph)
    except StoreError as exc:
        _fail(str(exc))
    if options["explain_model"]:
        explained = explain_model(model)
        click.echo(
            json.dumps(explained, indent=2, ensure_ascii=False)
            if fmt == "json"
            else explained["text"]
        )
        return
    try:
        genes = gene_profile(
            named,
            rows,
            model.parameters.number("states.present_level"),
            options["genes_file"],
        )
    except GenesFileError as exc:
        _fail(f"bad genes file:\n{exc}")
    req = request_from(
        options,
        genes=genes,
        knockouts=_names(options["knockouts"]),
        overexpress=_names(options["overexpress"]),
        gene_sets=stored_sets,
    )
    try:
        result = answer(model, req, max_null=MAX_PERMUTATIONS)
    except SimulationInputError as exc:
        _fail("invalid simulation input:\n" + "\n".join(f"  {p}" for p in exc.problems))
    if fmt == "json":
        click.echo(json.dumps(result.to_dict(), indent=2, ensure_ascii=False))
    else:
        click.echo(render_answer(result))
    if options["figure"] is not None:
        try:
            written = write_figure(result.result, options["figure"])
        except FigureError as exc:
            _fail(str(exc))
        click.echo(f"wrote the figure to {written}", err=True)


# --- the text report ----------------------------------------------------------------------------


def render_answer(found: Answer) -> str:
    """The table format: the simulator's report (input genes, organ table, top path per
    organ) with a summary of the input names, then cells mode and the analyses asked for."""
    from queries.simulator import render_text

    result = found.result
    text = render_text(result, paths=1)
    if result.genes:
        counts: dict[str, int] = {}
        for report in result.genes:
            counts[report.status] = counts.get(report.status, 0) + 1
        order = ("recognised", "no_cascade_role", "unknown", "ambiguous", "not_a_gene")
        summary = "  in all: " + ", ".join(
            f"{counts[s]} {s.replace('_', ' ')}" for s in order if s in counts
        )
        table = "\n\nDistant organs"  # the summary goes under the list of input genes
        text = (
            text.replace(table, f"\n{summary}{table}", 1)
            if table in text
            else f"{text}\n\n{summary.strip()}"
        )
    parts = [text]
    if found.gene_sets:
        parts.append(
            "Gene sets in the profile\n"
            + "\n".join(
                f"  {g.label} ({g.id}): {len(g.members)} gene(s): {', '.join(g.members[:12])}"
                + (" ..." if len(g.members) > 12 else "")
                for g in found.gene_sets
            )
        )
    if result.cells is not None:
        parts.append(_render_cells(result))
    if found.targets is not None:
        parts.append(_render_targets(found))
    if found.sensitivity is not None:
        parts.append(_render_sensitivity(found.sensitivity))
    if found.null_model is not None:
        parts.append(_render_null(found.null_model))
    if result.notes:
        parts.append("Notes\n" + "\n".join(f"  - {n}" for n in result.notes))
    return "\n\n".join(parts)


def _pct(count: Any) -> str:
    return f"{count.fraction * 100:.2f}% [{count.low * 100:.2f}-{count.high * 100:.2f}]"


def _render_cells(result: Any) -> str:
    cells = result.cells
    lines = [
        f"Cells mode: {cells.cells:,} cells, seed {cells.seed}, "
        f"{cells.confidence_level:.0%} Wilson intervals"
    ]
    for loss in cells.lost:
        lines.append(f"  lost at {loss.step.label}: {loss.lost.count:,} ({_pct(loss.lost)})")
    lines.append(
        f"  {'organ':<18} {'arrested':>9} {'extrav.':>9} {'dormant':>9} {'micro':>9} "
        f"{'macro':>9} {'second.':>8}  macro % [interval]  expected"
    )
    for o in cells.organs:
        lines.append(
            f"  {o.organ.label:<18} {o.arrested.count:>9,} {o.extravasated.count:>9,} "
            f"{o.dormant.count:>9,} {o.micrometastasis.count:>9,} "
            f"{o.macrometastasis.count:>9,} {o.secondary.count:>8,}  "
            f"{_pct(o.macrometastasis):<18}  {o.expected_macrometastasis * 100:.2f}%"
        )
    return "\n".join(lines)


def _render_targets(found: Answer) -> str:
    ranking = found.targets
    assert ranking is not None
    what = ranking.organ.label if ranking.organ is not None else "any distant organ"
    lines = [
        f"Knockout targets ({ranking.scope} genes), by the change of the risk of {what} "
        f"(now {ranking.risk:.4f})",
        f"  {'rank':>4}  {'gene':<12} {'state':<15} {'after':>8} {'change':>9}",
    ]
    for target in ranking.targets[:TARGETS_SHOWN]:
        note = "" if target.acts else "  (acts at no step)"
        if target.tied_with:
            ev = target.evidence
            note += (
                f"  (tied with {', '.join(target.tied_with)}; evidence: "
                f"{ev.get('confidence', 0)}/3 confidence, {ev.get('references', 0)} refs, "
                f"{ev.get('evidence_types', 0)} evidence types)"
            )
        lines.append(
            f"  {target.rank:>4}  {target.gene.label:<12} {target.state:<15} "
            f"{target.risk_after:>8.4f} {target.change:>+9.4f}{note}"
        )
    lines.append(f"  order: {ranking.order}")
    hidden = len(ranking.targets) - TARGETS_SHOWN
    if hidden > 0:
        lines.append(f"  ... {hidden} more (all of them with --format json)")
    if not ranking.targets:
        lines.append("  no gene to knock out")
    return "\n".join(lines)


def _render_sensitivity(report: Any) -> str:
    count = len(report.parameters)
    lines = [
        f"Sensitivity: each of {count} numeric parameters moved by -/+{report.perturbation:.0%}"
        f", one at a time ({report.perturbations} runs)",
        f"  top organ {report.top.label} kept in {report.top_kept:.0%} of the runs; Spearman "
        f"correlation with the unperturbed ranking: min {report.min_correlation:.3f}, median "
        f"{report.median_correlation:.3f}",
    ]
    if report.most_sensitive:
        lines.append("  most sensitive parameters (lowest correlation first):")
        lines.append(
            f"    {'parameter':<44} {'value':>7} {'corr -':>7} {'corr +':>7}  "
            f"{'top after - / +':<26} {'rank move':>9}"
        )
        for name in report.most_sensitive:
            row = report.parameter(name)
            tops = f"{row.top_low.label} / {row.top_high.label}"
            lines.append(
                f"    {name:<44} {row.value:>7.3g} {row.correlation_low:>7.3f} "
                f"{row.correlation_high:>7.3f}  {tops:<26} {row.max_rank_change:>9}"
            )
    else:
        lines.append("  no perturbation changed the organ ranking")
    if report.unmoved:
        lines.append(
            f"  {len(report.unmoved)} parameter(s) changed no risk for this input "
            "(listed under sensitivity.unmoved with --format json)"
        )
    lines += [f"  - {note}" for note in report.notes]
    return "\n".join(lines)


def _render_null(report: Any) -> str:
    lines = [
        f"Null model: {report.permutations} degree-preserving permutations of the "
        f"{report.links} gene-organ links ({report.profile_links} of the profile's genes), "
        f"seed {report.seed}",
        f"  {'rank':>4}  {'organ':<18} {'observed':>9} {'null mean':>10} {'null sd':>9} "
        f"{'p-value':>8}",
    ]
    for o in (*report.organs, report.distant):
        rank = str(o.rank) if o.rank else ""
        lines.append(
            f"  {rank:>4}  {o.organ.label:<18} {o.observed_risk:>9.4f} {o.null_mean:>10.4f} "
            f"{o.null_sd:>9.4f} {o.p_value:>8.4f}"
        )
    lines += [f"  - {note}" for note in report.notes]
    return "\n".join(lines)
