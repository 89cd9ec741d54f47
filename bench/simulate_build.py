"""The simulator's model build and one cancer type's arrays, measured in a process of its own.

``bench/simulate.py`` runs :func:`measure` once per code path, each in a fresh subprocess
(``--child baseline`` or ``--child product``), so that neither path's peak memory includes the
other's. In that process the synthetic graph is generated first (input preparation, not
timed); then, with the graph loaded:

* time: the model build (``build_model``; the baseline: ``bench/baseline_simulator.py``) and
  the arrays of one cancer type (``model.context``; the baseline:
  ``bench/baseline_context.py``), wall clock (``time.perf_counter``) and CPU time;
* memory: the process's peak resident set size during those two steps, minus the resident
  set size just before them (the loaded graph). Linux lets a process reset its recorded peak
  (``/proc/self/clear_refs``, value 5) and read it back (``VmHWM`` in ``/proc/self/status``);
  where that is not possible the whole run's peak (``ru_maxrss``) is used and marked as an
  upper bound. ``kept``: resident set growth still held after both steps (model + arrays);
* answers: SHA-256 digests of the cancer type's arrays (baseline log-odds, arrival, gene
  effects, routes) and of ``simulate(...).to_dict()`` for the benchmark's profile, so the
  parent can check that both paths answer the same.
"""

from __future__ import annotations

import gc
import hashlib
import json
import resource
import time
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np

_STATUS = Path("/proc/self/status")
_CLEAR = Path("/proc/self/clear_refs")


def rss_mb() -> float:
    """The resident set size now, MB."""
    for line in _STATUS.read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def reset_peak() -> bool:
    """Start recording the peak resident set size afresh (Linux); False if not possible."""
    try:
        _CLEAR.write_text("5")
    except OSError:
        return False
    return True


def peak_mb() -> float:
    for line in _STATUS.read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _digest(*parts: Any) -> str:
    h = hashlib.sha256()
    for part in parts:
        if isinstance(part, np.ndarray):
            h.update(str(part.dtype).encode() + str(part.shape).encode())
            h.update(np.ascontiguousarray(part).tobytes())
        else:
            h.update(json.dumps(part, sort_keys=True).encode())
    return h.hexdigest()[:16]


def measure(path: str, graph: nx.MultiDiGraph, cancer: str, profile: list[str]) -> dict[str, Any]:
    """Build the model and one cancer type's arrays the ``path`` way ("baseline" or
    "product"), with the graph loaded; returns the numbers (see the module docstring)."""
    from queries.simulator import build_model, simulate

    gc.collect()
    before = rss_mb()
    exact = reset_peak()
    wall, cpu = time.perf_counter(), time.process_time()
    if path == "baseline":
        import baseline_context
        import baseline_simulator

        model = baseline_simulator.build_model(graph)
    else:
        model = build_model(graph)  # cached, as the CLI and the server keep it
    build_s, build_cpu = time.perf_counter() - wall, time.process_time() - cpu
    cancer_id = model.index.resolve(cancer).node_id
    wall, cpu = time.perf_counter(), time.process_time()
    if path == "baseline":
        ctx = baseline_context.use(model, cancer_id)
    else:
        ctx = model.context(cancer_id)  # type: ignore[arg-type]
    context_s, context_cpu = time.perf_counter() - wall, time.process_time() - cpu
    peak = peak_mb() - before
    kept = rss_mb() - before
    answer = simulate(model, cancer=cancer, genes=profile).to_dict()
    return {
        "path": path,
        "build_s": build_s,
        "build_cpu": build_cpu,
        "context_s": context_s,
        "context_cpu": context_cpu,
        "graph_mb": before,
        "peak_mb": peak,
        "peak_exact": exact,
        "kept_mb": kept,
        "arrays": _digest(ctx.base, ctx.arrival, ctx.effects, ctx.route_steps),
        "answer": _digest(answer),
        "genes": len(model.genes),
        "cancers": len(model.cancers),
    }


def report(results: dict[str, dict[str, Any]], associations: int) -> list[str]:
    """The comparison table: each path's time and memory, the ratio, the targets."""
    lines = [
        f"\nmodel build + one cancer type's arrays, synthetic graph of {associations:,} "
        "associations (each path in its own process, graph loaded; memory = peak RSS during "
        "the two steps minus RSS with the graph loaded)",
        f"  {'path':<22}{'build':>9}{'arrays':>9}{'total':>9}{'(CPU)':>9}"
        f"{'peak +RSS':>12}{'kept':>10}",
    ]
    names = {"baseline": "today's code (baseline)", "product": "now"}
    for path, r in results.items():
        total = r["build_s"] + r["context_s"]
        mark = "" if r["peak_exact"] else " (upper bound: whole run)"
        lines.append(
            f"  {names[path]:<22}{r['build_s']:>8.2f}s{r['context_s']:>8.2f}s{total:>8.2f}s"
            f"{r['build_cpu'] + r['context_cpu']:>8.2f}s{r['peak_mb']:>9,.0f} MB"
            f"{r['kept_mb']:>7,.0f} MB{mark}"
        )
    now = results.get("product")
    base = results.get("baseline")
    if now and base:
        t_now, t_base = now["build_s"] + now["context_s"], base["build_s"] + base["context_s"]
        lines.append(
            f"  {'ratio (baseline/now)':<22}{base['build_s'] / now['build_s']:>8.1f}x"
            f"{base['context_s'] / now['context_s']:>8.1f}x{t_base / t_now:>8.1f}x{'':>9}"
            f"{base['peak_mb'] / max(now['peak_mb'], 1.0):>10.1f}x"
        )
        same = now["arrays"] == base["arrays"] and now["answer"] == base["answer"]
        lines.append(
            "  same answers: "
            + ("yes" if same else "NO")
            + f" (arrays {now['arrays']} / {base['arrays']}, simulate JSON "
            f"{now['answer']} / {base['answer']})"
        )
    if now:
        total = now["build_s"] + now["context_s"]
        lines.append(
            f"  targets: total < 10 s {'meets' if total < 10 else 'MISSES'} ({total:.2f} s); "
            f"peak < 1.5 GB {'meets' if now['peak_mb'] < 1536 else 'MISSES'} "
            f"({now['peak_mb']:,.0f} MB)"
        )
    return lines
