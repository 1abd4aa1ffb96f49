"""Off-policy estimators: hand-checked values, warnings, and interval coverage of the truth."""

from __future__ import annotations

import numpy as np
import pytest

from poster_tool.core.experiment.estimators import Logged, Target, estimate
from poster_tool.core.experiment.evaluation import coverage, self_check
from poster_tool.core.personalize.synthetic import synthetic_candidates, synthetic_tastes
from poster_tool.core.progress import run_job


def _log(propensity: list[float], played: list[int], slot: list[int]) -> Logged:
    n = len(slot)
    return Logged(
        np.zeros(n, np.int64),
        np.zeros(n, np.int64),
        np.array(slot),
        np.array(propensity),
        np.array(played, bool),
    )


def test_estimates_on_a_hand_checked_log() -> None:
    logged = _log([0.5, 0.5, 0.25, 0.75], [1, 0, 0, 1], [0, 1, 0, 1])
    always_first = Target("first", np.zeros(4, np.int64), np.array([1.0, 0, 1, 0]), np.full(4, 0.2))
    found = estimate(logged, always_first, np.array([0.2, 0.1, 0.2, 0.1]), np.arange(4))
    values = {name: iv.value for name, iv in found.estimates.items()}
    # Weights 2, 0, 4, 0: IPS (2*1 + 4*0) / 4; SNIPS 2 / 6; replay 1 play in 2 matches;
    # DR mean of 0.2 + 2*(1-0.2), 0.2, 0.2 + 4*(0-0.2), 0.2.
    assert values == pytest.approx({"replay": 0.5, "ips": 0.5, "snips": 1 / 3, "dr": 0.4})
    assert found.matched == 2 and found.ess == pytest.approx(36 / 20)
    assert any("only 2 impressions" in w for w in found.warnings)
    assert not any("extreme" in w for w in found.warnings)  # 4 impressions: shares are large


def test_extreme_propensities_are_flagged() -> None:
    n = 400
    rng = np.random.default_rng(0)
    propensity = np.full(n, 0.5)
    propensity[0] = 0.002  # one poster the log almost never showed
    logged = _log(list(propensity), list(rng.integers(0, 2, n)), [0] * n)
    target = Target("p", np.zeros(n, np.int64), np.ones(n), np.full(n, 0.5))
    found = estimate(logged, target, np.full(n, 0.5), np.arange(n))
    assert any(w.startswith("extreme propensities (smallest 0.002)") for w in found.warnings)
    # Not tiny, but one impression still outweighs a tenth of the log: as bad for IPS.
    propensity[0] = 0.02
    propensity[1:] = 0.9
    heavy = estimate(
        _log(list(propensity), [1] * n, [0] * n), target, np.full(n, 0.5), np.arange(n)
    )
    assert any(w.startswith("extreme propensities (smallest 0.02)") for w in heavy.warnings)
    # The same log without the rare impression is fine.
    calm = estimate(logged, target, np.full(n, 0.5), np.arange(1, n))
    assert calm.warnings == ()
    assert calm.ess == pytest.approx(n - 1)


def test_every_interval_holds_the_truth_in_nine_of_ten_seeded_runs() -> None:
    runs = []
    for seed in range(20):
        tastes, cands = synthetic_tastes(60, seed), synthetic_candidates(80, 5, seed)
        runs.append(run_job(self_check(tastes, cands, 8_000, seed)))
    assert [e.policy for e in runs[0]] == ["logged", "random", "default", "genre-match", "linucb"]
    shares = coverage(runs)
    assert set(shares) == {"replay", "ips", "snips", "dr"}
    for name, share in shares.items():
        assert share >= 0.9, (name, share)
    # The estimates tell the policies apart: genre matching beats the default on average.
    gain = [run[3].estimates["dr"].value - run[2].estimates["dr"].value for run in runs]
    truth = [run[3].truth - run[2].truth for run in runs]  # type: ignore[operator]
    assert np.mean(truth) > 0.005 and np.mean(gain) > 0.005
