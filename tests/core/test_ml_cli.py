"""The model commands, and the default model shipped in the repository's models/ folder."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from poster_tool.cli import main
from poster_tool.core.ml.registry import bundled_dir, load_network, read_info
from poster_tool.core.workspace import Workspace
from tests.synthetic import jpeg_bytes

torch.set_num_threads(1)


@pytest.fixture
def poster_file(tmp_path: Path) -> Path:
    path = tmp_path / "poster.jpg"
    path.write_bytes(jpeg_bytes((180, 20, 20), pattern=3))
    return path


def test_the_shipped_default_model_is_small_documented_and_loads() -> None:
    [folder] = [f for f in bundled_dir().iterdir() if f.is_dir()]
    size = sum(f.stat().st_size for f in folder.iterdir())
    assert size <= 25 * 2**20
    card = (folder / "MODEL_CARD.md").read_text(encoding="utf-8")
    # The card says where the trunk's weights came from (a package) or that there were none.
    pretraining = next(line for line in card.splitlines() if "ImageNet pretraining:" in line)
    assert "from scratch" in pretraining or "from the package" in pretraining
    meta = json.loads((folder / "model.json").read_text(encoding="utf-8"))
    assert meta["training_data"]["posters"] > 5000  # trained on the real data set
    assert {"prior", "colour_histogram"} <= set(meta["metrics"]["baselines"])
    net = load_network(read_info(folder, bundled=True))
    assert net.head[-1].out_features == len(meta["genres"])


def test_predict_on_a_fresh_workspace_uses_the_default_model(
    tmp_path: Path, poster_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ws = str(tmp_path / "ws")
    assert main(["--workspace", ws, "predict", "--json", str(poster_file)]) == 0
    [result] = json.loads(capsys.readouterr().out)
    meta = json.loads(next(bundled_dir().glob("*/model.json")).read_text(encoding="utf-8"))
    assert result["path"] == str(poster_file)
    assert list(result["scores"]) == meta["genres"]
    assert all(0.0 <= s <= 1.0 for s in result["scores"].values())
    assert result["genres"] == [
        g for g, s in result["scores"].items() if s >= meta["thresholds"][g]
    ]
    assert main(["--workspace", ws, "models", "list", "--json"]) == 0
    [row] = json.loads(capsys.readouterr().out)
    assert row["bundled"] and row["active"] and row["version"] == meta["version"]


def test_evaluate_says_how_far_another_sample_of_posters_could_move_the_figures(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ws = str(tmp_path / "ws")
    assert main(["--workspace", ws, "demo"]) == 0
    capsys.readouterr()
    assert main(["--workspace", ws, "evaluate", "--json"]) == 0
    model = json.loads(capsys.readouterr().out)["model"]
    for figure in ("macro_f1", "map"):
        low, high = model["intervals"][figure]
        assert low <= model[figure] <= high and high - low > 0.01
    assert main(["--workspace", ws, "evaluate"]) == 0
    assert "95 % intervals over 1,000 resamples" in capsys.readouterr().out


def test_model_commands_fail_with_one_plain_line(
    tmp_path: Path, poster_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ws = str(tmp_path / "ws")
    assert main(["--workspace", ws, "models", "activate", "no-such-model"]) == 1
    assert main(["--workspace", ws, "predict", str(tmp_path / "missing.jpg")]) == 1
    assert main(["--workspace", ws, "train", "--epochs", "1"]) == 1  # an empty catalog
    assert main(["--workspace", ws, "train", "--resume"]) == 1
    errors = capsys.readouterr().err.strip().splitlines()
    assert len(errors) == 4
    assert all(line.startswith("poster-tool: error: ") for line in errors)
    assert "no-such-model" in errors[0] and "missing.jpg" in errors[1]
    assert "usable posters" in errors[2] and "resume" in errors[3]


def test_a_corrupt_model_folder_is_skipped_with_one_warning(
    tmp_path: Path,
    poster_file: Path,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    ws = tmp_path / "ws"
    for name, text in (("v-cut", '{"version": "v-cut", "gen'), ("v-list", "[]")):
        (ws / "models" / name).mkdir(parents=True)
        (ws / "models" / name / "model.json").write_text(text, encoding="utf-8")
        (ws / "models" / name / "weights.pt").write_bytes(b"")
    assert main(["--workspace", str(ws), "models", "list", "--json"]) == 0
    [row] = json.loads(capsys.readouterr().out)
    assert row["bundled"] and row["active"]
    assert main(["--workspace", str(ws), "predict", "--json", str(poster_file)]) == 0
    assert json.loads(capsys.readouterr().out)[0]["path"] == str(poster_file)
    warnings = sorted(r.getMessage() for r in caplog.records if r.levelname == "WARNING")
    assert len(warnings) == 2  # once per folder, however often the models are listed
    assert all(w.startswith("poster-tool: warning: skipped a model folder: ") for w in warnings)
    assert (
        "v-cut" in warnings[0] and "v-list" in warnings[1] and "not model metadata" in warnings[1]
    )


class Payload:
    """An arbitrary object: weights-only loading refuses to unpickle it."""


@pytest.mark.parametrize(
    "weights",
    [b"", b"\x80\x04not a pickle at all", "pickled-object"],
    ids=["empty", "garbage", "pickled-object"],
)
def test_activate_refuses_weights_that_cannot_load_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], weights: bytes | str
) -> None:
    ws = tmp_path / "ws"
    [bundled] = [f for f in bundled_dir().iterdir() if f.is_dir()]
    folder = ws / "models" / "v-bad"
    folder.parent.mkdir(parents=True)
    meta = json.loads((bundled / "model.json").read_text(encoding="utf-8"))
    shutil.copytree(bundled, folder)
    (folder / "model.json").write_text(json.dumps({**meta, "version": "v-bad"}), "utf-8")
    if isinstance(weights, bytes):
        (folder / "weights.pt").write_bytes(weights)
    else:
        torch.save({"head.1.weight": Payload()}, folder / "weights.pt")
    assert main(["--workspace", str(ws), "models", "activate", "v-bad"]) == 1
    [line] = capsys.readouterr().err.strip().splitlines()
    assert line.startswith("poster-tool: error: cannot read the weights of model v-bad: it is ")
    assert "weights_only" not in line
    assert main(["--workspace", str(ws), "models", "list", "--json"]) == 0
    active = [r["version"] for r in json.loads(capsys.readouterr().out) if r["active"]]
    assert active == [meta["version"]]


def test_a_run_whose_process_died_is_marked_interrupted_on_the_next_start(
    tmp_path: Path,
) -> None:
    ws = Workspace.open(tmp_path / "ws")
    # A training process that records its start, then dies without finishing.
    child = (
        "import os, sys; from poster_tool.core.workspace import Workspace; "
        "Workspace.open(sys.argv[1]).store().start_run('full', 'tiny', 'cpu'); os._exit(9)"
    )
    subprocess.run([sys.executable, "-c", child, str(ws.root)], check=False)
    with ws.store() as store:
        [dead] = store.runs()
        assert dead["status"] == "running"
        mine = store.start_run("quick", "tiny", "cpu")
        by_id = {r["id"]: r for r in store.runs()}
    assert by_id[dead["id"]]["status"] == "interrupted"
    assert "ended before the run finished" in by_id[dead["id"]]["message"]
    # The run of a living process (this one) is left running by the next start.
    with ws.store() as store:
        store.start_run("quick", "tiny", "cpu")
        assert {r["id"]: r["status"] for r in store.runs()}[mine] == "running"
