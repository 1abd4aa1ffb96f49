"""Metrics against a hand-computed example, threshold tuning, and both baselines."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from poster_tool.core.ml.baselines import (
    LogisticRegression,
    baselines,
    colour_features,
    prior_scores,
)
from poster_tool.core.ml.metrics import (
    average_precision,
    intervals,
    scores_report,
    tune_thresholds,
)

TRUTH = np.array([[1, 0], [0, 1], [1, 1], [0, 0]], np.float32)
SCORES = np.array([[0.9, 0.2], [0.4, 0.8], [0.6, 0.3], [0.1, 0.4]])


def test_metrics_match_a_hand_computed_example() -> None:
    report = scores_report(TRUTH, SCORES, [0.5, 0.5], ["Drama", "Horror"])
    # Drama: positives ranked 1st and 2nd -> AP 1.  Horror: ranked 1st and 3rd -> (1 + 2/3) / 2.
    assert report["per_genre"]["Drama"]["ap"] == pytest.approx(1.0)
    assert report["per_genre"]["Horror"]["ap"] == pytest.approx(0.8333, abs=1e-4)
    assert report["map"] == pytest.approx((1 + 5 / 6) / 2, abs=1e-4)
    # At 0.5: Drama perfect; Horror finds 1 of 2 -> F1 2/3.  Micro: TP 3, FP 0, FN 1 -> 6/7.
    assert report["per_genre"]["Horror"]["f1"] == pytest.approx(2 / 3, abs=1e-4)
    assert report["micro_f1"] == pytest.approx(6 / 7, abs=1e-4)
    assert report["macro_f1"] == pytest.approx(5 / 6, abs=1e-4)
    # Per poster: 1, 1, 2/3, and 0 for the poster with neither truth nor prediction.
    assert report["samples_f1"] == pytest.approx((2 + 2 / 3) / 4, abs=1e-4)


def test_tied_scores_count_together_and_genres_without_positives_are_skipped() -> None:
    assert average_precision(np.array([1, 0]), np.array([0.5, 0.5])) == pytest.approx(0.5)
    assert average_precision(np.array([0, 0]), np.array([0.2, 0.9])) is None
    truth = np.array([[1, 0], [0, 0]], np.float32)
    report = scores_report(truth, np.array([[0.9, 0.9], [0.1, 0.1]]), [0.5, 0.5], ["A", "B"])
    assert report["map"] == pytest.approx(1.0)  # B has no positive: not averaged in
    assert report["per_genre"]["B"]["ap"] is None


def test_thresholds_maximise_validation_f1_between_scores() -> None:
    thresholds = tune_thresholds(TRUTH, SCORES)
    # Horror: taking the top three (0.8, 0.4, 0.3) gives F1 0.8, the best; cut between 0.3 and 0.2.
    assert thresholds[1] == pytest.approx(0.25)
    assert thresholds[0] == pytest.approx(0.5)
    best = scores_report(TRUTH, SCORES, thresholds, ["Drama", "Horror"])
    assert best["per_genre"]["Horror"]["f1"] == pytest.approx(0.8)


def test_prior_baseline_scores_each_genre_at_its_training_frequency() -> None:
    scores = prior_scores(TRUTH, 3)
    assert scores.shape == (3, 2)
    assert np.allclose(scores, [[0.5, 0.5]] * 3)
    # A constant score ranks nothing: its AP is the genre's prevalence.
    assert average_precision(TRUTH[:, 0], prior_scores(TRUTH, 4)[:, 0]) == pytest.approx(0.5)


def test_colour_histogram_regression_learns_colour_cues() -> None:
    rng = np.random.default_rng(0)
    images, labels = [], []
    for i in range(60):
        red = i % 2 == 0
        base = (200, 30, 30) if red else (30, 30, 200)
        noise = rng.integers(-25, 25, size=(48, 32, 3))
        pixels = np.clip(np.array(base)[None, None, :] + noise, 0, 255).astype(np.uint8)
        images.append(colour_features(Image.fromarray(pixels)))
        labels.append([float(red), float(not red)])
    x, y = np.stack(images), np.array(labels, np.float32)
    assert x.shape == (60, 90)
    model = LogisticRegression().fit(x[:40], y[:40])
    assert average_precision(y[40:, 0], model.predict(x[40:])[:, 0]) == pytest.approx(1.0)
    parts = {"train": slice(0, 30), "val": slice(30, 45), "test": slice(45, 60)}
    report = baselines(
        {k: y[s] for k, s in parts.items()},
        {k: x[s] for k, s in parts.items()},
        ["Horror", "Sci-Fi"],
    )
    assert report["colour_histogram"]["macro_f1"] == pytest.approx(1.0)
    assert report["prior"]["map"] < report["colour_histogram"]["map"]


def test_intervals_hold_the_figures_and_narrow_with_more_posters() -> None:
    rng = np.random.default_rng(1)
    truth = (rng.random((2000, 4)) < 0.3).astype(float)
    noisy = np.clip(truth * 0.3 + rng.random(truth.shape) * 0.7, 0, 1)
    cuts = np.full(4, 0.5)
    few, many = intervals(truth[:200], noisy[:200], cuts), intervals(truth, noisy, cuts)
    whole = scores_report(truth, noisy, cuts, list("abcd"))
    assert many["map"][0] < whole["map"] < many["map"][1]
    assert many["macro_f1"][0] < whole["macro_f1"] < many["macro_f1"][1]
    assert many["map"][1] - many["map"][0] < few["map"][1] - few["map"][0]
    assert intervals(truth, truth, cuts) == {"macro_f1": (1.0, 1.0), "map": (1.0, 1.0)}
