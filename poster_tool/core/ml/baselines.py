"""The two baselines every model is shown beside: the genre prior and a colour histogram.

Both are judged exactly as a model is: calibrated on validation, thresholds and suggestion
cuts chosen there, every figure measured on the test split.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from PIL import Image

from poster_tool.core.ml.calibration import Fitted, absent_cuts, judge
from poster_tool.core.ml.metrics import sigmoid


def prior_scores(train_truth: np.ndarray, n: int) -> np.ndarray:
    """The genre prior: every poster scores each genre's training frequency."""
    return np.repeat(train_truth.mean(axis=0, keepdims=True), n, axis=0)


def colour_features(img: Image.Image) -> np.ndarray:
    """A poster's colour: a 4×4×4 RGB histogram, a saturation-weighted hue histogram,
    a brightness histogram and per-channel means and spreads (90 numbers)."""
    small = img.convert("RGB").resize((32, 48), Image.Resampling.BILINEAR)
    rgb = np.asarray(small, np.float64).reshape(-1, 3) / 255.0
    hsv = np.asarray(small.convert("HSV"), np.float64).reshape(-1, 3) / 255.0
    bins = np.minimum((rgb * 4).astype(int), 3)
    joint = np.bincount(bins[:, 0] * 16 + bins[:, 1] * 4 + bins[:, 2], minlength=64)
    hue = np.bincount(np.minimum((hsv[:, 0] * 12).astype(int), 11), weights=hsv[:, 1], minlength=12)
    value = np.bincount(np.minimum((hsv[:, 2] * 8).astype(int), 7), minlength=8)
    n = len(rgb)
    return np.concatenate(
        [
            np.sqrt(joint / n),
            np.sqrt(hue / n),
            np.sqrt(value / n),
            rgb.mean(axis=0),
            rgb.std(axis=0),
        ]
    ).astype(np.float32)


class LogisticRegression:
    """Multi-label logistic regression on standardised features (full-batch Adam, L2).

    :param l2: weight decay strength
    """

    def __init__(self, l2: float = 1e-3, steps: int = 600, lr: float = 0.05) -> None:
        self.l2, self.steps, self.lr = l2, steps, lr

    def fit(self, x: np.ndarray, y: np.ndarray) -> LogisticRegression:
        """Learn one weight vector per genre."""
        self.mean = x.mean(axis=0)
        self.std = x.std(axis=0) + 1e-6
        x = (x - self.mean) / self.std
        n, d = x.shape
        prior = np.clip(y.mean(axis=0), 1e-4, 1 - 1e-4)
        self.w = np.zeros((d, y.shape[1]))
        self.b = np.log(prior / (1 - prior))
        m_w, v_w = np.zeros_like(self.w), np.zeros_like(self.w)
        m_b, v_b = np.zeros_like(self.b), np.zeros_like(self.b)
        for step in range(1, self.steps + 1):
            err = sigmoid(x @ self.w + self.b) - y
            g_w = x.T @ err / n + self.l2 * self.w
            g_b = err.mean(axis=0)
            for g, m, v, p in ((g_w, m_w, v_w, self.w), (g_b, m_b, v_b, self.b)):
                m *= 0.9
                m += 0.1 * g
                v *= 0.999
                v += 0.001 * g * g
                p -= self.lr * (m / (1 - 0.9**step)) / (np.sqrt(v / (1 - 0.999**step)) + 1e-8)
        return self

    def predict(self, x: np.ndarray) -> np.ndarray:
        """Probabilities, ``(N, G)``."""
        return sigmoid(((x - self.mean) / self.std) @ self.w + self.b)


def baselines(
    truth: Mapping[str, np.ndarray], features: Mapping[str, np.ndarray], genres: Sequence[str]
) -> dict[str, dict[str, Any]]:
    """Both baselines on the test split, calibrated and cut on validation like the model.

    :param truth: split name (``train``, ``val``, ``test``) -> ``(N, G)`` truths
    :param features: split name -> ``(N, 90)`` colour features
    """
    histogram = LogisticRegression().fit(features["train"], truth["train"])
    scorers = {
        "prior": lambda split: prior_scores(truth["train"], len(truth[split])),
        "colour_histogram": lambda split: histogram.predict(features[split]),
    }
    out = {}
    absent = absent_cuts(truth["train"])
    for name, scorer in scorers.items():
        fitted = Fitted.on_validation(scorer("val"), truth["val"])
        out[name] = judge(
            fitted.apply(scorer("test")),
            truth["test"],
            fitted.f1_thresholds,
            fitted.cuts,
            genres,
            absent,
        )
    return out
