"""Training, cancelling, resuming, the registry and scoring, with tiny models on real posters.

A few dozen posters from ../shared/data at 64×48 pixels: each run takes a second or two.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
import torch
import torchvision

from poster_tool.core.errors import ModelError
from poster_tool.core.ml.config import TrainConfig
from poster_tool.core.ml.data import (
    PosterDataset,
    label_matrix,
    load_examples,
    make_loader,
    model_genres,
)
from poster_tool.core.ml.loop import pos_weight, train_one_epoch
from poster_tool.core.ml.network import GenreNet, cached_weights_path, load_pretrained
from poster_tool.core.ml.predict import predict_images, score_catalog
from poster_tool.core.ml.registry import META, WEIGHTS, Registry, load_network
from poster_tool.core.ml.train import fit
from poster_tool.core.ml.transforms import EvalPreset
from poster_tool.core.progress import Progress, run_job
from poster_tool.core.workspace import Workspace
from tests.core.real_posters import real_workspace

torch.set_num_threads(1)
TINY = {
    "epochs": 2,
    "input_size": (64, 48),
    "batch_size": 8,
    "min_positives": 3,
    "workers": 0,
    "pretrained": "none",
    "patience": 5,
}


@pytest.fixture(scope="module")
def trained(
    poster_manifest: Path, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Workspace, str]:
    """A workspace of 48 posters (real ones when the shared data set is there) with one
    tiny full model trained (and active)."""
    ws = real_workspace(poster_manifest, tmp_path_factory.mktemp("ml"), 48)
    result = run_job(fit(ws, TrainConfig(**TINY)))
    return ws, result.version


@pytest.fixture
def copy(trained: tuple[Workspace, str], tmp_path: Path) -> tuple[Workspace, str]:
    """A private copy of the trained workspace, for tests that change it."""
    ws, version = trained
    shutil.copytree(ws.root, tmp_path / "ws")
    return Workspace.open(tmp_path / "ws"), version


def test_loss_goes_down_on_real_posters(trained: tuple[Workspace, str]) -> None:
    ws, _ = trained
    torch.manual_seed(0)
    with ws.store() as store:
        examples = load_examples(ws, store)[:16]
    genres = model_genres(examples, 1)
    y = label_matrix(examples, genres)
    loader = make_loader(PosterDataset([e.path for e in examples], y, EvalPreset((64, 48)), 80), 8)
    net = GenreNet("mobilenet_v3_small", len(genres))
    optimizer = torch.optim.AdamW(net.parameters(), lr=3e-3)
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda _: 1.0)
    criterion = torch.nn.BCEWithLogitsLoss(pos_weight=pos_weight(y))
    losses = [
        np.mean(
            [
                loss
                for _, loss in train_one_epoch(
                    net, loader, criterion, optimizer, scheduler, torch.device("cpu")
                )
            ]
        )
        for _ in range(10)
    ]
    assert losses[-1] < 0.7 * losses[0]


def test_full_run_registers_an_active_model_with_card_and_report(
    trained: tuple[Workspace, str],
) -> None:
    ws, version = trained
    with ws.store() as store:
        registry = Registry(ws, store)
        info = registry.active()
        assert info is not None and info.version == version
        meta = info.meta
        assert meta["pretrained"] is False and "from scratch" in meta["pretrained_note"]
        assert meta["input_size"] == [64, 48] and len(meta["mean"]) == 3
        assert set(meta["thresholds"]) == set(meta["genres"])
        report = meta["metrics"]
        assert {"prior", "colour_histogram"} <= set(report["baselines"])
        assert report["n_train"] + report["n_val"] + report["n_test"] == 48
        card = (info.path / "MODEL_CARD.md").read_text(encoding="utf-8")
        assert "from scratch" in card and "genre prior" in card
        run = store.runs()[0]
        assert (run["status"], run["version"], run["n_train"]) == (
            "finished",
            version,
            report["n_train"],
        )
    assert not list(ws.models_dir.glob(".tmp-*"))
    assert not (ws.models_dir / ".checkpoint" / "last.pt").exists()


def test_cancel_never_leaves_a_half_written_model(copy: tuple[Workspace, str]) -> None:
    ws, version = copy
    job = fit(ws, TrainConfig(**TINY))
    for report in job:
        if report.data.get("kind") == "batch":
            break
    job.close()
    with ws.store() as store:
        assert [m.version for m in Registry(ws, store).list() if not m.bundled] == [version]
        assert Registry(ws, store).active().version == version
        assert store.runs()[0]["status"] == "cancelled"
    assert not list(ws.models_dir.glob(".tmp-*"))


def test_resume_continues_after_the_last_finished_epoch(copy: tuple[Workspace, str]) -> None:
    ws, _ = copy
    job = fit(ws, TrainConfig(**{**TINY, "epochs": 2, "freeze": 2}))
    first_epoch = None
    for report in job:
        if report.data.get("kind") == "epoch":
            first_epoch = dict(report.data)
            break
    job.close()
    assert (ws.models_dir / ".checkpoint" / "last.pt").exists()
    seen: list[Progress] = []
    result = run_job(fit(ws, TrainConfig(resume=True, workers=0)), seen.append)
    assert any(p.stage == "resume" for p in seen)
    epochs = [p.data["epoch"] for p in seen if p.data.get("kind") == "epoch"]
    assert epochs == [2]  # epoch 1 was not trained again
    assert result.history[0]["val_map"] == first_epoch["val_map"]
    assert result.epochs_run == 2
    with ws.store() as store:
        meta = Registry(ws, store).get(result.version).meta
    assert meta["resumed_after"] == [1]
    assert meta["pretrained_note"].count("feature layers frozen") == 1  # said once, resumed
    assert not (ws.models_dir / ".checkpoint" / "last.pt").exists()
    with pytest.raises(ModelError, match="nothing|no unfinished"):
        run_job(fit(ws, TrainConfig(resume=True, workers=0)))


def test_a_resumed_run_trains_the_same_model_as_an_uninterrupted_one(
    copy: tuple[Workspace, str],
) -> None:
    """Not replaying its first epochs' order and draws: it would learn those by heart."""
    ws, _ = copy
    config = TrainConfig(**{**TINY, "epochs": 3, "seed": 5, "activate": False})
    whole = run_job(fit(ws, config))
    job = fit(ws, config)
    for report in job:
        if report.data.get("kind") == "epoch":
            break  # interrupted after its first epoch
    job.close()
    resumed = run_job(fit(ws, TrainConfig(resume=True, workers=0)))
    assert resumed.epochs_run == 3
    assert [h["train_loss"] for h in resumed.history] == [h["train_loss"] for h in whole.history]
    with ws.store() as store:
        registry = Registry(ws, store)
        a, b = (
            torch.load(registry.get(r.version).path / WEIGHTS, weights_only=True)
            for r in (whole, resumed)
        )
    assert all(torch.equal(a[k], b[k]) for k in a)


def test_quick_retrain_trains_the_head_on_cached_embeddings(copy: tuple[Workspace, str]) -> None:
    ws, base = copy
    stages: list[str] = []
    quick = run_job(
        fit(ws, TrainConfig(quick=True, epochs=5, workers=0)), lambda p: stages.append(p.stage)
    )
    assert "embed" in stages
    with ws.store() as store:
        info = Registry(ws, store).get(quick.version)
        assert (info.meta["parent"], info.meta["trunk"]) == (base, base)
        n = store._run(
            "SELECT count(*) FROM embeddings WHERE backbone = ?", [info.embedding_key]
        ).fetchone()[0]
        assert n == 48
    stages.clear()
    run_job(
        fit(ws, TrainConfig(quick=True, epochs=3, workers=0, base=base)),
        lambda p: stages.append(p.stage),
    )
    assert "embed" not in stages  # all cached: seconds, not minutes


def test_registry_round_trip_activate_and_rollback(copy: tuple[Workspace, str]) -> None:
    ws, first = copy
    second = run_job(fit(ws, TrainConfig(quick=True, epochs=2, workers=0))).version
    with ws.store() as store:
        registry = Registry(ws, store)
        info = registry.get(second)
        saved = torch.load(info.path / WEIGHTS, weights_only=True)
        loaded = load_network(info).state_dict()
        assert saved.keys() == loaded.keys()
        assert all(torch.equal(saved[k], loaded[k]) for k in saved)
        assert registry.active().version == second
        assert registry.rollback().version == first
        registry.activate(second)
        assert registry.active().version == second


def test_incompatible_models_are_refused(copy: tuple[Workspace, str]) -> None:
    ws, version = copy
    with ws.store() as store:
        info = Registry(ws, store).get(version)
    meta = json.loads((info.path / META).read_text(encoding="utf-8"))
    meta["genres"][0] = "Cartoon"
    meta["thresholds"]["Cartoon"] = 0.5
    (info.path / META).write_text(json.dumps(meta), encoding="utf-8")
    with ws.store() as store, pytest.raises(ModelError, match="incompatible.*Cartoon"):
        load_network(Registry(ws, store).get(version))
    meta["genres"] = meta["genres"][1:]  # known genres, but fewer than the head predicts
    (info.path / META).write_text(json.dumps(meta), encoding="utf-8")
    with ws.store() as store, pytest.raises(ModelError, match="genre list is incompatible"):
        load_network(Registry(ws, store).get(version))


class Payload:
    """An arbitrary object: weights-only loading must refuse to unpickle it."""


def test_weights_that_are_not_plain_tensors_are_not_unpickled(copy: tuple[Workspace, str]) -> None:
    ws, version = copy
    with ws.store() as store:
        info = Registry(ws, store).get(version)
        torch.save({"head.1.weight": Payload()}, info.path / WEIGHTS)
        with pytest.raises(ModelError, match="cannot read the weights"):
            load_network(info)


def test_catalog_scoring_is_incremental_and_images_get_every_genre(
    copy: tuple[Workspace, str],
) -> None:
    ws, version = copy
    first = run_job(score_catalog(ws, workers=0))
    assert (first.version, first.scored, first.up_to_date) == (version, 48, 0)
    again = run_job(score_catalog(ws, workers=0))
    assert (again.scored, again.up_to_date) == (0, 48)
    with ws.store() as store:
        info = Registry(ws, store).get(version)
        poster = store.get_poster(1)
        assert poster.model_version == version and poster.model_uncertainty is not None
        assert set(store.model_scores([1])[1]) == set(info.genres)
        n = store._run(
            "SELECT count(*) FROM embeddings WHERE backbone = ?", [info.embedding_key]
        ).fetchone()[0]
        assert n == 48
        [result] = predict_images(ws, store, [ws.image_path(poster.path)])
    assert list(result["scores"]) == info.genres
    assert result["genres"] == [g for g in info.genres if result["scores"][g] >= info.thresholds[g]]
    with ws.store() as store:
        catalog = {g: round(s, 4) for g, s in store.model_scores([1])[1].items()}
    assert catalog == pytest.approx(result["scores"], abs=2e-4)  # same model, same numbers


def test_imagenet_weights_come_from_the_hub_cache_or_training_starts_from_scratch(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(torch.hub, "get_dir", lambda: str(tmp_path / "hub"))
    net = GenreNet("mobilenet_v3_small", 3)

    def offline(*_: object, **__: object) -> None:
        raise OSError("network is unreachable")

    monkeypatch.setattr(torch.hub, "download_url_to_file", offline)
    reports: list[Progress] = []
    used, note = run_job(load_pretrained(net, download=True), reports.append)
    assert not used and "from scratch" in note
    assert any("download failed" in p.message for p in reports)
    # Weights in the cache are used (here: a stand-in with ImageNet's layout).
    imagenet = torchvision.models.mobilenet_v3_small()
    path = cached_weights_path("mobilenet_v3_small")
    path.parent.mkdir(parents=True)
    torch.save(imagenet.state_dict(), path)
    used, note = run_job(load_pretrained(net))
    assert used and "ImageNet" in note
    assert torch.equal(net.trunk.features[0][0].weight, imagenet.features[0][0].weight)


def test_the_same_seed_trains_the_same_model(copy: tuple[Workspace, str]) -> None:
    ws, _ = copy
    config = TrainConfig(**{**TINY, "epochs": 1, "seed": 7, "activate": False})
    first, second = run_job(fit(ws, config)), run_job(fit(ws, config))
    with ws.store() as store:
        registry = Registry(ws, store)
        a, b = (
            torch.load(registry.get(r.version).path / WEIGHTS, weights_only=True)
            for r in (first, second)
        )
        assert registry.get(first.version).split() == registry.get(second.version).split()
    assert all(torch.equal(a[k], b[k]) for k in a)
