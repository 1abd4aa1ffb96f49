"""The network catalog scoring runs: batch norms folded into their convolutions, the same
scores as the trained network."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from poster_tool.core.ml.network import GenreNet, fold_batch_norms
from poster_tool.core.ml.predict import scoring_network
from poster_tool.core.ml.registry import bundled_dir, load_network, read_info

torch.set_num_threads(1)


def _norms(net: nn.Module) -> int:
    return sum(isinstance(m, nn.BatchNorm2d) for m in net.modules())


def test_the_shipped_model_scores_the_same_with_its_batch_norms_folded() -> None:
    [folder] = [f for f in bundled_dir().iterdir() if f.is_dir()]
    info = read_info(folder, bundled=True)
    plain = load_network(info)
    folded = scoring_network(info, torch.device("cpu"))
    assert _norms(plain) > 40 and _norms(folded) == 0
    images = torch.randint(0, 256, (4, 3, *info.input_size), dtype=torch.uint8)
    with torch.inference_mode():
        want, got = plain.embed(images), folded.embed(images)
        torch.testing.assert_close(got, want, rtol=1e-5, atol=1e-4)
        probs = folded.probabilities(got)
        assert (probs - plain.probabilities(want)).abs().max() < 1e-5


@pytest.mark.parametrize("backbone", ["mobilenet_v3_small", "efficientnet_b0"])
def test_torchvision_backbones_fold_too(backbone: str) -> None:
    torch.manual_seed(0)
    net = GenreNet(backbone, 5).eval()
    # Trained-looking statistics: folding fresh norms (mean 0, variance 1) would prove little.
    for m in net.modules():
        if isinstance(m, nn.BatchNorm2d):
            m.running_mean.uniform_(-0.5, 0.5)
            m.running_var.uniform_(0.5, 2.0)
            m.weight.data.uniform_(0.5, 1.5)
            m.bias.data.uniform_(-0.2, 0.2)
    images = torch.randint(0, 256, (2, 3, 96, 64), dtype=torch.uint8)
    with torch.inference_mode():
        want = net(images)
        got = fold_batch_norms(net)(images)
    assert _norms(net) == 0
    torch.testing.assert_close(got, want, rtol=1e-4, atol=1e-4)
