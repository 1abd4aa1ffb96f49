"""Catalog scoring under torchrun: two CPU processes on Gloo share the posters, rank 0
writes, and the catalog ends up as one process would leave it."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from poster_tool.core.ml import embeddings
from poster_tool.core.ml.predict import score_catalog
from poster_tool.core.ml.registry import Registry
from poster_tool.core.progress import run_job
from poster_tool.core.workspace import Workspace
from tests.gui.conftest import TITLES, fill

# Nine posters in batches of two: the ranks' shares (5 and 4) take 3 and 2 batches, so
# rank 1 sits out the last gather.
NINE = (*TITLES, ("Okja", "옥자", 2017, ("Adventure",), [(30, 160, 60)]))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _catalog(ws: Workspace) -> tuple[dict[int, dict[str, float]], dict[int, np.ndarray]]:
    with ws.store() as store:
        info = Registry(ws, store).require_active()
        ids = [r[0] for r in store._run("SELECT id FROM posters ORDER BY id")]
        return store.model_scores(ids), embeddings.read(store, info.embedding_key, ids)


def test_two_processes_score_every_poster_once_as_one_process_would(tmp_path: Path) -> None:
    one = Workspace.open(tmp_path / "one")
    with one.store() as store:
        fill(one, store, NINE)
    shutil.copytree(one.root, tmp_path / "two")
    two = Workspace.open(tmp_path / "two")

    alone = run_job(score_catalog(one, device="cpu", workers=0))
    assert (alone.scored, alone.processes) == (9, 1)

    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    env.pop("RANK", None)
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "torch.distributed.run",
            "--nproc-per-node",
            "2",
            "--master-addr",
            "127.0.0.1",
            "--master-port",
            str(_free_port()),
            "-m",
            "poster_tool",
            "--workspace",
            str(two.root),
            "predict",
            "--device",
            "cpu",
            "--batch-size",
            "2",
            "--json",
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    # Rank 0 alone prints: one JSON result for the whole catalog.
    result = json.loads(done.stdout)
    assert (result["scored"], result["processes"], result["up_to_date"]) == (9, 2, 0)

    scores_one, emb_one = _catalog(one)
    scores_two, emb_two = _catalog(two)
    assert sorted(scores_two) == sorted(scores_one) and len(scores_one) == 9
    for poster_id, scores in scores_one.items():
        assert scores_two[poster_id] == pytest.approx(scores, abs=2e-4)
        np.testing.assert_allclose(emb_two[poster_id], emb_one[poster_id], atol=1e-4)
    with two.store() as store:
        assert store.unscored(result["version"]) == []
