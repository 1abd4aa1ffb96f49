"""Multi-label metrics, tuned thresholds and the two baselines every model is shown beside.

Plain numpy, matching scikit-learn's definitions (``average_precision_score`` with ties
grouped, ``f1_score`` with ``zero_division=0``) without depending on it.  Macro averages
and mAP run over the genres that have at least one positive in the evaluated split, since
AP is undefined without positives.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from PIL import Image


def average_precision(truth: np.ndarray, scores: np.ndarray) -> float | None:
    """Area under the precision-recall steps for one genre; ``None`` without positives."""
    truth = np.asarray(truth, np.float64)
    positives = truth.sum()
    if positives == 0:
        return None
    order = np.argsort(-np.asarray(scores), kind="stable")
    sorted_scores, sorted_truth = np.asarray(scores)[order], truth[order]
    # One point per distinct score, so tied posters count together (as in scikit-learn).
    ends = np.r_[np.flatnonzero(np.diff(sorted_scores)), len(sorted_scores) - 1]
    tp = np.cumsum(sorted_truth)[ends]
    precision = tp / (ends + 1)
    recall = tp / positives
    return float(np.sum(np.diff(np.r_[0.0, recall]) * precision))


def tune_thresholds(truth: np.ndarray, scores: np.ndarray) -> np.ndarray:
    """Per genre, the score cut that maximises F1 on these (validation) posters.

    The cut sits halfway between the last score taken and the next one down, so unseen
    posters scoring between them fall on the side of the nearer; a genre without
    positives keeps 0.5.
    """
    thresholds = np.full(truth.shape[1], 0.5)
    for j in range(truth.shape[1]):
        positives = truth[:, j].sum()
        if positives == 0:
            continue
        order = np.argsort(-scores[:, j], kind="stable")
        s, t = scores[order, j], truth[order, j]
        ends = np.r_[np.flatnonzero(np.diff(s)), len(s) - 1]
        tp = np.cumsum(t)[ends]
        f1 = 2 * tp / (ends + 1 + positives)  # 2TP / (2TP + FP + FN) = 2TP / (taken + P)
        k = int(np.argmax(f1))
        below = s[ends[k] + 1] if ends[k] + 1 < len(s) else s[ends[k]] - 1e-3
        thresholds[j] = float((s[ends[k]] + below) / 2)
    return thresholds


def scores_report(
    truth: np.ndarray,
    scores: np.ndarray,
    thresholds: np.ndarray | Sequence[float],
    genres: Sequence[str],
) -> dict[str, Any]:
    """Micro-, macro- and samples-F1, mAP and per-genre AP / F1 / support.

    :param truth: ``(N, G)`` 0/1
    :param scores: ``(N, G)`` probabilities
    :param thresholds: per genre; a score at or above it predicts the genre
    """
    truth = np.asarray(truth, np.float64)
    pred = (np.asarray(scores) >= np.asarray(thresholds)[None, :]).astype(np.float64)
    tp = (pred * truth).sum(axis=0)
    fp = (pred * (1 - truth)).sum(axis=0)
    fn = ((1 - pred) * truth).sum(axis=0)
    support = truth.sum(axis=0)
    per_genre: dict[str, dict[str, float | int | None]] = {}
    f1s: list[float] = []
    aps: list[float] = []
    for j, genre in enumerate(genres):
        denominator = 2 * tp[j] + fp[j] + fn[j]
        f1 = float(2 * tp[j] / denominator) if denominator else 0.0
        ap = average_precision(truth[:, j], scores[:, j])
        per_genre[genre] = {
            "support": int(support[j]),
            "ap": None if ap is None else round(ap, 4),
            "f1": round(f1, 4),
            "threshold": round(float(thresholds[j]), 4),
        }
        if support[j] > 0:
            f1s.append(f1)
            if ap is not None:  # always so here: AP is defined once the genre has positives
                aps.append(ap)
    micro_den = 2 * tp.sum() + fp.sum() + fn.sum()
    row_tp = (pred * truth).sum(axis=1)
    row_den = pred.sum(axis=1) + truth.sum(axis=1)
    samples = np.divide(2 * row_tp, row_den, out=np.zeros_like(row_tp), where=row_den > 0)
    return {
        "n": int(truth.shape[0]),
        "micro_f1": round(float(2 * tp.sum() / micro_den) if micro_den else 0.0, 4),
        "macro_f1": round(float(np.mean(f1s)) if f1s else 0.0, 4),
        "samples_f1": round(float(samples.mean()) if len(samples) else 0.0, 4),
        "map": round(float(np.mean(aps)) if aps else 0.0, 4),
        "per_genre": per_genre,
    }


def comparison_lines(model: dict[str, Any], others: dict[str, dict[str, Any]] | None) -> list[str]:
    """A small table: the model's micro-, macro-, samples-F1 and mAP above the baselines'."""
    names = {"prior": "genre prior", "colour_histogram": "colour-histogram logistic regression"}
    rows = [("model", model)] + [(names.get(k, k), v) for k, v in (others or {}).items()]
    lines = [f"{'':<38} micro-F1  macro-F1  samples-F1    mAP"]
    for name, s in rows:
        lines.append(
            f"{name:<38} {s['micro_f1']:8.3f}  {s['macro_f1']:8.3f}  "
            f"{s['samples_f1']:10.3f}  {s['map']:.3f}"
        )
    return lines


def sigmoid(x: np.ndarray) -> np.ndarray:
    """The logistic function, safe for large magnitudes."""
    return 0.5 * (1.0 + np.tanh(0.5 * x))


# -- baselines ------------------------------------------------------------------------------
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
    """Both baselines on the test split, thresholds tuned on validation like the model's.

    :param truth: split name (``train``, ``val``, ``test``) -> ``(N, G)`` truths
    :param features: split name -> ``(N, 90)`` colour features
    """
    histogram = LogisticRegression().fit(features["train"], truth["train"])
    scorers = {
        "prior": lambda split: prior_scores(truth["train"], len(truth[split])),
        "colour_histogram": lambda split: histogram.predict(features[split]),
    }
    out = {}
    for name, scorer in scorers.items():
        thresholds = tune_thresholds(truth["val"], scorer("val"))
        out[name] = scores_report(truth["test"], scorer("test"), thresholds, genres)
    return out
