"""The simulator's interfaces: `metakg simulate` (every flag), `POST /api/v1/simulate` (the
Flask test client and a real `metakg serve`), the figure, and bad input.

The command line and the HTTP route share one function (server.http.api_simulate.answer); the
tests still compare their actual outputs byte-for-byte as JSON for the same input, and check
the answers against the simulator called directly, so a difference in either surface fails.
"""

from __future__ import annotations

import json
import re
import struct
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from queries.simulator import MAX_CELLS, rank_targets, simulate
from server.cli.commands import main
from server.figures import render, write_figure
from server.http.api_simulate import MAX_NULL

LUNG = ["EREG", "PTGS2", "MMP1", "ANGPTL4"]
URL = "/api/v1/simulate"
TIMING = ("elapsed", "elapsed_ms", "seconds", "timing")


# --- helpers ------------------------------------------------------------------------------------


def cli(runner: CliRunner, store_path: Path, *args: str, code: int = 0) -> Any:
    result = runner.invoke(main, ["simulate", "--store", str(store_path), *args])
    assert result.exit_code == code, result.output
    return result


def cli_json(runner: CliRunner, store_path: Path, *args: str) -> dict[str, Any]:
    return json.loads(cli(runner, store_path, *args, "--format", "json").stdout)


def post(client: Any, body: Any, status: int = 200) -> Any:
    # json.dumps keeps the order of a genes mapping (the test client's json= sorts keys)
    response = client.post(URL, data=json.dumps(body), content_type="application/json")
    assert response.status_code == status, response.get_data(as_text=True)
    if status >= 400:
        assert response.mimetype == "application/problem+json"
        problem = response.json
        assert problem["status"] == status and problem["title"] and problem["detail"]
    else:
        assert response.mimetype == "application/json"
    return response.json


def without_timing(value: Any) -> Any:
    """The document without timing fields (there are none today; a future one must not make
    the CLI and HTTP answers differ)."""
    if isinstance(value, dict):
        return {k: without_timing(v) for k, v in value.items() if k not in TIMING}
    if isinstance(value, list):
        return [without_timing(v) for v in value]
    return value


def organ_risk(document: dict[str, Any], label: str) -> float:
    return next(o["risk"] for o in document["organs"] if o["organ"]["label"] == label)


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


# --- the CLI and the HTTP route give the same answer ----------------------------------------


SAME_INPUTS = [
    pytest.param(["--genes", ",".join(LUNG)], {"genes": LUNG}, id="paths"),
    pytest.param(
        ["--genes", ",".join(LUNG), "--mode", "cells", "--cells", "20000", "--seed", "7"],
        {"genes": LUNG, "mode": "cells", "cells": 20000, "seed": 7},
        id="cells-seeded",
    ),
    pytest.param(
        [
            "--genes",
            "EREG,COX2",
            "--genes",
            "MMP1,ANGPTL4,NOTAGENE",
            "--knockout",
            "PTGS2",
            "--overexpress",
            "MIR335",
            "--top-paths",
            "2",
            "--rank-targets",
            "--organ",
            "lung",
        ],
        {
            "genes": ["EREG", "COX2", "MMP1", "ANGPTL4", "NOTAGENE"],
            "knockouts": ["PTGS2"],
            "overexpress": ["MIR335"],
            "top_paths": 2,
            "rank_targets": True,
            "organ": "lung",
        },
        id="knockout-targets",
    ),
    pytest.param(
        ["--subtype", "basal", "--genes", "EREG", "--sensitivity", "--null", "15", "--seed", "3"],
        {"subtype": "basal", "genes": ["EREG"], "sensitivity": True, "null": 15, "seed": 3},
        id="subtype-analyses",
    ),
]


@pytest.mark.parametrize(("args", "body"), SAME_INPUTS)
def test_the_cli_and_the_http_route_give_the_same_json(
    runner: CliRunner, store_path: Path, client: Any, args: list[str], body: dict[str, Any]
) -> None:
    from_cli = cli_json(runner, store_path, "--cancer", "breast cancer", *args)
    from_http = post(client, {"cancer": "breast cancer", **body})
    assert without_timing(from_cli) == without_timing(from_http)
    assert from_cli["organs"] and from_cli["assertions"]


def test_the_answer_is_the_simulators_own_document(
    runner: CliRunner, store_path: Path, model: Any
) -> None:
    from_cli = cli_json(runner, store_path, "--cancer", "breast cancer", "--genes", ",".join(LUNG))
    direct = simulate(model, cancer="breast cancer", genes=LUNG).to_dict()
    assert from_cli == json.loads(json.dumps(direct))
    assert from_cli["organs"][0]["organ"]["label"] == "Lung"


def test_a_genes_file_with_levels_equals_the_http_mapping(
    runner: CliRunner, store_path: Path, client: Any, tmp_path: Path
) -> None:
    profile = write(
        tmp_path / "tumour.tsv",
        "# a tumour's genes\ngene\tlevel\tnote\nEREG\t1\tup\nMIR335\t-1\tlost\n\nPTGS2\t\t\n",
    )
    from_cli = cli_json(
        runner,
        store_path,
        "--cancer",
        "breast cancer",
        "--genes",
        "MMP1",
        "--genes-file",
        str(profile),
    )
    from_http = post(
        client,
        {
            "cancer": "breast cancer",
            "genes": {"MMP1": 1.0, "EREG": 1.0, "MIR335": -1.0, "PTGS2": 1.0},
        },
    )
    assert from_cli == from_http
    levels = {g["input"]: g["level"] for g in from_cli["genes"]}
    assert levels == {"MMP1": 1.0, "EREG": 1.0, "MIR335": -1.0, "PTGS2": 1.0}


def test_a_csv_genes_file_without_levels_is_a_list(
    runner: CliRunner, store_path: Path, tmp_path: Path
) -> None:
    profile = write(tmp_path / "tumour.csv", 'Gene,source\nEREG,rna\n"COX2",rna\nMMP1\nANGPTL4\n')
    from_file = cli_json(
        runner, store_path, "--cancer", "breast cancer", "--genes-file", str(profile)
    )
    from_flag = cli_json(
        runner, store_path, "--cancer", "breast cancer", "--genes", "EREG,COX2,MMP1,ANGPTL4"
    )
    assert from_file == from_flag
    assert [g["input"] for g in from_file["genes"]] == ["EREG", "COX2", "MMP1", "ANGPTL4"]


# --- every flag -----------------------------------------------------------------------------


def test_the_table_shows_ranks_changes_latency_paths_and_every_input_name(
    runner: CliRunner, store_path: Path
) -> None:
    out = cli(
        runner, store_path, "--cancer", "breast cancer", "--genes", "EREG,COX2,MMP1,ANGPTL4,FOO1X"
    ).stdout
    table = out[out.index("rank  organ") :]
    first = table.splitlines()[1].split()
    assert first[:2] == ["1", "Lung"] and first[-1] == "direct"  # rank, organ ... routes
    header = table.splitlines()[0]
    assert "change" in header and "latency" in header and "routes in the risk" in header
    assert "Distant organs (blood-borne spread)" in out
    assert "Regional lymph nodes (lymphatic spread, ranked apart)" in out
    assert "lymph nodes not included" in out
    assert "'COX2' resolved to PTGS2" in out
    assert "FOO1X [profile]: unknown" in out
    assert "FOO1X [profile]: unknown: no gene or microRNA of the graph is named 'FOO1X'" in out
    assert "FOO1X'\n  in all: 4 recognised, 1 unknown\n\nDistant organs" in out
    # the top path of every organ, with genes, effects and references
    for label in ("Lung", "Bone", "Brain", "Liver", "Skin"):
        assert f"\n{label}: direct route, p = " in out
    assert re.search(
        r"EREG \(profile\) raises \+\d\.\d\d log-odds; acts_at_step Intravasation; high; refs 61",
        out,
    )


def test_knockout_and_overexpressing_a_suppressor_lower_risks(
    runner: CliRunner, store_path: Path
) -> None:
    base = cli_json(runner, store_path, "--cancer", "breast cancer", "--genes", ",".join(LUNG))
    knocked = cli_json(
        runner,
        store_path,
        "--cancer",
        "breast cancer",
        "--genes",
        ",".join(LUNG),
        "--knockout",
        "PTGS2",
    )
    assert organ_risk(knocked, "Lung") < organ_risk(base, "Lung")
    suppressed = cli_json(
        runner,
        store_path,
        "--cancer",
        "breast cancer",
        "--genes",
        ",".join(LUNG),
        "--overexpress",
        "MIR335",
    )
    for organ in base["organs"]:
        label = organ["organ"]["label"]
        assert organ_risk(suppressed, label) <= organ["risk"] + 1e-12
    roles = {g["input"]: g["role"] for g in suppressed["genes"]}
    assert roles["MIR335"] == "overexpression"


def test_subtype(runner: CliRunner, store_path: Path) -> None:
    out = cli_json(runner, store_path, "--cancer", "breast cancer", "--subtype", "basal")
    assert "basal" in out["cancer"]["label"].casefold()
    assert out["lineage"][0]["label"] == "Breast cancer"


def test_cells_mode_is_reproducible_with_a_seed(runner: CliRunner, store_path: Path) -> None:
    args = ("--cancer", "breast cancer", "--genes", ",".join(LUNG), "--mode", "cells")
    one = cli_json(runner, store_path, *args, "--cells", "5000", "--seed", "11")
    two = cli_json(runner, store_path, *args, "--cells", "5000", "--seed", "11")
    assert one == two and one["seed"] == 11 and one["cells"]["cells"] == 5000
    table = cli(runner, store_path, *args, "--cells", "5000", "--seed", "11").stdout
    assert "Cells mode: 5,000 cells, seed 11" in table
    assert "lost at Local invasion" in table
    lung = next(line for line in table.splitlines() if line.startswith("  Lung "))
    macro = next(o for o in one["cells"]["organs"] if o["organ"]["label"] == "Lung")
    assert f"{macro['macrometastasis']['count']:,}" in lung.split()


def test_rank_targets_with_an_organ(runner: CliRunner, store_path: Path, model: Any) -> None:
    args = ("--cancer", "breast cancer", "--genes", ",".join(LUNG), "--rank-targets")
    out = cli_json(runner, store_path, *args, "--organ", "lung")
    ranking = out["target_ranking"]
    assert ranking["organ"]["label"] == "Lung" and ranking["metric"] == "organ"
    direct = rank_targets(model, cancer="breast cancer", genes=LUNG, organ="lung").to_dict()
    assert ranking == json.loads(json.dumps(direct))
    assert all(t["change"] < 0 for t in ranking["targets"])
    table = cli(runner, store_path, *args, "--organ", "lung").stdout
    assert "Knockout targets (profile genes), by the change of the risk of Lung" in table
    distant = cli_json(runner, store_path, *args)["target_ranking"]
    assert distant["organ"] is None and distant["metric"] == "distant"


def test_sensitivity_with_a_perturbation(runner: CliRunner, store_path: Path) -> None:
    args = ("--cancer", "breast cancer", "--genes", ",".join(LUNG), "--sensitivity")
    out = cli_json(runner, store_path, *args, "--perturbation", "0.25")
    report = out["sensitivity"]
    assert report["perturbation"] == 0.25
    assert report["top"]["label"] == "Lung"
    assert -1.0 <= report["min_correlation"] <= report["median_correlation"] <= 1.0
    assert cli_json(runner, store_path, *args)["sensitivity"]["perturbation"] == 0.5
    table = cli(runner, store_path, *args).stdout
    assert "Sensitivity: each of" in table and "-/+50%" in table


def test_null_model(runner: CliRunner, store_path: Path) -> None:
    args = ("--cancer", "breast cancer", "--genes", ",".join(LUNG), "--null", "25", "--seed", "5")
    out = cli_json(runner, store_path, *args)
    report = out["null_model"]
    assert report["permutations"] == 25 and report["seed"] == 5
    assert {o["organ"]["label"] for o in report["organs"]} == {
        o["organ"]["label"] for o in out["organs"]
    }
    assert all(1 / 26 <= o["p_value"] <= 1 for o in report["organs"])
    assert cli_json(runner, store_path, *args) == out  # the seed makes it reproducible
    table = cli(runner, store_path, *args).stdout
    assert "Null model: 25 degree-preserving permutations" in table
    assert "Any distant organ" in table


def test_explain_model(runner: CliRunner, store_path: Path) -> None:
    text = cli(runner, store_path, "--explain-model").stdout
    assert "parameters version" in text
    data = json.loads(cli(runner, store_path, "--explain-model", "--format", "json").stdout)
    assert data["parameters"] and all("reason" in p for p in data["parameters"])
    assert data["steps"] and data["organs"]


# --- the figure -----------------------------------------------------------------------------


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    assert data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    assert data.rstrip(b"\x00")[-8:-4] == b"IEND"
    return width, height


@pytest.mark.parametrize("mode", ["paths", "cells"])
@pytest.mark.slow
def test_the_figure_is_a_valid_svg_naming_every_organ(
    runner: CliRunner, store_path: Path, tmp_path: Path, mode: str
) -> None:
    target = tmp_path / "risk.svg"
    result = cli(
        runner,
        store_path,
        "--cancer",
        "breast cancer",
        "--genes",
        ",".join(LUNG),
        "--knockout",
        "PTGS2",
        "--mode",
        mode,
        "--cells",
        "3000",
        "--seed",
        "1",
        "--format",
        "json",
        "--figure",
        str(target),
    )
    document = json.loads(result.stdout)  # stdout stays pure JSON
    assert f"wrote the figure to {target}" in result.stderr
    import xml.etree.ElementTree as ET

    svg = target.read_text(encoding="utf-8")
    root = ET.fromstring(svg)
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    texts = " ".join(t for t in root.itertext())
    for organ in document["organs"]:
        assert organ["organ"]["label"] in texts
    assert "Breast cancer" in texts and "knockout: PTGS2" in texts
    assert "Intravasation" in texts and re.search(r"EREG \+\d\.\d\d \[61\]", texts)
    assert "PTGS2 KO" not in texts  # the knocked-out gene no longer acts
    if mode == "cells":
        assert "Cells mode" in texts
    # the same result gives the same SVG
    again = tmp_path / "again.svg"
    cli(
        runner,
        store_path,
        "--cancer",
        "breast cancer",
        "--genes",
        ",".join(LUNG),
        "--knockout",
        "PTGS2",
        "--mode",
        mode,
        "--cells",
        "3000",
        "--seed",
        "1",
        "--figure",
        str(again),
    )
    assert again.read_bytes() == target.read_bytes()


def test_the_figure_is_a_valid_png_plotting_every_organ(
    runner: CliRunner, store_path: Path, tmp_path: Path, model: Any
) -> None:
    target = tmp_path / "risk.PNG"
    cli(runner, store_path, "--cancer", "prostate cancer", "--figure", str(target))
    width, height = png_size(target.read_bytes())
    assert width > 1000 and height > 1000
    result = simulate(model, cancer="prostate cancer")
    fig = render(result)
    try:
        risk_axes = fig.axes[0]
        labels = [t.get_text() for t in risk_axes.get_yticklabels()]
        assert labels == [f"{o.rank}. {o.organ.label}" for o in result.organs]
        bars = risk_axes.patches
        assert len(bars) == 2 * len(result.organs)  # baseline and profile per organ
        widths = sorted(round(b.get_width(), 12) for b in bars)
        expected = sorted(round(v, 12) for o in result.organs for v in (o.risk, o.baseline_risk))
        assert widths == expected
    finally:
        import matplotlib.pyplot as plt

        plt.close(fig)


def test_a_figure_needs_a_known_suffix_and_a_writable_place(
    runner: CliRunner, store_path: Path, tmp_path: Path, model: Any
) -> None:
    result = cli(runner, store_path, "--cancer", "breast cancer", "--figure", "risk.pdf", code=1)
    assert "give a file name ending in .svg or .png" in result.stderr
    missing = tmp_path / "no" / "such" / "dir" / "risk.svg"
    result = cli(runner, store_path, "--cancer", "breast cancer", "--figure", str(missing), code=1)
    assert "cannot write the figure" in result.stderr
    written = write_figure(simulate(model, cancer="colorectal cancer"), tmp_path / "c.png")
    png_size(written.read_bytes())


# --- bad input: exit 1 with a clear message, or HTTP 400 problem+json -------------------------


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--cancer", "breast cancr"], "no cancer type is named 'breast cancr'; did you mean"),
        (["--cancer", "breast cancer", "--mode", "cellz"], "mode: 'cellz' is not a mode"),
        (
            ["--cancer", "breast cancer", "--mode", "cells", "--cells", str(MAX_CELLS + 1)],
            f"cells: expected a whole number from 1 to {MAX_CELLS}",
        ),
        (["--cancer", "breast cancer", "--seed", "-3"], "seed: expected a non-negative"),
        (["--cancer", "breast cancer", "--organ", "lung"], "organ: only used to rank targets"),
        (
            ["--cancer", "breast cancer", "--perturbation", "0.2"],
            "perturbation: only used by the sensitivity analysis",
        ),
        (
            ["--cancer", "breast cancer", "--sensitivity", "--perturbation", "3"],
            "perturbation: expected a number from 0 up to (not including) 1",
        ),
        (
            ["--cancer", "breast cancer", "--sensitivity", "--perturbation", "1"],
            "perturbation: expected a number from 0 up to (not including) 1",
        ),
        (["--cancer", "breast cancer", "--null", "0"], "null: expected a number of permutations"),
        (
            ["--cancer", "breast cancer", "--rank-targets", "--organ", "lugn"],
            "no organ is named 'lugn'",
        ),
    ],
)
def test_bad_input_exits_1_with_every_problem(
    runner: CliRunner, store_path: Path, args: list[str], message: str
) -> None:
    result = cli(runner, store_path, *args, code=1)
    assert "metakg: error: invalid simulation input" in result.stderr
    assert message in result.stderr
    assert result.stdout == ""


def test_every_problem_is_reported_at_once(runner: CliRunner, store_path: Path) -> None:
    result = cli(
        runner,
        store_path,
        "--cancer",
        "nope cancer",
        "--mode",
        "x",
        "--cells",
        "0",
        "--organ",
        "lung",
        code=1,
    )
    for part in ("organ:", "mode:", "cells:", "cancer:"):
        assert part in result.stderr


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("empty.tsv", "", "no genes: the file is empty"),
        ("comments.tsv", "# nothing\n\n", "no genes: the file is empty"),
        ("noheader.tsv", "EREG\nPTGS2\n", "noheader.tsv:1: the header row must name a 'gene'"),
        ("onlyheader.tsv", "gene\tlevel\n", "the file has a header row but no gene rows"),
        ("level.tsv", "gene\tlevel\nEREG\t1\nPTGS2\thigh\n", "level.tsv:3: [level] 'high'"),
        ("inf.tsv", "gene\tlevel\nEREG\tinf\n", "inf.tsv:2: [level] of gene EREG is not finite"),
        ("blank.csv", "gene,level\n,1\n", "blank.csv:2: [gene] empty"),
        (
            "twice.tsv",
            "gene\nEREG\n# x\nereg\n",
            "twice.tsv:4: [gene] 'ereg' is already listed on line 2",
        ),
        ("cols.tsv", "gene\tgene\nA\tB\n", "cols.tsv:1: the column 'gene' is given twice"),
    ],
)
def test_a_bad_genes_file_names_the_file_and_line(
    runner: CliRunner, store_path: Path, tmp_path: Path, name: str, text: str, message: str
) -> None:
    path = write(tmp_path / name, text)
    result = cli(runner, store_path, "--cancer", "breast cancer", "--genes-file", str(path), code=1)
    assert "metakg: error: bad genes file" in result.stderr
    assert message in result.stderr


def test_a_genes_file_that_is_missing_or_not_text(
    runner: CliRunner, store_path: Path, tmp_path: Path
) -> None:
    missing = tmp_path / "missing.tsv"
    result = cli(
        runner, store_path, "--cancer", "breast cancer", "--genes-file", str(missing), code=1
    )
    assert f"{missing}: cannot read the genes file" in result.stderr
    binary = tmp_path / "binary.tsv"
    binary.write_bytes(b"gene\nEREG\n\xff\xfe\x00\n")
    result = cli(
        runner, store_path, "--cancer", "breast cancer", "--genes-file", str(binary), code=1
    )
    assert f"{binary}:3: not UTF-8 text" in result.stderr
    both = write(tmp_path / "both.tsv", "gene\tlevel\nEREG\t-1\n")
    result = cli(
        runner,
        store_path,
        "--cancer",
        "breast cancer",
        "--genes",
        "EREG",
        "--genes-file",
        str(both),
        code=1,
    )
    assert "both.tsv:2: [gene] 'EREG' is also given with --genes" in result.stderr


def test_usage_errors(runner: CliRunner, store_path: Path) -> None:
    result = cli(runner, store_path, code=2)
    assert "give the cancer type with --cancer" in result.stderr
    result = cli(runner, store_path, "--explain-model", "--cancer", "breast cancer", code=2)
    assert "--explain-model prints the model only; it takes no --cancer" in result.stderr
    result = cli(runner, store_path, "--cancer", "breast cancer", "--format", "xml", code=2)
    result = runner.invoke(
        main, ["simulate", "--store", str(store_path.parent / "nothing"), "--cancer", "x"]
    )
    assert result.exit_code == 1 and "metakg: error:" in result.stderr


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"cancer": "breast cancr"}, "no cancer type is named 'breast cancr'"),
        ({"cancer": "breast cancer", "organ": "lung"}, "organ: only used to rank targets"),
    ],
)
def test_http_bad_values_are_400_with_every_problem(
    client: Any, body: dict[str, Any], message: str
) -> None:
    """Values that fit the OpenAPI schema but that the simulator cannot use: 422."""
    problem = post(client, body, 422)
    assert problem["title"] == "Invalid simulation input"
    assert message in problem["detail"]
    assert any(message in p for p in problem["problems"])


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({}, "cancer: Missing data for required field"),
        ({"cancer": "breast cancer", "cells": "many"}, "cells: Not a valid integer"),
        ({"cancer": "breast cancer", "cells": 1.5}, "cells: Not a valid integer"),
        ({"cancer": "breast cancer", "genes": 5}, "genes: expected a list of gene names"),
        ({"cancer": "breast cancer", "genes": [1]}, "genes: item 0 is not a string"),
        ({"cancer": "breast cancer", "genes": {"EREG": "up"}}, "the level of 'EREG' is not a"),
        ({"cancer": "breast cancer", "genes": {"EREG": True}}, "the level of 'EREG' is not a"),
        ({"cancer": "breast cancer", "knockout": ["PTGS2"]}, "knockout: Unknown field"),
        ({"cancer": "x" * 300}, "cancer: Length must be"),
        # Bounds the OpenAPI schema states, in the simulator's words.
        ({"cancer": "breast cancer", "mode": "cellz"}, "mode: 'cellz' is not a mode"),
        ({"cancer": "breast cancer", "cells": MAX_CELLS + 1}, "cells: expected a whole number"),
        ({"cancer": "breast cancer", "null": MAX_NULL + 1}, f"from 1 to {MAX_NULL}"),
        ({"cancer": "breast cancer", "genes": {"EREG": 1e309}}, "is not finite"),
    ],
)
def test_http_bad_types_are_400(client: Any, body: dict[str, Any], message: str) -> None:
    problem = post(client, body, 400)
    assert message in problem["detail"]


def test_http_bodies_that_are_not_a_json_object(client: Any) -> None:
    response = client.post(URL, data="cancer=breast+cancer")
    assert response.status_code == 415 and response.mimetype == "application/problem+json"
    assert "Content-Type: application/json" in response.json["detail"]
    for data, message in (
        ("{bad", "not valid JSON"),
        ("", "the request body is empty"),
        ("[1, 2]", "JSON but not an object"),
    ):
        response = client.post(URL, data=data, content_type="application/json")
        assert response.status_code == 400, data
        assert response.mimetype == "application/problem+json"
        assert message in response.json["detail"]
    response = client.post(URL, json={"cancer": "breast cancer"}, headers={"Accept": "text/csv"})
    assert response.status_code == 406


def test_no_input_gets_a_500(client: Any) -> None:
    odd: list[Any] = [
        None,
        0,
        -1,
        1e400,
        "",
        " ",
        "\x00",
        "x" * 5000,
        [],
        {},
        [None],
        {"": None},
        True,
    ]
    fields = [
        "cancer",
        "subtype",
        "genes",
        "knockouts",
        "overexpress",
        "mode",
        "cells",
        "seed",
        "top_paths",
        "rank_targets",
        "organ",
        "sensitivity",
        "perturbation",
        "null",
    ]
    for name in fields:
        for value in odd:
            body = {"cancer": "breast cancer", "genes": ["EREG"], name: value}
            response = client.post(URL, data=json.dumps(body), content_type="application/json")
            assert response.status_code in (200, 400, 422), (
                name,
                value,
                response.get_data()[:300],
            )
            if response.status_code != 200:
                assert response.mimetype == "application/problem+json"


def test_the_route_is_documented_in_openapi(client: Any) -> None:
    spec = client.get("/openapi.json").json
    operation = spec["paths"][URL]["post"]
    body = operation["requestBody"]["content"]["application/json"]
    assert set(body["examples"]) >= {"lung", "knockout", "levels"}
    schema = spec["components"]["schemas"][body["schema"]["$ref"].rsplit("/", 1)[-1]]
    assert schema["required"] == ["cancer"]
    properties = schema["properties"]
    for name in (
        "cancer",
        "subtype",
        "genes",
        "knockouts",
        "overexpress",
        "mode",
        "cells",
        "seed",
        "top_paths",
        "rank_targets",
        "organ",
        "sensitivity",
        "perturbation",
        "null",
    ):
        assert properties[name]["description"], name
    assert properties["cells"]["maximum"] == MAX_CELLS
    assert properties["null"]["maximum"] == MAX_NULL
    assert properties["mode"]["enum"] == ["paths", "cells"]
    assert len(properties["genes"]["oneOf"]) == 2
    assert "application/problem+json" in operation["responses"]["400"]["content"]
    assert "/api/v1/simulate/model" in spec["paths"]


def test_the_model_route(client: Any, runner: CliRunner, store_path: Path) -> None:
    response = client.get(URL + "/model")
    assert response.status_code == 200
    from_cli = json.loads(cli(runner, store_path, "--explain-model", "--format", "json").stdout)
    assert response.json == from_cli


# --- a real server ------------------------------------------------------------------------------


def test_a_real_server_simulates(live_server: Any, client: Any) -> None:
    body = {"cancer": "breast cancer", "genes": LUNG, "mode": "cells", "cells": 10000, "seed": 7}
    request = urllib.request.Request(
        live_server.url + URL,
        data=json.dumps(body).encode("utf-8"),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        assert response.status == 200
        assert response.headers.get_content_type() == "application/json"
        answer = json.loads(response.read())
    assert answer == post(client, body)
    assert answer["organs"][0]["organ"]["label"] == "Lung"
    bad = urllib.request.Request(
        live_server.url + URL,
        data=json.dumps({"cancer": "breast cancer", "cells": MAX_CELLS * 10}).encode("utf-8"),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(bad, timeout=30)
    assert caught.value.code == 400
    assert caught.value.headers.get_content_type() == "application/problem+json"
    assert "cells: expected a whole number" in json.loads(caught.value.read())["detail"]
