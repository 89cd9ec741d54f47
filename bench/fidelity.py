"""Validation benchmark: how far the simulator's numbers agree with clinical and experimental facts.

Issue 9, "Validation, published". Uses only the simulator's public API (``build_model``,
``simulate``, ``null_model``, ``sensitivity``) on a store built from the curated sources (or
``--store DIR``), and prints, with numbers:

1. **Sites.** For every cancer type of the graph, the profile-free ranking of the distant organs.
   For each primary of the NCI "Metastatic Cancer" table (``clinical-sites.md`` section 1, parsed
   at run time) mapped by name to the graph's cancer types: precision at k, where k is the number
   of the set's sites that metakg models (sites not modelled are listed, not dropped), and the
   rank of every listed site. Ties count fractionally (the expected precision under a random
   order of tied organs). Two granularities: ``site`` merges organs that the NCI sites include
   (pleura into lung, as the NCI note says; bone marrow into bone, since skeletal metastases grow
   in the marrow space; the organ's best risk stands for the site), ``organ`` keeps every modelled
   organ apart. Named baselines: ONE FIXED RANKING used for every cancer type, (a) the sites
   ordered by how many NCI sets contain them and (b) the best fixed order found by trying every
   order. Both baselines are fitted to the very sets they are scored on, so they are an in-sample
   bar, not a fair competitor: a model that beats them has learnt something type-specific.
2. **Frequencies.** Spearman correlation of the profile-free risks with per-patient site
   frequencies, from the graph's own recorded frequencies (Hess et al. 2006 abstract numbers), only
   where at least 3 organs have one; otherwise n/a.
3. **Directions.** Knockout and overexpression of the cascade genes against the directions in
   ``clinical-sites.md`` section 3 (and two properties of issue 9: epistasis of miR-200 and its
   ZEB targets, a knockout of a gene the profile does not express), PASS/FAIL and the count.
4. **Null model.** Empirical p-values (default 1,000 seeded permutations) of the organ that the
   evidence names, for the issue's named sets and for each organ-specific gene set of the graph
   (genes with a ``mediates_metastasis_to ... promotes`` assertion for one cancer type and organ,
   at least 3), and which organ gains most (risk / profile-free risk).
5. **Sensitivity.** Every numeric parameter moved by -/+50%: the minimum Spearman correlation of
   the organ ranking and the share of runs keeping the top organ, for those profiles.

The pure parts (the NCI table, precision at k, Spearman, the baselines, the name mapping) are in
``bench/fidelity_measures.py``. ``--json FILE`` writes every figure; ``--compare BEFORE.json``
prints each figure before -> after.

Usage: python bench/fidelity.py [--store DIR] [--sites FILE] [--permutations N] [--seed N]
       [--json FILE] [--compare BEFORE.json]
"""

from __future__ import annotations

import argparse
import atexit
import json
import math
import shutil
import sys
import tempfile
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# appended, so that PYTHONPATH (e.g. a worktree of another commit) wins over this checkout
sys.path.insert(0, str(Path(__file__).resolve().parent))
# The repository's packages come first: bench/ingest.py must not shadow the `ingest` package.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from fidelity_measures import (  # noqa: E402
    CancerType,
    parse_sites,
    rank_text,
    site_rows,
    spearman,
    tied_ranks,
)

SITES_FILE = Path(__file__).resolve().parents[2] / "shared" / "sources" / "clinical-sites.md"
SEED = 20090401
PERMUTATIONS = 1000
TOL = 1e-9  # relative change below which a risk counts as unchanged

NAMED_SETS = (  # issue 9: the sets whose organ must gain most and be significant
    ("breast->lung (issue)", "breast cancer", "lung", ("EREG", "PTGS2", "MMP1", "ANGPTL4")),
    ("breast->bone (issue)", "breast cancer", "bone", ("PTHLH", "IL11", "CCN2", "CXCR4")),
)
EMT = ("TWIST1", "SNAI1", "SNAI2", "ZEB1", "ZEB2")
MIR200 = ("MIR200A", "MIR200B", "MIR200C", "MIR141", "MIR429")


# --- the graph and the model ---------------------------------------------------------------------


def load_graph(store: Path | None) -> Any:
    """The networkx projection of ``store``, or of a store built now from the curated sources."""
    from graph.store import KnowledgeStore, write_store

    if store is None:
        from ingest.pipeline import assemble, plan_sources

        kb = assemble(plan_sources())
        tmp = tempfile.mkdtemp(prefix="metakg-fidelity-")
        atexit.register(shutil.rmtree, tmp, ignore_errors=True)
        store = Path(tmp) / "store"
        write_store(store, kb.nodes, kb.edges, kb.hierarchy, sources=[], version="fidelity")
    return KnowledgeStore(store).graph


def cancer_types(graph: Any) -> list[CancerType]:
    out = []
    for node, data in graph.nodes(data=True):
        if data.get("category") != "cancer_type":
            continue
        parents = tuple(
            v for _, v, d in graph.out_edges(node, data=True) if d.get("predicate") == "subclass_of"
        )
        names = (data.get("label", node), *data.get("synonyms", ()))
        out.append(CancerType(node, data.get("label", node), names, parents))
    return sorted(out, key=lambda c: c.label)


def profile_free(model: Any, cancer: str) -> dict[str, float]:
    """Distant organ label -> profile-free risk."""
    from queries.simulator import simulate

    result = simulate(model, cancer=cancer)
    distant = {e.id for e in result.distant_organs}
    return {o.organ.label: o.risk for o in result.organs if o.organ.id in distant}


def frequency_rows(graph: Any, model: Any, types: Sequence[CancerType]) -> list[dict[str, Any]]:
    """Spearman of the profile-free risk with the graph's recorded per-patient frequencies."""
    out = []
    for c in types:
        freq = {
            graph.nodes[v].get("label", v): float(d["frequency"])
            for _, v, d in graph.out_edges(c.id, data=True)
            if d.get("predicate") == "metastasizes_to" and d.get("frequency") not in (None, "")
        }
        if not freq:
            continue
        risks = profile_free(model, c.id)
        common = [o for o in freq if o in risks]
        rho = spearman([risks[o] for o in common], [freq[o] for o in common])
        out.append({"cancer": c.label, "frequencies": freq, "spearman": rho, "n": len(common)})
    return out


# --- directions ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Check:
    """Expected direction of one perturbation against a reference run of the same cancer type.

    ``expect``: ``lower`` / ``higher`` / ``same`` (the risk of any distant organ), or an organ
    label: that organ gains most (risk / reference risk) among the distant organs."""

    label: str
    expect: str
    source: str
    cancer: str = "breast cancer"
    genes: tuple[str, ...] = ()
    knockouts: tuple[str, ...] = ()
    overexpress: tuple[str, ...] = ()
    ref_genes: tuple[str, ...] = ()
    ref_knockouts: tuple[str, ...] = ()
    ref_overexpress: tuple[str, ...] = ()


def direction_checks() -> list[Check]:
    s3 = "clinical-sites.md s3"
    checks = [
        Check(f"{g} knockout, EMT profile", "lower", s3, genes=EMT, knockouts=(g,), ref_genes=EMT)
        for g in EMT
    ]
    emt_cdh1 = (*EMT, "CDH1")
    checks += [
        Check(
            "CDH1 knockout, EMT+CDH1 profile",
            "higher",
            s3,
            genes=emt_cdh1,
            knockouts=("CDH1",),
            ref_genes=emt_cdh1,
        ),
        Check(
            "CDH1 overexpression, EMT profile",
            "lower",
            s3,
            genes=EMT,
            overexpress=("CDH1",),
            ref_genes=EMT,
        ),
        Check(
            "miR-200 family overexpression, ZEB1+ZEB2 profile",
            "lower",
            s3,
            genes=("ZEB1", "ZEB2"),
            overexpress=MIR200,
            ref_genes=("ZEB1", "ZEB2"),
        ),
        Check(
            "miR-200 overexpression after ZEB1+ZEB2 knockout (epistasis)",
            "same",
            "issue 9 point 4",
            genes=("ZEB1", "ZEB2"),
            knockouts=("ZEB1", "ZEB2"),
            overexpress=MIR200,
            ref_genes=("ZEB1", "ZEB2"),
            ref_knockouts=("ZEB1", "ZEB2"),
        ),
        # A miRNA acts through its targets, and the experiments overexpressed each one in
        # cells that express them (ref 30: SOX4 and tenascin C; ref 80: HOXD10 restraining
        # RhoC). Since simulator 2.0.0 a gene the profile does not list is not expressed, so
        # with an empty profile these miRNAs change nothing by construction (not counted).
        Check("miR-335 overexpression, SOX4+TNC profile", "lower", s3, genes=("SOX4", "TNC"),
              overexpress=("MIR335",), ref_genes=("SOX4", "TNC")),
        Check("miR-126 overexpression", "lower", s3, overexpress=("MIR126",)),
        Check("miR-10b overexpression, HOXD10+RHOC profile", "higher", s3,
              genes=("HOXD10", "RHOC"), overexpress=("MIR10B",), ref_genes=("HOXD10", "RHOC")),
    ]
    checks += [
        Check(f"{g} overexpression (suppressor)", "lower", s3, overexpress=(g,))
        for g in ("KISS1", "CD82", "NME1")
    ]
    checks += [
        Check(f"{name} profile", organ.capitalize(), s3, cancer=cancer, genes=genes)
        for name, cancer, organ, genes in NAMED_SETS
    ]
    checks.append(
        Check(
            "TWIST1 knockout, empty profile (absent gene)",
            "same",
            "issue 9 point 5",
            knockouts=("TWIST1",),
        )
    )
    return checks


def _run(model: Any, cancer: str, genes: Sequence[str], ko: Sequence[str], oe: Sequence[str]):  # noqa: ANN202
    from queries.simulator import simulate

    return simulate(
        model, cancer=cancer, genes=list(genes), knockouts=list(ko), overexpress=list(oe)
    )


def run_check(model: Any, check: Check) -> dict[str, Any]:
    after = _run(model, check.cancer, check.genes, check.knockouts, check.overexpress)
    before = _run(model, check.cancer, check.ref_genes, check.ref_knockouts, check.ref_overexpress)
    missing = sorted(
        {g.input for g in after.genes if g.status not in ("recognised", "no_cascade_role")}
    )
    row: dict[str, Any] = {"check": check.label, "expected": check.expect, "source": check.source}
    if missing:
        return {**row, "verdict": "N/A", "observed": f"not in the graph: {', '.join(missing)}"}
    if check.expect in ("lower", "higher", "same"):
        a, b = after.distant_risk, before.distant_risk
        rel = (a - b) / b if b else 0.0
        seen = "same" if abs(rel) < TOL else ("lower" if rel < 0 else "higher")
        observed = f"{seen}: distant risk {b:.4f} -> {a:.4f} ({rel * 100:+.1f}%)"
    else:
        distant = {e.id for e in after.distant_organs}
        base = {o.organ.id: o.risk for o in before.organs}
        folds = sorted(
            (
                (o.risk / base[o.organ.id] if base[o.organ.id] else math.inf, o.organ.label)
                for o in after.organs
                if o.organ.id in distant
            ),
            reverse=True,
        )
        seen = folds[0][1]
        observed = "gain " + ", ".join(f"{label} x{f:.2f}" for f, label in folds[:3])
    verdict = "PASS" if seen.lower() == check.expect.lower() else "FAIL"
    return {**row, "verdict": verdict, "observed": observed}


# --- null model and sensitivity ------------------------------------------------------------------


def gene_sets(graph: Any, model: Any) -> list[tuple[str, str, str, tuple[str, ...]]]:
    """The issue's named sets, then every (cancer type, organ) set of the graph: genes with a
    ``mediates_metastasis_to`` assertion that promotes spread to that organ in that cancer type
    (at least 3 genes)."""
    found: dict[tuple[str, str], set[str]] = {}
    for u, v, d in graph.edges(data=True):
        if d.get("predicate") != "mediates_metastasis_to" or d.get("direction") != "promotes":
            continue
        if not d.get("cancer_type"):
            continue
        key = (d["cancer_type"], graph.nodes[v].get("label", v))
        found.setdefault(key, set()).add(graph.nodes[u].get("label", u))
    out = list(NAMED_SETS)
    for (cancer, organ), genes in sorted(found.items()):
        if len(genes) >= 3:
            label = graph.nodes[cancer].get("label", cancer)
            out.append((f"{label}->{organ} (graph)", cancer, organ.lower(), tuple(sorted(genes))))
    return out


def null_rows(
    model: Any, sets: Sequence[tuple[str, str, str, tuple[str, ...]]], permutations: int, seed: int
) -> list[dict[str, Any]]:
    from queries.simulator import null_model

    rows = []
    for name, cancer, organ, genes in sets:
        report = null_model(
            model, cancer=cancer, genes=list(genes), permutations=permutations, seed=seed
        )
        unknown = [
            g.input for g in report.genes if g.status not in ("recognised", "no_cascade_role")
        ]
        folds = sorted(
            (
                (o.observed_risk / o.baseline_risk if o.baseline_risk else math.inf, o.organ.label)
                for o in report.organs
                if o.organ.label.lower() != "lymph node"
            ),
            reverse=True,
        )
        named = report.organ(organ)
        rows.append(
            {
                "set": name,
                "cancer": report.cancer.label,
                "organ": named.organ.label,
                "genes": list(genes),
                "unresolved": unknown,
                "p": named.p_value,
                "gain": named.observed_risk / named.baseline_risk if named.baseline_risk else None,
                "top_gain_organ": folds[0][1],
                "top_gain": folds[0][0],
                "distant_p": report.distant.p_value,
            }
        )
    return rows


def sensitivity_rows(
    model: Any, profiles: Sequence[tuple[str, str, tuple[str, ...]]]
) -> list[dict[str, Any]]:
    from queries.simulator import sensitivity

    rows = []
    for name, cancer, genes in profiles:
        rep = sensitivity(model, cancer=cancer, genes=list(genes), perturbation=0.5)
        rows.append(
            {
                "profile": name,
                "top": rep.top.label,
                "min_spearman": rep.min_correlation,
                "median_spearman": rep.median_correlation,
                "top_kept": rep.top_kept,
                "runs": rep.perturbations,
            }
        )
    return rows


# --- report --------------------------------------------------------------------------------------


def _f(x: float | None, digits: int = 3) -> str:
    return "n/a" if x is None else f"{x:.{digits}f}"


def _mean(values: Iterable[float | None]) -> float | None:
    vals = [v for v in values if v is not None]
    return sum(vals) / len(vals) if vals else None


def ranking_text(risks: Mapping[str, float]) -> str:
    ranks = tied_ranks(risks)
    order = sorted(risks, key=lambda o: (-risks[o], o))
    return ", ".join(f"{rank_text(ranks[o])} {o} {risks[o]:.4f}" for o in order)


def measure(args: argparse.Namespace) -> tuple[dict[str, Any], list[str]]:
    """Every figure (flat, for --compare) and the printed report."""
    from queries.simulator import build_model

    clock = time.perf_counter()
    table = parse_sites(args.sites.read_text(encoding="utf-8"), str(args.sites))
    graph = load_graph(args.store)
    model = build_model(graph)
    types = cancer_types(graph)
    fig: dict[str, Any] = {}
    out = [
        f"metakg fidelity benchmark; parameters {model.parameters.version}; "
        f"NCI table from {args.sites}"
    ]

    out.append("\n== 1. Profile-free organ ranking of every cancer type (distant organs) ==")
    risks = {c.label: profile_free(model, c.id) for c in types}
    rows, notes = site_rows(types, risks, table)
    for c in types:
        out.append(f"  {c.label}: {ranking_text(risks[c.label])}")
        fig[f"ranking.{c.label}"] = " > ".join(
            sorted(risks[c.label], key=lambda o: -risks[c.label][o])
        )
    for g in ("site", "organ"):
        out.append(
            f"\n  NCI sets, {g} granularity: precision at k (k = modelled sites of the "
            "set); fixed-ranking baselines; rank of each listed site"
        )
        out.append(
            f"  {'primary':<9} {'cancer type':<34} {'k':>2} {'model':>6} {'nci-cnt':>7} "
            f"{'best-fix':>8}  ranks"
        )
        for r in (r for r in rows if r.granularity == g):
            star = "" if r.representative else " (also)"
            ranks = "; ".join(f"{s} {v}" for s, v in r.ranks.items())
            out.append(
                f"  {r.primary:<9} {r.cancer + star:<34} {r.k:>2} {_f(r.precision):>6} "
                f"{_f(r.baselines['fixed_nci_count']):>7} "
                f"{_f(r.baselines['fixed_best']):>8}  {ranks}"
            )
            key = f"sites.{g}.{r.primary}/{r.cancer}"
            fig[f"{key}.precision"] = r.precision
            if g == "site":
                for s, v in r.ranks.items():
                    fig[f"{key}.rank.{s}"] = v
        for scope, pick in (("primaries", True), ("all matched types", False)):
            chosen = [r for r in rows if r.granularity == g and (r.representative or not pick)]
            m = _mean(r.precision for r in chosen)
            b1 = _mean(r.baselines["fixed_nci_count"] for r in chosen)
            b2 = _mean(r.baselines["fixed_best"] for r in chosen)
            out.append(
                f"  MEAN over {scope} ({len(chosen)}), {g}: model {_f(m)} | one fixed "
                f"ranking: NCI-count order {_f(b1)}, best fixed order {_f(b2)}"
            )
            tag = "primaries" if pick else "all"
            fig[f"sites.{g}.mean_{tag}.model"] = m
            fig[f"sites.{g}.mean_{tag}.fixed_nci_count"] = b1
            fig[f"sites.{g}.mean_{tag}.fixed_best"] = b2
    out += [f"  - {n}" for n in notes]
    out.append(
        "  - 'site' merges pleura into lung and bone marrow into bone; NCI 'other lung' "
        "is the lung organ. Representative type per primary: the shortest-named type "
        "without a matched parent; '(also)' rows are not in the primaries' mean."
    )

    out.append("\n== 2. Spearman of profile-free risk with recorded per-patient frequencies ==")
    out.append(
        "  source: the graph's metastasizes_to frequencies (Hess et al. 2006 abstract "
        "numbers, clinical-sites.md s2); needs >= 3 organs with a number"
    )
    freqs = frequency_rows(graph, model, types)
    for f in freqs:
        shown = ", ".join(f"{o} {v:.2f}" for o, v in f["frequencies"].items())
        why = "" if f["spearman"] is not None else f" (only {f['n']} organ(s) with a number)"
        out.append(f"  {f['cancer']:<27} rho {_f(f['spearman'])}{why}  [{shown}]")
        fig[f"spearman.{f['cancer']}"] = f["spearman"]
    if not any(f["spearman"] is not None for f in freqs):
        out.append("  => n/a for every cancer type: no type has 3 organs with a frequency")

    out.append("\n== 3. Knockout / overexpression directions (risk of any distant organ) ==")
    checks = [run_check(model, c) for c in direction_checks()]
    for c in checks:
        out.append(
            f"  {c['verdict']:<4}  {c['check']:<60} expected {c['expected']:<6} "
            f"observed {c['observed']}  [{c['source']}]"
        )
        fig[f"directions.{c['check']}"] = f"{c['verdict']} {c['observed']}"
    passed = sum(c["verdict"] == "PASS" for c in checks)
    na = sum(c["verdict"] == "N/A" for c in checks)
    out.append(
        f"  DIRECTIONS: {passed} PASS of {len(checks) - na} assessable "
        f"({na} not assessable: gene not in the graph)"
    )
    fig["directions.pass"] = passed
    fig["directions.assessable"] = len(checks) - na

    out.append(f"\n== 4. Null model: {args.permutations} permutations, seed {args.seed} ==")
    sets = gene_sets(graph, model)
    nulls = null_rows(model, sets, args.permutations, args.seed)
    for n in nulls:
        unresolved = f" UNRESOLVED {n['unresolved']}" if n["unresolved"] else ""
        out.append(
            f"  {n['set']:<36} p({n['organ']}) = {n['p']:.4f}, gain x{_f(n['gain'], 2)};"
            f" most gain: {n['top_gain_organ']} x{_f(n['top_gain'], 2)}; p(any distant)"
            f" = {n['distant_p']:.4f}{unresolved}"
        )
        out.append(f"  {'':<36} genes: {', '.join(n['genes'])}")
        fig[f"null.{n['set']}.p"] = n["p"]
        fig[f"null.{n['set']}.gain"] = n["gain"]
        fig[f"null.{n['set']}.most_gain"] = n["top_gain_organ"]

    out.append("\n== 5. Sensitivity: every numeric parameter -/+50%, one at a time ==")
    profiles = [("breast cancer, no profile", "breast cancer", ())]
    profiles += [(name, cancer, genes) for name, cancer, _, genes in NAMED_SETS]
    for s in sensitivity_rows(model, profiles):
        out.append(
            f"  {s['profile']:<26} top {s['top']:<10} min Spearman "
            f"{s['min_spearman']:.3f}, median {s['median_spearman']:.3f}; top organ kept "
            f"in {s['top_kept']:.0%} of {s['runs']} runs"
        )
        fig[f"sensitivity.{s['profile']}.min_spearman"] = s["min_spearman"]
        fig[f"sensitivity.{s['profile']}.top_kept"] = s["top_kept"]
    out.append(f"\n(ran in {time.perf_counter() - clock:.1f} s)")
    return fig, out


def compare(before: Mapping[str, Any], after: Mapping[str, Any]) -> list[str]:
    """Each figure before -> after (figures present in one run only are marked)."""
    lines = ["== BEFORE -> AFTER =="]
    for key in [*before, *(k for k in after if k not in before)]:
        a, b = before.get(key, "(absent)"), after.get(key, "(absent)")
        fa = _f(a) if isinstance(a, float) else str(a)
        fb = _f(b) if isinstance(b, float) else str(b)
        mark = "" if fa == fb else "  *"
        lines.append(f"  {key}: {fa} -> {fb}{mark}")
    return lines


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--store", type=Path, help="a built store (default: build one now)")
    parser.add_argument("--sites", type=Path, default=SITES_FILE, help="clinical-sites.md")
    parser.add_argument("--permutations", type=int, default=PERMUTATIONS)
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--json", type=Path, help="write every figure to this JSON file")
    parser.add_argument("--compare", type=Path, help="a BEFORE.json to print before -> after")
    args = parser.parse_args(argv)
    if not args.sites.is_file():
        parser.error(f"--sites: {args.sites} not found (the shared clinical-sites.md)")
    import queries.simulator as sim

    print(f"simulator: {Path(sim.__file__).parent}")
    fig, lines = measure(args)
    print("\n".join(lines))
    if args.json is not None:
        args.json.write_text(json.dumps({"figures": fig}, indent=1) + "\n", encoding="utf-8")
    if args.compare is not None:
        before = json.loads(args.compare.read_text(encoding="utf-8"))["figures"]
        print("\n" + "\n".join(compare(before, fig)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
