"""The model commands, and the default model shipped in the repository's models/ folder."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch

from poster_tool.cli import main
from poster_tool.core.ml.registry import bundled_dir, load_network, read_info
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
    assert load_network(read_info(folder, bundled=True)).head[1].out_features == len(meta["genres"])


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
