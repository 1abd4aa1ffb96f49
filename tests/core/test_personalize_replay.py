"""Offline replay evaluation: the metric on a hand-checked log, the simulation, the policies."""

from __future__ import annotations

import numpy as np
import pytest

from poster_tool.core.errors import PosterToolError
from poster_tool.core.personalize.policy import Tastes
from poster_tool.core.personalize.replay import (
    ViewerModel,
    evaluate_policies,
    replay_estimate,
    simulate_log,
    wilson,
)
from poster_tool.core.personalize.synthetic import synthetic_candidates, synthetic_tastes
from poster_tool.core.progress import run_job


def test_replay_metric_on_a_hand_checked_log() -> None:
    logged = np.array([0, 1, 2, 0, 1, 1])
    played = np.array([1, 0, 0, 0, 1, 1], bool)
    chosen = np.array([0, 0, 2, 1, 1, 2])
    # Matches at impressions 0, 2 and 4, which were played, not played, played: 2 of 3.
    estimate = replay_estimate("p", chosen, logged, played)
    assert (estimate.matched, estimate.plays) == (3, 2)
    assert estimate.take_rate == pytest.approx(2 / 3)
    # Wilson 95% for 2/3: centre (p + z²/2n) / (1 + z²/n) = 0.5731, half-width 0.3654.
    assert (estimate.low, estimate.high) == pytest.approx((0.2077, 0.9385), abs=1e-4)


def test_wilson_edges() -> None:
    assert wilson(0, 0) == (0.0, 1.0)
    low, high = wilson(0, 10)
    assert low == 0.0 and high == pytest.approx(0.2775, abs=1e-4)
    low, high = wilson(500, 1000)
    assert (low, high) == pytest.approx((0.4691, 0.5309), abs=1e-4)


def test_log_is_uniform_and_plays_follow_the_viewer_model() -> None:
    tastes, cands = synthetic_tastes(50, seed=1), synthetic_candidates(40, 4, seed=1)
    log = simulate_log(tastes, cands, 40_000, seed=1)
    assert np.abs(np.bincount(log.slot, minlength=4) / 10_000 - 1).max() < 0.05
    # A poster selling a genre the film lacks gets fewer quality plays (factor 0.5).
    off = ~cands.fits[log.title, log.slot]
    assert 0.03 < off.mean() < 0.25  # about one poster in ten (160 posters here)
    assert log.played[off].mean() < 0.75 * log.played[~off].mean()
    again = simulate_log(tastes, cands, 40_000, seed=1)
    assert np.array_equal(log.played, again.played)


def test_policies_beat_random_and_replay_brackets_the_truth() -> None:
    tastes, cands = synthetic_tastes(150, seed=2), synthetic_candidates(120, 5, seed=2)
    result = run_job(evaluate_policies(tastes, cands, 60_000, seed=2))
    by_name = {e.policy: e for e in result.estimates}
    assert list(by_name) == ["random", "default", "genre-match", "linucb"]
    assert by_name["random"].matched == result.held_out == 30_000
    for e in result.estimates:
        assert e.low <= e.true_take_rate <= e.high, e
        assert e.matched / result.held_out > 0.15  # about one in five posters
    truth = {name: e.true_take_rate for name, e in by_name.items()}
    assert truth["genre-match"] > 1.1 * truth["random"]
    assert truth["linucb"] > 1.1 * truth["random"]
    assert abs(truth["default"] - truth["random"]) < 0.01
    assert result.to_dict()["viewer_model"] == ViewerModel().__dict__


def test_nothing_to_evaluate_is_a_user_error() -> None:
    empty = Tastes((), np.zeros((0, 25), np.float32), np.zeros((0, 25), bool))
    with pytest.raises(PosterToolError, match="nothing to evaluate"):
        simulate_log(empty, synthetic_candidates(3, 2), 100)
