"""Figures of a simulation (``metakg simulate --figure risk.svg|risk.png``).

One picture with two panels (three in cells mode):

* organ risks: one row per organ, by rank, a horizontal bar for the baseline (the cancer type
  with no profile) and one for the profile, with the risk, the change and the expected
  latency class written beside it;
* top paths: for the first organs by rank, the best path through the cascade as a row of
  boxes, one column per hop (primary tumour, local invasion, intravasation, survival in the
  circulation, arrest and extravasation, latency, colonization; a relay route adds its relay
  hops), each box giving the hop's probability against its baseline and the genes that act
  there with the direction and size of their effect and the review's reference numbers;
* cells mode: the cells per organ and stage (dormant, micrometastasis, macrometastasis).

matplotlib draws with the Agg backend (no display); the format follows the file's suffix.
SVG text stays text (searchable), and the SVG is the same for the same result.
"""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")

from matplotlib import pyplot as plt  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch  # noqa: E402

from queries.simulator import CascadePath, Hop, SimulationResult  # noqa: E402

FORMATS = {".svg": "svg", ".png": "png"}
PATH_ORGANS = 4  # organs whose top path is drawn
BASELINE_COLOUR = "#b8bcc2"
PROFILE_COLOUR = "#2f6db5"
RAISES, LOWERS, SAME = "#c0392b", "#1e8449", "#5d6d7e"
STAGES = (
    ("dormant", "Dormant", "#d5dbe1"),
    ("micrometastasis", "Micrometastasis", "#f0b27a"),
    ("macrometastasis", "Macrometastasis", "#c0392b"),
    ("secondary", "Secondary (from a relay)", "#7d3c98"),
)
_EFFECTS_SHOWN = 4


class FigureError(ValueError):
    """A figure that cannot be written (unknown suffix, unwritable place)."""


def figure_format(path: Path) -> str:
    """``svg`` or ``png`` from the file's suffix; :class:`FigureError` for any other."""
    found = FORMATS.get(Path(path).suffix.casefold())
    if found is None:
        raise FigureError(
            f"cannot tell the figure format of '{path}': give a file name ending in .svg or .png"
        )
    return found


def render(result: SimulationResult, *, path_organs: int = PATH_ORGANS) -> Figure:
    """The figure of ``result`` (a matplotlib Figure, not yet saved)."""
    organs = result.organs
    shown = [o for o in organs[:path_organs] if o.paths]
    columns = max((len(o.paths[0].hops) + 1 for o in shown), default=1)
    risk_height = 0.9 + 0.42 * len(organs)
    path_height = 0.5 + 1.9 * len(shown)
    cells = result.cells is not None
    cells_height = 0.9 + 0.42 * len(organs) if cells else 0.0
    width = max(15.0, 2.25 * columns + 1.0)
    fig = plt.figure(
        figsize=(width, 1.3 + risk_height + path_height + cells_height), layout="constrained"
    )
    ratios = [risk_height, path_height] + ([cells_height] if cells else [])
    axes = fig.subplots(len(ratios), 1, height_ratios=ratios)
    profile = _profile_text(result)
    fig.suptitle(
        f"{result.cancer.label}: organ risks and top cascade paths\n{profile}",
        fontsize=13,
        fontweight="bold",
    )
    _risk_panel(axes[0], result)
    _paths_panel(axes[1], result, shown, columns)
    if cells:
        _cells_panel(axes[2], result)
    fig.text(
        0.995,
        0.002,
        f"metakg simulator, parameters {result.parameters_version}; knowledge-driven scores, "
        "not clinical probabilities",
        ha="right",
        va="bottom",
        fontsize=7,
        color="#777777",
    )
    return fig


def write_figure(result: SimulationResult, path: Path, **options: Any) -> Path:
    """Render ``result`` and save it to ``path`` as SVG or PNG (by suffix)."""
    path = Path(path)
    fmt = figure_format(path)
    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": "metakg"}):
        fig = render(result, **options)
        try:
            metadata = {"Date": None} if fmt == "svg" else {"Software": "metakg"}
            fig.savefig(path, format=fmt, dpi=110, metadata=metadata)
        except OSError as exc:
            raise FigureError(
                f"cannot write the figure to '{path}': {exc.strerror or exc}"
            ) from exc
        finally:
            plt.close(fig)
    return path


# --- panels -------------------------------------------------------------------------------------


def _profile_text(result: SimulationResult) -> str:
    parts = []
    for role, title in (("profile", "genes"), ("knockout", "knockout"), ("overexpression", "up")):
        names = [
            g.gene.label if g.gene is not None else f"{g.input} (unknown)"
            for g in result.genes
            if g.role == role and (g.level is not None or g.gene is None)
        ]
        if names:
            parts.append(f"{title}: {', '.join(names)}")
    text = "; ".join(parts) or "no gene profile (baseline)"
    return textwrap.shorten(text, 160, placeholder=" ...")


def _risk_panel(ax: Any, result: SimulationResult) -> None:
    organs = result.organs
    labels = [f"{o.rank}. {o.organ.label}" for o in organs]
    ys = list(range(len(organs)))
    height = 0.38
    ax.barh(
        [y - height / 2 for y in ys],
        [o.baseline_risk for o in organs],
        height=height,
        color=BASELINE_COLOUR,
        label="baseline (no profile)",
    )
    ax.barh(
        [y + height / 2 for y in ys],
        [o.risk for o in organs],
        height=height,
        color=PROFILE_COLOUR,
        label="with the profile",
    )
    top = max([o.risk for o in organs] + [o.baseline_risk for o in organs] + [1e-9])
    ax.set_xlim(0, top * 1.55)
    for y, o in zip(ys, organs, strict=True):
        latency = o.latency.latency_class.label if o.latency.latency_class else "unknown"
        colour = RAISES if o.change > 5e-5 else LOWERS if o.change < -5e-5 else SAME
        ax.text(
            max(o.risk, o.baseline_risk) + top * 0.015,
            y,
            f"{o.risk:.3f} ({o.change:+.3f}); latency {latency}",
            va="center",
            fontsize=8.5,
            color=colour,
        )
    ax.set_yticks(ys, labels, fontsize=9.5)
    ax.invert_yaxis()
    ax.set_xlabel("risk score (knowledge-driven, 0 to 1)")
    ax.set_title(
        f"Organ risks, by rank; any distant organ {result.distant_risk:.3f} "
        f"(baseline {result.baseline_distant_risk:.3f})",
        loc="left",
        fontsize=11,
    )
    ax.legend(loc="lower right", fontsize=8.5, frameon=False)
    ax.spines[["top", "right"]].set_visible(False)
    ax.grid(axis="x", color="#eeeeee")
    ax.set_axisbelow(True)


def _paths_panel(ax: Any, result: SimulationResult, shown: list[Any], columns: int) -> None:
    ax.set_xlim(-0.05, columns)
    ax.set_ylim(len(shown) + 0.05, -0.1)
    ax.axis("off")
    ax.set_title(
        "Top path per organ: one column per cascade hop (p with profile vs baseline; "
        "genes acting there, log-odds shift, references)",
        loc="left",
        fontsize=11,
    )
    if not shown:
        ax.text(0.5, 0.3, "no paths", ha="center", fontsize=10)
        return
    for row, organ in enumerate(shown):
        path = organ.paths[0]
        _path_row(ax, row, organ, path)


def _path_row(ax: Any, row: int, organ: Any, path: CascadePath) -> None:
    top = row + 0.08
    box_h = 0.8
    route = f"route via {path.relay.label}" if path.relay else f"{path.route} route"
    ax.text(
        0.0,
        row - 0.02,
        f"{organ.rank}. {organ.organ.label}: {route}, "
        f"p = {path.probability:.4f} (baseline {path.baseline_probability:.4f})",
        fontsize=9.5,
        fontweight="bold",
        va="bottom",
    )
    boxes = [("Primary tumour", [path.start.label], SAME, None)]
    boxes += [_hop_box(hop) for hop in path.hops]
    for col, (title, lines, colour, _hop) in enumerate(boxes):
        left = col + 0.04
        ax.add_patch(
            FancyBboxPatch(
                (left, top),
                0.86,
                box_h,
                boxstyle="round,pad=0.0,rounding_size=0.04",
                facecolor="#ffffff" if colour == SAME else _tint(colour),
                edgecolor=colour,
                linewidth=1.3,
            )
        )
        heading = textwrap.wrap(title, 22)[:3]
        ax.text(
            left + 0.43,
            top + 0.05,
            "\n".join(heading),
            ha="center",
            va="top",
            fontsize=8.5,
            fontweight="bold",
        )
        ax.text(
            left + 0.04,
            top + 0.1 + 0.09 * len(heading),
            "\n".join(lines),
            ha="left",
            va="top",
            fontsize=8,
            color="#222222",
            linespacing=1.25,
        )
        if col:
            ax.add_patch(
                FancyArrowPatch(
                    (left - 0.09, top + box_h / 2),
                    (left - 0.005, top + box_h / 2),
                    arrowstyle="-|>",
                    mutation_scale=9,
                    color="#555555",
                )
            )


def _hop_box(hop: Hop) -> tuple[str, list[str], str, Hop]:
    change = hop.probability - hop.baseline_probability
    colour = RAISES if change > 5e-4 else LOWERS if change < -5e-4 else SAME
    title = hop.label
    if hop.step is not None and hop.kind == "step" and hop.step.label not in hop.label:
        title = f"{hop.step.label}: {hop.label}"
    lines = [f"p {hop.probability:.3f} (base {hop.baseline_probability:.3f})"]
    effects = sorted(hop.effects, key=lambda e: (-abs(e.shift), e.gene.label))
    for effect in effects[:_EFFECTS_SHOWN]:
        arrow = "\u2191" if effect.direction == "raises" else "\u2193"
        refs = _refs(effect.assertion)
        state = "" if effect.state == "profile" else f" {_state(effect.state)}"
        lines.append(f"{arrow} {effect.gene.label}{state} {effect.shift:+.2f} [{refs}]")
    if len(effects) > _EFFECTS_SHOWN:
        lines.append(f"+{len(effects) - _EFFECTS_SHOWN} more genes")
    if not effects:
        facts = [f for f in hop.facts if f.edge is not None]
        for fact in facts[:2]:
            lines.append(f"{fact.kind.replace('_', ' ')} {fact.value:+.1f} [{_refs(fact.edge)}]")
        if not facts:
            lines.append("parameters only" if hop.evidence != "graph" else "graph facts")
    return title, lines, colour, hop


def _refs(edge: Any, most: int = 3) -> str:
    """An assertion's review reference numbers (``*`` for a paper outside the review)."""
    numbers = [str(r.number) if r.number is not None else "*" for r in edge.references]
    return ",".join(numbers[:most]) + (",..." if len(numbers) > most else "")


def _state(state: str) -> str:
    return {"knockout": "KO", "overexpression": "OE", "down": "down"}.get(state, state)


def _tint(colour: str) -> str:
    """A pale version of ``colour`` for a box's fill."""
    r, g, b = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    mix = [round(255 - (255 - c) * 0.12) for c in (r, g, b)]
    return "#" + "".join(f"{c:02x}" for c in mix)


def _cells_panel(ax: Any, result: SimulationResult) -> None:
    cells = result.cells
    assert cells is not None
    organs = list(cells.organs)
    ys = list(range(len(organs)))
    left = [0.0] * len(organs)
    for key, label, colour in STAGES:
        values = [getattr(o, key).fraction * 100 for o in organs]
        ax.barh(ys, values, left=left, color=colour, label=label, height=0.6)
        left = [a + b for a, b in zip(left, values, strict=True)]
    top = max(left + [1e-9])
    for y, o in zip(ys, organs, strict=True):
        macro = o.macrometastasis
        ax.text(
            left[y] + top * 0.01,
            y,
            f"{macro.count:,} macro ({macro.low * 100:.2f}-{macro.high * 100:.2f}%); "
            f"{o.arrested.count:,} arrived",
            va="center",
            fontsize=8.5,
        )
    ax.set_xlim(0, top * 1.6)
    ax.set_yticks(ys, [o.organ.label for o in organs], fontsize=9.5)
    ax.invert_yaxis()
    ax.set_xlabel(f"% of {cells.cells:,} disseminated cells (seed {cells.seed})")
    ax.set_title(
        "Cells mode: where the cells end, per organ (extravasated cells by stage)",
        loc="left",
        fontsize=11,
    )
    ax.legend(loc="lower right", fontsize=8.5, frameon=False)
    ax.spines[["top", "right"]].set_visible(False)
