"""The test posters a model got most wrong: ranking, the saved scores, the child job that
scores older versions, and ``poster-tool models errors``."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from poster_tool.cli import main
from poster_tool.core.ml.config import TrainConfig
from poster_tool.core.ml.mistakes import model_mistakes, rank
from poster_tool.core.ml.registry import TEST_SCORES, Registry
from poster_tool.core.ml.train import fit
from poster_tool.core.progress import run_job
from tests.core.real_posters import real_workspace
from tests.core.test_ml_training import TINY  # also sets torch to one thread

SCORES = {
    "poster_ids": [1, 2, 3, 4],
    "genres": ["Comedy", "Horror"],
    "probs": [[0.10, 0.02], [0.97, 0.10], [0.80, 0.05], [0.50, 0.50]],
}


def test_posters_are_ranked_by_loss_and_named_by_their_worst_genre() -> None:
    truth = {1: ["Horror"], 2: ["Drama"], 3: ["Comedy"], 4: []}
    ranked = rank(SCORES, truth, {"Comedy": 0.6, "Horror": 0.6})
    assert [m.poster_id for m in ranked] == [1, 2, 3]  # 4 has no labels now: left out
    missed, alarm, right = ranked
    assert (missed.kind, missed.genre, missed.score) == ("missed", "Horror", 0.02)
    assert (alarm.kind, alarm.genre, alarm.predicted) == ("false alarm", "Comedy", ("Comedy",))
    assert missed.loss > alarm.loss > right.loss
    assert rank(SCORES, truth, {}, limit=1) == [missed]


@pytest.fixture(scope="module")
def trained(poster_manifest: Path, tmp_path_factory: pytest.TempPathFactory):
    ws = real_workspace(poster_manifest, tmp_path_factory.mktemp("mistakes"), 48)
    return ws, run_job(fit(ws, TrainConfig(**TINY))).version


def test_a_run_saves_its_test_scores_and_the_queue_follows_the_labels_now(trained) -> None:
    ws, version = trained
    with ws.store() as store:
        info = Registry(ws, store).get(version)
        scores = info.test_scores()
        assert scores is not None
        assert len(scores["poster_ids"]) == info.meta["metrics"]["n_test"]
        mistakes = run_job(model_mistakes(ws, store, version, limit=0))
        assert len(mistakes) == len(scores["poster_ids"])
        assert [m.loss for m in mistakes] == sorted((m.loss for m in mistakes), reverse=True)
        assert mistakes[0].title and mistakes[0].labelled
        # The curator decides the label was wrong and takes the model's side: the poster
        # moves down the queue.  (Where dropping the genre would leave none, the other genre
        # the model scores highest instead: a poster with no genre is no longer an example.)
        worst = mistakes[0]
        row = scores["probs"][scores["poster_ids"].index(worst.poster_id)]
        others = [i for i, g in enumerate(scores["genres"]) if g != worst.genre]
        top = scores["genres"][max(others, key=row.__getitem__)]
        genres = (set(worst.labelled) ^ {worst.genre}) or {top}
        store.set_genres({worst.poster_id: sorted(genres)}, "tester")
        again = run_job(model_mistakes(ws, store, version, limit=0))
        moved = next(m for m in again if m.poster_id == worst.poster_id)
        assert moved.loss < worst.loss


def test_an_older_version_is_scored_in_a_child_once_and_the_cli_prints_the_queue(
    trained, capsys: pytest.CaptureFixture[str]
) -> None:
    ws, version = trained
    with ws.store() as store:
        info = Registry(ws, store).get(version)
    saved = info.test_scores()
    (info.path / TEST_SCORES).unlink()  # as saved by a version before test scores were kept
    assert main(["--workspace", str(ws.root), "models", "errors", version, "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert (info.path / TEST_SCORES).exists()  # kept for next time
    again = info.test_scores()
    assert again["poster_ids"] == saved["poster_ids"]
    np.testing.assert_allclose(again["probs"], saved["probs"], atol=2e-3)  # the same scores
    assert {r["poster_id"] for r in rows} <= set(saved["poster_ids"])
    assert rows[0]["loss"] >= rows[-1]["loss"]
    assert main(["--workspace", str(ws.root), "models", "errors", "--limit", "3"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 3 and lines[0].startswith(f"#{rows[0]['poster_id']} ")
    assert main(["--workspace", str(ws.root), "models", "errors", "no-such-model"]) == 1
    assert "no-such-model" in capsys.readouterr().err
